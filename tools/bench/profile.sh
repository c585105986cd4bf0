# tools/bench/profile.sh: scripts/bench --profile, where the broker's time
# goes. Sourced by scripts/bench; uses its helpers (start_broker,
# start_workers, stop, forget, hb, jint, jget, cpu_ticks, port, fail, mark)
# and its variables (RUN, BIN, ROOT, EP, HZ, quick, out, LOAD_START).
# shellcheck shell=bash

# The lifecycle of the figures (2 workers, batches of 100, 16 in flight) after
# a warm-up, with the broker sampled by perf (all its threads: the loop, the
# WAL fsync thread, the checkpoint thread). The kernel's stacks come with the
# samples, so the kernel's share is split by system call. Where perf cannot
# record (perf_event_paranoid, no PMU access), the broker runs under callgrind
# on a short lifecycle instead: instructions, not time, but the same ranking.
profile_broker() {
    local n=$(( quick == 1 ? 20000 : 100000 )) how=perf j c0 c1 w0 w1 pp
    if [ "${BENCH_PROFILER:-perf}" = callgrind ] || ! perf record -q -e cpu-clock -o "$RUN/perf.check" -- true >/dev/null 2>&1; then
        how=callgrind; n=3000
        command -v valgrind >/dev/null || { fail "neither perf nor valgrind can run here"; return 1; }
    fi
    mark "profile: hotline lifecycle, 2 workers, $n tickets, by $how"
    if [ $how = perf ]; then
        start_broker prof "$RUN/prof.db" --clock virtual || return 1
    else
        EP=tcp://127.0.0.1:$(port)
        valgrind --tool=callgrind --callgrind-out-file="$RUN/callgrind.out" \
            "$BIN/hotline-broker" --bind "$EP" --db "$RUN/prof.db" --clock virtual 2>>"$RUN/prof.log" &
        BROKER_PID=$!
        PIDS+=("$BROKER_PID")
        timeout 120 "$BIN/hotline-bench" ping --connect "$EP" --timeout 110 || { fail "broker under callgrind did not come up"; return 1; }
    fi
    start_workers 2 prof
    timeout 60 "$BIN/hotline-bench" ping --connect "$EP" --service visit --timeout 50 || { fail "workers did not come up"; return 1; }
    hb lifecycle --connect "$EP" --n $((n / 10)) --batch 100 --window 16 --prefix "P0-" --timeout 600 >/dev/null ||
        { fail "profile warm-up"; return 1; }
    c0=$(cpu_ticks "$BROKER_PID"); w0=$(awk '/^wchar/ {print $2}' "/proc/$BROKER_PID/io")
    if [ $how = perf ]; then
        perf record -q -e cpu-clock -F 1999 -g -p "$BROKER_PID" -o "$RUN/perf.data" 2>>"$RUN/perf.log" &
        pp=$!
        PIDS+=("$pp")
        sleep 0.5
    fi
    j=$(hb lifecycle --connect "$EP" --n "$n" --batch 100 --window 16 --prefix "P1-" --timeout 900) || { fail "profiled lifecycle"; return 1; }
    c1=$(cpu_ticks "$BROKER_PID"); w1=$(awk '/^wchar/ {print $2}' "/proc/$BROKER_PID/io")
    [ $how = perf ] && { kill -INT "$pp" 2>/dev/null; wait "$pp" 2>/dev/null || true; forget "$pp"; }
    for p in "${WORKER_PIDS[@]}"; do stop "$p"; done
    stop "$BROKER_PID"   # callgrind writes its file as the broker exits
    local got events
    got=$(jint "$j" n)
    events=$(sqlite3 -readonly "$RUN/prof.db" "SELECT count(*) FROM event WHERE ticket_id LIKE 'P1-%'" 2>/dev/null || echo 0)
    if [ $how = perf ]; then
        perf report -i "$RUN/perf.data" --stdio --no-children --sort dso,sym -g none 2>/dev/null >"$RUN/by_sym.txt"
        perf report -i "$RUN/perf.data" --stdio --no-children --sort comm -g none 2>/dev/null >"$RUN/by_thread.txt"
        perf report -i "$RUN/perf.data" --stdio --children --sort sym -g none 2>/dev/null >"$RUN/by_sym_children.txt"
    else
        callgrind_annotate --inclusive=no "$RUN/callgrind.out" 2>/dev/null >"$RUN/callgrind.txt"
    fi
    /usr/bin/python3 "$ROOT/tools/bench/profile_report.py" --how $how --run "$RUN" --tickets "$got" \
        --cpu-us $(( got > 0 ? (c1 - c0) * 1000000 / HZ / got : 0 )) --wal-bytes $(( got > 0 ? (w1 - w0) / got : 0 )) \
        --events "$events" --rate "$(jget "$j" tickets_per_s)" --load "$LOAD_START" | tee "$out"
    echo "bench: profile written to $out"
}
