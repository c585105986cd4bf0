#!/usr/bin/env bash
# The second-language client (scripts/feed.py, Python: pyzmq + msgpack, a
# DEALER socket with MDP/0.1 client framing) against a real broker:
#   - 1,000 tickets from a JSON Lines file: all accepted; fed again: all
#     duplicate, exit 0; the CSV variant (other ids): all accepted;
#   - a file with 3 bad lines: each reported with its line number, exit 1,
#     the good lines accepted;
#   - resends: the broker frozen (SIGSTOP) while the feed starts, and a broker
#     that only comes up after the feeder: everything ends acknowledged, and
#     the store holds each ticket exactly once;
#   - CURVE: with the client's key pair it feeds; without, it gets nothing.
source "$(dirname "$0")/lib.sh"

FEED="$PY $HOTLINE_SRC/scripts/feed.py"
GEN="$PY $HOTLINE_SRC/tests/blackbox/gen_tickets.py"

# count DB PREFIX: tickets with ids PREFIX-* in the store (read-only).
count() {
    $PY - "$1" "$2" <<'EOF'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
print(db.execute("SELECT COUNT(*) FROM ticket WHERE id LIKE ? || '-%'", (sys.argv[2],)).fetchone()[0])
EOF
}
# field NAME < summary.json
field() { t_json "j['$1']"; }

$GEN --count 1000 --prefix FEEDJ --seed 1 --jsonl "$T_DIR/tickets.jsonl"
$GEN --count 1000 --prefix FEEDC --seed 2 --csv "$T_DIR/tickets.csv"
$GEN --count 1000 --prefix FEEDS --seed 3 --jsonl "$T_DIR/stopped.jsonl"
$GEN --count 1000 --prefix FEEDL --seed 4 --jsonl "$T_DIR/late.jsonl"
[ "$(wc -l <"$T_DIR/tickets.jsonl")" -eq 1000 ] || t_fail "generator: not 1000 JSON lines"
[ "$(wc -l <"$T_DIR/tickets.csv")" -eq 1001 ] || t_fail "generator: not a header + 1000 CSV rows"
t_ok "generated 1000 tickets as JSON Lines and 1000 as CSV"

$FEED --help | grep -q -- '--curve-server' || t_fail "feed.py --help is missing options"
rc=0; $FEED --batch 0 "$T_DIR/tickets.jsonl" 2>/dev/null || rc=$?
[ "$rc" = 64 ] || t_fail "--batch 0: exit $rc, want 64"
rc=0; $FEED "$T_DIR/no-such.csv" 2>/dev/null || rc=$?
[ "$rc" = 66 ] || t_fail "missing file: exit $rc, want 66"
printf 'id,received_at,kind,text\n' >"$T_DIR/header.csv"
rc=0; $FEED "$T_DIR/header.csv" 2>"$T_DIR/header.err" || rc=$?
[ "$rc" = 65 ] && grep -q "no column 'type'" "$T_DIR/header.err" || t_fail "bad CSV header: exit $rc, $(cat "$T_DIR/header.err")"
t_ok "usage errors, a missing file and a bad CSV header are refused with 64/66/65"

port=$(t_port); ep=tcp://127.0.0.1:$port
db=$T_DIR/feed.db
t_broker broker "$ep" "$db"
t_ok "broker up on $ep (pid $BROKER_PID)"

# 1. JSON Lines: all 1,000 accepted.
$FEED --connect "$ep" --json "$T_DIR/tickets.jsonl" >"$T_DIR/s1.json" || t_fail "first feed exited $?: $(cat "$T_DIR/s1.json")"
[ "$(field accepted <"$T_DIR/s1.json")" = 1000 ] || t_fail "first feed: $(cat "$T_DIR/s1.json")"
[ "$(count "$db" FEEDJ)" = 1000 ] || t_fail "store holds $(count "$db" FEEDJ) FEEDJ tickets, want 1000"
t_ok "JSON Lines: 1000 accepted, 1000 in the store"

# 2. The same file again: all duplicate, which is success.
$FEED --connect "$ep" --json "$T_DIR/tickets.jsonl" >"$T_DIR/s2.json" || t_fail "second feed exited $?: $(cat "$T_DIR/s2.json")"
[ "$(field duplicate <"$T_DIR/s2.json")" = 1000 ] && [ "$(field accepted <"$T_DIR/s2.json")" = 0 ] \
    || t_fail "second feed: $(cat "$T_DIR/s2.json")"
t_ok "fed again: 1000 duplicate, exit 0"

# 3. CSV (local times, 是/否 for urgent), other ids, small batches: all accepted.
$FEED --connect "$ep" --batch 37 --window 3 "$T_DIR/tickets.csv" >"$T_DIR/s3.txt" || t_fail "CSV feed exited $?: $(cat "$T_DIR/s3.txt")"
grep -Eq '^  accepted +1000$' "$T_DIR/s3.txt" || t_fail "CSV feed: $(cat "$T_DIR/s3.txt")"
[ "$(count "$db" FEEDC)" = 1000 ] || t_fail "store holds $(count "$db" FEEDC) FEEDC tickets"
# the CSV's "YYYY-MM-DD HH:MM:SS" is CST: 2022-01-01 00:00 CST = 1640966400
$PY - "$db" <<'EOF' || t_fail "CSV times not read as CST"
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
lo, hi = db.execute("SELECT MIN(received_at), MAX(received_at) FROM ticket WHERE id LIKE 'FEEDC-%'").fetchone()
assert 1640966400 <= lo and hi < 1672502400, (lo, hi)
EOF
t_ok "CSV: 1000 accepted (text summary), times read as CST"

# 4. Three bad lines among good ones: reported by line number, exit 1, the rest accepted.
cat >"$T_DIR/bad.jsonl" <<'EOF'
{"id":"BAD-1","received_at":1656640800,"type":"complaint","text":"金霞街道某路口夜间施工噪音扰民"}
{"id":"BAD-2","received_at":1656640800,"type":"help","text":"珠池街道停水两天"}
{"id":"BAD-3","received_at":1656640800,"type":"complain","text":"type misspelt: the broker rejects it"}
{"id":"BAD-4","received_at":1656640800,"type":"consult","text":"请问居住证怎么办理？"}

{"id":"BAD-5","received_at":1656640800,"type":"help","text":"bad JSON: no closing brace"
{"id":"BAD-6","received_at":"2022-07-01 10:00","type":"suggest","text":"建议增设红绿灯","street":"longhu"}
{"id":"BAD-7","received_at":"2022-07-01 10:00","type":"praise","text":"感谢工作人员","street":"xinjin"}
{"id":"BAD-8","received_at":1656640800,"type":"help","text":"another centre's ticket","centre":"jinping"}
{"id":"BAD-9","received_at":1656640800,"type":"help","text":"this centre's, named","centre":"longhu"}
EOF
rc=0; $FEED --connect "$ep" "$T_DIR/bad.jsonl" >"$T_DIR/s4.txt" || rc=$?
[ "$rc" = 1 ] || t_fail "bad lines: exit $rc, want 1: $(cat "$T_DIR/s4.txt")"
grep -Eq '^  accepted +5$' "$T_DIR/s4.txt" && grep -Eq '^  rejected +4$' "$T_DIR/s4.txt" || t_fail "bad lines: $(cat "$T_DIR/s4.txt")"
grep -q "line 3 id BAD-3: field 'type'" "$T_DIR/s4.txt" || t_fail "line 3 not reported: $(cat "$T_DIR/s4.txt")"
grep -q "line 6: bad JSON" "$T_DIR/s4.txt" || t_fail "line 6 not reported: $(cat "$T_DIR/s4.txt")"
grep -q "line 7 id BAD-6: field 'street'" "$T_DIR/s4.txt" || t_fail "line 7 not reported: $(cat "$T_DIR/s4.txt")"
grep -q "line 9 id BAD-8: field 'centre' is 'jinping': this broker serves centre 'longhu'" "$T_DIR/s4.txt" || t_fail "line 9 not reported: $(cat "$T_DIR/s4.txt")"
[ "$(count "$db" BAD)" = 5 ] || t_fail "store holds $(count "$db" BAD) BAD tickets, want 5"
t_ok "4 bad lines reported as lines 3, 6, 7, 9 (another centre's ticket) with reasons; the 5 good ones accepted; exit 1"

# 5. Resend: the broker is frozen when the feed starts, and thawed 3 s later.
kill -STOP "$BROKER_PID"
$FEED --connect "$ep" --timeout 1 --batch 100 --json "$T_DIR/stopped.jsonl" >"$T_DIR/s5.json" 2>"$T_DIR/feed5.log" &
feed_pid=$!; T_PIDS+=("$feed_pid")
sleep 3
kill -CONT "$BROKER_PID"
rc=0; wait "$feed_pid" || rc=$?
[ "$rc" = 0 ] || t_fail "feed through a frozen broker exited $rc: $(cat "$T_DIR/s5.json")"
acked=$(t_json "j['accepted'] + j['duplicate']" <"$T_DIR/s5.json")
[ "$acked" = 1000 ] && [ "$(field rejected <"$T_DIR/s5.json")" = 0 ] || t_fail "frozen broker: $(cat "$T_DIR/s5.json")"
[ "$(field resends <"$T_DIR/s5.json")" -ge 1 ] || t_fail "frozen broker: no resend happened: $(cat "$T_DIR/s5.json")"
grep -q 'level=warn proc=feed msg="no answer; resending' "$T_DIR/feed5.log" || t_fail "no logfmt resend warning"
[ "$(count "$db" FEEDS)" = 1000 ] || t_fail "store holds $(count "$db" FEEDS) FEEDS tickets, want 1000"
t_ok "broker frozen 3 s: $(field resends <"$T_DIR/s5.json") resends, 1000 acknowledged ($(field accepted <"$T_DIR/s5.json") accepted), 1000 in the store"

# 6. Resend: the feeder starts first; the broker comes up 2.5 s later.
port2=$(t_port); ep2=tcp://127.0.0.1:$port2
$FEED --connect "$ep2" --timeout 1 --json "$T_DIR/late.jsonl" >"$T_DIR/s6.json" 2>"$T_DIR/feed6.log" &
feed_pid=$!; T_PIDS+=("$feed_pid")
sleep 2.5
t_broker broker2 "$ep2" "$T_DIR/late.db"
rc=0; wait "$feed_pid" || rc=$?
# A send from before the last reconnect may reach the broker too: its tickets
# are committed, and the resend answers duplicate. Either way: acknowledged.
acked=$(t_json "j['accepted'] + j['duplicate']" <"$T_DIR/s6.json")
[ "$rc" = 0 ] && [ "$acked" = 1000 ] && [ "$(field rejected <"$T_DIR/s6.json")" = 0 ] \
    || t_fail "late broker: exit $rc: $(cat "$T_DIR/s6.json")"
[ "$(field resends <"$T_DIR/s6.json")" -ge 1 ] || t_fail "late broker: no resend happened: $(cat "$T_DIR/s6.json")"
[ "$(count "$T_DIR/late.db" FEEDL)" = 1000 ] || t_fail "late store holds $(count "$T_DIR/late.db" FEEDL) tickets"
t_ok "broker started after the feeder: $(field resends <"$T_DIR/s6.json") resends, 1000 acknowledged ($(field accepted <"$T_DIR/s6.json") accepted), 1000 in the store"

# 7. No broker at all: gives up after --give-up with 69 and says what is unanswered.
port3=$(t_port)
rc=0; $FEED --connect "tcp://127.0.0.1:$port3" --timeout 0.5 --give-up 2 --json "$T_DIR/late.jsonl" \
    >"$T_DIR/s7.json" 2>/dev/null || rc=$?
[ "$rc" = 69 ] && [ "$(field unanswered <"$T_DIR/s7.json")" = 1000 ] || t_fail "no broker: exit $rc: $(cat "$T_DIR/s7.json")"
t_ok "no broker: exit 69 after --give-up, 1000 unanswered"

# 8. CURVE: a client key in the allow-list feeds; a plaintext client gets nothing.
keys=$T_DIR/keys
mkdir -p "$keys/allow/client"
"$HOTLINE_BIN/hotline-keygen" --dir "$keys" broker >/dev/null
"$HOTLINE_BIN/hotline-keygen" --dir "$keys" feeder >/dev/null
cp "$keys/feeder.key" "$keys/allow/client/"
port4=$(t_port); ep4=tcp://127.0.0.1:$port4
"$HOTLINE_BIN/hotline-broker" --bind "$ep4" --db "$T_DIR/curve.db" \
    --curve-secret "$keys/broker.key_secret" --allow "$keys/allow" 2>>"$T_DIR/broker4.log" &
T_PIDS+=("$!")
$GEN --count 300 --prefix FEEDK --jsonl "$T_DIR/curve.jsonl"
$FEED --connect "$ep4" --curve-server "$keys/broker.key" --curve-key "$keys/feeder.key_secret" --give-up 20 \
    --json "$T_DIR/curve.jsonl" >"$T_DIR/s8.json" || t_fail "CURVE feed exited $?: $(cat "$T_DIR/s8.json")"
[ "$(field accepted <"$T_DIR/s8.json")" = 300 ] || t_fail "CURVE feed: $(cat "$T_DIR/s8.json")"
rc=0; $FEED --connect "$ep4" --timeout 0.5 --give-up 2 --json "$T_DIR/curve.jsonl" >/dev/null 2>&1 || rc=$?
[ "$rc" = 69 ] || t_fail "a plaintext feed to a CURVE broker: exit $rc, want 69"
t_ok "CURVE: 300 accepted with an allowed client key; plaintext gets no answer (69)"

kill -0 "$BROKER_PID" 2>/dev/null || t_fail "broker exited during the run"
