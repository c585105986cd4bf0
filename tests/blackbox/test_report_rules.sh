#!/usr/bin/env bash
# The rules' figures of the report and the unit ranking on a real store: the
# Longhu year replayed once through a real broker and two workers, then
# `hotline-report` checked against SQL counts on the store itself: every
# rules' figure (退单, 延期, 挂起, 重复件, 联办, 催办, 通报, 回访未接通, 重办,
# 人工派单, 一次派单准确率) in JSON, the same in table and CSV, groups that add
# up to the total by unit, month, type and street, repeat calls kept out of
# the on-time and satisfaction rates and out of the backlog, and `--rank`:
# one row per unit, sorted as documented, its counts those of the store, CSV
# and JSON alike, and the same ranking in the HTML page.
source "$(dirname "$0")/lib.sh"

port=$(t_port); ep=tcp://127.0.0.1:$port
t_broker broker "$ep" "$T_DIR/y.db" --clock virtual
bp=$BROKER_PID
t_worker w1 "$ep" --all-services; w1=$WORKER_PID
t_worker w2 "$ep" --all-services; w2=$WORKER_PID
"$HOTLINE_BIN/hotline-sim" --connect "$ep" --scenario longhu-2022 -q --timeout 900 2>>"$T_DIR/sim.log" ||
    t_fail "hotline-sim failed"
t_stop "$w1"; t_stop "$w2"; t_stop "$bp"

db=$T_DIR/y.db
report() { "$HOTLINE_BIN/hotline-report" --db "$db" --from 2022-01-01 --to 2022-12-31 "$@"; }
sql() { sqlite3 "file:$db?mode=ro" "$1"; }
# The year in CST: [2022-01-01 00:00, 2023-01-01 00:00).
FROM=1640966400 TO=1672502400
IN="at >= $FROM AND at < $TO"
COUNTS="returns returns_approved extensions suspensions merged co_handled reminders notifications"
COUNTS+=" unreachable reopened manual_dispatch"

report --format json >"$T_DIR/total.json" || t_fail "the report failed"
check() { t_json "$1" <"$T_DIR/$2" | grep -qx True || t_fail "check failed ($2): $1"; t_ok "$1"; }
t_json '{k: j[k] for k in "'"$COUNTS"' overdue first_dispatch_accuracy".split()}' <"$T_DIR/total.json"

# ---- the figures of earlier versions are still there, the same
check "j['received'] == 26426 and j['urgent_received'] == 196 and j['praise'] == 38 and j['kb_updates'] == 204" total.json
check "j['on_time_rate'] == 1 and j['bad_rectified_rate'] == 1 and j['overdue'] == 0" total.json
keys=$(t_json '",".join(k for k in j if k not in ("from", "to"))' <"$T_DIR/total.json")
want="received,closed,on_time_rate,urgent_received,urgent_closed,direct_answered,direct_answered_rate,praise,rated"
want+=",satisfied_rate,satisfied_rate_strict,bad_ratings,bad_rectified,bad_rectified_rate,overdue,open_at_end"
want+=",kb_updates,returns,returns_approved,extensions,suspensions,merged,co_handled,reminders,notifications"
want+=",unreachable,reopened,manual_dispatch,first_dispatch_accuracy"
[ "$keys" = "$want" ] || t_fail "figure keys: $keys"
t_ok "the 17 figures keep their order; the 12 rules' figures follow"

# ---- each rules' figure: a number > 0 in 2022 (no deadline passed: no 督办, no 通报)
for k in $COUNTS; do
    if [ "$k" = notifications ]; then check "j['$k'] == 0" total.json; else check "type(j['$k']) is int and j['$k'] > 0" total.json; fi
done
check "0.9 <= j['first_dispatch_accuracy'] < 1" total.json

# ---- ... and exactly the store's events and tickets of the year
n() { sql "SELECT count(*) FROM event WHERE $IN AND $1"; }
check "j['returns'] == $(n "kind = 'return_asked'")" total.json
check "j['returns_approved'] == $(n "kind = 'returned'")" total.json
check "j['extensions'] == $(n "kind = 'extended'")" total.json
check "j['suspensions'] == $(n "kind = 'suspended'")" total.json
check "j['merged'] == $(n "kind = 'merged'")" total.json
check "j['co_handled'] == $(n "kind = 'dispatched' AND round = 0 AND detail LIKE '%联办%'")" total.json
check "j['reminders'] == $(n "kind = 'remind'")" total.json
check "j['notifications'] == $(n "kind = 'notify'")" total.json
check "j['reopened'] == $(n "kind = 'reopened'")" total.json
check "j['manual_dispatch'] == $(n "kind = 'assigned'")" total.json
check "j['unreachable'] == $(sql "SELECT count(*) FROM ticket WHERE rating_default = 1 AND rated_at >= $FROM AND rated_at < $TO")" total.json
first=$(n "kind IN ('dispatched', 'assigned') AND round = 0"); back=$(n "kind = 'returned' AND round = 0")
check "abs(j['first_dispatch_accuracy'] - (1 - $back / $first)) < 1e-9" total.json

# ---- repeat calls (重复件): received, never closed or rated, never open
m=$(sql "SELECT count(*) FROM ticket WHERE lead_id IS NOT NULL AND (closed_at IS NOT NULL OR rated_at IS NOT NULL)")
[ "$m" = 0 ] || t_fail "$m merged tickets have a close or a rating of their own"
check "j['closed'] == $(sql "SELECT count(*) FROM ticket WHERE closed_at >= $FROM AND closed_at < $TO")" total.json
check "j['rated'] == $(sql "SELECT count(*) FROM ticket WHERE rated_at >= $FROM AND rated_at < $TO")" total.json
open=$(sql "SELECT count(*) FROM ticket WHERE received_at < $TO AND type <> 'praise' AND lead_id IS NULL
            AND (closed_at IS NULL OR closed_at >= $TO)")
check "j['open_at_end'] == $open" total.json

# ---- groups add up to the total; per unit, the open tickets by age add up to open_at_end
for by in unit month type street; do
    report --by $by --format json >"$T_DIR/$by.json" || t_fail "--by $by failed"
    check "all(sum(g[k] for g in j['groups']) == j[k] for k in '$COUNTS'.split())" $by.json
done
check "all(0 <= g['first_dispatch_accuracy'] <= 1 for g in j['groups'] if g['first_dispatch_accuracy'] is not None)" unit.json
check "len([g for g in j['groups'] if g['first_dispatch_accuracy'] is not None]) == 21" unit.json
check "all(sum(g[k] for k in ('aged_0_1', 'aged_1_3', 'aged_3_5', 'aged_5_10', 'aged_10_plus')) == g['open_at_end'] for g in j['groups'] + [j])" unit.json
for u in unit.zhujian unit.street.jinxia; do
    check "[g['returns'] for g in j['groups'] if g['key'] == '$u'] == [$(n "kind = 'return_asked' AND unit = '$u'")]" unit.json
    check "[g['reopened'] for g in j['groups'] if g['key'] == '$u'] == [$(n "kind = 'reopened' AND unit = '$u'")]" unit.json
done

# ---- table and CSV say the same
report >"$T_DIR/total.txt" || t_fail "the table failed"
for row in "returns 退单申请" "returns_approved 退单批准" "merged 重复件合并" "co_handled 联办工单" \
           "notifications 通报" "first_dispatch_accuracy 一次派单准确率"; do
    grep -Eq "^${row% *} +${row#* } " "$T_DIR/total.txt" || t_fail "the table has no row '$row'"
done
acc=$(t_json '"%.2f%%" % (100 * j["first_dispatch_accuracy"])' <"$T_DIR/total.json")
grep -Eq "^first_dispatch_accuracy +一次派单准确率 +$acc\$" "$T_DIR/total.txt" || t_fail "table accuracy is not $acc"
t_ok "the table names the rules' figures, accuracy $acc"
report --by unit --format csv >"$T_DIR/unit.csv" || t_fail "--by unit CSV failed"
$PY - "$T_DIR/unit.csv" "$T_DIR/unit.json" <<'EOF' || t_fail "--by unit CSV and JSON differ"
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
j = json.load(open(sys.argv[2], encoding="utf-8"))
head = list(rows[0].keys())
assert head.index("aged_10_plus") + 1 == head.index("returns"), head   # SLA columns keep their places
assert head[-1] == "first_dispatch_accuracy", head
for r, g in zip(rows, j["groups"] + [j]):
    for k in head[2:]:
        v = g[k]
        assert (r[k] == "-") == (v is None) and (v is None or abs(float(r[k]) - v) < 1e-9), (r["key"], k, r[k], v)
print(f"  {len(rows)} rows, {len(head)} columns alike")
EOF
t_ok "--by unit CSV and JSON agree"

# ---- --rank: one row per unit that had tickets, sorted, the store's counts
report --rank --format json >"$T_DIR/rank.json" || t_fail "--rank failed"
report --rank --format csv >"$T_DIR/rank.csv" || t_fail "--rank CSV failed"
report --rank >"$T_DIR/rank.txt" || t_fail "--rank table failed"
sql "SELECT unit, count(*) FROM event WHERE $IN AND kind IN ('dispatched', 'assigned') GROUP BY unit" >"$T_DIR/disp.txt"
$PY - "$T_DIR/rank.json" "$T_DIR/rank.csv" "$T_DIR/unit.json" "$T_DIR/disp.txt" <<'EOF' || t_fail "--rank checks failed"
import csv, json, sys
from fractions import Fraction
rank = json.load(open(sys.argv[1], encoding="utf-8"))
rows = rank["rows"]
units = {g["key"]: g for g in json.load(open(sys.argv[3], encoding="utf-8"))["groups"]}
disp = dict((u, int(c)) for u, c in (l.strip().split("|") for l in open(sys.argv[4])))
cols = ["rank", "unit", "name", "dispatched", "closed", "on_time_rate", "overdue", "notifications", "returns",
        "returns_approved", "return_rate", "reopened"]
assert rank["from"] == "2022-01-01" and rank["to"] == "2022-12-31"
assert all(list(r) == cols for r in rows), list(rows[0])
received = {k for k, g in units.items() if g["received"] > 0}
assert len(rows) == len({r["unit"] for r in rows}) == len(received) == 21, (len(rows), len(received))
assert {r["unit"] for r in rows} == received
def keys(r):   # the return rate exactly: two units with the same rate tie
    return (-r["on_time_rate"], r["overdue"], Fraction(r["returns"], r["dispatched"]))
for i, r in enumerate(rows):
    g = units[r["unit"]]
    assert r["name"] == g["name"]
    assert r["dispatched"] == disp[r["unit"]] > 0, (r, disp.get(r["unit"]))
    assert r["closed"] == g["closed"] - g["direct_answered"] > 0, r   # the unit's closes, not the centre's answers
    for k in ("overdue", "notifications", "returns", "returns_approved", "reopened"):
        assert r[k] == g[k], (r["unit"], k)
    assert abs(r["return_rate"] - r["returns"] / r["dispatched"]) < 1e-9   # 10 significant digits
    assert 0 < r["on_time_rate"] <= 1
    if i == 0:
        assert r["rank"] == 1
    else:
        p = rows[i - 1]
        assert keys(p) <= keys(r), (p, r)
        assert r["rank"] == (p["rank"] if keys(p) == keys(r) else i + 1), (p, r)
assert keys(rows[0]) < keys(rows[-1])
c = list(csv.DictReader(open(sys.argv[2], encoding="utf-8")))
assert list(c[0]) == cols and len(c) == len(rows)
for a, b in zip(c, rows):
    for k in cols:
        v = b[k]
        assert (a[k] == str(v)) if isinstance(v, (int, str)) else abs(float(a[k]) - v) < 1e-9, (k, a[k], v)
print(f"  {len(rows)} units, ranks {[r['rank'] for r in rows]}")
print(f"  first {rows[0]['name']} return rate {rows[0]['return_rate']:.4f}, last {rows[-1]['name']} {rows[-1]['return_rate']:.4f}")
EOF
t_ok "--rank: 21 units, sorted by on-time rate, 督办, return rate; counts from the store; CSV = JSON"
[ "$(($(wc -l <"$T_DIR/rank.txt") - 2))" = 21 ] || t_fail "the --rank table does not have 21 rows"
head -2 "$T_DIR/rank.txt" | tail -1 | grep -q '^rank  unit ' || t_fail "the --rank table has no header"
t_ok "--rank table: a header and 21 rows"
"$HOTLINE_BIN/hotline-report" --db "$db" --rank --by unit 2>/dev/null && t_fail "--rank took --by"
t_ok "--rank refuses --by"

# ---- the HTML page: the rules' figures and the same ranking
report --format html --output "$T_DIR/r.html" || t_fail "--format html failed"
$PY - "$T_DIR/r.html" "$T_DIR/rank.json" <<'EOF' || t_fail "the HTML ranking differs"
import json, re, sys
html = open(sys.argv[1], encoding="utf-8").read()
rows = json.load(open(sys.argv[2], encoding="utf-8"))["rows"]
assert html.count('<table class="rank">') == 1
table = html[html.index('<table class="rank">'):]
table = table[:table.index("</table>")]
got = re.findall(r'<tr data-unit="([^"]+)" data-rank="(\d+)"><td class="n">\d+</td><td>([^<]+)</td>(.*)</tr>', table)
assert [g[:3] for g in got] == [(r["unit"], str(r["rank"]), r["name"]) for r in rows], got[:3]
def cell(r, k):
    v = r[k]
    return "—" if v is None else f"{100 * v:.2f}%" if k.endswith("_rate") else str(v)
for g, r in zip(got, rows):
    tds = re.findall(r'<td class="n">([^<]*)</td>', g[3])
    want = [cell(r, k) for k in ("dispatched", "closed", "on_time_rate", "overdue", "notifications", "returns",
                                 "returns_approved", "return_rate", "reopened")]
    assert tds == want, (r["unit"], tds, want)
for k in ("returns", "merged", "co_handled", "notifications", "unreachable", "first_dispatch_accuracy"):
    assert f'<tr data-figure="{k}">' in html, k
print(f"  {len(got)} ranked units in the page, as --rank")
EOF
t_ok "HTML: the ranking table and the rules' figures"

# ---- the roll-ups the broker kept give the same report as a rebuild from the event log
cp "$db" "$T_DIR/rebuilt.db"
"$HOTLINE_BIN/hotline-broker" --db "$T_DIR/rebuilt.db" --rebuild-rollups 2>>"$T_DIR/rebuild.log" || t_fail "rebuild failed"
for args in "--by unit" "--by month" "--rank"; do
    [ "$(report $args --format csv)" = "$("$HOTLINE_BIN/hotline-report" --db "$T_DIR/rebuilt.db" \
        --from 2022-01-01 --to 2022-12-31 $args --format csv)" ] || t_fail "$args differs after a rebuild"
done
t_ok "--by unit, --by month and --rank agree after --rebuild-rollups"
