#!/usr/bin/env bash
# 人工派单 with real processes: a broker with --manual dispatch (and the units'
# stages kept for people), a classify+dispatch worker, tickets fed by
# scripts/feed.py.
#   1. a clear text (a broken lift) is classified with high confidence and
#      dispatched by the worker, as without --manual;
#   2. a vague text is classified below dispatch.confidence.percent: its
#      classified event says so and it waits for the centre (RECEIVED,
#      waiting for "dispatch");
#   3. a unit may not assign it; the centre assigns it (--unit): DISPATCHED to
#      that unit, an `assigned` event with the actor, counted as
#      manual_dispatch; the assigned unit cannot return it.
source "$(dirname "$0")/lib.sh"
CTL="$HOTLINE_BIN/hotline-ctl"
port=$(t_port); ep=tcp://127.0.0.1:$port
db="$T_DIR/m.db"
t_broker broker "$ep" "$db" --manual dispatch --manual 'unit.*'
t_worker w "$ep" --service classify --service dispatch
ctl() { "$CTL" -c "$ep" "$@"; }
field() { ctl ticket "$1" --format json | t_json "$2"; }

now=$(date +%s)
cat >"$T_DIR/in.jsonl" <<JSON
{"id":"LIFT-1","received_at":$now,"type":"complaint","street":"jinxia","text":"我们小区的电梯坏了三天，物业一直不修，老人上下楼很困难"}
{"id":"VAGUE-1","received_at":$now,"type":"complaint","street":"xinjin","text":"上次说的那个问题还没有解决"}
JSON
$PY "$HOTLINE_SRC/scripts/feed.py" -q --connect "$ep" "$T_DIR/in.jsonl" >"$T_DIR/feed.out" 2>>"$T_DIR/feed.log" ||
    t_fail "feed.py failed: $(cat "$T_DIR/feed.out")"
for ((i = 0; i < 100; i++)); do
    [ "$(field LIFT-1 "j['state']")" = DISPATCHED ] && [ "$(field VAGUE-1 "j['category'] is not None")" = True ] && break
    sleep 0.1
done

# 1. the clear one: the worker dispatched it
[ "$(field LIFT-1 "j['state']")" = DISPATCHED ] || t_fail "LIFT-1 was not dispatched by the worker"
kinds=$(field LIFT-1 "' '.join(e['kind'] for e in j['events'])")
[ "$kinds" = "received classified dispatched" ] || t_fail "LIFT-1 timeline: $kinds"
conf=$(field LIFT-1 "[e['detail'] for e in j['events'] if e['kind'] == 'classified'][0]")
[[ "$conf" == *"(confidence "* && "$conf" != *doubtful* ]] || t_fail "LIFT-1 classified: $conf"
t_ok "a clear text ($conf) is dispatched by the worker"

# 2. the vague one waits for the centre
[ "$(field VAGUE-1 "j['state']")" = RECEIVED ] || t_fail "VAGUE-1 is $(field VAGUE-1 "j['state']"), not RECEIVED"
[ "$(field VAGUE-1 "j['waiting_for']")" = dispatch ] || t_fail "VAGUE-1 does not wait for a person at dispatch"
det=$(field VAGUE-1 "[e['detail'] for e in j['events'] if e['kind'] == 'classified'][0]")
[[ "$det" == *"doubtful, 人工派单"* ]] || t_fail "VAGUE-1 classified: $det"
ctl list --state RECEIVED --format csv | grep -q '^VAGUE-1,' || t_fail "list --state RECEIVED misses VAGUE-1"
t_ok "a vague text ($det) waits for the centre"

# 3. the centre assigns it
rc=0; ctl act VAGUE-1 assign --as clerk --unit unit.nosuch 2>"$T_DIR/bad.err" || rc=$?
[ "$rc" = 65 ] && grep -q "must name a unit" "$T_DIR/bad.err" || t_fail "an unknown unit was not refused clearly (exit $rc)"
rc=0; ctl act VAGUE-1 assign --as dispatcher-zhao 2>"$T_DIR/nounit.err" || rc=$?
[ "$rc" = 65 ] || t_fail "assign without --unit: exit $rc"
ctl act VAGUE-1 assign --unit unit.street.xinjin --as dispatcher-zhao >/dev/null || t_fail "assign refused"
[ "$(field VAGUE-1 "j['state']")" = DISPATCHED ] || t_fail "VAGUE-1 not DISPATCHED after assign"
[ "$(field VAGUE-1 "j['unit']")" = unit.street.xinjin ] || t_fail "VAGUE-1 not with unit.street.xinjin"
last=$(field VAGUE-1 "j['events'][-1]['kind'] + ':' + str(j['events'][-1]['actor'])")
[ "$last" = assigned:dispatcher-zhao ] || t_fail "VAGUE-1's last event: $last"
rc=0; ctl act VAGUE-1 return --reason not_our_remit --as clerk-xinjin 2>"$T_DIR/ret.err" || rc=$?
[ "$rc" = 65 ] && grep -q "assigned" "$T_DIR/ret.err" || t_fail "the assigned unit could return it (exit $rc): $(cat "$T_DIR/ret.err")"
t_ok "the centre assigned it to unit.street.xinjin ($last); that unit may not return it"

t_stop "$BROKER_PID"
n=$(sqlite3 "file:$db?mode=ro" "SELECT sum(manual_dispatch) || ' ' || sum(dispatched) FROM rollup_total")
[ "$n" = "1 2" ] || t_fail "roll-ups: manual_dispatch, dispatched = $n, want 1 2"
t_ok "counted: 1 manual dispatch of 2 dispatched"
