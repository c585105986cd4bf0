#!/usr/bin/env bash
# The 2022 year reproduced (issue 3, acceptance 2 and 3): the Longhu scenario
# replayed through a real broker and real workers gives the published counts
# exactly, the closed count within 1%, 100% on time and rectified; and the
# per-ticket outcomes are byte-identical with 1 or 4 workers and across two
# runs with the same seed. A different seed gives different outcomes.
source "$(dirname "$0")/lib.sh"

# run NAME WORKERS SEED: replays longhu-2022 into $T_DIR/NAME.db
run() {
    local name=$1 n=$2 seed=$3 port ep i pids=()
    port=$(t_port); ep=tcp://127.0.0.1:$port
    t_broker "$name-broker" "$ep" "$T_DIR/$name.db" --clock virtual
    local bp=$BROKER_PID
    for i in $(seq 1 "$n"); do t_worker "$name-w$i" "$ep" --all-services; pids+=("$WORKER_PID"); done
    "$HOTLINE_BIN/hotline-sim" --connect "$ep" --scenario longhu-2022 --seed "$seed" -q --timeout 900 \
        2>>"$T_DIR/$name-sim.log" || t_fail "sim $name failed"
    for i in "${pids[@]}"; do t_stop "$i"; done
    t_stop "$bp"
    "$HOTLINE_BIN/hotline-report" --db "$T_DIR/$name.db" --outcomes >"$T_DIR/$name.csv" || t_fail "outcomes $name"
}

run w1 1 2022
run w4 4 2022
run again 2 2022
run other 2 7

json=$("$HOTLINE_BIN/hotline-report" --db "$T_DIR/w1.db" --from 2022-01-01 --to 2022-12-31 --format json)
echo "$json" | t_json 'j["received"], j["closed"], j["urgent_received"], j["praise"], j["kb_updates"], j["on_time_rate"], j["bad_ratings"], j["bad_rectified_rate"], j["direct_answered"]'
check() { echo "$json" | t_json "$1" | grep -qx True || t_fail "figure check failed: $1"; t_ok "$1"; }
check 'j["received"] == 26426'
check 'j["urgent_received"] == 196'
check 'j["praise"] == 38'
check 'j["kb_updates"] == 204'
check 'abs(j["closed"] - 26232) <= 0.01 * 26232'
check 'j["on_time_rate"] == 1'
check 'j["bad_rectified_rate"] == 1'
check 'j["bad_ratings"] > 0'
check 'j["direct_answered"] > 0'
check 'j["overdue"] == 0'

# The fuller rules are at work in 2022: every new figure is non-zero, except
# 督办 and 通报 (every ticket closed on time), as the roll-ups count them.
rules=$(sqlite3 "file:$T_DIR/w1.db?mode=ro" "SELECT sum(returns), sum(returns_approved), sum(extensions), sum(suspensions),
    sum(merged), sum(co_handled), sum(reminders), sum(unreachable), sum(reopened), sum(overdue), sum(notifications),
    sum(dispatched), sum(first_returned) FROM rollup_total")
IFS='|' read -r ret appr ext susp merged co rem unr reop od notif disp first <<<"$rules"
for v in "$ret" "$appr" "$ext" "$susp" "$merged" "$co" "$rem" "$unr" "$reop"; do
    [ "${v:-0}" -gt 0 ] || t_fail "a rule figure is 0: returns|approved|extensions|suspensions|merged|co|reminders|unreachable|reopened = $rules"
done
[ "$appr" -lt "$ret" ] || t_fail "every return approved ($appr of $ret): the centre never rejected one"
[ "$od" = 0 ] && [ "$notif" = 0 ] || t_fail "督办 $od, 通报 $notif in an on-time year"
acc=$((1000 - 1000 * first / disp))
[ "$acc" -ge 950 ] && [ "$acc" -lt 1000 ] || t_fail "first-dispatch accuracy ${acc}‰ is not plausible"
t_ok "rules: returns $ret ($appr approved), extensions $ext, suspensions $susp, merged $merged, 联办 $co, 催办 $rem, unreachable $unr, 重办 $reop; first-dispatch accuracy ${acc}‰"

lines=$(wc -l <"$T_DIR/w1.csv")
[ "$lines" -eq 26427 ] || t_fail "outcomes has $lines lines, want 26427 (header + 26426)"
cmp -s "$T_DIR/w1.csv" "$T_DIR/w4.csv" || t_fail "outcomes differ between 1 and 4 workers"
t_ok "outcomes identical with 1 and 4 workers ($(sha256sum <"$T_DIR/w1.csv" | cut -c1-16))"
cmp -s "$T_DIR/w1.csv" "$T_DIR/again.csv" || t_fail "outcomes differ between two runs with seed 2022"
t_ok "outcomes identical across two runs with the same seed"
cmp -s "$T_DIR/w1.csv" "$T_DIR/other.csv" && t_fail "seed 7 gave the same outcomes as seed 2022"
t_ok "a different seed gives different outcomes"

# The roll-ups the broker kept incrementally equal a rebuild from the tickets.
cp "$T_DIR/w1.db" "$T_DIR/rebuilt.db"
"$HOTLINE_BIN/hotline-broker" --db "$T_DIR/rebuilt.db" --rebuild-rollups 2>>"$T_DIR/rebuild.log" || t_fail "rebuild failed"
dump() {
    sqlite3 "file:$1?mode=ro" "SELECT * FROM rollup WHERE received+closed+rated+overdue+bad_rectified > 0 ORDER BY 1,2,3,4,5;
        SELECT 'total', * FROM rollup_total WHERE received+closed+rated+overdue+bad_rectified > 0 ORDER BY 1,2,3,4"
}
[ "$(dump "$T_DIR/w1.db" | sha256sum)" = "$(dump "$T_DIR/rebuilt.db" | sha256sum)" ] ||
    t_fail "incremental roll-ups differ from a rebuild: $(diff <(dump "$T_DIR/w1.db") <(dump "$T_DIR/rebuilt.db") | head -5)"
t_ok "incremental roll-ups equal a rebuild from the ticket table ($(dump "$T_DIR/w1.db" | wc -l) rows)"
for by in month unit street type; do
    a=$("$HOTLINE_BIN/hotline-report" --db "$T_DIR/w1.db" --by $by --format csv)
    [ "$a" = "$("$HOTLINE_BIN/hotline-report" --db "$T_DIR/rebuilt.db" --by $by --format csv)" ] || t_fail "--by $by differs after rebuild"
done
t_ok "reports by month, unit, street and type agree"
