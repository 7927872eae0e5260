#!/usr/bin/python3
"""A unique-id node for `dkata test -w unique-ids`: an id is the node's id and a counter, unique without any
coordination. `--bug counter-only` drops the node id, so two nodes hand out the same ids."""
import json
import sys

bug = sys.argv[2] if len(sys.argv) > 2 and sys.argv[1] == "--bug" else None
node_id, next_id, counter = None, 0, 0
for line in sys.stdin:
    msg = json.loads(line)
    body = msg["body"]
    if body["type"] == "init":
        node_id = body["node_id"]
        reply = {"type": "init_ok"}
    elif body["type"] == "generate":
        counter += 1
        reply = {"type": "generate_ok", "id": counter if bug == "counter-only" else f"{node_id}-{counter}"}
    else:
        continue
    next_id += 1
    reply.update(msg_id=next_id, in_reply_to=body["msg_id"])
    print(json.dumps({"src": node_id, "dest": msg["src"], "body": reply}), flush=True)
