# tools/bench/queues.sh: the queues a user would reach for, side by side
# with hotline on the same workloads (Redis Streams with appendfsync always
# and everysec, RabbitMQ quorum queues, beanstalkd's latency). Sourced by
# scripts/bench; uses its helpers (start_redis, start_rabbitmq,
# stop_rabbitmq, start_beanstalkd, stop, record, qb, bb, server_ticks,
# per_item, us_per, jget, jint, available, unavailable, fail, mark) and its
# variables (REPS, DUR, LAT_DUR, LAT_FIXED, rate, BIN, UNAVAILABLE).
# shellcheck shell=bash

# queue_runs SYS CLIENT PORT SERVER_PID: intake (100 and 1,600 in flight), a
# 5-stage lifecycle with 2 worker processes, latency at LAT_FIXED/s and at
# 50% of hotline's single-ticket maximum; REPS of each, server CPU from /proc.
queue_runs() {
    local sys=$1 cl=$2 port=$3 spid=$4 rep j n c0 w r
    for rep in $(seq 1 $REPS); do
        for w in 100 1600; do
            c0=$(server_ticks "$spid")
            j=$(qb "$cl" intake --port "$port" --n 10000000 --window $w --size 200 --duration $DUR --prefix "i$w-$rep" --timeout 120) ||
                fail "$sys intake, $w in flight, rep $rep"
            record "${sys}_in$w" "$rep" "$j" "server_cpu_us_per_msg=$(per_item "$c0" "$spid" "$(jint "$j" n)")"
        done
        c0=$(server_ticks "$spid")
        j=$(qb "$cl" lifecycle --port "$port" --n 10000000 --window 1600 --stages 5 --workers 2 --count 300 --size 200 \
            --duration $DUR --prefix "l$rep" --timeout 120) || fail "$sys lifecycle rep $rep"
        n=$(jint "$j" n)
        record "${sys}_life" "$rep" "$j" "server_cpu_us_per_ticket=$(per_item "$c0" "$spid" "$n")" \
            "clients_cpu_us_per_ticket=$(us_per "$(jget "$j" client_cpu_s)" "$n")"
        for r in "fixed:$LAT_FIXED" "half:$rate"; do
            j=$(qb "$cl" latency --port "$port" --rate "${r#*:}" --n $(( ${r#*:} * LAT_DUR )) --window 500 --size 200 \
                --prefix "t${r%%:*}$rep" --timeout $((LAT_DUR * 5 + 30))) || fail "$sys latency at ${r#*:}/s rep $rep"
            record "${sys}_lat_${r%%:*}" "$rep" "$j"
        done
    done
}
# queues_side_by_side: every baseline in turn, each started, measured and stopped.
queues_side_by_side() {
    local fsync sys t0 rep r j
    for fsync in always everysec; do
        sys=redis_$fsync
        mark "Redis Streams, AOF with appendfsync $fsync"
        if [ -n "${UNAVAILABLE[redis]:-}" ]; then unavailable "$sys" "${UNAVAILABLE[redis]}"; continue; fi
        start_redis "$sys" "$fsync" || continue
        available "$sys" "version=$(redis-server --version | grep -o 'v=[0-9.]*' | cut -c3-)" "appendfsync=$fsync"
        queue_runs "$sys" "$BIN/redis-bench" "$REDIS_PORT" "$REDIS_PID"
        stop "$REDIS_PID"
    done
    mark "RabbitMQ quorum queues, publisher confirms"
    if [ -n "${UNAVAILABLE[rabbitmq]:-}" ]; then unavailable rabbitmq "${UNAVAILABLE[rabbitmq]}"
    elif t0=$(date +%s) && start_rabbitmq; then
        echo "   RabbitMQ up in $(( $(date +%s) - t0 )) s"
        available rabbitmq "version=$(dpkg-query -W -f='${Version}' rabbitmq-server 2>/dev/null)" "startup_s=$(( $(date +%s) - t0 ))"
        queue_runs rabbitmq "$BIN/rabbit-bench" "$RMQ_PORT" "$RMQ_BEAM"
        stop_rabbitmq
    fi
    mark "beanstalkd latency (binlog, fsync every 50 ms)"
    available beanstalkd "version=$(beanstalkd -v 2>&1 | awk '{print $2}')" "fsync_ms=50"
    if start_beanstalkd bs-lat -f 50; then
        for rep in $(seq 1 $REPS); do
            for r in "fixed:$LAT_FIXED" "half:$rate"; do
                j=$(bb latency --port "$BS_PORT" --rate "${r#*:}" --n $(( ${r#*:} * LAT_DUR )) --window 500 --size 200 \
                    --tube-prefix "l${r%%:*}$rep" --timeout $((LAT_DUR * 5 + 30))) || fail "beanstalk latency at ${r#*:}/s rep $rep"
                record "bs_lat_${r%%:*}" "$rep" "$j"
            done
        done
        stop "$BS_PID"
    fi
}
