#!/usr/bin/env bash
# The what-if scenario (issue 3, acceptance 4): a 30% staffing cut with an
# August surge really misses deadlines: on_time_rate < 1 and overdue > 0, and
# every overdue ticket carries a 督办 event at its deadline's virtual time.
source "$(dirname "$0")/lib.sh"
port=$(t_port); ep=tcp://127.0.0.1:$port
t_broker broker "$ep" "$T_DIR/w.db" --clock virtual
t_worker w1 "$ep" --all-services
t_worker w2 "$ep" --all-services
"$HOTLINE_BIN/hotline-sim" --connect "$ep" --scenario whatif-staff-cut -q --timeout 900 2>>"$T_DIR/sim.log" || t_fail "sim failed"
json=$("$HOTLINE_BIN/hotline-report" --db "$T_DIR/w.db" --from 2022-01-01 --to 2022-12-31 --format json)
echo "$json" | t_json '"received", j["received"], "closed", j["closed"], "on_time_rate", j["on_time_rate"], "overdue", j["overdue"]'
echo "$json" | t_json 'j["on_time_rate"] < 1' | grep -qx True || t_fail "on_time_rate is not below 1"
t_ok "on_time_rate < 1"
echo "$json" | t_json 'j["overdue"] > 0' | grep -qx True || t_fail "overdue is 0"
t_ok "overdue > 0"
# Every overdue ticket has exactly one 督办 event, at its close deadline.
bad=$(sqlite3 "file:$T_DIR/w.db?mode=ro" "SELECT count(*) FROM ticket t WHERE t.overdue_at IS NOT NULL AND
  (SELECT count(*) FROM event e WHERE e.ticket_id=t.id AND e.kind='overdue' AND e.at=t.overdue_at) != 1")
[ "$bad" = 0 ] || t_fail "$bad overdue tickets lack exactly one 督办 event at their deadline"
late=$(sqlite3 "file:$T_DIR/w.db?mode=ro" "SELECT count(*) FROM ticket WHERE on_time=0 AND overdue_at IS NULL")
[ "$late" = 0 ] || t_fail "$late late tickets were never flagged overdue"
t_ok "every late ticket was flagged, each with one 督办 event at its deadline"
