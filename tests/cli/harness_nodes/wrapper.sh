#!/bin/sh
# A wrapper script, as people write them: it starts helpers (one in its process group, one that escapes with
# setsid) and then runs the real node. dkata must leave none of them behind.
sleep 987651 &
setsid sleep 987652 &
exec /usr/bin/python3 "$(dirname "$0")/../../../examples/echo.py"
