#!/bin/bash
# cluster.sh: a throwaway PostgreSQL 15 cluster for the tests, from Debian's
# postgresql-15 binaries. Nothing outside DIR is touched: the cluster's
# files, its socket and its log live there, it listens on 127.0.0.1 only,
# and it is stopped by the PID in its own postmaster.pid.
#
#   cluster.sh start DIR [PORT]   initdb (if DIR has no cluster yet), start,
#                                 create database "hotline"; prints the
#                                 connection URI on stdout
#   cluster.sh replica DIR PRIMARY_DIR
#                                 a streaming replica of the cluster in
#                                 PRIMARY_DIR (pg_basebackup), started and
#                                 made its synchronous standby: a commit on
#                                 the primary then returns once DIR has it
#   cluster.sh stop DIR           fast shutdown by PID (waits up to 30 s)
#   cluster.sh uri DIR            the URI again
#
# With CLUSTER_OWNER=PID in the environment, start and replica also leave a
# watchdog that stops the server (by the PID it started with) once process
# PID has gone: a test killed by a timeout leaves no server behind.
#
# Run as root, the server runs as the unprivileged user "nobody" (PostgreSQL
# refuses to run as root). Authentication is "trust" on loopback: a test
# cluster holds nothing secret and is gone when the test ends.
set -euo pipefail

usage() { sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "cluster.sh: $*" >&2; exit 1; }

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
cmd=${1:-}; dir=${2:-}
case "$cmd" in -h|--help) usage; exit 0 ;; start|stop|uri|replica) ;; *) usage >&2; exit 2 ;; esac
[ -n "$dir" ] || die "give the cluster's directory"
[ -x "$PGBIN/postgres" ] || die "no PostgreSQL 15 server in $PGBIN (install postgresql-15: ./scripts/deps pg)"

as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi
}

uri() { echo "postgresql://hotline@127.0.0.1:$(cat "$dir/port")/hotline"; }

# watch DIR: with CLUSTER_OWNER set, a detached loop (no terminal, no open
# pipes) that checks the owner every second and, once it has gone, stops the
# server that DIR's postmaster.pid named now, if it still runs from DIR.
watch() {
    [ -n "${CLUSTER_OWNER:-}" ] || return 0
    local pm
    pm=$(head -1 "$1/data/postmaster.pid")
    setsid bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 1; done
        [ "$(head -1 "$3/data/postmaster.pid" 2>/dev/null)" = "$2" ] || exit 0
        kill -INT "$2" 2>/dev/null || exit 0
        for _ in $(seq 1 300); do kill -0 "$2" 2>/dev/null || exit 0; sleep 0.1; done
        kill -QUIT "$2" 2>/dev/null' _ "$CLUSTER_OWNER" "$pm" "$1" </dev/null >/dev/null 2>&1 &
}

# serve DIR PORT: starts the server of DIR/data on PORT and waits for it.
serve() {
    local d=$1 p=$2
    as_owner "$PGBIN/postgres" -D "$d/data" -p "$p" -k "$d" -c listen_addresses=127.0.0.1 \
        -c shared_buffers=64MB -c max_connections=60 -c log_min_messages=warning \
        >>"$d/postgres.log" 2>&1 &
    for _ in $(seq 1 300); do
        if "$PGBIN/pg_isready" -q -h "$d" -p "$p"; then return 0; fi
        kill -0 $! 2>/dev/null || { tail -20 "$d/postgres.log" >&2; die "postgres exited"; }
        sleep 0.1
    done
    die "postgres did not come up in 30 s (see $d/postgres.log)"
}

case "$cmd" in
uri) uri ;;
replica)
    pdir=${3:-}
    [ -f "$pdir/port" ] || die "no running cluster in '$pdir'"
    pdir=$(cd "$pdir" && pwd); pport=$(cat "$pdir/port")
    mkdir -p "$dir"; dir=$(cd "$dir" && pwd)
    [ "$(id -u)" = 0 ] && { chown nobody "$dir"; chmod 755 "$dir"; }
    port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    # --checkpoint=fast: the default (spread) waits for a checkpoint paced over
    # minutes (checkpoint_completion_target of checkpoint_timeout).
    as_owner "$PGBIN/pg_basebackup" --checkpoint=fast -h "$pdir" -p "$pport" -U hotline -D "$dir/data" -R -X stream \
        -d "application_name=standby" >"$dir/basebackup.log" 2>&1 || { cat "$dir/basebackup.log" >&2; die "pg_basebackup failed"; }
    echo "$port" >"$dir/port"
    serve "$dir" "$port"
    watch "$dir"
    "$PGBIN/psql" -h "$pdir" -p "$pport" -U hotline -d postgres -qc "ALTER SYSTEM SET synchronous_standby_names = 'standby'" \
        -c "SELECT pg_reload_conf()" >/dev/null
    for _ in $(seq 1 300); do
        st=$("$PGBIN/psql" -h "$pdir" -p "$pport" -U hotline -d postgres -Atqc \
            "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'standby'")
        [ "$st" = sync ] && { echo "postgresql://hotline@127.0.0.1:$port/hotline"; exit 0; }
        sleep 0.1
    done
    die "the replica did not become the synchronous standby in 30 s"
    ;;
start)
    [ -e "$dir" ] && [ ! -d "$dir" ] && die "$dir exists and is not a directory"
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    port=${3:-$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
    if [ "$(id -u)" = 0 ]; then
        chown nobody "$dir"
        chmod 755 "$dir"
        # The server's user must reach DIR: open the enclosing (temporary) directory to it.
        runuser -u nobody -- test -x "$dir" || chmod o+x "$(dirname "$dir")"
        runuser -u nobody -- test -x "$dir" || die "user nobody cannot reach $dir: put it under a directory others may enter"
    fi
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        as_owner "$PGBIN/initdb" -D "$dir/data" -U hotline --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
            { cat "$dir/initdb.log" >&2; die "initdb failed"; }
    fi
    echo "$port" >"$dir/port"
    serve "$dir" "$port"
    watch "$dir"
    if ! "$PGBIN/psql" -h "$dir" -p "$port" -U hotline -d postgres -Atqc "SELECT 1 FROM pg_database WHERE datname='hotline'" | grep -q 1; then
        "$PGBIN/createdb" -h "$dir" -p "$port" -U hotline hotline
    fi
    uri
    ;;
stop)
    pidfile="$dir/data/postmaster.pid"
    [ -f "$pidfile" ] || exit 0
    pid=$(head -1 "$pidfile")
    kill -INT "$pid" 2>/dev/null || exit 0
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.1; done
    kill -QUIT "$pid" 2>/dev/null || true
    ;;
esac
