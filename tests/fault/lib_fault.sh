# lib_fault.sh: helpers for the fault suite (tests/fault/run.sh). Sourced
# after tests/blackbox/lib.sh (HOTLINE_BIN, HOTLINE_SRC, T_DIR, t_port, PY).
#
# Every process a case starts is recorded in F_PIDS (and in lib.sh's T_PIDS,
# so that the EXIT trap stops it too) and stopped by PID at the end of the
# case. Processes may run inside a network namespace: set F_NS to its name
# (empty: the host's).
#
# Randomness: f_rand draws from bash's $RANDOM in the current shell (never
# in a $(...) subshell, which would not advance the stream), seeded once
# from FAULT_SEED so that a failing run can be replayed.

F_SCENARIO=${FAULT_SCENARIO:-longhu-2022}
F_LIMIT=${FAULT_LIMIT:-0}           # 0 = the whole scenario
F_HB=${FAULT_HEARTBEAT:-500}        # broker and worker heartbeat (ms); liveness = 3 x F_HB
F_RESEND=${FAULT_RESEND_MS:-1000}   # sim --resend-ms
# The feed is paced, so the faults land mid-run however fast the machine is
# (~11 s for the year); FAULT_RATE=0 feeds as fast as possible.
F_RATE=${FAULT_RATE:-2500}
F_SIM_TIMEOUT=${FAULT_SIM_TIMEOUT:-90}
F_CASE_TIMEOUT=${FAULT_CASE_TIMEOUT:-120}
F_NS=""
F_PIDS=()
F_NOTES=()   # informational notes for the current row
F_FAILS=()   # reasons the current row fails, beyond the counted columns
F_ROWS="$T_DIR/rows.tsv"
: >"$F_ROWS"

f_now() { date +%s.%N; }
f_secs() { printf '%.1f' "$(echo "$(f_now) - $1" | bc)"; }
f_log() { printf '  [%s] %s\n' "$(date +%T)" "$*"; }

# f_rand LO HI: sets R to a random integer in [LO, HI].
f_rand() { R=$(( $1 + (RANDOM * 32768 + RANDOM) % ($2 - $1 + 1) )); }

# f_exec: the command prefix that runs in F_NS.
f_exec() { if [ -n "$F_NS" ]; then echo "ip netns exec $F_NS"; fi; }

# f_alive PID: the process exists and is not a zombie.
f_alive() {
    local st
    [ -r "/proc/$1/stat" ] || return 1
    st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1) || return 1
    [ -n "$st" ] && [ "$st" != Z ]
}

# f_reap PID SECS: waits (<= SECS) for PID to exit, then SIGKILLs it; reaps it.
# Sets REAP_RC to its exit status and returns 1 if it had to be killed.
f_reap() {
    local pid=$1 n=$(( ${2:-15} * 10 )) i
    for ((i = 0; i < n; i++)); do f_alive "$pid" || break; sleep 0.1; done
    if f_alive "$pid"; then
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null; REAP_RC=$?
        return 1
    fi
    wait "$pid" 2>/dev/null; REAP_RC=$?
    return 0
}

f_track() { F_PIDS+=("$1"); T_PIDS+=("$1"); }

# f_stop NAME PID: SIGCONT + SIGTERM, then waits (<= 15 s); a process that
# does not stop is SIGKILLed and the row fails.
f_stop() {
    local name=$1 pid=$2
    f_alive "$pid" || { wait "$pid" 2>/dev/null; return 0; }
    kill -CONT "$pid" 2>/dev/null; kill -TERM "$pid" 2>/dev/null
    f_reap "$pid" 15 || F_FAILS+=("$name ignored SIGTERM for 15 s")
}

# f_stop_case: stops every process of the case, workers and sim first.
f_stop_case() {
    local i pid
    for ((i = ${#F_PIDS[@]} - 1; i >= 0; i--)); do
        pid=${F_PIDS[$i]}
        [ "$pid" = "${BROKER_PID:-}" ] && continue
        f_stop "pid $pid" "$pid"
    done
    [ -n "${BROKER_PID:-}" ] && f_stop broker "$BROKER_PID"
    F_PIDS=()
}

# f_wait_mmi ENDPOINT SERVICE CODE SECS: mmi.service answers CODE (run in F_NS).
f_wait_mmi() {
    $(f_exec) $PY "$HOTLINE_SRC/tests/blackbox/mdp_call.py" --connect "$1" --wait "$4" --mmi "$2" --expect "$3" >/dev/null 2>&1
}

# f_broker NAME BIND CHECK_EP DB [ARGS...]: starts a broker (virtual clock,
# F_HB heartbeat), waits until CHECK_EP answers; sets BROKER_PID.
f_broker() {
    local name=$1 bind=$2 check=$3 db=$4; shift 4
    $(f_exec) "$HOTLINE_BIN/hotline-broker" --bind "$bind" --db "$db" --clock virtual \
        --heartbeat "$F_HB" "$@" 2>>"$T_DIR/$name.log" &
    BROKER_PID=$!
    f_track "$BROKER_PID"
    f_wait_mmi "$check" mmi.service 200 20 || { F_FAILS+=("broker $name did not come up"); return 1; }
}

# f_worker NAME ENDPOINT: starts hotline-worker --all-services; sets WORKER_PID.
f_worker() {
    local name=$1 ep=$2
    $(f_exec) "$HOTLINE_BIN/hotline-worker" --connect "$ep" --all-services --heartbeat "$F_HB" \
        2>>"$T_DIR/$name.log" &
    WORKER_PID=$!
    f_track "$WORKER_PID"
}

# f_sim NAME ENDPOINT ACKED: starts the sim in the background; sets SIM_PID.
f_sim() {
    local name=$1 ep=$2 acked=$3 lim=()
    [ "$F_LIMIT" -gt 0 ] && lim=(--limit "$F_LIMIT")
    [ "$F_RATE" -gt 0 ] && lim+=(--rate "$F_RATE")
    $(f_exec) "$HOTLINE_BIN/hotline-sim" --connect "$ep" --scenario "$F_SCENARIO" "${lim[@]}" -q \
        --resend-ms "$F_RESEND" --timeout "$F_SIM_TIMEOUT" --acked "$acked" 2>>"$T_DIR/$name.log" &
    SIM_PID=$!
    f_track "$SIM_PID"
}

# f_wait_sim SECS: waits for SIM_PID (<= SECS); sets SIM_RC (124: hung, killed).
f_wait_sim() {
    if f_reap "$SIM_PID" "$1"; then SIM_RC=$REAP_RC; else SIM_RC=124; F_FAILS+=("sim hung for $1 s"); fi
    [ "$SIM_RC" = 0 ] || [ "$SIM_RC" = 124 ] || F_FAILS+=("sim exit $SIM_RC")
}

# f_q DB SQL: a read-only query (no output on error). DB is a SQLite file or
# a postgresql:// URI (the ha_failover case; the default centre's schema).
f_q() {
    case "$1" in
        postgresql://*) PGOPTIONS="-c search_path=centre_longhu" psql "$1" -AtqX -F'|' -v ON_ERROR_STOP=1 -c "$2" 2>/dev/null ;;
        *) sqlite3 -batch "file:$1?mode=ro" "$2" 2>/dev/null ;;
    esac
}

# f_done DB: tickets in a final state (-1 if the store cannot be read now).
f_done() { local n; n=$(f_q "$1" "SELECT count(*) FROM ticket WHERE done_at IS NOT NULL"); echo "${n:--1}"; }

# f_received DB: tickets in the store (-1 if it cannot be read now).
f_received() { local n; n=$(f_q "$1" "SELECT count(*) FROM ticket"); echo "${n:--1}"; }

# f_wait_received DB TARGET SECS: as f_wait_done, for tickets received.
f_wait_received() {
    local db=$1 target=$2 n=$(( $3 * 10 )) i d
    for ((i = 0; i < n; i++)); do
        d=$(f_received "$db")
        [ "$d" -ge "$target" ] && return 0
        f_alive "$SIM_PID" || return 1
        sleep 0.1
    done
    return 1
}

# f_wait_done DB TARGET SECS: until TARGET tickets are final, the sim has
# exited, or SECS have passed. Returns 1 if the target was not reached.
f_wait_done() {
    local db=$1 target=$2 n=$(( $3 * 10 )) i d
    for ((i = 0; i < n; i++)); do
        d=$(f_done "$db")
        [ "$d" -ge "$target" ] && return 0
        f_alive "$SIM_PID" || return 1
        sleep 0.1
    done
    return 1
}

# f_count PATTERN FILE: lines of FILE matching PATTERN (0 if none).
f_count() { local n; n=$(grep -c -- "$1" "$2" 2>/dev/null); echo "${n:-0}"; }

# --- the undisturbed baseline -------------------------------------------

# f_baseline: sets BASE_CSV, BASE_EVENTS and F_N from a cached or fresh
# undisturbed run of F_SCENARIO/F_LIMIT (2 workers, default heartbeat). The
# cache (FAULT_CACHE, default BUILD/fault-cache) is keyed by the binaries,
# the data files and the scenario/limit, so a rebuild runs it again.
f_baseline() {
    local key dir db port ep w1 w2 bp acked rc lim=()
    key=$( { sha256sum "$HOTLINE_BIN/hotline-broker" "$HOTLINE_BIN/hotline-worker" "$HOTLINE_BIN/hotline-sim" \
                "$HOTLINE_BIN/hotline-report" | cut -d' ' -f1
             (cd "$HOTLINE_DATADIR" && find . -type f | LC_ALL=C sort | xargs sha256sum)
             echo "$F_SCENARIO $F_LIMIT v1"; } | sha256sum | cut -c1-20)
    dir=${FAULT_CACHE:-$HOTLINE_BIN/../fault-cache}
    mkdir -p "$dir" 2>/dev/null && [ -w "$dir" ] || dir=$T_DIR
    BASE_CSV=$dir/baseline-$key.csv; BASE_EVENTS=$dir/baseline-$key.events
    if [ -s "$BASE_CSV" ] && [ -s "$BASE_EVENTS" ]; then
        F_N=$(( $(wc -l <"$BASE_CSV") - 1 ))
        echo "baseline: cached $BASE_CSV ($F_N tickets)"
        return 0
    fi
    local t0; t0=$(f_now)
    db=$T_DIR/baseline.db; acked=$T_DIR/baseline.acked
    port=$(t_port); ep=tcp://127.0.0.1:$port
    "$HOTLINE_BIN/hotline-broker" --bind "$ep" --db "$db" --clock virtual 2>>"$T_DIR/baseline-broker.log" &
    bp=$!; T_PIDS+=("$bp")
    f_wait_mmi "$ep" mmi.service 200 20 || { echo "baseline: broker did not come up" >&2; return 1; }
    "$HOTLINE_BIN/hotline-worker" --connect "$ep" --all-services 2>>"$T_DIR/baseline-w1.log" & w1=$!; T_PIDS+=("$w1")
    "$HOTLINE_BIN/hotline-worker" --connect "$ep" --all-services 2>>"$T_DIR/baseline-w2.log" & w2=$!; T_PIDS+=("$w2")
    [ "$F_LIMIT" -gt 0 ] && lim=(--limit "$F_LIMIT")
    "$HOTLINE_BIN/hotline-sim" --connect "$ep" --scenario "$F_SCENARIO" "${lim[@]}" -q --timeout 300 \
        --acked "$acked" 2>>"$T_DIR/baseline-sim.log"
    rc=$?
    kill -TERM "$w1" "$w2" "$bp" 2>/dev/null; wait "$w1" "$w2" "$bp" 2>/dev/null
    [ "$rc" = 0 ] || { echo "baseline: sim exit $rc" >&2; cat "$T_DIR/baseline-sim.log" >&2; return 1; }
    "$HOTLINE_BIN/hotline-report" --db "$db" --outcomes >"$BASE_CSV.$$" || return 1
    f_events "$db" >"$BASE_EVENTS.$$" || return 1
    F_N=$(( $(wc -l <"$BASE_CSV.$$") - 1 ))
    local nd; nd=$(f_done "$db")
    [ "$F_N" -gt 0 ] && [ "$nd" = "$F_N" ] && [ "$(sort -u "$acked" | wc -l)" = "$F_N" ] ||
        { echo "baseline: $F_N outcomes, $nd final, $(wc -l <"$acked") acked: not a clean run" >&2; return 1; }
    mv -f "$BASE_CSV.$$" "$BASE_CSV"; mv -f "$BASE_EVENTS.$$" "$BASE_EVENTS"
    find "$dir" -maxdepth 1 -name 'baseline-*' -mmin +60 -delete 2>/dev/null   # older builds' baselines
    echo "baseline: $F_N tickets, undisturbed run in $(f_secs "$t0") s -> $BASE_CSV"
}

# f_events DB: every ticket's event history (without commit order across
# tickets or free-text details), for comparison with the baseline.
f_events() {
    f_q "$1" "SELECT ticket_id, kind, at, state, round, coalesce(unit, '') FROM event ORDER BY ticket_id, seq"
}

# --- the ledger ---------------------------------------------------------

# f_account CASE DB SECS EXTRA_LOST ACKED_FILE...: classifies every ticket
# and appends the row. lost: acknowledged but missing or not final (plus
# EXTRA_LOST found earlier, e.g. before a restart); duplicated: tickets with
# more than one received or rated event, or more closed events than one plus
# their 重办 (reopened) events; unexpected: in the store but
# never acknowledged. The row also fails on F_FAILS (sim exit, hang, ...).
f_account() {
    local case=$1 db=$2 secs=$3 extra=$4; shift 4
    local d=$T_DIR/$case.acc acked lost dup unexp same events nd chk
    mkdir -p "$d"
    cat "$@" 2>/dev/null | LC_ALL=C sort -u >"$d/acked"
    f_q "$db" "SELECT id FROM ticket" | LC_ALL=C sort >"$d/ids"
    f_q "$db" "SELECT id FROM ticket WHERE done_at IS NOT NULL" | LC_ALL=C sort >"$d/done"
    acked=$(wc -l <"$d/acked")
    LC_ALL=C comm -23 "$d/acked" "$d/done" >"$d/lost"
    LC_ALL=C comm -13 "$d/acked" "$d/ids" >"$d/unexpected"
    # a 重办 (reopened) sends a closed ticket back for a second close
    f_q "$db" "SELECT e.ticket_id || ' ' || e.kind || ' x' || count(*) FROM event e
               WHERE e.kind IN ('received', 'closed', 'rated') GROUP BY e.ticket_id, e.kind
               HAVING count(*) > 1 + (CASE WHEN e.kind = 'closed' THEN (SELECT count(*) FROM event r
                   WHERE r.ticket_id = e.ticket_id AND r.kind = 'reopened') ELSE 0 END)" >"$d/dup"
    lost=$(( $(wc -l <"$d/lost") + extra ))
    unexp=$(wc -l <"$d/unexpected")
    dup=$(cut -d' ' -f1 "$d/dup" | sort -u | wc -l)
    "$HOTLINE_BIN/hotline-report" --db "$db" --outcomes >"$d/outcomes.csv" 2>"$d/outcomes.err"
    if cmp -s "$d/outcomes.csv" "$BASE_CSV"; then same=yes; else same=no
        F_NOTES+=("outcomes: $(diff "$BASE_CSV" "$d/outcomes.csv" | grep -c '^>') lines differ, see $d/outcomes.diff")
        diff "$BASE_CSV" "$d/outcomes.csv" >"$d/outcomes.diff"
    fi
    f_events "$db" >"$d/events" 2>/dev/null
    if cmp -s "$d/events" "$BASE_EVENTS"; then events=same; else
        diff "$BASE_EVENTS" "$d/events" >"$d/events.diff"
        events="differ for $(grep '^[<>]' "$d/events.diff" | cut -c3- | cut -d'|' -f1 | sort -u | wc -l) tickets"
    fi
    F_NOTES+=("events $events")
    chk=$("$HOTLINE_BIN/hotline-report" --db "$db" --check 2>&1 | head -3 | tr '\n' ' ')
    [ "${chk% }" = ok ] || F_FAILS+=("integrity: $chk")
    [ "$acked" = "$F_N" ] || F_FAILS+=("acked $acked of $F_N")
    local verdict=PASS
    { [ "$lost" = 0 ] && [ "$dup" = 0 ] && [ "$unexp" = 0 ] && [ $same = yes ] && [ ${#F_FAILS[@]} = 0 ]; } || verdict=FAIL
    local note="" x
    for x in "${F_FAILS[@]}" "${F_NOTES[@]}"; do note+="${note:+; }$x"; done
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$case" "$acked" "$lost" "$dup" "$unexp" "$same" "$secs" "$verdict" "$note" >>"$F_ROWS"
    f_print_row "$case" "$acked" "$lost" "$dup" "$unexp" "$same" "$secs" "$verdict" "$note"
    if [ $verdict = FAIL ]; then
        [ -s "$d/lost" ] && echo "  lost ids (first 10): $(head -10 "$d/lost" | tr '\n' ' ')"
        [ -s "$d/unexpected" ] && echo "  unexpected ids (first 10): $(head -10 "$d/unexpected" | tr '\n' ' ')"
        [ -s "$d/dup" ] && echo "  duplicated (first 10): $(head -10 "$d/dup" | tr '\n' ',')"
        [ -s "$d/outcomes.diff" ] && { echo "  outcomes diff (first 10 lines):"; head -10 "$d/outcomes.diff" | sed 's/^/    /'; }
        local f; for f in "$T_DIR/$case"*.log; do
            [ -s "$f" ] && { echo "  --- $(basename "$f") (last 8 lines)"; tail -8 "$f" | sed 's/^/    /'; }
        done
    fi
    return 0
}

# f_skip CASE REASON: a row for a case the sandbox does not allow.
f_skip() {
    printf '%s\t-\t-\t-\t-\t-\t-\tSKIP\t%s\n' "$1" "$2" >>"$F_ROWS"
    f_print_row "$1" - - - - - - SKIP "$2"
}

F_FMT='%-12s %6s %5s %10s %10s %14s %6s %-7s %s\n'
f_print_header() { printf "$F_FMT" case acked lost duplicated unexpected outcomes_equal secs result note; }
f_print_row() { f_print_header; printf "$F_FMT" "$@"; }
f_print_table() {
    f_print_header
    local a b c d e f g h i
    while IFS=$'\t' read -r a b c d e f g h i; do printf "$F_FMT" "$a" "$b" "$c" "$d" "$e" "$f" "$g" "$h" "$i"; done <"$F_ROWS"
}

# f_begin CASE: resets the per-case state.
f_begin() {
    F_PIDS=(); F_NOTES=(); F_FAILS=(); F_NS=""; BROKER_PID=""; SIM_PID=""
    CASE_T0=$(f_now)
    echo "== $1: $2"
}

# f_untrack PID: forgets a process that has been reaped (no PID reuse later).
f_untrack() {
    local p a=() b=()
    for p in "${F_PIDS[@]}"; do [ "$p" = "$1" ] || a+=("$p"); done
    for p in "${T_PIDS[@]}"; do [ "$p" = "$1" ] || b+=("$p"); done
    F_PIDS=("${a[@]}"); T_PIDS=("${b[@]}")
}

# f_kill9 PID: SIGKILL, reap, forget.
f_kill9() { kill -KILL "$1" 2>/dev/null; wait "$1" 2>/dev/null; f_untrack "$1"; }
