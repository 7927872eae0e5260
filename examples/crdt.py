#!/usr/bin/python3
"""State-based CRDTs: `crdt.py counter` for `dkata test -w g-counter` and `-w pn-counter`, `crdt.py set` for
`-w g-set`. each node keeps its own contributions
(per-node increments and decrements, or a set), merges what others gossip by taking maxima (or unions), and
gossips its whole state to every other node every 100 ms, so it converges once the network heals.
`--bug local-only` never gossips: final reads disagree with the acknowledged adds."""
import json
import os
import select
import sys
import time

mode = sys.argv[1] if len(sys.argv) > 1 else "counter"
bug = sys.argv[3] if len(sys.argv) > 3 and sys.argv[2] == "--bug" else None
node_id, nodes, next_id = None, [], 0
inc, dec, elements = {}, {}, set()  # node -> total added / subtracted there


def send(dest, body):
    global next_id
    next_id += 1
    body["msg_id"] = next_id
    sys.stdout.write(json.dumps({"src": node_id, "dest": dest, "body": body}) + "\n")


def reply(msg, body):
    body["in_reply_to"] = msg["body"]["msg_id"]
    send(msg["src"], body)


def handle(msg):
    global node_id, nodes
    body = msg["body"]
    t = body["type"]
    if t == "init":
        node_id, nodes = body["node_id"], body["node_ids"]
        reply(msg, {"type": "init_ok"})
    elif t == "add" and "delta" in body:
        d = body["delta"]
        table = inc if d >= 0 else dec
        table[node_id] = table.get(node_id, 0) + abs(d)
        reply(msg, {"type": "add_ok"})
    elif t == "add":
        elements.add(json.dumps(body["element"]))
        reply(msg, {"type": "add_ok"})
    elif t == "read" and mode == "counter":
        reply(msg, {"type": "read_ok", "value": sum(inc.values()) - sum(dec.values())})
    elif t == "read":
        reply(msg, {"type": "read_ok", "value": [json.loads(e) for e in sorted(elements)]})
    elif t == "state":
        for mine, theirs in ((inc, body["inc"]), (dec, body["dec"])):
            for n, v in theirs.items():
                mine[n] = max(mine.get(n, 0), v)
        elements.update(body["elements"])


pending = b""
last = 0.0
while True:
    ready, _, _ = select.select([0], [], [], 0.1)
    if ready:
        chunk = os.read(0, 65536)
        if not chunk:
            break
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            if line.strip():
                handle(json.loads(line))
    if time.monotonic() - last > 0.1 and node_id and bug != "local-only":
        for n in nodes:
            if n != node_id:
                send(n, {"type": "state", "inc": inc, "dec": dec, "elements": sorted(elements)})
        last = time.monotonic()
    sys.stdout.flush()
