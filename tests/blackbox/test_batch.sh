#!/usr/bin/env bash
# One ticket.submit holding 10,000 tickets (an array of maps, built in
# Python): every one accepted, in order; the same batch again: 10,000
# duplicates; ticket.status on a sample of 501 ids spread over the range
# finds each with its received event. Prints the elapsed times.
source "$(dirname "$0")/lib.sh"

CA="$HOTLINE_SRC/tests/blackbox/client_acceptance.py"
N=10000
port=$(t_port); ep=tcp://127.0.0.1:$port
t_broker broker "$ep" "$T_DIR/batch.db"

out=$($PY "$CA" --connect "$ep" --timeout 120000 submit --n $N --chunk $N --prefix BATCH --expect accepted) \
    || { echo "$out"; t_fail "first submission of the $N-ticket batch"; }
echo "$out"
t_ok "one batch of $N tickets: $(echo "$out" | head -1 | t_json 'j["counts"].get("accepted", 0)') accepted in $(echo "$out" | head -1 | t_json 'j["elapsed_s"]') s"

out=$($PY "$CA" --connect "$ep" --timeout 120000 submit --n $N --chunk $N --prefix BATCH --expect duplicate) \
    || { echo "$out"; t_fail "resubmission of the $N-ticket batch"; }
echo "$out"
t_ok "the same batch again: $(echo "$out" | head -1 | t_json 'j["counts"].get("duplicate", 0)') duplicate in $(echo "$out" | head -1 | t_json 'j["elapsed_s"]') s"

out=$($PY "$CA" --connect "$ep" status --n $N --prefix BATCH --sample 500) \
    || { echo "$out"; t_fail "ticket.status on a sample"; }
echo "$out"
t_ok "ticket.status on a sample: $(echo "$out" | head -1 | t_json 'str(j["found"]) + " of " + str(j["queried"])') found with their received event, in $(echo "$out" | head -1 | t_json 'j["elapsed_s"]') s"

kill -0 "$BROKER_PID" 2>/dev/null || t_fail "broker exited"
