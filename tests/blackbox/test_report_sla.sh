#!/usr/bin/env bash
# The SLA report on a real store: the what-if year (30% fewer staff, deadlines
# really missed) replayed through a real broker and two workers, then
# `hotline-report --by unit`, `--late` and `--outcomes` checked against SQL
# counts on the store itself: dispatches per unit add up to the dispatch
# events, closed_late is closed − on time, the late list holds exactly the
# late closes and the tickets open past their deadline, open tickets by age
# add up to open_at_end, knowledge-base entries of unit "street" are not a
# unit, and --outcomes is byte-identical from one run to the next.
source "$(dirname "$0")/lib.sh"

port=$(t_port); ep=tcp://127.0.0.1:$port
t_broker broker "$ep" "$T_DIR/w.db" --clock virtual
bp=$BROKER_PID
t_worker w1 "$ep" --all-services; w1=$WORKER_PID
t_worker w2 "$ep" --all-services; w2=$WORKER_PID
"$HOTLINE_BIN/hotline-sim" --connect "$ep" --scenario whatif-staff-cut -q --timeout 900 2>>"$T_DIR/sim.log" ||
    t_fail "hotline-sim failed"
t_stop "$w1"; t_stop "$w2"; t_stop "$bp"

db=$T_DIR/w.db
report() { "$HOTLINE_BIN/hotline-report" --db "$db" "$@"; }
sql() { sqlite3 "file:$db?mode=ro" "$1"; }
# The year in CST: [2022-01-01 00:00, 2023-01-01 00:00); "now" is its end.
FROM=1640966400 TO=1672502400
OPEN="received_at < $TO AND type <> 'praise' AND (closed_at IS NULL OR closed_at >= $TO)
      AND NOT (closed_at IS NULL AND state IN ('ANSWERED', 'PRAISE', 'DONE'))"

report --from 2022-01-01 --to 2022-12-31 --by unit --format json >"$T_DIR/unit.json" || t_fail "--by unit failed"
check() { t_json "$1" <"$T_DIR/unit.json" | grep -qx True || t_fail "check failed: $1"; t_ok "$1"; }
t_json '"dispatched", j["dispatched"], "closed_late", j["closed_late"], "overdue_now", j["overdue_now"],
        "median_close_workdays", j["median_close_workdays"], "signed_late", j["signed_late"]' <"$T_DIR/unit.json"

# ---- dispatched: the dispatch events of the year, by event.unit
n=$(sql "SELECT count(*) FROM event WHERE kind = 'dispatched' AND at >= $FROM AND at < $TO")
[ "$n" -gt 0 ] || t_fail "no dispatch events in the store"
check "sum(g['dispatched'] for g in j['groups']) == j['dispatched'] == $n"
for u in unit.chengguan unit.street.jinxia; do
    n=$(sql "SELECT count(*) FROM event WHERE kind = 'dispatched' AND at >= $FROM AND at < $TO AND unit = '$u'")
    check "[g['dispatched'] for g in j['groups'] if g['key'] == '$u'] == [$n]"
done
n=$(sql "SELECT count(*) FROM event WHERE kind = 'signed' AND detail = 'signed late' AND at >= $FROM AND at < $TO")
check "j['signed_late'] == $n"
# over every event of the store: a period that holds them all
all=$(sql "SELECT count(*) FROM event WHERE kind = 'dispatched'")
got=$(report --from 2021-01-01 --to 2023-12-31 --by unit --format json | t_json 'j["dispatched"]')
[ "$got" = "$all" ] || t_fail "dispatched over all time is $got, the store has $all dispatch events"
t_ok "dispatched over all time = $all dispatch events"

# ---- closed_late = closed − on time, per unit and in total, and late closes in SQL
check "all(g['closed_late'] == g['closed'] - round((g['on_time_rate'] or 0) * g['closed']) for g in j['groups'])"
check "j['closed_late'] == j['closed'] - round(j['on_time_rate'] * j['closed']) > 0"
late_closes=$(sql "SELECT count(*) FROM ticket WHERE on_time = 0 AND closed_at >= $FROM AND closed_at < $TO")
check "j['closed_late'] == $late_closes"

# ---- open at the year's end: overdue, and by age (they add up to open_at_end)
open_overdue=$(sql "SELECT count(*) FROM ticket WHERE $OPEN AND close_due < $TO")
check "j['overdue_now'] == $open_overdue"
check "sum(j[k] for k in ('aged_0_1', 'aged_1_3', 'aged_3_5', 'aged_5_10', 'aged_10_plus')) == j['open_at_end'] > 0"
check "all(sum(g[k] for k in ('aged_0_1', 'aged_1_3', 'aged_3_5', 'aged_5_10', 'aged_10_plus')) == g['open_at_end'] for g in j['groups'])"
check "0 < j['median_close_workdays'] < 15"

# ---- knowledge-base entries of unit "street": one group, not a unit "street"
kb=$(sql "SELECT count(*) FROM kb_rev WHERE source = 'update' AND unit = 'street' AND valid_from >= $FROM AND valid_from < $TO")
[ "$kb" -gt 0 ] || t_fail "the scenario updates no community entry"
check "[(g['name'], g['kb_updates']) for g in j['groups'] if g['key'] == 'unit.street.*'] == [('各街道办事处', $kb)]"
check "all(g['key'] != 'street' for g in j['groups'])"
report --by unit --format csv | grep -q '^street,' && t_fail "--by unit CSV still has a row keyed street"
t_ok "--by unit CSV has no row keyed street"

# ---- --late: the late closes plus the open tickets past their deadline, latest first
report --from 2022-01-01 --to 2022-12-31 --late --format csv >"$T_DIR/late.csv" || t_fail "--late failed"
rows=$(( $(wc -l <"$T_DIR/late.csv") - 1 ))
echo "  --late: $rows rows = $late_closes late closes + $open_overdue open overdue"
[ "$rows" = $(( late_closes + open_overdue )) ] || t_fail "--late has $rows rows, want $late_closes + $open_overdue"
[ "$(grep -c ',open,' "$T_DIR/late.csv")" = "$open_overdue" ] || t_fail "--late: open rows differ from $open_overdue"
t_ok "--late rows = late closes + open overdue tickets"
$PY - "$T_DIR/late.csv" <<'EOF' || t_fail "--late is not sorted by lateness"
import csv, sys
h = [float(r["late_work_hours"]) for r in csv.DictReader(open(sys.argv[1], encoding="utf-8"))]
sys.exit(0 if h == sorted(h, reverse=True) and h[0] > 0 else 1)
EOF
t_ok "--late sorted by late_work_hours, largest first"
n=$(report --from 2022-01-01 --to 2022-12-31 --late --format json | t_json 'len(j["rows"])')
[ "$n" = "$rows" ] || t_fail "--late JSON has $n rows, CSV $rows"

# ---- --outcomes: byte-identical twice; lateness where on_time is 0
report --outcomes >"$T_DIR/o1.csv" || t_fail "--outcomes failed"
report --outcomes >"$T_DIR/o2.csv" || t_fail "--outcomes failed"
cmp -s "$T_DIR/o1.csv" "$T_DIR/o2.csv" || t_fail "--outcomes differs between two runs"
head -1 "$T_DIR/o1.csv" | grep -qx 'id,state,unit,received_at,closed_at,on_time,rating,close_due,late_work_hours' ||
    t_fail "--outcomes header: $(head -1 "$T_DIR/o1.csv")"
late_all=$(sql "SELECT count(*) FROM ticket WHERE on_time = 0")
open_late=$(sql "SELECT count(*) FROM ticket WHERE closed_at IS NULL AND state NOT IN ('ANSWERED', 'PRAISE', 'DONE')
                 AND close_due < (SELECT max(at) FROM event)")
n=$(awk -F, 'NR > 1 && $9 != ""' "$T_DIR/o1.csv" | wc -l)
[ "$n" = $(( late_all + open_late )) ] || t_fail "--outcomes: $n late lines, want $late_all + $open_late"
t_ok "--outcomes byte-identical across runs ($(sha256sum <"$T_DIR/o1.csv" | cut -c1-16)), $n late lines"
