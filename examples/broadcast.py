#!/usr/bin/python3
"""A broadcast node for `dkata test -w broadcast --bin examples/broadcast.py`: keeps the set of messages it has
seen and gossips the whole set to its neighbours (from the topology message) whenever it grows and every 200 ms,
so it heals after partitions. `--bug no-gossip` keeps everything to itself: the checker must find lost messages."""
import sys

from node import Node

bug = sys.argv[2] if len(sys.argv) > 2 and sys.argv[1] == "--bug" else None
node, neighbours, seen = Node(), [], set()


def gossip():
    if bug != "no-gossip":
        for n in neighbours:
            node.send(n, {"type": "gossip", "messages": sorted(seen)})


def handle(msg):
    global neighbours
    body = msg["body"]
    t = body["type"]
    if t == "init":
        neighbours = [n for n in node.ids if n != node.id]
    elif t == "topology":
        neighbours = body["topology"].get(node.id, neighbours)
        print(f"{node.id} neighbours {neighbours}", file=sys.stderr, flush=True)
        node.reply(msg, {"type": "topology_ok"})
    elif t == "broadcast":
        if body["message"] not in seen:
            seen.add(body["message"])
            gossip()
        node.reply(msg, {"type": "broadcast_ok"})
    elif t == "read":
        node.reply(msg, {"type": "read_ok", "messages": sorted(seen)})
    elif t == "gossip":
        new = set(body["messages"]) - seen
        if new:
            seen.update(new)
            gossip()


node.run(handle, gossip, 0.2)
