#!/usr/bin/python3
"""A Raft leader election (Raft paper, Figure 2 and section 5.2) for `dkata test -w raft-election`.
Rules: a follower that hears nothing for a random election timeout becomes a candidate: term += 1, votes for
itself, asks everyone for votes; a node grants one vote per term; a candidate with a majority becomes leader and
sends heartbeats; anyone who sees a higher term becomes a follower of that term.
dkata's extension: whenever the role or term changes, tell dkata:
  {"src": "n1", "dest": "dkata", "body": {"type": "role", "role": "leader", "term": 3}}"""
import json
import os
import random
import select
import sys
import time

node_id, nodes, next_id = None, [], 0
term, voted_for, role, votes = 0, None, "follower", set()
HEARTBEAT = 0.05


def timeout():
    return time.monotonic() + random.uniform(0.3, 0.6)


deadline = timeout()
next_beat = 0.0


def send(dest, body):
    global next_id
    next_id += 1
    body["msg_id"] = next_id
    sys.stdout.write(json.dumps({"src": node_id, "dest": dest, "body": body}) + "\n")


def become(new_role, new_term):
    global role, term, voted_for, deadline
    if new_term > term:
        voted_for = None
    if role == "leader" and new_role != "leader":
        deadline = timeout()
    if (new_role, new_term) != (role, term):
        role, term = new_role, new_term
        print(f"{node_id} {role} in term {term}", file=sys.stderr, flush=True)
        send("dkata", {"type": "role", "role": role, "term": term})


def handle(msg):
    global node_id, nodes, voted_for, deadline, votes
    body = msg["body"]
    t = body["type"]
    if t == "init":
        node_id, nodes = body["node_id"], body["node_ids"]
        send(msg["src"], {"type": "init_ok", "in_reply_to": body["msg_id"]})
        send("dkata", {"type": "role", "role": role, "term": term})
        return
    if body.get("term", 0) > term:
        become("follower", body["term"])
    if t == "request_vote":
        grant = body["term"] == term and voted_for in (None, body["candidate"])
        if grant:
            voted_for = body["candidate"]
            deadline = timeout()
        send(msg["src"], {"type": "vote", "term": term, "granted": grant})
    elif t == "vote" and role == "candidate" and body["term"] == term and body["granted"]:
        votes.add(msg["src"])
        if 2 * len(votes) > len(nodes):
            become("leader", term)
            heartbeat()
    elif t == "heartbeat" and body["term"] == term:
        if role != "follower":
            become("follower", term)
        deadline = timeout()


def heartbeat():
    for n in nodes:
        if n != node_id:
            send(n, {"type": "heartbeat", "term": term})


def tick():
    global deadline, voted_for, votes, next_beat
    now = time.monotonic()
    if role == "leader":
        if now >= next_beat:
            heartbeat()
            next_beat = now + HEARTBEAT
        return
    if now >= deadline and node_id:
        become("candidate", term + 1)
        voted_for, votes = node_id, {node_id}
        deadline = timeout()
        for n in nodes:
            if n != node_id:
                send(n, {"type": "request_vote", "term": term, "candidate": node_id})


pending = b""
while True:
    wait = HEARTBEAT if role == "leader" else max(0.0, min(deadline - time.monotonic(), 0.05))
    ready, _, _ = select.select([0], [], [], wait)
    if ready:
        chunk = os.read(0, 65536)
        if not chunk:
            break
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            if line.strip():
                handle(json.loads(line))
    tick()
    sys.stdout.flush()
