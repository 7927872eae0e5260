#!/usr/bin/python3
"""Test node for dkata's services: on each echo it runs a short script against lin-tso and a kv service (argv[1]),
checking every answer, and echoes the request back only if all held; otherwise it echoes "FAIL: why", which the
echo checker reports. Checks: ts strictly increases; read of a missing key is error 20; cas without
create_if_not_exists on a missing key is error 20; with it, cas_ok; a cas with the wrong from is error 22; a read
sees the value (for seq-kv/lww-kv after a write by this node, read-your-writes is not promised, so only lin-kv
checks it); an unknown request is error 10."""
import json
import sys

kv = sys.argv[1] if len(sys.argv) > 1 else "lin-kv"
node_id, next_id, last_ts, step = None, 0, 0, {}


def send(dest, body):
    global next_id
    next_id += 1
    body["msg_id"] = next_id
    print(json.dumps({"src": node_id, "dest": dest, "body": body}), flush=True)
    return next_id


def ask(req, dest, body):
    step[send(dest, body)] = req


def finish(req, why=None):
    body = req["body"]
    echo = body["echo"] if why is None else "FAIL: " + why
    send(req["src"], {"type": "echo_ok", "echo": echo, "in_reply_to": body["msg_id"]})


for line in sys.stdin:
    msg = json.loads(line)
    body = msg["body"]
    if body["type"] == "init":
        node_id = body["node_id"]
        send(msg["src"], {"type": "init_ok", "in_reply_to": body["msg_id"]})
        continue
    if body["type"] == "echo":
        key = f"{node_id}-{body['msg_id']}-{msg['src']}"
        msg["key"], msg["stage"] = key, 0
        ask(msg, "lin-tso", {"type": "ts"})
        continue
    req = step.pop(body.get("in_reply_to"), None)
    if req is None:
        continue
    s, key = req["stage"], req["key"]
    req["stage"] = s + 1
    if s == 0:
        if body["type"] != "ts_ok" or body["ts"] <= last_ts:
            finish(req, f"ts went from {last_ts} to {body}")
            continue
        last_ts = body["ts"]
        ask(req, kv, {"type": "read", "key": key})
    elif s == 1:
        if body.get("code") != 20:
            finish(req, f"read of a missing key gave {body}")
            continue
        ask(req, kv, {"type": "cas", "key": key, "from": 1, "to": 2})
    elif s == 2:
        if body.get("code") != 20:
            finish(req, f"cas on a missing key gave {body}")
            continue
        ask(req, kv, {"type": "cas", "key": key, "from": 1, "to": 2, "create_if_not_exists": True})
    elif s == 3:
        if body["type"] != "cas_ok":
            finish(req, f"cas with create_if_not_exists gave {body}")
            continue
        ask(req, kv, {"type": "cas", "key": key, "from": 7, "to": 8})
    elif s == 4:
        if body.get("code") != 22:
            finish(req, f"cas with the wrong from gave {body}")
            continue
        ask(req, kv, {"type": "read", "key": key})
    elif s == 5:
        if kv == "lin-kv" and body.get("value") != 2:
            finish(req, f"read after cas gave {body}")
            continue
        ask(req, kv, {"type": "frobnicate", "key": key})
    elif s == 6:
        finish(req, None if body.get("code") == 10 else f"an unknown request gave {body}")
