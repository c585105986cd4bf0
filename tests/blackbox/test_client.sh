#!/usr/bin/env bash
# Client acceptance: an independent Python client (REQ socket,
# MDP/0.1 framing) gets accepted / duplicate / rejected-with-a-reason for
# single tickets and for a mixed batch (one reply per ticket, in order),
# ticket.status for known and unknown ids, and the 8/MMI answers.
source "$(dirname "$0")/lib.sh"

port=$(t_port); ep=tcp://127.0.0.1:$port
t_broker broker "$ep" "$T_DIR/client.db"
t_ok "broker up on $ep (pid $BROKER_PID)"

$PY "$HOTLINE_SRC/tests/blackbox/client_acceptance.py" --connect "$ep" acceptance \
    || t_fail "client acceptance failed (see the NOT OK lines above)"

# The broker survived all of it and still answers.
t_wait_mmi "$ep" ticket.submit 200 || t_fail "broker no longer answers mmi.service after the run"
kill -0 "$BROKER_PID" 2>/dev/null || t_fail "broker exited during the run"
t_ok "broker still alive and answering after the malformed input"
