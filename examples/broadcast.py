#!/usr/bin/python3
"""A broadcast node for `dkata test -w broadcast --bin examples/broadcast.py`: keeps the set of messages it has
seen and gossips the whole set to its neighbours (from the topology message) whenever it grows and every 200 ms,
so it heals after partitions. `--bug no-gossip` keeps everything to itself: the checker must find lost messages."""
import json
import os
import select
import sys
import time

bug = sys.argv[2] if len(sys.argv) > 2 and sys.argv[1] == "--bug" else None
node_id, neighbours, seen, next_id = None, [], set(), 0


def send(dest, body):
    global next_id
    next_id += 1
    body["msg_id"] = next_id
    sys.stdout.write(json.dumps({"src": node_id, "dest": dest, "body": body}) + "\n")


def reply(msg, body):
    body["in_reply_to"] = msg["body"]["msg_id"]
    send(msg["src"], body)


def gossip():
    if bug != "no-gossip":
        for n in neighbours:
            send(n, {"type": "gossip", "messages": sorted(seen)})


def handle(msg):
    global node_id, neighbours
    body = msg["body"]
    t = body["type"]
    if t == "init":
        node_id = body["node_id"]
        neighbours = [n for n in body["node_ids"] if n != node_id]
        reply(msg, {"type": "init_ok"})
    elif t == "topology":
        neighbours = body["topology"].get(node_id, neighbours)
        print(f"{node_id} neighbours {neighbours}", file=sys.stderr, flush=True)
        reply(msg, {"type": "topology_ok"})
    elif t == "broadcast":
        if body["message"] not in seen:
            seen.add(body["message"])
            gossip()
        reply(msg, {"type": "broadcast_ok"})
    elif t == "read":
        reply(msg, {"type": "read_ok", "messages": sorted(seen)})
    elif t == "gossip":
        new = set(body["messages"]) - seen
        if new:
            seen.update(new)
            gossip()


pending = b""
last = time.monotonic()
while True:
    ready, _, _ = select.select([0], [], [], 0.2)
    if ready:
        chunk = os.read(0, 65536)
        if not chunk:
            break
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            if line.strip():
                handle(json.loads(line))
    if time.monotonic() - last > 0.2:
        gossip()
        last = time.monotonic()
    sys.stdout.flush()
