#!/usr/bin/env bash
# A dead worker's in-flight request goes to another worker.
# With --heartbeat 200 a worker is dead 600 ms after its last sign of life.
#  1. an independent Python worker for acme.slow takes a request and hangs
#     (keeps heartbeating, never answers); it is SIGKILLed while holding it;
#     then a normal worker for acme.slow starts; the client's answer must
#     come from that second worker.
#  2. the same, with the second worker already registered and idle at the kill.
#  3. C workers: hotline-worker --service echo A is SIGSTOPped (hung) while
#     idle, is sent a request, is SIGKILLed; worker B, started after A's
#     death, answers it.
source "$(dirname "$0")/lib.sh"

WA="$HOTLINE_SRC/tests/blackbox/worker_acceptance.py"
port=$(t_port); ep=tcp://127.0.0.1:$port
t_broker broker "$ep" "$T_DIR/kill.db" --heartbeat 200
now() { date +%s.%N; }

# call_bg NAME SERVICE TEXT [ARGS...]: the client request in the background; sets CALL_PID.
call_bg() {
    local name=$1 svc=$2 text=$3; shift 3
    $PY "$WA" --connect "$ep" --timeout 60000 call --service "$svc" --text "$text" "$@" >"$T_DIR/$name.out" 2>&1 &
    CALL_PID=$!
    T_PIDS+=("$CALL_PID")
}
# wait_call NAME: waits (in this shell) for the client; sets REPLY_JSON.
wait_call() {
    wait "$CALL_PID" || { cat "$T_DIR/$1.out" >&2; t_fail "client $1 got no reply"; }
    REPLY_JSON=$(cat "$T_DIR/$1.out")
}

# round NAME ORDER: ORDER is "kill-then-start" or "start-then-kill".
round() {
    local name=$1 order=$2 text="hang on, $1" reply killed_at n_before n_after
    n_before=$(grep -c "worker expired.*service=acme.slow" "$T_DIR/broker.log" || true)
    t_peer "$name-slow" worker_acceptance.py --connect "$ep" worker --service acme.slow --mode slow \
        --name "$name-SLOW" --heartbeat 200 --ready-file "$T_DIR/$name-slow.ready" \
        --request-file "$T_DIR/$name-slow.req" --lifetime 120
    local slow=$PEER_PID
    t_wait_file "$T_DIR/$name-slow.ready" 10 || t_fail "$name: slow worker did not start"
    t_wait_mmi "$ep" acme.slow 200 || t_fail "$name: acme.slow not registered"
    call_bg "$name-call" acme.slow "$text"
    t_wait_file "$T_DIR/$name-slow.req" 10 || t_fail "$name: the slow worker never got the request"
    t_ok "$name: slow worker (pid $slow) holds the request: $(cat "$T_DIR/$name-slow.req")"
    if [ "$order" = start-then-kill ]; then
        t_peer "$name-second" worker_acceptance.py --connect "$ep" worker --service acme.slow \
            --name "$name-SECOND" --heartbeat 200 --ready-file "$T_DIR/$name-second.ready" --lifetime 120
        t_wait_file "$T_DIR/$name-second.ready" 10 || t_fail "$name: second worker did not start"
    fi
    # A live worker keeps its request: no answer for 1.2 s (6 heartbeat intervals).
    sleep 1.2
    kill -0 "$CALL_PID" 2>/dev/null || { cat "$T_DIR/$name-call.out"; t_fail "$name: the client got an answer while the slow worker was alive"; }
    t_ok "$name: no answer while the slow worker is alive and heartbeating (1.2 s)"
    killed_at=$(now)
    t_kill9 "$slow"
    t_ok "$name: slow worker SIGKILLed while holding the request"
    if [ "$order" = kill-then-start ]; then
        t_peer "$name-second" worker_acceptance.py --connect "$ep" worker --service acme.slow \
            --name "$name-SECOND" --heartbeat 200 --ready-file "$T_DIR/$name-second.ready" --lifetime 120
    fi
    wait_call "$name-call"; reply=$REPLY_JSON
    echo "$reply"
    echo "$reply" | t_json "j.get('worker') == '$name-SECOND' and j.get('text') == '''$text'''.upper()" | grep -qx True \
        || t_fail "$name: want the answer '${text^^}' from $name-SECOND, got $reply"
    # Handover time: from the later of the kill and the second worker's READY.
    local from lat
    from=$($PY -c 'import json,sys; print(max(float(sys.argv[1]), json.load(open(sys.argv[2]))["t"]))' \
        "$killed_at" "$T_DIR/$name-second.ready")
    lat=$(echo "$reply" | t_json "round(j['_t'] - $from, 3)")
    t_ok "$name: answered by $name-SECOND, $(echo "$reply" | t_json "round(j['_t'] - $killed_at, 3)") s after the SIGKILL, ${lat} s after both the kill and the second READY"
    echo "$reply" | t_json "j['_t'] - $from < 10" | grep -qx True || t_fail "$name: handover took ${lat} s (> 10 s)"
    n_after=$(grep -c "worker expired.*service=acme.slow" "$T_DIR/broker.log" || true)
    [ "$n_after" -eq $((n_before + 1)) ] || t_fail "$name: broker logged $((n_after - n_before)) expiries for acme.slow, want 1"
    t_ok "$name: broker log: $(grep "worker expired.*service=acme.slow" "$T_DIR/broker.log" | tail -1)"
    t_stop "$PEER_PID"
}

round r1 kill-then-start
t_wait_mmi "$ep" acme.slow 404 || t_fail "acme.slow still registered after round 1"
round r2 start-then-kill

# 3. C workers (hotline-worker --service echo), on a second broker with
# --heartbeat 1000 (dead after 3 s) so that A can be hung, handed the request
# and SIGKILLed well inside its liveness window: the broker still counts A as
# alive and holding the request when it dies. B starts after the kill.
port2=$(t_port); ep=tcp://127.0.0.1:$port2
t_broker broker2 "$ep" "$T_DIR/kill2.db" --heartbeat 1000
t_worker echoA "$ep" --service echo --heartbeat 1000
A=$WORKER_PID
t_wait_mmi "$ep" echo 200 || t_fail "echo worker A did not register"
body_text="echo me, 工单 $$"
call_bg c-call echo "$body_text" --armed-file "$T_DIR/c.armed" --go-file "$T_DIR/c.go" --sent-file "$T_DIR/c.sent"
t_wait_file "$T_DIR/c.armed" 20 || t_fail "C: the client did not start"
kill -STOP "$A"
stopped_at=$(now)
echo go >"$T_DIR/c.go"
t_wait_file "$T_DIR/c.sent" 10 || t_fail "C: the client did not send"
sleep 0.4
kill -0 "$CALL_PID" 2>/dev/null || { cat "$T_DIR/c-call.out"; t_fail "echo answered while the only worker was stopped"; }
exp_before=$(grep -c "worker expired.*service=echo" "$T_DIR/broker2.log" || true)
killed_at=$(now)
t_kill9 "$A"
[ "$exp_before" -eq 0 ] || t_fail "C: the broker had already expired A before the kill (test timing too slow)"
t_ok "C: echo worker A (pid $A) hung (SIGSTOP), was sent the request, no answer; SIGKILLed $(awk "BEGIN{printf \"%.3f\", $killed_at - $stopped_at}") s after it hung, before the broker expired it"
t_worker echoB "$ep" --service echo --heartbeat 1000
B=$WORKER_PID
wait_call c-call; reply=$REPLY_JSON
echo "$reply"
echo "$reply" | t_json "j.get('text') == '''$body_text''' and j.get('seq') == 1 and j['_t'] > $killed_at" | grep -qx True \
    || t_fail "C: want the echo of {text: '$body_text', seq: 1} after A's death, got $reply"
kill -0 "$B" 2>/dev/null || t_fail "C: worker B is not running"
n=$(grep -c "worker expired.*service=echo" "$T_DIR/broker2.log" || true)
[ "$n" -eq 1 ] || t_fail "C: broker logged $n expiries for echo, want 1 (A)"
t_ok "C: A's request was echoed by B (pid $B, started after A's death), $(echo "$reply" | t_json "round(j['_t'] - $killed_at, 3)") s after A's SIGKILL"
t_ok "C: broker log: $(grep "worker expired.*service=echo" "$T_DIR/broker2.log" | tail -1)"
