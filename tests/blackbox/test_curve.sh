#!/usr/bin/env bash
# CURVE (security): hotline-keygen writes NAME.key (public, Z85) and
# NAME.key_secret (mode 0600) that pyzmq's zmq.auth.load_certificate reads;
# a broker with --curve-secret/--allow serves only allowed keys, in their
# role, and follows the allow-list without a restart. An independent pyzmq
# peer (curve_client.py) checks:
#   (a) no key (plaintext): no service          (b) unknown key: no service, and
#       the broker logs msg="connection refused" key=<that key>
#   (c) a worker key submitting a ticket: forbidden (and the other role rules)
#   (d) a client key registering as a worker: DISCONNECT, never served
#   (e) an allowed client key: accepted
#   (f) a key file dropped into allow/client/ is served within 2.5 s; removed,
#       new connections and an open one are refused within 2.5 s
#   (g) a C hotline-worker (worker key) and hotline-sim (client key) replay
#       --scenario smoke end to end
#   (h) a plaintext bind to a non-loopback address needs --insecure (which
#       logs a warning); with CURVE it is allowed.
source "$(dirname "$0")/lib.sh"

CC="$HOTLINE_SRC/tests/blackbox/curve_client.py"
K="$T_DIR/keys"; A="$T_DIR/allow"
mkdir -p "$K" "$A/client" "$A/worker" "$A/admin"

# --- keygen -----------------------------------------------------------------
for n in broker client1 worker1 admin1 stranger hot; do
    "$HOTLINE_BIN/hotline-keygen" --dir "$K" "$n" >>"$T_DIR/keygen.log" 2>&1 || t_fail "hotline-keygen $n failed"
    [ -s "$K/$n.key" ] && [ -s "$K/$n.key_secret" ] || t_fail "hotline-keygen $n: missing $n.key or $n.key_secret"
    mode=$(stat -c %a "$K/$n.key_secret")
    [ "$mode" = 600 ] || t_fail "$n.key_secret has mode $mode, want 600"
    out=$($PY "$CC" keys --dir "$K" --name "$n") || { echo "$out"; t_fail "pyzmq cannot load the $n key pair"; }
done
t_ok "hotline-keygen: 6 key pairs, every NAME.key_secret mode 600; pyzmq load_certificate reads both files, the public keys match and the secret derives the public key"
echo "    e.g. $out"
sum=$(sha256sum "$K/client1.key" "$K/client1.key_secret")
if "$HOTLINE_BIN/hotline-keygen" --dir "$K" client1 >>"$T_DIR/keygen.log" 2>&1; then t_fail "hotline-keygen overwrote an existing key pair (exit 0)"; fi
[ "$sum" = "$(sha256sum "$K/client1.key" "$K/client1.key_secret")" ] || t_fail "hotline-keygen changed an existing key pair"
t_ok "hotline-keygen refuses to overwrite an existing pair (exit non-zero, files unchanged)"

pubkey() { $PY -c 'import sys, zmq.auth; print(zmq.auth.load_certificate(sys.argv[1])[0].decode())' "$1"; }
cp "$K/client1.key" "$A/client/"; cp "$K/worker1.key" "$A/worker/"; cp "$K/admin1.key" "$A/admin/"

# t_broker_curve NAME ENDPOINT DB ARGS...: a CURVE broker (keys above); waits
# until the admin key is served; sets BROKER_PID.
t_broker_curve() {
    local name=$1 ep=$2 db=$3 i; shift 3
    "$HOTLINE_BIN/hotline-broker" --bind "$ep" --db "$db" --curve-secret "$K/broker.key_secret" --allow "$A" "$@" \
        2>>"$T_DIR/$name.log" &
    BROKER_PID=$!
    T_PIDS+=("$BROKER_PID")
    for ((i = 0; i < 20; i++)); do
        ccall "$ep" admin1 --timeout 500 mmi.service ticket.submit --raw >/dev/null 2>&1 && return 0
        kill -0 "$BROKER_PID" 2>/dev/null || t_fail "CURVE broker $name exited at start"
    done
    t_fail "CURVE broker $name did not serve the admin key within 10 s"
}
# ccall ENDPOINT KEYNAME|- ARGS...: curve_client.py call (KEYNAME - : plaintext)
ccall() {
    local ep=$1 who=$2; shift 2
    if [ "$who" = - ]; then $PY "$CC" --connect "$ep" call "$@"
    else $PY "$CC" --connect "$ep" --server-key "$K/broker.key" --key "$K/$who.key_secret" call "$@"; fi
}

port=$(t_port); ep=tcp://127.0.0.1:$port
t_broker_curve broker "$ep" "$T_DIR/curve.db"
t_ok "CURVE broker pid $BROKER_PID on $ep (allow: client1, worker1, admin1)"

# --- (a) no key ---------------------------------------------------------------
rc=0; out=$(ccall "$ep" - --timeout 2000 mmi.service ticket.submit --raw) || rc=$?
[ $rc = 3 ] || t_fail "(a) a plaintext client got an answer: $out (rc $rc)"
rc=0; out=$(ccall "$ep" - --timeout 2000 ticket.submit '{"id":"PLAIN-1","received_at":1641000000,"type":"help","text":"x"}') || rc=$?
[ $rc = 3 ] || t_fail "(a) a plaintext ticket.submit got an answer: $out"
t_ok "(a) no key: mmi.service and ticket.submit both unanswered after 2 s ($out)"

# --- (b) unknown key ------------------------------------------------------------
skey=$(pubkey "$K/stranger.key")
rc=0; out=$(ccall "$ep" stranger --timeout 2000 ticket.submit '{"id":"STRANGER-1","received_at":1641000000,"type":"help","text":"x"}') || rc=$?
[ $rc = 3 ] || t_fail "(b) an unknown key got an answer: $out"
for ((i = 0; i < 30; i++)); do grep -F "connection refused" "$T_DIR/broker.log" | grep -qF "key=$skey" && break; sleep 0.1; done
line=$(grep -F "connection refused" "$T_DIR/broker.log" | grep -F "key=$skey" | head -1) || true
[ -n "$line" ] || t_fail "(b) no 'connection refused' line with key=$skey in the broker log"
t_ok "(b) unknown key: no answer in 2 s; broker log: $line"
out=$(ccall "$ep" admin1 ticket.status '{"id":"STRANGER-1"}')
echo "$out" | grep -q "unknown id" || t_fail "(b) the stranger's ticket was stored: $out"
t_ok "(b) the stranger's ticket was not stored: $out"

# --- (c) role rules for calls ------------------------------------------------------
T='{"id":"ROLE-W-1","received_at":1641000000,"type":"help","text":"worker key submits"}'
out=$(ccall "$ep" worker1 ticket.submit "$T") || t_fail "(c) worker key ticket.submit: no answer"
[ "$(echo "$out" | t_json 'j.get("status")')" = forbidden ] || t_fail "(c) worker key ticket.submit: $out, want forbidden"
[ -n "$(echo "$out" | t_json 'j.get("error") or ""')" ] || t_fail "(c) forbidden without an error: $out"
t_ok "(c) worker key, ticket.submit: $out"
out=$(ccall "$ep" admin1 ticket.status '{"id":"ROLE-W-1"}')
echo "$out" | grep -q "unknown id" || t_fail "(c) the worker key's ticket was stored: $out"
for svc in ticket.status kb.update sim.start clock.advance; do
    out=$(ccall "$ep" worker1 "$svc" '{"id":"x"}') || t_fail "(c) worker key $svc: no answer"
    [ "$(echo "$out" | t_json 'j.get("status")')" = forbidden ] || t_fail "(c) worker key $svc: $out, want forbidden"
done
t_ok "(c) worker key: ticket.status, kb.update, sim.start, clock.advance all forbidden; the refused ticket was not stored"
out=$(ccall "$ep" worker1 kb.list '{"limit":2}') || t_fail "(c) worker key kb.list: no answer"
[ "$(echo "$out" | t_json 'len(j.get("entries", []))')" = 2 ] || t_fail "(c) worker key kb.list: $out"
out=$(ccall "$ep" worker1 kb.get '{"id":"KB0001"}') || t_fail "(c) worker key kb.get: no answer"
[ "$(echo "$out" | t_json 'j.get("status")')" != forbidden ] || t_fail "(c) worker key kb.get forbidden: $out"
out=$(ccall "$ep" worker1 sim.scenario '{}') || t_fail "(c) worker key sim.scenario: no answer"
[ "$(echo "$out" | t_json 'j.get("status")')" != forbidden ] || t_fail "(c) worker key sim.scenario forbidden: $out"
out=$(ccall "$ep" worker1 mmi.service ticket.submit --raw) || t_fail "(c) worker key mmi.service: no answer"
[ "$out" = '"200"' ] || t_fail "(c) worker key mmi.service: $out"
t_ok "(c) worker key: kb.list, kb.get, sim.scenario, mmi.service served"
out=$(ccall "$ep" client1 broker.stats '{}') || t_fail "(c) client key broker.stats: no answer"
[ "$(echo "$out" | t_json 'j.get("status")')" = forbidden ] || t_fail "(c) client key broker.stats: $out, want forbidden"
t_ok "(c) client key, broker.stats: $out"

# --- (d) a client key registering as a worker ----------------------------------------
out=$($PY "$CC" --connect "$ep" --server-key "$K/broker.key" --key "$K/client1.key_secret" worker \
        --service acme.evil --for 4 --probe-key "$K/admin1.key_secret") || t_fail "(d) worker run failed: $out"
echo "    $out"
[ "$(echo "$out" | t_json 'j["disconnect_after_s"] is not None')" = True ] || t_fail "(d) a client key's READY was not answered with DISCONNECT: $out"
[ "$(echo "$out" | t_json 'j["requests"]')" = 0 ] || t_fail "(d) a client-key worker was sent requests: $out"
[ "$(echo "$out" | t_json 'j["probe"]["mmi"]')" = 404 ] || t_fail "(d) acme.evil registered: $out"
[ "$(echo "$out" | t_json '"echo" in str(j["probe"]["call"])')" = False ] || t_fail "(d) acme.evil served: $out"
t_ok "(d) client key as a worker: DISCONNECT after $(echo "$out" | t_json 'j["disconnect_after_s"]') s, 0 requests, mmi.service acme.evil 404, a call to it: $(echo "$out" | t_json 'j["probe"]["call"]')"
grep -F "msg=" "$T_DIR/broker.log" | grep -iE "role|forbidden|refus" | grep -v "connection refused" | tail -3 | sed 's/^/    broker log: /' || true
# controls: a worker key and an admin key may register and are served
for who in worker1 admin1; do
    out=$($PY "$CC" --connect "$ep" --server-key "$K/broker.key" --key "$K/$who.key_secret" worker \
            --service "acme.$who" --for 3 --probe-key "$K/client1.key_secret") || t_fail "(d) control worker run failed: $out"
    [ "$(echo "$out" | t_json 'j["disconnect_after_s"] is None and j["probe"]["mmi"] == "200" and j["requests"] == 1')" = True ] \
        || t_fail "(d) a $who key could not serve as a worker: $out"
    t_ok "(d) control: key $who registers acme.$who and serves a client-key call: $(echo "$out" | t_json 'j["probe"]["call"]')"
done

# --- (e) an allowed client key ----------------------------------------------------------
out=$(ccall "$ep" client1 ticket.submit '{"id":"ROLE-C-1","received_at":1641000000,"type":"help","text":"client key submits"}')
[ "$(echo "$out" | t_json 'j.get("status")')" = accepted ] || t_fail "(e) client key ticket.submit: $out"
out2=$(ccall "$ep" client1 ticket.status '{"id":"ROLE-C-1"}')
[ "$(echo "$out2" | t_json 'j.get("state")')" = RECEIVED ] || t_fail "(e) client key ticket.status: $out2"
out3=$(ccall "$ep" admin1 ticket.submit '{"id":"ROLE-A-1","received_at":1641000000,"type":"help","text":"admin key submits"}')
[ "$(echo "$out3" | t_json 'j.get("status")')" = accepted ] || t_fail "(e) admin key ticket.submit: $out3"
t_ok "(e) client key: ticket.submit $out; ticket.status state RECEIVED; admin key: $out3"

# --- (f) allow-list changes without a restart -----------------------------------------------
out=$($PY "$CC" --connect "$ep" --server-key "$K/broker.key" --key "$K/hot.key_secret" hotplug \
        --pub "$K/hot.key" --allow-dir "$A/client" --within 2.5) || { echo "$out"; t_fail "(f) allow-list hot reload out of bounds"; }
echo "    $out"
t_ok "(f) key dropped in: served after $(echo "$out" | t_json 'j["served_after_add_s"]') s; removed: new connections refused after $(echo "$out" | t_json 'j["new_refused_after_remove_s"]') s, the open connection after $(echo "$out" | t_json 'j["kept_refused_after_remove_s"]') s ($(echo "$out" | t_json 'j["kept_connection_answers"]')) (limit 2.5 s)"
kill -0 "$BROKER_PID" 2>/dev/null || t_fail "the broker died"
# junk in the allow-list directory: ignored, nothing else changes
printf 'not a certificate\n' >"$A/client/junk.key"
: >"$A/client/empty.key"
head -c 1048576 /dev/urandom >"$A/client/big.key"
printf 'curve\n    public-key = "%s"\n' "$(printf 'x%.0s' $(seq 39))" >"$A/client/short.key"
cp "$K/stranger.key_secret" "$A/client/stranger.key_secret"
sleep 1.5
kill -0 "$BROKER_PID" 2>/dev/null || t_fail "the broker died on junk files in the allow-list"
out=$(ccall "$ep" client1 ticket.submit '{"id":"ROLE-C-2","received_at":1641000000,"type":"help","text":"after junk"}')
[ "$(echo "$out" | t_json 'j.get("status")')" = accepted ] || t_fail "(f) client1 not served after junk files: $out"
rc=0; out=$(ccall "$ep" stranger --timeout 1500 mmi.service ticket.submit --raw) || rc=$?
[ $rc = 3 ] || t_fail "(f) a *.key_secret file in the allow-list let its key in: $out"
rm -f "$A/client/junk.key" "$A/client/empty.key" "$A/client/big.key" "$A/client/short.key" "$A/client/stranger.key_secret"
t_ok "(f) junk in allow/client/ (garbage, empty, 1 MiB random, a 39-char key, a .key_secret): broker alive, client1 served, the stranger still refused"

# --- (g) C worker + simulator over CURVE ---------------------------------------------------
# a C worker with a client key is refused
"$HOTLINE_BIN/hotline-worker" --connect "$ep" --service echo --curve-server "$K/broker.key" \
    --curve-key "$K/client1.key_secret" 2>>"$T_DIR/badworker.log" &
bad=$!; T_PIDS+=("$bad")
sleep 3
code=$(ccall "$ep" admin1 mmi.service echo --raw)
[ "$code" = '"404"' ] || t_fail "(g) a C worker with a client key registered echo: mmi.service echo $code"
t_stop "$bad"
t_ok "(g) a C hotline-worker with a client key: echo not registered after 3 s ($code)"
# the simulator with a worker key is refused
rc=0; "$HOTLINE_BIN/hotline-sim" --connect "$ep" --scenario smoke -q --limit 20 --timeout 10 --resend-ms 2000 \
    --curve-server "$K/broker.key" --curve-key "$K/worker1.key_secret" 2>>"$T_DIR/badsim.log" || rc=$?
[ $rc = 77 ] || t_fail "(g) hotline-sim with a worker key: exit $rc, want 77 (refused key)"
t_ok "(g) hotline-sim with a worker key: exit $rc ($(tail -1 "$T_DIR/badsim.log"))"

t_worker worker "$ep" --all-services --curve-server "$K/broker.key" --curve-key "$K/worker1.key_secret"
for ((i = 0; i < 100; i++)); do
    [ "$(ccall "$ep" client1 mmi.service visit --raw)" = '"200"' ] && break; sleep 0.1
done
[ "$(ccall "$ep" client1 mmi.service visit --raw)" = '"200"' ] || t_fail "(g) the C worker did not register over CURVE"
t0=$(date +%s)
"$HOTLINE_BIN/hotline-sim" --connect "$ep" --scenario smoke -q --timeout 300 --acked "$T_DIR/acked.txt" \
    --curve-server "$K/broker.key" --curve-key "$K/client1.key_secret" 2>>"$T_DIR/sim.log" \
    || t_fail "(g) hotline-sim over CURVE failed"
st=$(ccall "$ep" client1 sim.status '{}')
[ "$(echo "$st" | t_json 'j["final"] == j["tickets"] and j["tickets"] >= 500')" = True ] || t_fail "(g) not settled: $st"
t_ok "(g) hotline-worker (worker key) + hotline-sim (client key) --scenario smoke: $(wc -l <"$T_DIR/acked.txt") acknowledged, settled in $(( $(date +%s) - t0 )) s: $st"

# --- (h) binds --------------------------------------------------------------------------
p2=$(t_port)
binds=("tcp://0.0.0.0:$p2" "tcp://*:$p2")
hostip=$(hostname -I 2>/dev/null | tr ' ' '\n' | grep -E '^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$' | grep -v '^127\.' | head -1) || true
[ -n "$hostip" ] && binds+=("tcp://$hostip:$p2")
for bind in "${binds[@]}"; do
    rc=0; timeout 10 "$HOTLINE_BIN/hotline-broker" --bind "$bind" --db "$T_DIR/h.db" 2>"$T_DIR/h.log" || rc=$?
    [ $rc != 0 ] && [ $rc != 124 ] || t_fail "(h) plaintext --bind $bind without --insecure: exit $rc, want a refusal at start"
    grep -q -- "--insecure" "$T_DIR/h.log" || t_fail "(h) the refusal of $bind does not mention --insecure: $(cat "$T_DIR/h.log")"
    t_ok "(h) plaintext --bind $bind without --insecure: exit $rc: $(head -1 "$T_DIR/h.log")"
done
rc=0; timeout 10 "$HOTLINE_BIN/hotline-broker" --bind "tcp://0.0.0.0:$p2" --db "$T_DIR/h.db" --curve-secret "$K/broker.key_secret" \
    2>"$T_DIR/h.log" || rc=$?
[ $rc != 0 ] && [ $rc != 124 ] || t_fail "(h) --curve-secret without --allow: exit $rc"
t_ok "(h) --curve-secret without --allow: exit $rc: $(head -1 "$T_DIR/h.log")"
rc=0; timeout 10 "$HOTLINE_BIN/hotline-broker" --bind "tcp://127.0.0.1:$p2" --db "$T_DIR/h.db" --curve-secret "$K/broker.key" \
    --allow "$A" 2>"$T_DIR/h.log" || rc=$?
[ $rc != 0 ] && [ $rc != 124 ] || t_fail "(h) a public-only certificate as --curve-secret: exit $rc"
t_ok "(h) a public-only certificate as --curve-secret: exit $rc: $(head -1 "$T_DIR/h.log")"

"$HOTLINE_BIN/hotline-broker" --bind "tcp://0.0.0.0:$p2" --db "$T_DIR/h2.db" --insecure 2>>"$T_DIR/insecure.log" &
ip=$!; T_PIDS+=("$ip")
t_wait_mmi "tcp://127.0.0.1:$p2" mmi.service 200 || t_fail "(h) --insecure broker on 0.0.0.0 did not serve"
grep -q "level=warn.*insecure" "$T_DIR/insecure.log" || t_fail "(h) --insecure logged no warning"
t_stop "$ip"
t_ok "(h) --insecure on tcp://0.0.0.0:$p2 starts and serves; warning: $(grep "level=warn.*insecure" "$T_DIR/insecure.log" | head -1)"

p3=$(t_port)
t_broker_curve broker3 "tcp://0.0.0.0:$p3" "$T_DIR/h3.db"
t_ok "(h) with CURVE, tcp://0.0.0.0:$p3 is allowed without --insecure (admin key served over 127.0.0.1)"
rc=0; out=$(ccall "tcp://127.0.0.1:$p3" - --timeout 1500 mmi.service ticket.submit --raw) || rc=$?
[ $rc = 3 ] || t_fail "(h) the CURVE broker on 0.0.0.0 answered a plaintext client: $out"
t_stop "$BROKER_PID"
ipc="ipc://$T_DIR/b.ipc"
t_broker broker4 "$ipc" "$T_DIR/h4.db"
t_stop "$BROKER_PID"
t_ok "(h) controls: the 0.0.0.0 CURVE broker ignores plaintext; a plaintext ipc:// bind starts without --insecure"
