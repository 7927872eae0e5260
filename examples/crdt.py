#!/usr/bin/python3
"""State-based CRDTs: `crdt.py counter` for `dkata test -w g-counter` and `-w pn-counter`, `crdt.py set` for
`-w g-set`. Each node keeps its own contributions (per-node increments and decrements, or a set), merges what
others gossip by taking maxima (or unions), and gossips its whole state to every other node every 100 ms, so it
converges once the network heals. `--bug local-only` never gossips: final reads disagree with the acknowledged
adds."""
import json
import sys

from node import Node

mode = sys.argv[1] if len(sys.argv) > 1 else "counter"
bug = sys.argv[3] if len(sys.argv) > 3 and sys.argv[2] == "--bug" else None
node = Node()
inc, dec, elements = {}, {}, set()  # node -> total added / subtracted there; the set's elements as JSON


def handle(msg):
    body = msg["body"]
    t = body["type"]
    if t == "add" and "delta" in body:
        table = inc if body["delta"] >= 0 else dec
        table[node.id] = table.get(node.id, 0) + abs(body["delta"])
        node.reply(msg, {"type": "add_ok"})
    elif t == "add":
        elements.add(json.dumps(body["element"]))
        node.reply(msg, {"type": "add_ok"})
    elif t == "read" and mode == "counter":
        node.reply(msg, {"type": "read_ok", "value": sum(inc.values()) - sum(dec.values())})
    elif t == "read":
        node.reply(msg, {"type": "read_ok", "value": [json.loads(e) for e in sorted(elements)]})
    elif t == "state":
        for mine, theirs in ((inc, body["inc"]), (dec, body["dec"])):
            for n, v in theirs.items():
                mine[n] = max(mine.get(n, 0), v)
        elements.update(body["elements"])


def gossip():
    if node.id and bug != "local-only":
        for n in node.ids:
            if n != node.id:
                node.send(n, {"type": "state", "inc": inc, "dec": dec, "elements": sorted(elements)})


node.run(handle, gossip, 0.1)
