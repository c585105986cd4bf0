#!/usr/bin/env bash
# Active and standby brokers on one PostgreSQL store. Two brokers start on
# the store; one is active (binds, serves), the other waits. The 2022 year
# runs through them with workers and the simulator given both endpoints:
#   - the active broker is killed with -9: the standby takes over;
#   - the dead one is restarted and stands by;
#   - the now active broker is frozen (SIGSTOP) past the lease: the standby
#     ends its session and takes over; resumed (SIGCONT), the frozen broker
#     finds its connection gone and exits 75 without acknowledging anything
#     more (fencing).
# The year still ends with outcomes byte-identical to an undisturbed SQLite
# run. Each takeover's time is reported.
source "$(dirname "$0")/lib.sh"

PGBIN=/usr/lib/postgresql/15/bin
t_pg_cluster
uri=$PG_URI PG=$PG_DIR port=$PG_PORT
count() { PGOPTIONS="-c search_path=centre_longhu" "$PGBIN/psql" -h "$PG" -p "$port" -U hotline -d hotline -Atqc "SELECT count(*) FROM ticket" 2>/dev/null || echo 0; }
now_ms() { date +%s%3N; }
LEASE=3

# broker NAME ENDPOINT: starts a broker on the store without waiting for it
# (a standby does not bind); sets BROKER_PID.
broker() {
    "$HOTLINE_BIN/hotline-broker" --bind "$2" --db "$uri" --clock virtual --lease $LEASE 2>>"$T_DIR/$1.log" &
    BROKER_PID=$!
    T_PIDS+=("$BROKER_PID")
}
# active_after NAME T0: waits (<= 30 s) for NAME's "active" line; prints ms since T0.
active_after() {
    for _ in $(seq 1 300); do
        if grep -q 'active: this broker leads the store' "$T_DIR/$1.log" 2>/dev/null; then echo $(($(now_ms) - $2)); return 0; fi
        sleep 0.1
    done
    t_fail "$1 did not become active within 30 s"
}
wait_count() { for _ in $(seq 1 900); do [ "$(count)" -ge "$1" ] && return 0; sleep 0.1; done; t_fail "the store did not reach $1 tickets"; }

ea=tcp://127.0.0.1:$(t_port); eb=tcp://127.0.0.1:$(t_port)
broker a "$ea"; a=$BROKER_PID
active_after a "$(now_ms)" >/dev/null
broker b "$eb"; b=$BROKER_PID
for _ in $(seq 1 100); do grep -q 'standby: another broker is active' "$T_DIR/b.log" && break; sleep 0.1; done
grep -q 'standby: another broker is active' "$T_DIR/b.log" || t_fail "broker b did not stand by"
t_ok "broker a (pid $a) active, broker b (pid $b) standing by"

workers=()
for i in 1 2; do t_worker "w$i" "$ea,$eb" --all-services; workers+=("$WORKER_PID"); done
"$HOTLINE_BIN/hotline-sim" --connect "$ea,$eb" --scenario longhu-2022 --seed 2022 -q --timeout 900 2>>"$T_DIR/sim.log" &
sim=$!; T_PIDS+=("$sim")

wait_count 6000
t0=$(now_ms); t_kill9 "$a"
took=$(active_after b "$t0")
t_ok "a killed with -9 at $(count) tickets: b took over in $took ms"
broker a2 "$ea"; a2=$BROKER_PID

wait_count 16000
grep -q 'standby: another broker is active' "$T_DIR/a2.log" || t_fail "the restarted a did not stand by"
t0=$(now_ms); kill -STOP "$b"
took=$(active_after a2 "$t0")
t_ok "b frozen (SIGSTOP) at $(count) tickets: a2 took over in $took ms (lease $LEASE s)"
kill -CONT "$b"
rc=0; wait "$b" || rc=$?
[ "$rc" = 75 ] || t_fail "the resumed broker b exited $rc, want 75 (it lost the leadership)"
grep -q 'lost the store.s connection, and with it the leadership' "$T_DIR/b.log" || t_fail "b did not say why it stopped"
t_ok "b resumed (SIGCONT): found its session ended and exited 75 without acknowledging more"

wait "$sim" || t_fail "the sim did not settle the year across two takeovers"
for pid in "${workers[@]}"; do t_stop "$pid"; done
t_stop "$a2"
"$HOTLINE_BIN/hotline-report" --db "$uri" --outcomes >"$T_DIR/pg.csv" || t_fail "outcomes from PostgreSQL"

t_sqlite_year lite
[ "$(wc -l <"$T_DIR/pg.csv")" -eq 26427 ] || t_fail "PostgreSQL outcomes have $(wc -l <"$T_DIR/pg.csv") lines"
cmp -s "$T_DIR/pg.csv" "$T_DIR/lite.csv" || t_fail "outcomes differ: $(diff "$T_DIR/pg.csv" "$T_DIR/lite.csv" | head -4)"
t_ok "lost 0, duplicated 0, unexpected 0: outcomes after two takeovers byte-identical to SQLite undisturbed ($(sha256sum <"$T_DIR/pg.csv" | cut -c1-16))"
