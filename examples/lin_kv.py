#!/usr/bin/python3
"""A key-value node for `dkata test -w lin-kv`: it keeps no state of its own and forwards every read, write and
cas to one of dkata's services (default lin-kv, which is linearizable), relaying the answer or the error.
`--service seq-kv` or `--service lww-kv` forwards to a weaker store: the linearizability checker should object."""
import json
import sys

service = sys.argv[2] if len(sys.argv) > 2 and sys.argv[1] == "--service" else "lin-kv"
node_id, next_id, waiting = None, 0, {}


def send(dest, body):
    global next_id
    next_id += 1
    body["msg_id"] = next_id
    print(json.dumps({"src": node_id, "dest": dest, "body": body}), flush=True)
    return next_id


for line in sys.stdin:
    msg = json.loads(line)
    body = msg["body"]
    t = body["type"]
    if t == "init":
        node_id = body["node_id"]
        send(msg["src"], {"type": "init_ok", "in_reply_to": body["msg_id"]})
    elif t in ("read", "write", "cas"):
        fwd = {k: v for k, v in body.items() if k != "msg_id"}
        waiting[send(service, fwd)] = (msg["src"], body["msg_id"])
    elif "in_reply_to" in body and body["in_reply_to"] in waiting:
        client, client_msg_id = waiting.pop(body["in_reply_to"])
        answer = {k: v for k, v in body.items() if k not in ("msg_id", "in_reply_to")}
        answer["in_reply_to"] = client_msg_id
        send(client, answer)
