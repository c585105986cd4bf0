#!/usr/bin/env bash
# An operator's tools never hang and never mislead, tried as a new user would:
#   (a) a worker whose CURVE key the broker refuses logs why, retries with
#       back-off, and stops at once on SIGTERM;
#   (b) hotline-ctl with an invalid endpoint says so at once (exit 64); with a
#       dead broker it gives up after --timeout (exit 69); with a refused key
#       it says the key was refused (exit 77); `watch` stops on SIGTERM;
#   (c) an impossible --metrics port is refused at start (exit 64);
#   (d) hotline-keygen --dir creates the directory (and its parents);
#   (e) every program answers --version;
#   (f) hotline-report --db DIR says DIR is a directory;
#   (g) the broker's ready line is logged at info level;
#   (h) no --help text, man page or HTML report cites the design brief
#       ("SPEC §"), which does not ship.
source "$(dirname "$0")/lib.sh"
K="$T_DIR/keys"; A="$T_DIR/allow"
mkdir -p "$A/worker" "$A/admin"

# within SECONDS COMMAND...: runs COMMAND, fails the test if it takes longer; sets RC.
within() {
    local limit=$1 t0 t1; shift
    t0=$(date +%s%N); RC=0
    timeout $((limit + 5)) "$@" >"$T_DIR/out.txt" 2>&1 || RC=$?
    t1=$(date +%s%N)
    ELAPSED_MS=$(( (t1 - t0) / 1000000 ))
    [ "$ELAPSED_MS" -le $((limit * 1000)) ] || t_fail "'$*' took ${ELAPSED_MS} ms (limit ${limit} s): $(cat "$T_DIR/out.txt")"
}

# --- (d) keygen makes its directory ---
"$HOTLINE_BIN/hotline-keygen" --dir "$T_DIR/new/deeper" k >/dev/null || t_fail "keygen --dir into a new directory failed"
[ -s "$T_DIR/new/deeper/k.key" ] && [ "$(stat -c %a "$T_DIR/new/deeper")" = 700 ] || t_fail "keygen did not create the directory (mode 700)"
for n in broker stranger; do "$HOTLINE_BIN/hotline-keygen" --dir "$K" $n >/dev/null; done
"$HOTLINE_BIN/hotline-keygen" --dir "$K" admin1 >/dev/null
cp "$K/admin1.key" "$A/admin/"
touch "$T_DIR/afile"
rc=0; "$HOTLINE_BIN/hotline-keygen" --dir "$T_DIR/afile/sub" x 2>"$T_DIR/kg.err" || rc=$?
[ $rc = 73 ] && grep -q "cannot create the directory" "$T_DIR/kg.err" || t_fail "keygen under a file: exit $rc, $(cat "$T_DIR/kg.err")"
t_ok "(d) hotline-keygen --dir creates missing directories (mode 700) and says when it cannot"

# --- (a) a refused worker ---
port=$(t_port); ep=tcp://127.0.0.1:$port
"$HOTLINE_BIN/hotline-broker" --bind "$ep" --db "$T_DIR/c.db" --curve-secret "$K/broker.key_secret" --allow "$A" -v \
    2>>"$T_DIR/broker.log" &
BROKER_PID=$!; T_PIDS+=("$BROKER_PID")
for ((i = 0; i < 50; i++)); do grep -q "broker ready" "$T_DIR/broker.log" && break; sleep 0.1; done
"$HOTLINE_BIN/hotline-worker" --connect "$ep" --all-services --curve-server "$K/broker.key" \
    --curve-key "$K/stranger.key_secret" 2>>"$T_DIR/worker.log" &
WPID=$!; T_PIDS+=("$WPID")
for ((i = 0; i < 50; i++)); do grep -q "refused this worker" "$T_DIR/worker.log" && break; sleep 0.1; done
grep -q "refused this worker.*not in its allow-list" "$T_DIR/worker.log" || t_fail "(a) the worker did not log why it is refused"
sleep 1
t0=$(date +%s%N); kill -TERM "$WPID"; rc=0; wait "$WPID" || rc=$?; t1=$(date +%s%N)
[ $rc = 0 ] && [ $(( (t1 - t0) / 1000000 )) -lt 2000 ] || t_fail "(a) refused worker: exit $rc after $(( (t1 - t0) / 1000000 )) ms on SIGTERM"
n=$(grep -c "connection refused" "$T_DIR/broker.log")
[ "$n" -lt 200 ] || t_fail "(a) the refused worker hammered the broker: $n attempts"
t_ok "(a) refused worker: logs the reason, $n handshakes in ~2 s for 25 services (back-off), exits 0 within $(( (t1 - t0) / 1000000 )) ms of SIGTERM"

# --- (b) hotline-ctl ---
within 2 "$HOTLINE_BIN/hotline-ctl" -c bogus://x --timeout 500 status
[ "$RC" = 64 ] && grep -q "invalid endpoint 'bogus://x'" "$T_DIR/out.txt" || t_fail "(b) bogus endpoint: exit $RC: $(cat "$T_DIR/out.txt")"
dead=$(t_port)
within 3 "$HOTLINE_BIN/hotline-ctl" -c "tcp://127.0.0.1:$dead" --timeout 500 status
[ "$RC" = 69 ] && grep -q "did not answer within 500 ms" "$T_DIR/out.txt" || t_fail "(b) dead broker: exit $RC: $(cat "$T_DIR/out.txt")"
within 3 "$HOTLINE_BIN/hotline-ctl" -c "$ep" --curve-server "$K/broker.key" --curve-key "$K/stranger.key_secret" --timeout 2000 status
[ "$RC" = 77 ] && grep -q "refused the connection" "$T_DIR/out.txt" || t_fail "(b) refused key: exit $RC: $(cat "$T_DIR/out.txt")"
"$HOTLINE_BIN/hotline-ctl" -c "$ep" --curve-server "$K/broker.key" --curve-key "$K/admin1.key_secret" status >"$T_DIR/st.txt" ||
    t_fail "(b) admin status failed"
"$HOTLINE_BIN/hotline-ctl" -c "$ep" --curve-server "$K/broker.key" --curve-key "$K/admin1.key_secret" watch -i 1 >/dev/null 2>&1 &
CPID=$!; T_PIDS+=("$CPID"); sleep 1.5
t0=$(date +%s%N); kill -TERM "$CPID"; rc=0; wait "$CPID" || rc=$?; t1=$(date +%s%N)
[ $(( (t1 - t0) / 1000000 )) -lt 2000 ] || t_fail "(b) watch ignored SIGTERM"
within 2 "$HOTLINE_BIN/hotline-ctl" nosuchcommand
[ "$RC" = 64 ] || t_fail "(b) an unknown command: exit $RC"
t_ok "(b) hotline-ctl: invalid endpoint exit 64 at once, dead broker exit 69 after --timeout, refused key exit 77, watch stops on SIGTERM"

# --- (c) --metrics port ---
within 2 "$HOTLINE_BIN/hotline-broker" --bind "tcp://127.0.0.1:$(t_port)" --db "$T_DIR/m.db" --metrics 127.0.0.1:99999
[ "$RC" = 64 ] && grep -q "port from 1 to 65535" "$T_DIR/out.txt" || t_fail "(c) --metrics :99999: exit $RC: $(cat "$T_DIR/out.txt")"
[ ! -e "$T_DIR/m.db" ] || t_fail "(c) the store was created before the options were checked"
t_ok "(c) --metrics 127.0.0.1:99999 refused at start (exit 64), nothing created"

# --- (e) --version ---
for b in "$HOTLINE_BIN"/*; do
    [ -x "$b" ] && [ -f "$b" ] || continue
    out=$("$b" --version 2>&1) || t_fail "(e) $(basename "$b") --version failed: $out"
    echo "$out" | grep -Eq "^$(basename "$b") [0-9]+\.[0-9]+\.[0-9]+$" || t_fail "(e) $(basename "$b") --version said: $out"
done
$PY "$HOTLINE_SRC/scripts/feed.py" --version | grep -q "hotline" || t_fail "(e) feed.py --version"
t_ok "(e) every program in bin/ (and feed.py) answers --version"

# --- (f) report on a directory ---
within 2 "$HOTLINE_BIN/hotline-report" --db "$T_DIR"
[ "$RC" = 64 ] && grep -q "is a directory" "$T_DIR/out.txt" || t_fail "(f) report --db DIR: exit $RC: $(head -1 "$T_DIR/out.txt")"
t_ok "(f) hotline-report --db DIR: \"$(head -1 "$T_DIR/out.txt")\""

# --- (g) the ready line ---
grep -q 'level=info proc=broker msg="broker ready"' "$T_DIR/broker.log" || t_fail "(g) no info-level ready line: $(grep ready "$T_DIR/broker.log")"
t_stop "$BROKER_PID"
"$HOTLINE_BIN/hotline-broker" --bind "tcp://127.0.0.1:$(t_port)" --db "$T_DIR/q.db" 2>"$T_DIR/quiet.log" &
QPID=$!; T_PIDS+=("$QPID"); sleep 0.5; t_stop "$QPID"
! grep -q "broker ready" "$T_DIR/quiet.log" || t_fail "(g) the ready line shows at the default (warn) level"
t_ok "(g) the broker's ready line is at info level (shown with -v, not by default)"

# --- (h) no citation of the brief in what ships ---
for b in "$HOTLINE_BIN"/*; do [ -x "$b" ] && [ -f "$b" ] && "$b" --help >>"$T_DIR/help.txt" 2>&1; done
$PY "$HOTLINE_SRC/scripts/feed.py" --help >>"$T_DIR/help.txt" 2>&1
"$HOTLINE_BIN/hotline-report" --db "$T_DIR/c.db" --from 2022-01-01 --to 2022-12-31 --format html --output "$T_DIR/r.html" ||
    t_fail "(h) html report failed"
hits=$(cat "$T_DIR/help.txt" "$HOTLINE_SRC"/docs/man/* "$T_DIR/r.html" "$HOTLINE_SRC/README.md" "$HOTLINE_SRC"/docs/*.md | grep -c 'SPEC' || true)
[ "$hits" = 0 ] || t_fail "(h) $hits lines cite SPEC: $(cat "$T_DIR/help.txt" "$HOTLINE_SRC"/docs/man/* "$T_DIR/r.html" | grep SPEC | head -3)"
t_ok "(h) no --help, man page, README, guide or HTML report cites SPEC ($(wc -l <"$T_DIR/help.txt") help lines checked)"
