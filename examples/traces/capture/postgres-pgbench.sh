#!/bin/bash
# Captures postgres-pgbench.strace: a PostgreSQL server (postmaster, its auxiliary processes and
# one forked backend per connection, all sharing the buffer pool's shared mapping and the dynamic
# shared memory segments) serving a short pgbench run. Traced with ioctl, ftruncate and fallocate
# as well as the memory and process calls: PostgreSQL sizes its POSIX dynamic shared memory
# segments with ftruncate and fallocate before mapping them.
#
# Usage: sudo examples/traces/capture/postgres-pgbench.sh [OUTPUT]   (default ./postgres-pgbench.strace)
# Needs: strace and PostgreSQL 15 (Debian: apt-get install strace postgresql), and the postgres
# user the package creates. The server listens on 127.0.0.1 and a socket in a temporary
# directory, on a private port; pgbench runs a fixed number of transactions and the script stops
# by itself.
set -euo pipefail

out=$(realpath -m "${1:-postgres-pgbench.strace}")
bin=/usr/lib/postgresql/15/bin
port=54329
work=$(mktemp -d /tmp/postgres-pgbench.XXXXXX)
chown postgres: "$work"
as_postgres() { runuser -u postgres -- "$@"; }
stop() { as_postgres "$bin/pg_ctl" -D "$work/data" stop -m fast >/dev/null 2>&1 || true; }
trap 'stop; rm -rf "$work"' EXIT

# 1. A fresh cluster in the temporary directory, made as the postgres user.
as_postgres "$bin/initdb" -D "$work/data" -A trust -U postgres >/dev/null

# 2. The server under strace (strace -u runs it as postgres): loopback and a private socket only.
strace -f -u postgres -e trace=memory,process,ioctl,ftruncate,fallocate -o "$out" \
    "$bin/postgres" -D "$work/data" -p "$port" -k "$work" -c listen_addresses=127.0.0.1 \
    -c logging_collector=off >"$work/server.log" 2>&1 &
strace_pid=$!
for _ in $(seq 100); do
    as_postgres "$bin/pg_isready" -h 127.0.0.1 -p "$port" -q && break
    sleep 0.1
done

# 3. A small pgbench database (scale 1), then 4 clients running 50 transactions each.
as_postgres "$bin/pgbench" -h 127.0.0.1 -p "$port" -U postgres -i -s 1 -q postgres >/dev/null 2>&1
as_postgres "$bin/pgbench" -h 127.0.0.1 -p "$port" -U postgres -c 4 -t 50 postgres >/dev/null

# 4. A fast shutdown; strace ends with the postmaster.
stop
wait "$strace_pid"
echo "wrote $out ($(wc -l <"$out") lines)"
