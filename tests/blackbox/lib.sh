# lib.sh: shared helpers for black-box tests. Source it; it expects
# HOTLINE_BIN (the build's bin/) and HOTLINE_SRC (the source tree).
# Every process a test starts is recorded by PID and stopped by PID on exit.
set -euo pipefail

: "${HOTLINE_SRC:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${HOTLINE_BIN:=$HOTLINE_SRC/build/bin}"
export HOTLINE_DATADIR="${HOTLINE_DATADIR:-$HOTLINE_SRC/schemas}"
PY=/usr/bin/python3
T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/hotline-test.XXXXXX")
T_PIDS=()

t_cleanup() {
    local pid
    [ -n "${PG_DIR:-}" ] && { "$HOTLINE_SRC/tests/pg/cluster.sh" stop "$PG_DIR" || true; }
    for pid in "${T_PIDS[@]:-}"; do
        [ -n "$pid" ] && kill -CONT "$pid" 2>/dev/null || true
        [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${T_PIDS[@]:-}"; do
        [ -n "$pid" ] && wait "$pid" 2>/dev/null || true
    done
    if [ "${T_KEEP:-0}" = 1 ]; then echo "kept $T_DIR"; else rm -rf "$T_DIR"; fi
}
trap t_cleanup EXIT

# t_pg_cluster: a throwaway PostgreSQL 15 cluster in $T_DIR/pg, stopped by
# PID on exit (or, should this script be killed, by the cluster's watchdog);
# sets PG_DIR, PG_PORT and PG_URI (its database "hotline").
t_pg_cluster() {
    PG_DIR=$T_DIR/pg
    PG_URI=$(CLUSTER_OWNER=$$ "$HOTLINE_SRC/tests/pg/cluster.sh" start "$PG_DIR") || t_fail "the throwaway PostgreSQL cluster did not start"
    PG_PORT=$(cat "$PG_DIR/port")
}

# t_sqlite_year NAME: the 2022 year on SQLite, undisturbed (1 worker);
# its outcomes in $T_DIR/NAME.csv, the store in $T_DIR/NAME.db.
t_sqlite_year() {
    local ep=tcp://127.0.0.1:$(t_port) b w
    t_broker "$1-broker" "$ep" "$T_DIR/$1.db" --clock virtual; b=$BROKER_PID
    t_worker "$1-w1" "$ep" --all-services; w=$WORKER_PID
    "$HOTLINE_BIN/hotline-sim" --connect "$ep" --scenario longhu-2022 --seed 2022 -q --timeout 900 2>>"$T_DIR/$1-sim.log" ||
        t_fail "the SQLite year"
    t_stop "$w"; t_stop "$b"
    "$HOTLINE_BIN/hotline-report" --db "$T_DIR/$1.db" --outcomes >"$T_DIR/$1.csv" || t_fail "outcomes from SQLite"
}

t_fail() { echo "FAIL: $*" >&2; for f in "$T_DIR"/*.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -20 "$f" >&2; }; done; exit 1; }
t_ok() { echo "ok - $*"; }

# A free TCP port on 127.0.0.1.
t_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# t_broker NAME ENDPOINT DB [ARGS...]: starts a broker; sets BROKER_PID.
t_broker() {
    local name=$1 ep=$2 db=$3; shift 3
    "$HOTLINE_BIN/hotline-broker" --bind "$ep" --db "$db" "$@" 2>>"$T_DIR/$name.log" &
    BROKER_PID=$!
    T_PIDS+=("$BROKER_PID")
    t_wait_mmi "$ep" mmi.service 200 || t_fail "broker $name did not come up"
}

# t_worker NAME ENDPOINT ARGS...: starts a worker; sets WORKER_PID.
t_worker() {
    local name=$1 ep=$2; shift 2
    "$HOTLINE_BIN/hotline-worker" --connect "$ep" "$@" 2>>"$T_DIR/$name.log" &
    WORKER_PID=$!
    T_PIDS+=("$WORKER_PID")
}

# t_wait_mmi ENDPOINT SERVICE CODE: waits (<= 10 s) until mmi.service answers CODE.
t_wait_mmi() {
    $PY "$HOTLINE_SRC/tests/blackbox/mdp_call.py" --connect "$1" --wait 10 --mmi "$2" --expect "$3" >/dev/null
}

# t_call ENDPOINT SERVICE JSON: one MDP request; prints the reply as JSON.
t_call() { $PY "$HOTLINE_SRC/tests/blackbox/mdp_call.py" --connect "$1" "$2" "$3"; }

# t_json EXPR < json: evaluates a Python expression on the parsed JSON (as j).
t_json() { $PY -c "import json,sys; j=json.load(sys.stdin); print($1)"; }

# t_stop PID: SIGTERM and wait. Our programs drain and exit 0 on SIGTERM (a
# peer without a handler exits 143); anything else — a sanitizer report, a
# crash on the way out — fails the test.
t_stop() {
    local rc=0
    kill -TERM "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || rc=$?
    [ "$rc" = 0 ] || [ "$rc" = 143 ] || [ "$rc" = 127 ] || t_fail "process $1 exited with status $rc when stopped"
}
t_kill9() { kill -KILL "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# t_peer NAME SCRIPT ARGS...: starts a Python peer tests/blackbox/SCRIPT in the
# background (stdout and stderr to $T_DIR/NAME.log); sets PEER_PID.
t_peer() {
    local name=$1 script=$2; shift 2
    $PY "$HOTLINE_SRC/tests/blackbox/$script" "$@" >>"$T_DIR/$name.log" 2>&1 &
    PEER_PID=$!
    T_PIDS+=("$PEER_PID")
}

# t_wait_file FILE [SECONDS]: waits (<= SECONDS, default 10) until FILE exists and is not empty.
t_wait_file() {
    local f=$1 n=$(( ${2:-10} * 20 )) i
    for ((i = 0; i < n; i++)); do [ -s "$f" ] && return 0; sleep 0.05; done
    return 1
}
