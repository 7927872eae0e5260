#!/bin/sh
# Like wrapper.sh, but the node it runs never answers init: the error path must reap the helpers too.
sleep 987651 &
setsid sleep 987652 &
exec /usr/bin/python3 "$(dirname "$0")/misbehave.py" noinit
