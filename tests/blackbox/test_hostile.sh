#!/usr/bin/env bash
# Hostile peers (security): an independent hostile client (hostile_client.py
# and its parts in hostile/, written from 7/MDP, 8/MMI, ZMTP 3.0, MessagePack
# and schemas/wire.md) sends more than 100 distinct malformed or abusive
# messages to a real broker over DEALER, REQ and raw TCP sockets: wrong
# headers, missing and extra frames, unknown worker commands, worker commands
# from never-READY peers, READY for built-in services, forged stage results,
# bodies that break every decoder limit (0xc1, ext, 2^32-1 counts,
# 1,000,000-deep nesting, 10 MiB strings, invalid UTF-8, trailing bytes),
# wrong-typed tickets, oversized batches, floods, a 70 MB message over
# ZMQ_MAXMSGSIZE and raw ZMTP garbage.
# A normal client submits tickets before, during and after. Checks: the
# broker keeps its PID, still serves, every acknowledged ticket has a state
# (also after a restart), no rejected ticket was stored, the pipeline
# settles, and the broker's VmRSS stayed under the bound (300 MB; 1200 MB
# in a sanitizer build, whose allocator keeps freed memory in quarantine).
source "$(dirname "$0")/lib.sh"

HC="$HOTLINE_SRC/tests/blackbox/hostile_client.py"
# Under ASan, freed memory waits in a quarantine (256 MB by default) and would
# show as growth; a small one keeps the growth checks about the broker itself.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4"
port=$(t_port); ep=tcp://127.0.0.1:$port
db="$T_DIR/hostile.db"
t_broker broker "$ep" "$db" --heartbeat 500
pid=$BROKER_PID
t_worker worker "$ep" --all-services --heartbeat 500
t_wait_mmi "$ep" classify 200 || t_fail "the worker did not register"
t_ok "broker pid $pid on $ep, one worker (--all-services), heartbeat 500 ms"

limit=300
if grep -q libasan "/proc/$pid/maps" 2>/dev/null; then limit=1200; fi

fails=()
$PY "$HC" --connect "$ep" run --pid "$pid" --rss-limit-mb "$limit" \
    --acked-file "$T_DIR/acked.txt" --table-file "$T_DIR/table.tsv" || fails+=("the hostile run (see the FAIL rows above)")

kill -0 "$pid" 2>/dev/null || t_fail "the broker (pid $pid) is gone"
[ -f "$T_DIR/broker.log" ] || t_fail "the broker log $T_DIR/broker.log is gone"
if grep -Eq "AddressSanitizer|runtime error:|LeakSanitizer|level=fatal" "$T_DIR/broker.log"; then
    grep -E "AddressSanitizer|runtime error:|LeakSanitizer|level=fatal" "$T_DIR/broker.log" | head -5
    t_fail "sanitizer or fatal report in the broker log"
fi
t_ok "broker pid $pid alive; no sanitizer or fatal report in its log"
nwarn=$(grep -Ec "level=(warn|error)" "$T_DIR/broker.log" || true)
t_ok "broker log: $nwarn warn/error lines; the most frequent messages:"
grep -Eo 'msg="[^"]*"' "$T_DIR/broker.log" | sort | uniq -c | sort -rn | head -15 | sed 's/^/    /'
lost=$(grep -c "broker connection lost" "$T_DIR/worker.log" || true)
t_ok "the real worker (heartbeat 500 ms) lost the broker $lost time(s) during the run"

# Every acknowledged ticket survives a restart of the broker, and the
# pipeline (the same worker, reconnecting) settles afterwards.
kill -TERM "$pid"; rc=0; wait "$pid" 2>/dev/null || rc=$?
[ "$rc" = 0 ] || fails+=("the broker exited $rc on SIGTERM after the run")
t_ok "broker stopped by SIGTERM: exit $rc"
[ -s "$T_DIR/acked.txt" ] || t_fail "no acknowledged ids were written"
t_broker broker2 "$ep" "$db" --heartbeat 500
$PY "$HC" --connect "$ep" verify --ids "$T_DIR/acked.txt" --settle-s 60 \
    || fails+=("after a restart: acknowledged tickets missing or the pipeline not settled")
t_ok "after a restart: $(wc -l <"$T_DIR/acked.txt") acknowledged ids checked"

if [ ${#fails[@]} -gt 0 ]; then
    printf 'FAILED: %s\n' "${fails[@]}"
    t_fail "${#fails[@]} failure(s)"
fi
t_ok "hostile run passed"
