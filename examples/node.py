"""A tiny helper for writing Maelstrom-protocol nodes in Python (used by the example nodes; copy it into yours):
reads stdin without blocking the timer, hands each message to your handler, and calls your tick function every
`every` seconds. Messages are dicts; send() and reply() write them to stdout."""
import json
import os
import select
import sys
import time


class Node:
    def __init__(self):
        self.id = None
        self.ids = []
        self._next = 0

    def send(self, dest, body):
        self._next += 1
        body["msg_id"] = self._next
        sys.stdout.write(json.dumps({"src": self.id, "dest": dest, "body": body}) + "\n")

    def reply(self, msg, body):
        body["in_reply_to"] = msg["body"]["msg_id"]
        self.send(msg["src"], body)

    def run(self, handle, tick=None, every=0.1):
        """Answers init itself (then passes it on too), calls handle(msg) for every message, tick() every `every`
        seconds, and flushes stdout after each round. Returns when stdin closes."""
        pending, last = b"", time.monotonic()
        while True:
            ready, _, _ = select.select([0], [], [], every)
            if ready:
                chunk = os.read(0, 65536)
                if not chunk:
                    return
                pending += chunk
                *lines, pending = pending.split(b"\n")
                for line in lines:
                    if not line.strip():
                        continue
                    msg = json.loads(line)
                    if msg["body"]["type"] == "init":
                        self.id, self.ids = msg["body"]["node_id"], msg["body"]["node_ids"]
                        self.reply(msg, {"type": "init_ok"})
                    handle(msg)
            if tick and time.monotonic() - last >= every:
                tick()
                last = time.monotonic()
            sys.stdout.flush()
