#!/usr/bin/python3
"""Test nodes that break the protocol on purpose, one way each (the first argument):
crash, hang, flood, bigline, noinit, notjson, badshape, baddest, two-leaders."""
import json
import sys

how = sys.argv[1]
node_id = None


def out(dest, body):
    sys.stdout.write(json.dumps({"src": node_id, "dest": dest, "body": body}) + "\n")
    sys.stdout.flush()


for line in sys.stdin:
    msg = json.loads(line)
    body = msg["body"]
    if body["type"] == "init":
        if how == "noinit":
            continue
        node_id = body["node_id"]
        out(msg["src"], {"type": "init_ok", "in_reply_to": body["msg_id"]})
        if how == "two-leaders":
            out("dkata", {"type": "role", "role": "leader", "term": 1})
        continue
    if how == "crash":
        print("giving up: cannot handle", body["type"], file=sys.stderr, flush=True)
        sys.exit(3)
    if how == "hang":
        continue
    if how == "flood":  # to n0, which floods too and so reads nothing
        spam = (json.dumps({"src": node_id, "dest": "n0", "body": {"type": "spam", "pad": "x" * 16384}}) + "\n") * 64
        while True:
            sys.stdout.write(spam)
    if how == "bigline":
        sys.stdout.write("{\"pad\":\"" + "x" * (10 << 20) + "\"}\n")
        sys.stdout.flush()
        continue
    if how == "notjson":
        print("hello, I am a log line on the wrong stream", flush=True)
        continue
    if how == "badshape":
        out(msg["src"], {"type": "echo_ok", "in_reply_to": body["msg_id"]})
        continue
    if how == "baddest":
        out("n42", {"type": "gossip"})
        continue
    out(msg["src"], {"type": body["type"] + "_ok", "in_reply_to": body["msg_id"], "echo": body.get("echo")})
