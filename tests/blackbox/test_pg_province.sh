#!/usr/bin/env bash
# One PostgreSQL store for a province: two centres (longhu and jinping) share
# one database, each in its own schema with its own brokers.
#   - both centres' brokers are active at once; a second longhu broker stands
#     by, and takes over when the active one is killed with -9, while
#     jinping's broker goes on serving;
#   - a run or a ticket for another centre is refused;
#   - each centre's figures and outcomes equal the same run on a SQLite store
#     of its own; the merged report is their sum, and --by centre shows each;
#   - on a read-only server (as a standby is), the merged reports are the
#     same byte for byte.
source "$(dirname "$0")/lib.sh"

PGBIN=/usr/lib/postgresql/15/bin
t_pg_cluster
uri=$PG_URI PG=$PG_DIR port=$PG_PORT
count() { PGOPTIONS="-c search_path=centre_$1" "$PGBIN/psql" -h "$PG" -p "$port" -U hotline -d hotline -Atqc "SELECT count(*) FROM ticket" 2>/dev/null || echo 0; }
report() { "$HOTLINE_BIN/hotline-report" "$@"; }
SEED_J=7

# --- each centre alone on SQLite, for reference: smoke for longhu, smoke with
# another seed for jinping
for c in longhu jinping; do
    ep=tcp://127.0.0.1:$(t_port)
    seed=2022; [ "$c" = jinping ] && seed=$SEED_J
    t_broker "lite-$c" "$ep" "$T_DIR/$c.db" --clock virtual --centre "$c"; b=$BROKER_PID
    t_worker "lite-$c-w" "$ep" --all-services; w=$WORKER_PID
    "$HOTLINE_BIN/hotline-sim" --connect "$ep" --scenario smoke --seed "$seed" --centre "$c" -q --timeout 300 \
        2>>"$T_DIR/lite-$c-sim.log" || t_fail "the SQLite run of $c"
    t_stop "$w"; t_stop "$b"
    report --db "$T_DIR/$c.db" --outcomes >"$T_DIR/lite-$c.csv" || t_fail "outcomes of SQLite $c"
    report --db "$T_DIR/$c.db" --format csv >"$T_DIR/lite-$c-figures.csv" || t_fail "figures of SQLite $c"
done
t_ok "reference runs on SQLite: longhu $(($(wc -l <"$T_DIR/lite-longhu.csv") - 1)) tickets, jinping $(($(wc -l <"$T_DIR/lite-jinping.csv") - 1))"

# --- both centres on one PostgreSQL database
el=tcp://127.0.0.1:$(t_port); el2=tcp://127.0.0.1:$(t_port); ej=tcp://127.0.0.1:$(t_port)
t_broker pg-longhu "$el" "$uri" --clock virtual --lease 3; bl=$BROKER_PID
t_broker pg-jinping "$ej" "$uri" --clock virtual --lease 3 --centre jinping; bj=$BROKER_PID
grep -q 'active: this broker leads the store.*centre=jinping' "$T_DIR/pg-jinping.log" || t_fail "jinping's broker is not active"
"$HOTLINE_BIN/hotline-broker" --bind "$el2" --db "$uri" --clock virtual --lease 3 2>>"$T_DIR/pg-longhu2.log" &
bl2=$!; T_PIDS+=("$bl2")
for _ in $(seq 1 100); do grep -q 'standby: another broker is active' "$T_DIR/pg-longhu2.log" && break; sleep 0.1; done
grep -q 'standby: another broker is active' "$T_DIR/pg-longhu2.log" || t_fail "the second longhu broker did not stand by"
t_ok "longhu (pid $bl) and jinping (pid $bj) active at once on one database; a second longhu broker (pid $bl2) stands by"

# Refusals: a run and a ticket for the other centre, with nothing stored.
rc=0; "$HOTLINE_BIN/hotline-sim" --connect "$el" --scenario smoke --centre jinping -q --timeout 30 2>"$T_DIR/wrong-sim.log" || rc=$?
[ "$rc" -eq 65 ] || t_fail "a jinping run on longhu's broker: exit $rc, want 65"
grep -q "this broker serves centre 'longhu'" "$T_DIR/wrong-sim.log" || t_fail "no reason given: $(cat "$T_DIR/wrong-sim.log")"
reply=$(t_call "$el" ticket.submit '{"id":"X1","received_at":1646100000,"type":"help","text":"路灯坏了","centre":"jinping"}')
[ "$(echo "$reply" | t_json 'j["status"]')" = rejected ] || t_fail "a jinping ticket on longhu's broker: $reply"
[ "$(count longhu)" -eq 0 ] || t_fail "the refused ticket was stored"
t_ok "refused on longhu's broker: a jinping run (exit 65) and a jinping ticket ($(echo "$reply" | t_json 'j["error"]'))"

workers=()
t_worker pg-wl "$el,$el2" --all-services; workers+=("$WORKER_PID")
t_worker pg-wj "$ej" --all-services; workers+=("$WORKER_PID")
"$HOTLINE_BIN/hotline-sim" --connect "$el,$el2" --scenario smoke -q --timeout 300 --rate 150 2>>"$T_DIR/pg-sim-l.log" &
siml=$!; T_PIDS+=("$siml")
"$HOTLINE_BIN/hotline-sim" --connect "$ej" --scenario smoke --seed $SEED_J --centre jinping -q --timeout 300 --rate 150 \
    2>>"$T_DIR/pg-sim-j.log" &
simj=$!; T_PIDS+=("$simj")
for _ in $(seq 1 300); do [ "$(count longhu)" -ge 150 ] && break; sleep 0.1; done
nl=$(count longhu)
[ "$nl" -ge 150 ] || t_fail "longhu reached only $nl tickets"
t0=$(date +%s%3N); t_kill9 "$bl"
# jinping's broker answers while longhu has no active broker (or just got one)
tj=$(t_call "$ej" sim.status '{}' | t_json 'j["tickets"]') || t_fail "jinping's broker did not answer during longhu's failover"
ans=$(($(date +%s%3N) - t0))
for _ in $(seq 1 300); do grep -q 'active: this broker leads the store' "$T_DIR/pg-longhu2.log" && break; sleep 0.1; done
grep -q 'active: this broker leads the store' "$T_DIR/pg-longhu2.log" || t_fail "the longhu standby did not take over"
took=$(($(date +%s%3N) - t0))
t_ok "longhu's active broker killed with -9 at $nl tickets: the standby took over in $took ms; jinping's broker answered sim.status ($tj tickets) $ans ms after the kill"
wait "$siml" || t_fail "longhu's run did not settle"
wait "$simj" || t_fail "jinping's run did not settle"
id=$(sed -n 2p "$T_DIR/lite-jinping.csv" | cut -d, -f1)
c=$(t_call "$ej" ticket.status "{\"id\":\"$id\"}" | t_json 'j["centre"]')
[ "$c" = jinping ] || t_fail "ticket $id on jinping's broker says centre '$c'"
c=$(t_call "$el2" ticket.status "{\"id\":\"$id\"}" | t_json 'j["centre"]')
[ "$c" = longhu ] || t_fail "ticket $id on longhu's broker says centre '$c'"
t_ok "ticket $id exists in both centres, each its own (ticket.status: centre jinping, centre longhu)"
for pid in "${workers[@]}"; do t_stop "$pid"; done
t_stop "$bl2"; t_stop "$bj"

# --- each centre's figures and outcomes equal its SQLite run
for c in longhu jinping; do
    report --db "$uri" --centre "$c" --outcomes >"$T_DIR/pg-$c.csv" || t_fail "outcomes of $c on PostgreSQL"
    cmp -s "$T_DIR/pg-$c.csv" "$T_DIR/lite-$c.csv" || t_fail "$c: PostgreSQL outcomes differ from SQLite: $(diff "$T_DIR/pg-$c.csv" "$T_DIR/lite-$c.csv" | head -5)"
    report --db "$uri" --centre "$c" --format csv >"$T_DIR/pg-$c-figures.csv" || t_fail "figures of $c"
    cmp -s "$T_DIR/pg-$c-figures.csv" "$T_DIR/lite-$c-figures.csv" || t_fail "$c: figures differ from SQLite"
done
t_ok "each centre's outcomes ($(sha256sum <"$T_DIR/pg-longhu.csv" | cut -c1-12), $(sha256sum <"$T_DIR/pg-jinping.csv" | cut -c1-12)) and figures equal its SQLite run"

# --- merged and cut by centre
fig() { $PY -c "import csv,sys; r=[x for x in csv.DictReader(open(sys.argv[1])) if x.get('key','total') == sys.argv[3]]; print(r[0][sys.argv[2]])" "$@"; }
report --db "$uri" --format csv >"$T_DIR/merged.csv" || t_fail "the merged report"
report --db "$uri" --by centre --format csv >"$T_DIR/by-centre.csv" || t_fail "the report by centre"
for f in received closed praise kb_updates returns; do
    l=$(fig "$T_DIR/lite-longhu-figures.csv" $f total) j=$(fig "$T_DIR/lite-jinping-figures.csv" $f total)
    m=$(fig "$T_DIR/merged.csv" $f total)
    [ "$m" -eq $((l + j)) ] || t_fail "merged $f is $m, want $l + $j"
    [ "$(fig "$T_DIR/by-centre.csv" $f longhu)" -eq "$l" ] || t_fail "--by centre: longhu's $f"
    [ "$(fig "$T_DIR/by-centre.csv" $f jinping)" -eq "$j" ] || t_fail "--by centre: jinping's $f"
done
t_ok "merged: received $(fig "$T_DIR/merged.csv" received total) = $(fig "$T_DIR/by-centre.csv" received longhu) (longhu) + $(fig "$T_DIR/by-centre.csv" received jinping) (jinping); closed, praise, kb_updates and returns add up too"
report --db "$uri" --centre longhu,jinping --rank --format csv >"$T_DIR/rank.csv" || t_fail "--rank over both centres"
report --db "$uri" --late --format csv >"$T_DIR/late.csv" || t_fail "--late over both centres"
[ "$(head -1 "$T_DIR/late.csv" | tr -d '\r\357\273\277')" = "centre,id,unit,type,close_due,closed_at,late_work_hours" ] ||
    t_fail "--late over both centres: no centre column ($(head -1 "$T_DIR/late.csv"))"
late_total=$(($(wc -l <"$T_DIR/late.csv") - 1))
for c in longhu jinping; do
    report --db "$uri" --centre $c --late --format csv >"$T_DIR/late-$c.csv" || t_fail "--late of $c"
    head -1 "$T_DIR/late-$c.csv" | grep -q '^id,' || t_fail "--late of one centre has a centre column"
    want=$(($(wc -l <"$T_DIR/late-$c.csv") - 1))
    got=$(grep -c "^$c," "$T_DIR/late.csv" || true)
    [ "$got" -eq "$want" ] || t_fail "--late over both centres: $got rows of $c, want $want"
done
t_ok "--late over both centres: $late_total rows, each naming its centre ($(grep -c '^longhu,' "$T_DIR/late.csv" || true) longhu, $(grep -c '^jinping,' "$T_DIR/late.csv" || true) jinping), as each centre's own list"

rc=0; report --db "$uri" --outcomes >/dev/null 2>"$T_DIR/outcomes-all.log" || rc=$?
[ "$rc" -eq 64 ] && grep -q 'choose one with --centre' "$T_DIR/outcomes-all.log" || t_fail "--outcomes over two centres: exit $rc"
rc=0; report --db "$uri" --centre nanao >/dev/null 2>"$T_DIR/nanao.log" || rc=$?
[ "$rc" -eq 66 ] && grep -q 'centres="jinping, longhu"' "$T_DIR/nanao.log" || t_fail "an unknown centre: exit $rc, $(cat "$T_DIR/nanao.log")"
[ "$(report --db "$uri" --check)" = ok ] || t_fail "--check over both centres"
t_ok "--outcomes over two centres refused (exit 64), an unknown centre refused (exit 66, the centres listed), --check ok for both"

# --- a backup of one centre: restored into an empty database, it is that centre alone
report --db "$uri" --centre jinping --backup "$T_DIR/jinping.dump" 2>>"$T_DIR/backup.log" || t_fail "--backup of jinping"
"$PGBIN/pg_restore" --list "$T_DIR/jinping.dump" | grep -q 'SCHEMA - centre_longhu' && t_fail "jinping's backup holds longhu's schema"
"$PGBIN/createdb" -h "$PG" -p "$port" -U hotline restored || t_fail "createdb restored"
"$PGBIN/pg_restore" --exit-on-error --no-owner -h "$PG" -p "$port" -U hotline -d restored "$T_DIR/jinping.dump" 2>"$T_DIR/restore.log" ||
    t_fail "pg_restore of jinping's backup: $(tail -2 "$T_DIR/restore.log")"
ruri="postgresql://hotline@127.0.0.1:$port/restored"
[ "$(report --db "$ruri" --centre longhu --check 2>&1 >/dev/null | grep -c 'no such centre')" -eq 1 ] || t_fail "the restored backup holds longhu"
report --db "$ruri" --outcomes >"$T_DIR/restored-jinping.csv" || t_fail "outcomes of the restored backup"
cmp -s "$T_DIR/restored-jinping.csv" "$T_DIR/lite-jinping.csv" || t_fail "the restored backup's outcomes differ from jinping's"
[ "$(report --db "$ruri" --check)" = ok ] || t_fail "--check of the restored backup"
t_ok "--centre jinping --backup: restored into an empty database, it holds jinping alone ($(wc -l <"$T_DIR/restored-jinping.csv") outcome lines, equal to its SQLite run) and checks ok"

# --- on a read-only server (as a hot standby is), where no temporary view can
# be made: the same reports, merged ones included, byte for byte
export PGOPTIONS="-c default_transaction_read_only=on"
report --db "$uri" --format csv >"$T_DIR/ro-merged.csv" 2>"$T_DIR/ro.log" || t_fail "merged, read-only: $(tail -1 "$T_DIR/ro.log")"
report --db "$uri" --by centre --format csv >"$T_DIR/ro-by-centre.csv" 2>>"$T_DIR/ro.log" || t_fail "--by centre, read-only"
report --db "$uri" --late --format csv >"$T_DIR/ro-late.csv" 2>>"$T_DIR/ro.log" || t_fail "--late, read-only"
report --db "$uri" --centre longhu,jinping --rank --format csv >"$T_DIR/ro-rank.csv" 2>>"$T_DIR/ro.log" || t_fail "--rank, read-only"
report --db "$uri" --centre jinping --format csv >"$T_DIR/ro-jinping.csv" || t_fail "one centre on a read-only server"
ro_check=$(report --db "$uri" --check 2>>"$T_DIR/ro.log")
rc=0; report --db "$uri" --backup "$T_DIR/ro.dump" 2>>"$T_DIR/ro.log" || rc=$?
unset PGOPTIONS
for f in merged by-centre late rank; do
    cmp -s "$T_DIR/ro-$f.csv" "$T_DIR/$f.csv" || t_fail "read-only server: --$f differs from the primary's: $(diff "$T_DIR/ro-$f.csv" "$T_DIR/$f.csv" | head -3)"
done
[ "$ro_check" = ok ] || t_fail "--check over both centres on a read-only server: $ro_check"
[ "$rc" -eq 0 ] && [ -s "$T_DIR/ro.dump" ] || t_fail "--backup on a read-only server: exit $rc, $(tail -1 "$T_DIR/ro.log")"
[ "$(fig "$T_DIR/ro-jinping.csv" received total)" -eq "$(fig "$T_DIR/lite-jinping-figures.csv" received total)" ] ||
    t_fail "jinping's figures on a read-only server"
t_ok "read-only server: merged, --by centre, --late and --rank over both centres equal the primary's byte for byte (received $(fig "$T_DIR/ro-merged.csv" received total)), --check ok, one centre as usual, --backup made"
