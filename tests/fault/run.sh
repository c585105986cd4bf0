#!/usr/bin/env bash
# The fault suite (issue 4): Jepsen-style "total queue" accounting of the
# longhu-2022 replay through real processes under faults.
#
#   tests/fault/run.sh [CASE...]     all cases, or the named ones
#
# Cases: broker_kill worker_kill worker_stop netsplit disk_full sigterm_all ha_failover
#
# Every case replays the scenario (the whole year unless FAULT_LIMIT=N) with
# a real broker, real workers and hotline-sim --acked, injects its fault, and
# classifies every ticket at the end:
#   lost        acknowledged, but missing from the store or never final
#   duplicated  more than one received or rated event for a ticket, or more
#               closed events than one plus its 重办 (reopened) events
#   unexpected  in the store, but never acknowledged
# and compares `hotline-report --outcomes` with an undisturbed run of the same
# scenario (run once, cached per build in BUILD/fault-cache). A row passes
# when lost = duplicated = unexpected = 0, the outcomes are equal, the sim
# settled everything and the store passes its integrity check. The note also
# says whether every ticket's event history equals the undisturbed run's.
#
# Each hotline-worker --all-services registers one MDP worker per service
# (25), so one lost worker process shows as 25 "worker expired" lines in the
# broker log; the notes count those MDP workers.
#
# Environment: HOTLINE_BIN, HOTLINE_SRC (as the black-box tests);
# FAULT_SEED (random seed; printed, replays the kill points and victims),
# FAULT_LIMIT (a slice of N tickets), FAULT_HEARTBEAT (ms, default 500),
# T_KEEP=1 (keep the work directory; it is also kept when a row fails).
# Exit status: 0 every row passed or was skipped, 1 a row failed, 77 every
# selected case was skipped (CTest SKIP_RETURN_CODE), 64 bad usage.
source "$(dirname "$0")/../blackbox/lib.sh"
source "$(dirname "$0")/lib_fault.sh"
set +e   # the cases handle every failure themselves and always print their row

CASES=(broker_kill worker_kill worker_stop netsplit disk_full sigterm_all ha_failover)
F_MOUNTS=()
F_NETNS=()

# f_cleanup: on exit: every process, then the tmpfs and the namespaces, then lib.sh's cleanup.
f_cleanup() {
    local rc=$? p m n
    trap - EXIT INT TERM
    for p in "${T_PIDS[@]}"; do kill -CONT "$p" 2>/dev/null; kill -TERM "$p" 2>/dev/null; done
    for p in "${T_PIDS[@]}"; do f_reap "$p" 10; done
    T_PIDS=()
    for m in "${F_MOUNTS[@]}"; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
    for n in "${F_NETNS[@]}"; do f_netns_del "$n"; done
    t_cleanup
    exit $rc
}
trap f_cleanup EXIT
trap 'exit 130' INT TERM

# f_netns_del NS: kills what still runs in NS (our own processes), deletes it.
f_netns_del() {
    local p
    for p in $(ip netns pids "$1" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
    ip netns del "$1" 2>/dev/null
}

# ---------------------------------------------------------------------------
# 1. kill -9 of the broker at 5 random points (by progress: the number of
# final tickets), restarted on the same store and endpoint after 0-500 ms.
case_broker_kill() {
    local c=broker_kill db port ep i t th=() kills=0 R
    f_begin $c "kill -9 of the broker at 5 random points, restarted each time"
    db=$T_DIR/$c.db; port=$(t_port); ep=tcp://127.0.0.1:$port
    f_broker $c-broker "$ep" "$ep" "$db"
    f_worker $c-w1 "$ep"; f_worker $c-w2 "$ep"
    f_sim $c-sim "$ep" "$T_DIR/$c.acked"
    for i in 1 2 3 4 5; do f_rand $((F_N * 3 / 100)) $((F_N * 95 / 100)); th+=("$R"); done
    for t in $(printf '%s\n' "${th[@]}" | sort -n); do
        f_wait_done "$db" "$t" 120 || { F_NOTES+=("sim ended before the kill at $t final"); break; }
        f_kill9 "$BROKER_PID"; kills=$((kills + 1))
        f_rand 0 500
        f_log "kill -9 broker at $(f_done "$db") final tickets (target $t); restart in $R ms"
        sleep "$(printf '0.%03d' "$R")"
        f_broker $c-broker "$ep" "$ep" "$db" || break
    done
    F_NOTES+=("broker kills during the run: $kills/5")
    [ "$kills" = 5 ] || F_FAILS+=("only $kills of 5 kills happened during the run")
    f_wait_sim "$F_CASE_TIMEOUT"
    f_stop_case
    f_account $c "$db" "$(f_secs "$CASE_T0")" 0 "$T_DIR/$c.acked"
}

# 2. kill -9 of a random worker every 0.7-1.3 s, a replacement started at once.
case_worker_kill() {
    local c=worker_kill db port ep i n=3 kills=0 R w=() end
    f_begin $c "kill -9 of a random worker every ~1 s, a replacement started each time"
    db=$T_DIR/$c.db; port=$(t_port); ep=tcp://127.0.0.1:$port
    f_broker $c-broker "$ep" "$ep" "$db"
    for i in 1 2 3; do f_worker $c-w$i "$ep"; w+=("$WORKER_PID"); done
    f_sim $c-sim "$ep" "$T_DIR/$c.acked"
    end=$((SECONDS + F_CASE_TIMEOUT))
    while f_alive "$SIM_PID" && [ $kills -lt 300 ] && [ $SECONDS -lt $end ]; do
        f_rand 700 1300; sleep "$(printf '%d.%03d' $((R / 1000)) $((R % 1000)))"
        f_alive "$SIM_PID" || break
        f_rand 0 2
        f_kill9 "${w[$R]}"; kills=$((kills + 1)); n=$((n + 1))
        f_worker $c-w$n "$ep"; w[$R]=$WORKER_PID
    done
    f_log "$kills workers killed; $(f_count 'worker expired' "$T_DIR/$c-broker.log") expiries in the broker log"
    F_NOTES+=("worker kills: $kills, MDP worker expiries: $(f_count 'worker expired' "$T_DIR/$c-broker.log")")
    [ "$kills" -ge 3 ] || F_FAILS+=("only $kills worker kills during the run")
    f_wait_sim "$F_CASE_TIMEOUT"
    f_stop_case
    f_account $c "$db" "$(f_secs "$CASE_T0")" 0 "$T_DIR/$c.acked"
}

# 3. SIGSTOP of a random worker for 5 heartbeats (liveness + 2 heartbeats:
# the broker has expired it), then SIGCONT, three times, at about 8%, 25% and
# 42% of the tickets final (a stop may follow the last one at once). Each stop
# must begin while tickets are still open, so the stopped worker may hold some.
case_worker_stop() {
    local c=worker_stop db port ep i p R w=() stops=0 hold exp0 d
    f_begin $c "SIGSTOP of a worker for longer than the liveness, then SIGCONT (3 times)"
    db=$T_DIR/$c.db; port=$(t_port); ep=tcp://127.0.0.1:$port
    hold=$(printf "%d.%03d" $((5 * F_HB / 1000)) $((5 * F_HB % 1000)))
    f_broker $c-broker "$ep" "$ep" "$db"
    for i in 1 2; do f_worker $c-w$i "$ep"; w+=("$WORKER_PID"); done
    f_sim $c-sim "$ep" "$T_DIR/$c.acked"
    for p in 8 25 42; do
        f_rand $((F_N * (p - 3) / 100)) $((F_N * (p + 3) / 100))
        f_wait_done "$db" "$R" 120 || { F_NOTES+=("sim ended before the stop at $p%"); break; }
        d=$(f_done "$db")
        [ "$d" -lt "$F_N" ] || { F_NOTES+=("every ticket final before the stop at $p%"); break; }
        f_rand 0 1
        exp0=$(f_count 'worker expired' "$T_DIR/$c-broker.log")
        kill -STOP "${w[$R]}"; stops=$((stops + 1))
        f_log "SIGSTOP worker $((R + 1)) (pid ${w[$R]}) at $d final, for $hold s (liveness $((3 * F_HB)) ms)"
        sleep "$hold"
        kill -CONT "${w[$R]}"
        f_log "SIGCONT at $(f_done "$db") final; the broker expired $(( $(f_count 'worker expired' "$T_DIR/$c-broker.log") - exp0 )) MDP service workers meanwhile"
    done
    F_NOTES+=("stops: $stops x ${hold} s, MDP worker expiries: $(f_count 'worker expired' "$T_DIR/$c-broker.log")")
    [ "$stops" = 3 ] || F_FAILS+=("only $stops of 3 stops began with tickets open")
    [ "$(f_count 'worker expired' "$T_DIR/$c-broker.log")" -ge 1 ] || F_FAILS+=("the broker never expired a stopped worker")
    f_wait_sim "$F_CASE_TIMEOUT"
    f_stop_case
    f_account $c "$db" "$(f_secs "$CASE_T0")" 0 "$T_DIR/$c.acked"
}

# f_conn NS ADDR: established TCP connections to the broker's port 5555 in NS
# from ADDR (prints the count; fails when 0).
f_conn() {
    local n
    n=$(ip netns exec "$1" ss -Htn state established '( sport = :5555 )' 2>/dev/null | grep -cF " $2:")
    echo "${n:-0}"; [ "${n:-0}" -gt 0 ]
}

# 4. Three hosts: network namespaces A (broker, sim via 127.0.0.1), B (two
# workers) and C (one worker), A-B and A-C linked by veth pairs with
# 10.231.1.0/30 and 10.231.2.0/30 (addresses only inside the namespaces),
# workers connecting over TCP. B's link is cut for 2 x liveness (3 s) at
# 10-25% of the tickets final, then restored; the cut must begin with tickets
# open (it normally ends with tickets open too, and B's workers rejoin).
case_netsplit() {
    local c=netsplit db A=hlf$$a B=hlf$$b C=hlf$$c ab=hlf$$ab ba=hlf$$ba ac=hlf$$ac ca=hlf$$ca
    local err n p i R cut conn
    f_begin $c "broker, workers in 2 other network namespaces over TCP; one worker host cut off and restored"
    command -v ip >/dev/null || { f_skip $c "no 'ip' command (iproute2)"; return; }
    # namespaces left behind by a killed run (hlf<PID>[abc] whose PID is gone)
    for n in $(ip netns list 2>/dev/null | grep -oE '^hlf[0-9]+[abc]\b'); do
        p=${n#hlf}; p=${p%?}
        [ -d "/proc/$p" ] || f_netns_del "$n"
    done
    if ! err=$(ip netns add "$A" 2>&1); then
        f_skip $c "network namespaces not allowed here: ip netns add: ${err:-failed}"; return
    fi
    F_NETNS+=("$A")
    if ! err=$( { ip netns add "$B" && ip netns add "$C" &&
                 ip link add "$ab" netns "$A" type veth peer name "$ba" netns "$B" &&
                 ip link add "$ac" netns "$A" type veth peer name "$ca" netns "$C" &&
                 ip -n "$A" addr add 10.231.1.1/30 dev "$ab" && ip -n "$B" addr add 10.231.1.2/30 dev "$ba" &&
                 ip -n "$A" addr add 10.231.2.1/30 dev "$ac" && ip -n "$C" addr add 10.231.2.2/30 dev "$ca" &&
                 for n in "$A" "$B" "$C"; do ip -n "$n" link set lo up || exit 1; done &&
                 ip -n "$A" link set "$ab" up && ip -n "$A" link set "$ac" up &&
                 ip -n "$B" link set "$ba" up && ip -n "$C" link set "$ca" up; } 2>&1); then
        F_NETNS+=("$B" "$C")
        f_skip $c "cannot set up the namespaces' veth links: ${err:-failed}"; return
    fi
    F_NETNS+=("$B" "$C")
    f_log "namespaces $A (broker, sim) $B (2 workers, 10.231.1.2) $C (1 worker, 10.231.2.2)"
    db=$T_DIR/$c.db
    F_NS=$A; f_broker $c-broker "tcp://*:5555" tcp://127.0.0.1:5555 "$db" --insecure
    F_NS=$B; f_worker $c-b1 tcp://10.231.1.1:5555; f_worker $c-b2 tcp://10.231.1.1:5555
    F_NS=$C; f_worker $c-c1 tcp://10.231.2.1:5555
    F_NS=$A; f_sim $c-sim tcp://127.0.0.1:5555 "$T_DIR/$c.acked"
    F_NS=""
    # both worker hosts reach the broker over their veth link (<= 10 s)
    for ((i = 0; i < 100; i++)); do
        f_conn "$A" 10.231.1.2 >/dev/null && f_conn "$A" 10.231.2.2 >/dev/null && break
        sleep 0.1
    done
    f_log "TCP connections to the broker: $(f_conn "$A" 10.231.1.2) from $B, $(f_conn "$A" 10.231.2.2) from $C"
    [ "$(f_conn "$A" 10.231.2.2)" -ge 1 ] || F_FAILS+=("the worker in $C never connected over its veth link")
    cut=$(printf '%d.%03d' $((6 * F_HB / 1000)) $((6 * F_HB % 1000)))
    f_rand $((F_N * 10 / 100)) $((F_N * 25 / 100))
    if f_wait_done "$db" "$R" 120 && [ "$(f_done "$db")" -lt "$F_N" ]; then
        conn=$(f_conn "$A" 10.231.1.2)
        ip -n "$B" link set "$ba" down
        f_log "link $A-$B cut at $(f_done "$db") final ($conn TCP connections from $B); restoring in $cut s"
        sleep "$cut"
        ip -n "$B" link set "$ba" up
        f_log "link $A-$B restored at $(f_done "$db") final; broker expired $(f_count 'worker expired' "$T_DIR/$c-broker.log") MDP service workers"
        F_NOTES+=("B cut for ${cut} s at $R+ final with $conn connections, restored at $(f_done "$db") final, MDP worker expiries: $(f_count 'worker expired' "$T_DIR/$c-broker.log")")
        [ "$conn" -ge 1 ] || F_FAILS+=("no worker of $B was connected when its link was cut")
    else
        F_FAILS+=("every ticket was final before the link cut")
    fi
    f_wait_sim "$F_CASE_TIMEOUT"
    local rb; rb=$(f_conn "$A" 10.231.1.2)
    F_NOTES+=("$rb connections from B at the end")
    f_stop_case
    f_account $c "$db" "$(f_secs "$CASE_T0")" 0 "$T_DIR/$c.acked"
}

# 5. The store on its own tmpfs, which a filler file (created before the
# broker starts) shrinks to FAULT_STORE_ROOM_MB (default 24 MiB) of room: a
# year's store ends near 25 MiB, plus up to 30-40 MiB of WAL, so it fills the
# room on its own mid-run (a third of the tickets received, a sixth final),
# and would even with a WAL bounded to a few MiB. Once the broker
# reports a failed commit the disk stays full for 3 s (the broker answers
# submitters "retry" and probes every second), then the filler is deleted
# and the broker must resume on its own.
f_resumed() { grep -E 'commit failed|store writable again' "$1" | tail -1 | grep -q 'writable again'; }

case_disk_full() {
    local c=disk_full db mnt err port ep i t0 full=no room=${FAULT_STORE_ROOM_MB:-24} size=160 log
    f_begin $c "the store on a small tmpfs that fills up mid-run, then gets space back"
    [ "$(id -u)" = 0 ] || { f_skip $c "needs root for mount -t tmpfs"; return; }
    # tmpfs mounts left behind by a killed run (fault-tmpfs-<PID> whose PID is gone)
    for i in $(grep -oE ' [^ ]*/fault-tmpfs-[0-9]+ ' /proc/mounts); do
        [ -d "/proc/${i##*-}" ] || umount -l "$i" 2>/dev/null
    done
    mnt=$T_DIR/fault-tmpfs-$$; mkdir -p "$mnt"
    if ! err=$(mount -t tmpfs -o size=${size}m,mode=0700 tmpfs "$mnt" 2>&1); then
        f_skip $c "mount -t tmpfs not allowed here: ${err:-failed}"; return
    fi
    F_MOUNTS+=("$mnt")
    dd if=/dev/zero of="$mnt/filler" bs=1M count=$((size - room)) 2>/dev/null
    f_log "tmpfs of $size MiB, $(( $(df --output=avail -k "$mnt" | tail -1) / 1024 )) MiB left for the store"
    db=$mnt/$c.db; port=$(t_port); ep=tcp://127.0.0.1:$port; log=$T_DIR/$c-broker.log
    f_broker $c-broker "$ep" "$ep" "$db"
    f_worker $c-w1 "$ep"; f_worker $c-w2 "$ep"
    f_sim $c-sim "$ep" "$T_DIR/$c.acked"
    for ((i = 0; i < 1200; i++)); do   # until a failed commit or the sim's end (<= 120 s)
        grep -q 'commit failed' "$log" && { full=yes; break; }
        f_alive "$SIM_PID" || break
        sleep 0.1
    done
    if [ $full = yes ]; then
        f_log "disk full: commit failed at $(f_received "$db") received, $(f_done "$db") final ($(du -cm "$db"* | tail -1 | cut -f1) MiB of store and WAL); full for 3 s more"
        sleep 3
        rm -f "$mnt/filler"
        t0=$(f_now)
        # resumed: the broker's last word on its store is "writable again"
        for ((i = 0; i < 150; i++)); do
            f_resumed "$log" && break
            sleep 0.1
        done
        if f_resumed "$log"; then
            f_log "space back; the broker is writing again $(f_secs "$t0") s later"
        else
            F_FAILS+=("the broker did not resume within 15 s of getting space back")
        fi
    else
        rm -f "$mnt/filler"
        F_FAILS+=("the store never filled its $room MiB (no failed commit before the sim ended)")
    fi
    f_wait_sim "$F_CASE_TIMEOUT"
    f_stop_case
    [ $full = yes ] && F_NOTES+=("full from $(grep -m1 'commit failed' "$log" | cut -c15-22) to the filler's deletion 3 s later; commit failures: $(f_count 'commit failed' "$log"), resumes: $(f_count 'store writable again' "$log")")
    f_account $c "$db" "$(f_secs "$CASE_T0")" 0 "$T_DIR/$c.acked"
    [ "$(tail -1 "$F_ROWS" | cut -f8)" = FAIL ] && cp -f "$db" "$T_DIR/" 2>/dev/null
    umount "$mnt" 2>/dev/null || umount -l "$mnt"
    F_MOUNTS=()
}

# 6. SIGTERM of the sim, the workers and the broker at once while the sim is
# still feeding (at 35-65% of the tickets received). The store must then hold
# every ticket the first sim had acknowledged (its --acked ledger is required:
# it is the only record of what was acknowledged before the shutdown); then
# everything is started again (a second sim feeds the whole scenario again:
# ids are idempotency keys).
case_sigterm_all() {
    local c=sigterm_all db port ep R i pids=() lost0=0 rc
    f_begin $c "SIGTERM of everything mid-run, then a restart"
    db=$T_DIR/$c.db; port=$(t_port); ep=tcp://127.0.0.1:$port
    f_broker $c-broker "$ep" "$ep" "$db"
    f_worker $c-w1 "$ep"; pids+=("$WORKER_PID"); f_worker $c-w2 "$ep"; pids+=("$WORKER_PID")
    f_sim $c-sim1 "$ep" "$T_DIR/$c.acked1"
    f_rand $((F_N * 35 / 100)) $((F_N * 65 / 100))
    if f_wait_received "$db" "$R" 120; then
        kill -TERM "$SIM_PID" "${pids[@]}" "$BROKER_PID"
        f_log "SIGTERM to sim, workers and broker at $(f_received "$db") received, $(f_done "$db") final"
        for i in "$SIM_PID" "${pids[@]}"; do
            f_reap "$i" 20 || F_FAILS+=("pid $i did not stop within 20 s of SIGTERM")
            f_untrack "$i"
        done
        f_reap "$BROKER_PID" 20 || F_FAILS+=("the broker did not stop within 20 s of SIGTERM")
        rc=$REAP_RC; f_untrack "$BROKER_PID"
        [ "$rc" = 0 ] || F_FAILS+=("broker exit $rc after SIGTERM (want 0: clean shutdown)")
        if [ -f "$T_DIR/$c.acked1" ]; then
            f_q "$db" "SELECT id FROM ticket" | LC_ALL=C sort >"$T_DIR/$c.ids1"
            lost0=$(LC_ALL=C sort -u "$T_DIR/$c.acked1" | LC_ALL=C comm -23 - "$T_DIR/$c.ids1" | wc -l)
            f_log "after the shutdown: $(wc -l <"$T_DIR/$c.acked1") acknowledged by the first sim, $lost0 of them missing from the store"
            F_NOTES+=("first sim acked $(wc -l <"$T_DIR/$c.acked1"), $lost0 missing after shutdown")
        else
            F_FAILS+=("the first sim wrote no --acked ledger when stopped by SIGTERM")
            f_log "the first sim left no --acked ledger"
        fi
        local chk; chk=$("$HOTLINE_BIN/hotline-report" --db "$db" --check 2>&1 | head -1)
        [ "$chk" = ok ] || F_FAILS+=("integrity after the shutdown: $chk")
        f_log "restart: broker, 2 workers, a second sim"
        pids=()
        f_broker $c-broker "$ep" "$ep" "$db"
        f_worker $c-w1 "$ep"; f_worker $c-w2 "$ep"
        f_sim $c-sim2 "$ep" "$T_DIR/$c.acked2"
    else
        F_FAILS+=("sim ended before the SIGTERM")
    fi
    f_wait_sim "$F_CASE_TIMEOUT"
    f_stop_case
    f_account $c "$db" "$(f_secs "$CASE_T0")" "$lost0" "$T_DIR/$c.acked1" "$T_DIR/$c.acked2"
}


# 7. No single point of failure: the year through PostgreSQL managed by
# Patroni (scripts/ha db: etcd, a primary and a synchronous replica) and two
# brokers, one active and one standing by, workers and the sim given both
# endpoints. During the run: kill -9 of the active broker (restarted, it
# stands by); kill -9 of the PostgreSQL primary, Patroni and postmaster
# together, as if its machine died (Patroni promotes the replica; the active
# broker loses its connection and exits 75, and is restarted); SIGSTOP of the
# active broker past the lease, then SIGCONT (it must exit 75 without
# acknowledging more). Each takeover's time is in the notes.
F_LEASE=3
ha_broker() { # NAME ENDPOINT: a broker on the HA store; it may stand by, so nothing waits for it
    "$HOTLINE_BIN/hotline-broker" --bind "$2" --db "$HA_URI" --clock virtual --heartbeat "$F_HB" --lease $F_LEASE \
        >/dev/null 2>>"$T_DIR/$1.log" &
    BROKER_PID=$!
    f_track "$BROKER_PID"
}
# ha_mark NAME...: notes how many "active" lines each named broker's log has,
# before a fault; ha_active_since T0 then waits (<= 60 s) until one of them
# has a new one, and sets HA_WHO and HA_MS (ms since T0).
declare -A HA_SEEN
ha_mark() {
    local n
    HA_SEEN=()
    for n in "$@"; do HA_SEEN[$n]=$(f_count 'active: this broker leads' "$T_DIR/$n.log"); done
}
ha_active_since() {
    local n i
    for ((i = 0; i < 600; i++)); do
        for n in "${!HA_SEEN[@]}"; do
            if [ "$(f_count 'active: this broker leads' "$T_DIR/$n.log")" -gt "${HA_SEEN[$n]}" ]; then
                HA_WHO=$n; HA_MS=$(( $(date +%s%3N) - $1 )); return 0
            fi
        done
        sleep 0.1
    done
    return 1
}
case_ha_failover() {
    local c=ha_failover ha=$T_DIR/ha ea eb pa pb t0 rc R out node pgpid ppid eps
    f_begin $c "Patroni (primary + synchronous replica), two brokers: kill -9 broker, kill -9 PostgreSQL primary (then it rejoins), SIGSTOP broker"
    command -v patroni >/dev/null && command -v etcd >/dev/null || { f_skip $c "patroni or etcd not installed (./scripts/deps test)"; return; }
    if ! out=$(HOTLINE_BIN=$HOTLINE_BIN "$HOTLINE_SRC/scripts/ha" db "$ha" 2>"$T_DIR/$c-ha.log"); then
        F_FAILS+=("scripts/ha db failed: $(tail -1 "$T_DIR/$c-ha.log")")
        HOTLINE_BIN=$HOTLINE_BIN "$HOTLINE_SRC/scripts/ha" down "$ha" 2>/dev/null
        f_account $c "$T_DIR/none.db" "$(f_secs "$CASE_T0")" 0 /dev/null; return
    fi
    HA_URI=$(echo "$out" | tail -1)
    f_log "Patroni up: $(tr '\n' ' ' <"$T_DIR/$c-ha.log" | cut -c1-160)"
    ea=tcp://127.0.0.1:$(t_port); eb=tcp://127.0.0.1:$(t_port); eps="$ea,$eb"
    ha_mark $c-a; t0=$(date +%s%3N); ha_broker $c-a "$ea"; pa=$BROKER_PID
    ha_active_since "$t0" || F_FAILS+=("broker a never became active")
    ha_broker $c-b "$eb"; pb=$BROKER_PID
    f_worker $c-w1 "$eps"; f_worker $c-w2 "$eps"
    local sim_to=$F_SIM_TIMEOUT; F_SIM_TIMEOUT=300
    f_sim $c-sim "$eps" "$T_DIR/$c.acked"
    F_SIM_TIMEOUT=$sim_to

    # 1. kill -9 of the active broker; restarted, it stands by
    f_rand $((F_N * 10 / 100)) $((F_N * 20 / 100))
    f_wait_done "$HA_URI" "$R" 120 || F_FAILS+=("sim ended before the broker kill")
    ha_mark $c-b; t0=$(date +%s%3N); f_kill9 "$pa"
    if ha_active_since "$t0"; then F_NOTES+=("broker kill -9 at $(f_done "$HA_URI") final: b active after $HA_MS ms")
    else F_FAILS+=("no takeover after the broker kill"); fi
    ha_broker $c-a2 "$ea"; pa=$BROKER_PID

    # 2. kill -9 of the PostgreSQL primary (its Patroni and postmaster): Patroni promotes the replica
    f_rand $((F_N * 35 / 100)) $((F_N * 45 / 100))
    f_wait_done "$HA_URI" "$R" 120 || F_FAILS+=("sim ended before the primary kill")
    node=$(HOTLINE_BIN=$HOTLINE_BIN "$HOTLINE_SRC/scripts/ha" status "$ha" | awk '/^primary:/ {print $2}')
    ppid=$(awk -v n="$node" '$1 == n {print $2}' "$ha/pids")
    pgpid=$(head -1 "$ha/$node/data/postmaster.pid" 2>/dev/null)
    if [ -n "$node" ] && [ -n "$ppid" ] && [ -n "$pgpid" ]; then
        ha_mark $c-a2; t0=$(date +%s%3N)
        kill -KILL "$ppid" "$pgpid" 2>/dev/null
        f_log "kill -9 of the primary $node (patroni $ppid, postmaster $pgpid) at $(f_done "$HA_URI") final"
        # the active broker (b) loses its connection and exits 75; the standby
        # (a2) reconnects to the promoted replica and takes over
        if f_reap "$pb" 30; then rc=$REAP_RC; else rc=killed; fi
        [ "$rc" = 75 ] || F_FAILS+=("the active broker exited $rc when the primary died, want 75")
        if ha_active_since "$t0"; then
            F_NOTES+=("primary $node kill -9: $(HOTLINE_BIN=$HOTLINE_BIN "$HOTLINE_SRC/scripts/ha" status "$ha" | awk '/^primary:/ {print $2}') promoted, $HA_WHO active after $HA_MS ms")
        else F_FAILS+=("no broker active after the primary kill"); fi
        # b's supervisor restarts it once a primary is there again: it stands by
        ha_broker $c-b2 "$eb"; pb=$BROKER_PID
        # the dead node comes back: Patroni rewinds the old primary onto the
        # new one and it is the synchronous replica again, under load
        t0=$(date +%s%3N)
        if HOTLINE_BIN=$HOTLINE_BIN "$HOTLINE_SRC/scripts/ha" rejoin "$ha" "$node" 2>>"$T_DIR/$c-ha.log"; then
            F_NOTES+=("old primary $node rejoined as the synchronous replica after $(($(date +%s%3N) - t0)) ms")
        else
            F_FAILS+=("the old primary $node did not rejoin: $(tail -1 "$T_DIR/$c-ha.log")")
        fi
    else
        F_FAILS+=("could not find the primary (node '$node', patroni '$ppid', postmaster '$pgpid')")
    fi

    # 3. SIGSTOP of the active broker past the lease, then SIGCONT: fenced
    f_rand $((F_N * 60 / 100)) $((F_N * 70 / 100))
    f_wait_done "$HA_URI" "$R" 180 || F_FAILS+=("sim ended before the freeze")
    local act=$pa other=$c-b2
    [ "${HA_WHO:-}" = "$c-b2" ] && { act=$pb; other=$c-a2; }
    ha_mark $other; t0=$(date +%s%3N); kill -STOP "$act"
    if ha_active_since "$t0"; then F_NOTES+=("SIGSTOP of the active broker: $other active after $HA_MS ms (lease $F_LEASE s)")
    else F_FAILS+=("no takeover from the frozen broker"); fi
    kill -CONT "$act"
    if f_reap "$act" 30; then rc=$REAP_RC; else rc=killed; fi
    [ "$rc" = 75 ] || F_FAILS+=("the resumed broker exited $rc, want 75 (fenced)")

    f_wait_sim 300
    f_stop_case
    f_account $c "$HA_URI" "$(f_secs "$CASE_T0")" 0 "$T_DIR/$c.acked"
    HOTLINE_BIN=$HOTLINE_BIN "$HOTLINE_SRC/scripts/ha" down "$ha" 2>>"$T_DIR/$c-ha.log"
}

# ---------------------------------------------------------------------------
sel=("$@")
[ ${#sel[@]} -gt 0 ] || sel=("${CASES[@]}")
for s in "${sel[@]}"; do
    [[ " ${CASES[*]} " == *" $s "* ]] || { echo "usage: $0 [${CASES[*]}]... (unknown case '$s')" >&2; exit 64; }
done
for t in hotline-broker hotline-worker hotline-sim hotline-report; do
    [ -x "$HOTLINE_BIN/$t" ] || { echo "missing $HOTLINE_BIN/$t (build first)" >&2; exit 1; }
done
command -v sqlite3 >/dev/null || { echo "the fault suite needs the sqlite3 CLI" >&2; exit 1; }

FAULT_SEED=${FAULT_SEED:-$(( $(date +%s%N) / 1000 % 1000000 ))}
T0=$(f_now)
echo "fault suite: ${sel[*]}; scenario $F_SCENARIO$([ "$F_LIMIT" -gt 0 ] && echo ", first $F_LIMIT tickets"); heartbeat $F_HB ms; FAULT_SEED=$FAULT_SEED"
f_baseline || { echo "FAIL: the undisturbed baseline run failed" >&2; exit 1; }

for s in "${sel[@]}"; do
    i=0; for c in "${CASES[@]}"; do [ "$c" = "$s" ] && break; i=$((i + 1)); done
    RANDOM=$((FAULT_SEED + i))   # each case replays alone with the same FAULT_SEED
    "case_$s"
done

echo
echo "fault suite ($F_SCENARIO, $F_N tickets, FAULT_SEED=$FAULT_SEED), $(f_secs "$T0") s:"
f_print_table
nfail=$(cut -f8 "$F_ROWS" | grep -c FAIL)
nskip=$(cut -f8 "$F_ROWS" | grep -c SKIP)
if [ "$nfail" -gt 0 ]; then
    T_KEEP=1
    echo "$nfail case(s) FAILED (FAULT_SEED=$FAULT_SEED)"
    exit 1
fi
[ "$nskip" -eq ${#sel[@]} ] && exit 77
exit 0
