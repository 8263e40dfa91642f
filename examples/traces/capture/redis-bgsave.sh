#!/bin/bash
# Captures redis-bgsave.strace: a Redis server taking a BGSAVE snapshot while clients keep
# writing, so the forked child's copy-on-write sharing is broken under load.
#
# Usage: sudo examples/traces/capture/redis-bgsave.sh [OUTPUT]   (default ./redis-bgsave.strace)
# Needs: strace, redis-server, redis-tools (Debian: apt-get install strace redis-server).
# Traffic stays on 127.0.0.1; every loop below is bounded and the script stops by itself.
set -euo pipefail

out=$(realpath -m "${1:-redis-bgsave.strace}")
port=16379
work=$(mktemp -d /tmp/redis-bgsave.XXXXXX)
trap 'redis-cli -h 127.0.0.1 -p $port shutdown nosave >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

# 1. The server under strace: loopback only, a private port, no automatic snapshots, no AOF.
strace -f -e trace=memory,process -o "$out" \
    redis-server --bind 127.0.0.1 --port "$port" --dir "$work" --save "" --appendonly no \
    --daemonize no --logfile "$work/redis.log" &
strace_pid=$!
for _ in $(seq 50); do
    redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1 && break
    sleep 0.1
done

# 2. Load 20,000 keys of 512 bytes, so the snapshot has pages to share.
redis-benchmark -h 127.0.0.1 -p "$port" -t set -n 20000 -r 20000 -d 512 -c 4 -q >/dev/null

# 3. Writes continue (a bounded run of SETs over the same keys) while BGSAVE forks the child.
redis-benchmark -h 127.0.0.1 -p "$port" -t set -n 30000 -r 20000 -d 512 -c 4 -q >/dev/null &
writers=$!
sleep 0.2
redis-cli -h 127.0.0.1 -p "$port" bgsave
wait "$writers"
for _ in $(seq 100); do
    redis-cli -h 127.0.0.1 -p "$port" info persistence | grep -q 'rdb_bgsave_in_progress:0' && break
    sleep 0.1
done

# 4. Stop the server and let strace finish writing.
redis-cli -h 127.0.0.1 -p "$port" shutdown nosave >/dev/null 2>&1 || true
wait "$strace_pid"
echo "wrote $out ($(wc -l <"$out") lines)"
