#!/usr/bin/env bash
# Worker liveness as the broker sees it through 8/MMI, with independent Python workers:
#  - control: a worker that heartbeats stays 200 for 2 s (10 intervals of 200 ms);
#  - a worker that sends READY and then goes silent (no heartbeat, no
#    DISCONNECT, socket left open) turns 200 -> 404 within 3 s, and not
#    before 3 intervals (0.6 s) have passed;
#  - a worker that sends DISCONNECT is dropped at once: on a broker with the
#    default 2500 ms heartbeat (dead after 7.5 s) mmi.service says 404
#    within 1 s of the DISCONNECT.
source "$(dirname "$0")/lib.sh"

WA="$HOTLINE_SRC/tests/blackbox/worker_acceptance.py"
port=$(t_port); ep=tcp://127.0.0.1:$port
t_broker broker "$ep" "$T_DIR/mmi.db" --heartbeat 200

# Control: a live worker.
t_peer alive worker_acceptance.py --connect "$ep" worker --service acme.alive --name ALIVE --heartbeat 200 \
    --ready-file "$T_DIR/alive.ready" --lifetime 60
t_wait_file "$T_DIR/alive.ready" 10 || t_fail "alive worker did not start"
t_wait_mmi "$ep" acme.alive 200 || t_fail "acme.alive did not register"
out=$($PY "$WA" --connect "$ep" mmi-hold --service acme.alive --code 200 --for 2) || { echo "$out"; t_fail "a heartbeating worker was dropped"; }
echo "$out"
t_ok "a heartbeating worker stays registered: acme.alive 200 on every poll for 2 s"

# A worker that goes silent after READY. The poller runs first and lets the
# worker start, so that the whole 200 -> 404 transition is observed.
t_peer silent worker_acceptance.py --connect "$ep" worker --service acme.silent --name SILENT --mode silent \
    --heartbeat 200 --start-trigger "$T_DIR/silent.go" --ready-file "$T_DIR/silent.ready" --lifetime 60
silent=$PEER_PID
out=$($PY "$WA" --connect "$ep" mmi-watch --service acme.silent --trigger "$T_DIR/silent.go" \
        --since-file "$T_DIR/silent.ready" --first 200 --want 404 --within 3) \
    || { echo "$out"; t_fail "the silent worker was not seen 200 then dropped (404) within 3 s"; }
echo "$out"
echo "$out" | t_json 'j["after_s"] >= 0.55' | grep -qx True \
    || t_fail "the silent worker was dropped before 3 intervals (0.6 s) had passed: $out"
kill -0 "$silent" 2>/dev/null || t_fail "the silent worker process died (it must stay connected)"
t_ok "silent worker (still running, connection open): 200 from $(echo "$out" | t_json '[t for c, t in j["transitions"] if c == "200"][0]') s, 404 at $(echo "$out" | t_json 'j["after_s"]') s after its READY (limit 3 s; 3 intervals = 0.6 s)"
grep -q "worker expired.*service=acme.silent" "$T_DIR/broker.log" || t_fail "broker did not log the expiry"
t_ok "broker log: $(grep "worker expired.*service=acme.silent" "$T_DIR/broker.log" | tail -1)"

# The control worker is still there after all that. (On a starved host the
# control worker itself can miss 3 intervals; it then re-registers, so allow
# it a few seconds and report how often the broker told it DISCONNECT.)
t_wait_mmi "$ep" acme.alive 200 || t_fail "acme.alive not 200 after the silent worker's expiry"
t_ok "acme.alive still 200 (the control worker was told DISCONNECT $(grep -c "said DISCONNECT" "$T_DIR/alive.log" || true) times)"

# DISCONNECT, on a broker whose expiry would take 7.5 s.
port2=$(t_port); ep2=tcp://127.0.0.1:$port2
t_broker broker2 "$ep2" "$T_DIR/mmi2.db"
t_peer bye worker_acceptance.py --connect "$ep2" worker --service acme.bye --name BYE --mode disconnect \
    --heartbeat 2500 --ready-file "$T_DIR/bye.ready" --trigger "$T_DIR/bye.go" \
    --disconnect-file "$T_DIR/bye.sent" --lifetime 60
bye=$PEER_PID
t_wait_file "$T_DIR/bye.ready" 10 || t_fail "bye worker did not send READY"
t_wait_mmi "$ep2" acme.bye 200 || t_fail "acme.bye did not register"
t_ok "acme.bye -> 200"
out=$($PY "$WA" --connect "$ep2" mmi-watch --service acme.bye --trigger "$T_DIR/bye.go" \
        --since-file "$T_DIR/bye.sent" --want 404 --within 1) \
    || { echo "$out"; t_fail "a worker that said DISCONNECT was not dropped within 1 s"; }
echo "$out"
kill -0 "$bye" 2>/dev/null || t_fail "the bye worker process died (it must stay connected)"
t_ok "DISCONNECT: acme.bye 200 -> 404 $(echo "$out" | t_json 'j["after_s"]') s after the DISCONNECT (expiry would take 7.5 s)"
if grep -q "worker expired.*service=acme.bye" "$T_DIR/broker2.log"; then t_fail "broker2 expired acme.bye instead of honouring DISCONNECT"; fi
t_ok "broker2 logged no expiry for acme.bye"
