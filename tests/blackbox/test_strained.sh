#!/usr/bin/env bash
# The strained what-if (longhu-2022-strained): the 2022 calls handled by
# units short of staff. Lateness comes from processing alone, and the three
# levels of escalation happen for real, each at its virtual time:
#   催办 (remind) before every 督办, 督办 (overdue) at the deadline, 通报
#   (notify) only on overdue tickets and at least 3 days after the deadline;
#   the roll-ups count each level as the events do; on-time < 100%.
source "$(dirname "$0")/lib.sh"
port=$(t_port); ep=tcp://127.0.0.1:$port
t_broker broker "$ep" "$T_DIR/s.db" --clock virtual
t_worker w1 "$ep" --all-services
t_worker w2 "$ep" --all-services
"$HOTLINE_BIN/hotline-sim" --connect "$ep" --scenario longhu-2022-strained -q --timeout 900 2>>"$T_DIR/sim.log" ||
    t_fail "sim failed: $(tail -3 "$T_DIR/sim.log")"
json=$("$HOTLINE_BIN/hotline-report" --db "$T_DIR/s.db" --from 2022-01-01 --to 2022-12-31 --format json)
echo "$json" | t_json '"received", j["received"], "closed", j["closed"], "on_time_rate", j["on_time_rate"], "overdue", j["overdue"]'
echo "$json" | t_json 'j["received"] == 26426 and 0.9 < j["on_time_rate"] < 1 and j["overdue"] > 0' | grep -qx True ||
    t_fail "want 26426 received, 90% < on-time < 100% and overdue > 0"
t_ok "on-time below 100% and 督办 > 0, from processing"

q() { sqlite3 "file:$T_DIR/s.db?mode=ro" "$1"; }
n_remind=$(q "SELECT count(*) FROM event WHERE kind='remind'")
n_over=$(q "SELECT count(*) FROM event WHERE kind='overdue'")
n_notify=$(q "SELECT count(*) FROM event WHERE kind='notify'")
[ "$n_remind" -gt "$n_over" ] && [ "$n_over" -gt "$n_notify" ] && [ "$n_notify" -gt 0 ] ||
    t_fail "want reminders > 督办 > 通报 > 0, got $n_remind, $n_over, $n_notify"
sums=$(q "SELECT sum(reminders) || ' ' || sum(overdue) || ' ' || sum(notifications) FROM rollup_total")
[ "$sums" = "$n_remind $n_over $n_notify" ] || t_fail "roll-ups count $sums, the events $n_remind $n_over $n_notify"
t_ok "催办 $n_remind, 督办 $n_over, 通报 $n_notify events; the roll-ups count the same"

bad=$(q "SELECT count(*) FROM ticket t WHERE overdue_at IS NOT NULL AND NOT EXISTS
    (SELECT 1 FROM event e WHERE e.ticket_id = t.id AND e.kind = 'remind' AND e.at < t.overdue_at)")
[ "$bad" = 0 ] || t_fail "$bad overdue tickets had no 催办 before their deadline"
bad=$(q "SELECT count(*) FROM event n JOIN ticket t ON t.id = n.ticket_id
    WHERE n.kind = 'notify' AND (t.overdue_at IS NULL OR n.at < t.overdue_at + 3 * 86400)")
[ "$bad" = 0 ] || t_fail "$bad 通报 events came without a 督办 or less than 3 days after it"
bad=$(q "SELECT count(*) FROM ticket WHERE on_time = 0 AND overdue_at IS NULL")
[ "$bad" = 0 ] || t_fail "$bad late tickets were never flagged 督办"
t_ok "every 督办 had a 催办 before it; every 通报 follows its 督办 by 3 days or more; every late ticket was flagged"
