#!/usr/bin/env bash
# The store on PostgreSQL: a throwaway cluster (tests/pg/cluster.sh) serves
# as the broker's store. The 2022 year replayed through it, with a kill -9 of
# the broker in the middle, gives per-ticket outcomes byte-identical to an
# undisturbed SQLite run, and the published figures; --check and --backup
# work on it. Misuse is refused clearly: an unreachable server, a password on
# the command line, a database that holds something else, a schema of
# another version.
source "$(dirname "$0")/lib.sh"

PGBIN=/usr/lib/postgresql/15/bin
t_pg_cluster
uri=$PG_URI PG=$PG_DIR port=$PG_PORT
# Sessions on the default centre's schema, where the broker keeps its tables.
psql_on() { PGOPTIONS="-c search_path=centre_longhu" "$PGBIN/psql" -h "$PG" -p "$port" -U hotline -v ON_ERROR_STOP=1 -Atq "$@"; }
t_ok "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') started in a temporary directory (pid $(head -1 "$PG/data/postmaster.pid"))"

# --- misuse: each refused at once, non-zero, with a message that says why
refuse() { # NAME DB EXPECTED-TEXT
    local name=$1 db=$2 want=$3 rc=0
    timeout 30 "$HOTLINE_BIN/hotline-broker" --bind "tcp://127.0.0.1:$(t_port)" --db "$db" 2>"$T_DIR/$name.log" || rc=$?
    [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || t_fail "$name: broker exit $rc, want a refusal"
    grep -q "$want" "$T_DIR/$name.log" || t_fail "$name: no '$want' in: $(cat "$T_DIR/$name.log")"
    t_ok "$name refused (exit $rc): $(grep -o 'err=.*' "$T_DIR/$name.log" | head -1 | cut -c1-110)"
}
refuse unreachable "postgresql://hotline@127.0.0.1:1/hotline" "cannot connect to PostgreSQL"
refuse password "postgresql://hotline:s3cret-word@127.0.0.1:$port/hotline" "holds a password"
grep -q 's3cret-word' "$T_DIR/password.log" && t_fail "the password was written to the log"
t_ok "the refused password does not appear in the log"
# Another application's tables in the centre's schema (its own schema is no concern).
psql_on -d hotline -c "CREATE DATABASE other" &&
    psql_on -d other -c "CREATE TABLE public.payroll (x int); CREATE SCHEMA centre_longhu; CREATE TABLE centre_longhu.payroll (x int)"
refuse foreign "postgresql://hotline@127.0.0.1:$port/other" "holds 1 tables but no hotline store"
psql_on -d hotline -c "CREATE DATABASE old" && psql_on -d old -c "CREATE SCHEMA centre_longhu; CREATE TABLE centre_longhu.meta (key text PRIMARY KEY, value text); INSERT INTO centre_longhu.meta VALUES ('schema_version', '99')"
refuse version "postgresql://hotline@127.0.0.1:$port/old" "schema version is 99"

# --- the year on PostgreSQL, the broker killed with -9 once in the middle
ep=tcp://127.0.0.1:$(t_port)
t_broker pg-broker1 "$ep" "$uri" --clock virtual
b1=$BROKER_PID
workers=()
for i in 1 2; do t_worker "pg-w$i" "$ep" --all-services; workers+=("$WORKER_PID"); done
"$HOTLINE_BIN/hotline-sim" --connect "$ep" --scenario longhu-2022 --seed 2022 -q --timeout 900 2>>"$T_DIR/pg-sim.log" &
sim=$!; T_PIDS+=("$sim")
for _ in $(seq 1 600); do
    n=$(psql_on -d hotline -c "SELECT count(*) FROM ticket" 2>/dev/null || echo 0)
    [ "${n:-0}" -ge 8000 ] && break
    sleep 0.1
done
[ "${n:-0}" -ge 8000 ] || t_fail "only ${n:-0} tickets reached PostgreSQL in 60 s"
t_kill9 "$b1"
t_ok "broker (pid $b1) killed with SIGKILL at $n tickets in the store"
t_broker pg-broker2 "$ep" "$uri" --clock virtual
wait "$sim" || t_fail "the sim did not settle the year after the broker's restart"
for pid in "${workers[@]}"; do t_stop "$pid"; done
t_stop "$BROKER_PID"
"$HOTLINE_BIN/hotline-report" --db "$uri" --outcomes >"$T_DIR/pg.csv" || t_fail "outcomes from PostgreSQL"

# --- the same year on SQLite, undisturbed
t_sqlite_year lite

lines=$(wc -l <"$T_DIR/pg.csv")
[ "$lines" -eq 26427 ] || t_fail "PostgreSQL outcomes have $lines lines, want 26427"
cmp -s "$T_DIR/pg.csv" "$T_DIR/lite.csv" || t_fail "outcomes differ: $(diff "$T_DIR/pg.csv" "$T_DIR/lite.csv" | head -4)"
t_ok "outcomes byte-identical: PostgreSQL with a kill -9 and SQLite undisturbed ($(sha256sum <"$T_DIR/pg.csv" | cut -c1-16), $((lines - 1)) tickets)"

json=$("$HOTLINE_BIN/hotline-report" --db "$uri" --from 2022-01-01 --to 2022-12-31 --format json)
check() { echo "$json" | t_json "$1" | grep -qx True || t_fail "figure check failed: $1"; t_ok "$1"; }
check 'j["received"] == 26426'
check 'j["urgent_received"] == 196'
check 'j["praise"] == 38'
check 'j["kb_updates"] == 204'
check 'abs(j["closed"] - 26232) <= 0.01 * 26232'
check 'j["on_time_rate"] == 1 and j["bad_rectified_rate"] == 1'
lite=$("$HOTLINE_BIN/hotline-report" --db "$T_DIR/lite.db" --from 2022-01-01 --to 2022-12-31 --format json)
[ "$json" = "$lite" ] || t_fail "the yearly reports differ between the engines"
for by in month unit street type; do
    [ "$("$HOTLINE_BIN/hotline-report" --db "$uri" --by $by --format csv)" = \
      "$("$HOTLINE_BIN/hotline-report" --db "$T_DIR/lite.db" --by $by --format csv)" ] || t_fail "--by $by differs between the engines"
done
t_ok "the yearly report and the reports by month, unit, street and type are the same on both engines"

[ "$("$HOTLINE_BIN/hotline-report" --db "$uri" --check)" = ok ] || t_fail "--check on PostgreSQL"
psql_on -d hotline -c "ALTER TABLE event DISABLE TRIGGER event_append_only; DELETE FROM event WHERE kind = 'received' AND ticket_id = (SELECT min(id) FROM ticket)"
rc=0; out=$("$HOTLINE_BIN/hotline-report" --db "$uri" --check) || rc=$?
[ "$rc" -ne 0 ] && echo "$out" | grep -q "1 tickets without their received event" || t_fail "--check missed a deleted event (exit $rc): $out"
t_ok "--check: ok, then finds a deleted event (exit $rc: $out)"
"$HOTLINE_BIN/hotline-report" --db "$uri" --backup "$T_DIR/store.dump" 2>>"$T_DIR/backup.log" || t_fail "--backup"
tables=$("$PGBIN/pg_restore" --list "$T_DIR/store.dump" | grep -c 'TABLE DATA')
[ "$tables" -ge 7 ] || t_fail "the dump holds $tables tables' data"
t_ok "--backup wrote a pg_dump archive with $tables tables' data ($(stat -c %s "$T_DIR/store.dump") bytes)"
