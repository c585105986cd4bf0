#!/usr/bin/env bash
# Acceptance 4: 10,000 tickets acknowledged in batches of 500 (every accepted
# counted), then kill -9 of the broker straight after the last
# acknowledgement, then a restart on the same store: ticket.status finds all
# 10,000 with their received event, and resubmitting gives 10,000 duplicate.
source "$(dirname "$0")/lib.sh"

CA="$HOTLINE_SRC/tests/blackbox/client_acceptance.py"
N=10000
db="$T_DIR/durable.db"
port=$(t_port); ep=tcp://127.0.0.1:$port
t_broker broker1 "$ep" "$db"
first=$BROKER_PID

out=$($PY "$CA" --connect "$ep" --timeout 60000 submit --n $N --chunk 500 --prefix DUR --expect accepted) \
    || { echo "$out"; t_fail "submitting $N tickets in batches of 500"; }
t_kill9 "$first"     # at once: no drain, no checkpoint
echo "$out"
acc=$(echo "$out" | head -1 | t_json 'j["counts"].get("accepted", 0)')
[ "$acc" -eq $N ] || t_fail "accepted $acc of $N"
t_ok "$acc of $N accepted in $(echo "$out" | head -1 | t_json 'j["batches"]') batches of 500 ($(echo "$out" | head -1 | t_json 'j["elapsed_s"]') s); broker (pid $first) killed with SIGKILL right after"
kill -0 "$first" 2>/dev/null && t_fail "broker $first still running after SIGKILL"
t_ok "store files at the kill: $(cd "$T_DIR" && for f in durable.db*; do printf '%s=%s ' "$f" "$(stat -c %s "$f")"; done)"

port=$(t_port); ep=tcp://127.0.0.1:$port
t_broker broker2 "$ep" "$db"
t_ok "broker restarted on the same store (pid $BROKER_PID, $ep)"

out=$($PY "$CA" --connect "$ep" --timeout 20000 status --n $N --prefix DUR --window 500) \
    || { echo "$out"; t_fail "ticket.status after the restart"; }
echo "$out"
t_ok "ticket.status after kill -9 and restart: $(echo "$out" | head -1 | t_json 'str(j["found"]) + " of " + str(j["queried"])') found ($(echo "$out" | head -1 | t_json 'j["elapsed_s"]') s)"

out=$($PY "$CA" --connect "$ep" --timeout 60000 submit --n $N --chunk 500 --prefix DUR --expect duplicate) \
    || { echo "$out"; t_fail "resubmitting after the restart"; }
echo "$out"
t_ok "resubmitted after the restart: $(echo "$out" | head -1 | t_json 'j["counts"].get("duplicate", 0)') of $N duplicate"
