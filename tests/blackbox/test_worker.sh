#!/usr/bin/env bash
# Worker acceptance: an independent Python 7/MDP v0.1 worker
# (DEALER; READY "acme.upper", HEARTBEAT both ways, REPLY) registers with the
# broker; a client's 20 requests to acme.upper through the broker all come
# back uppercased, with an idle pause in the middle (8 heartbeat intervals
# of 500 ms); mmi.service says 200 while it is registered, 404 before.
source "$(dirname "$0")/lib.sh"

WA="$HOTLINE_SRC/tests/blackbox/worker_acceptance.py"
port=$(t_port); ep=tcp://127.0.0.1:$port
t_broker broker "$ep" "$T_DIR/worker.db" --heartbeat 500

code=$($PY "$HOTLINE_SRC/tests/blackbox/mdp_call.py" --connect "$ep" --mmi acme.upper) || true
[ "$code" = 404 ] || t_fail "mmi.service acme.upper before any worker: $code, want 404"
t_ok "mmi.service acme.upper before the worker registers -> $code"

t_peer w1 worker_acceptance.py --connect "$ep" worker --service acme.upper --name W1 --heartbeat 500 \
    --ready-file "$T_DIR/w1.ready" --lifetime 120
t_wait_file "$T_DIR/w1.ready" 10 || t_fail "worker W1 did not send READY"
t_wait_mmi "$ep" acme.upper 200 || t_fail "mmi.service acme.upper did not turn 200 after READY"
t_ok "mmi.service acme.upper -> 200 once W1 is registered"

# 20 requests, with a 4 s idle pause (8 heartbeat intervals) after the 10th.
out=$($PY "$WA" --connect "$ep" client --service acme.upper --n 20 --pause-after 10 --pause 4) \
    || { echo "$out"; t_fail "client through the broker to W1"; }
echo "$out"
echo "$out" | tail -1 | t_json 'j["right"] == 20 and j["by_worker"] == {"W1": 20} and j["mmi"] == "200"' | grep -qx True \
    || t_fail "want 20 right answers, all from W1"
t_ok "20 of 20 requests answered right by W1 through the broker"

# The broker heartbeats an idle worker: W1 never saw 3 silent intervals.
if grep -q reconnecting "$T_DIR/w1.log"; then t_fail "W1 had to reconnect: the broker stopped heartbeating"; fi
hb_ok=$(grep -c "REPLY #" "$T_DIR/w1.log" || true)
t_ok "W1 never reconnected (broker heartbeats kept it alive), logged $hb_ok replies"

# A second worker for the same service: requests still all answered right.
t_peer w2 worker_acceptance.py --connect "$ep" worker --service acme.upper --name W2 --heartbeat 500 \
    --ready-file "$T_DIR/w2.ready" --lifetime 120
t_wait_file "$T_DIR/w2.ready" 10 || t_fail "worker W2 did not send READY"
sleep 0.3
out=$($PY "$WA" --connect "$ep" client --service acme.upper --n 20) || { echo "$out"; t_fail "client with 2 workers"; }
echo "$out"
t_ok "20 of 20 right with two workers: $(echo "$out" | tail -1 | t_json 'j["by_worker"]')"
