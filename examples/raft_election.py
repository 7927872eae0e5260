#!/usr/bin/python3
"""A Raft leader election (Raft paper, Figure 2 and section 5.2) for `dkata test -w raft-election`.
Rules: a follower that hears nothing for a random election timeout becomes a candidate: term += 1, votes for
itself, asks everyone for votes; a node grants one vote per term; a candidate with a majority becomes leader and
sends heartbeats; anyone who sees a higher term becomes a follower of that term.
dkata's extension: whenever the role or term changes, tell dkata:
  {"src": "n1", "dest": "dkata", "body": {"type": "role", "role": "leader", "term": 3}}"""
import random
import sys
import time

from node import Node

HEARTBEAT = 0.05
node = Node()
term, voted_for, role, votes = 0, None, "follower", set()


def timeout():
    return time.monotonic() + random.uniform(0.3, 0.6)


deadline, next_beat = timeout(), 0.0


def become(new_role, new_term):
    global role, term, voted_for, deadline
    if new_term > term:
        voted_for = None
    if role == "leader" and new_role != "leader":
        deadline = timeout()
    if (new_role, new_term) != (role, term):
        role, term = new_role, new_term
        print(f"{node.id} {role} in term {term}", file=sys.stderr, flush=True)
        node.send("dkata", {"type": "role", "role": role, "term": term})


def to_all(body):
    for n in node.ids:
        if n != node.id:
            node.send(n, dict(body))


def handle(msg):
    global voted_for, deadline, next_beat
    body = msg["body"]
    t = body["type"]
    if t == "init":
        node.send("dkata", {"type": "role", "role": role, "term": term})
        return
    if body.get("term", 0) > term:
        become("follower", body["term"])
    if t == "request_vote":
        grant = body["term"] == term and voted_for in (None, body["candidate"])
        if grant:
            voted_for = body["candidate"]
            deadline = timeout()
        node.reply(msg, {"type": "vote", "term": term, "granted": grant})
    elif t == "vote" and role == "candidate" and body["term"] == term and body["granted"]:
        votes.add(msg["src"])
        if 2 * len(votes) > len(node.ids):
            become("leader", term)
            to_all({"type": "heartbeat", "term": term})
            next_beat = time.monotonic() + HEARTBEAT
    elif t == "heartbeat" and body["term"] == term:
        if role != "follower":
            become("follower", term)
        deadline = timeout()


def tick():
    global deadline, voted_for, votes, next_beat
    now = time.monotonic()
    if not node.id:
        return
    if role == "leader":
        if now >= next_beat:
            to_all({"type": "heartbeat", "term": term})
            next_beat = now + HEARTBEAT
    elif now >= deadline:
        become("candidate", term + 1)
        voted_for, votes = node.id, {node.id}
        deadline = timeout()
        to_all({"type": "request_vote", "term": term, "candidate": node.id})


node.run(handle, tick, 0.01)
