#!/usr/bin/python3
"""An echo node for `dkata test -w echo --bin examples/echo.py`: the smallest node that speaks the protocol.
Each message is one JSON object a line: read them from stdin, write replies to stdout (flushed), log to stderr.
Try `--bug wrong-echo` to see the echo checker fail."""
import json
import sys

bug = sys.argv[2] if len(sys.argv) > 2 and sys.argv[1] == "--bug" else None
node_id = None
next_id = 0

for line in sys.stdin:
    msg = json.loads(line)
    body = msg["body"]
    reply = None
    if body["type"] == "init":
        node_id = body["node_id"]
        print(f"{node_id} up; cluster {body['node_ids']}", file=sys.stderr, flush=True)
        reply = {"type": "init_ok"}
    elif body["type"] == "echo":
        echo = body["echo"] + "!" if bug == "wrong-echo" else body["echo"]
        reply = {"type": "echo_ok", "echo": echo}
    if reply is not None:
        next_id += 1
        reply["msg_id"] = next_id
        reply["in_reply_to"] = body["msg_id"]
        print(json.dumps({"src": node_id, "dest": msg["src"], "body": reply}), flush=True)
