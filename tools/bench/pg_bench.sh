# pg_bench.sh: scripts/bench --backend postgresql, sourced by scripts/bench
# (it uses its helpers: start_broker, start_workers, stop, hb, record,
# median, jint, mark, fail, cpu_ticks, RUN, REPS, DUR, PIDS).
#
# The same broker, the same clients, three stores side by side in one run:
# SQLite (the default), PostgreSQL 15 alone, and PostgreSQL with a
# synchronous standby (a commit returns once the standby has it). Each
# PostgreSQL server is a throwaway cluster in the run directory
# (tests/pg/cluster.sh), stopped by PID at the end. Figures, medians of REPS:
# durable intake (one ticket per request, 100 in flight; batches of 100, 16
# in flight) on one store, and the lifecycle (submit -> final, 5 stages, 2
# workers) on a fresh one, with the broker's CPU per ticket. A lifecycle run
# is 10,000 tickets (--quick: 2,000): shorter runs measure mostly the ramp up
# and down of the 16 batches in flight, and SQLite's figure with them.

PG_CLUSTERS=()
pg_stop_all() { local d; for d in "${PG_CLUSTERS[@]:-}"; do [ -n "$d" ] && "$ROOT/tests/pg/cluster.sh" stop "$d" || true; done; }

# pg_store KIND REP: the --db of a fresh store of KIND (sqlite|pg|pgsync).
pg_store() {
    case $1 in
        sqlite) echo "$RUN/pgcmp-$2.db" ;;
        pg|pgsync)
            local dir=$RUN/pg-primary name="b_${1}_$2_$RANDOM"
            "$PGBIN/createdb" -h "$dir" -p "$(cat "$dir/port")" -U hotline "$name" || return 1
            echo "postgresql://hotline@127.0.0.1:$(cat "$dir/port")/$name" ;;
    esac
}

pg_bench() {
    local CL=$ROOT/tests/pg/cluster.sh kind rep db j n c0 life_n=$((LIFE_N0 < 10000 ? LIFE_N0 : 10000))
    PGBIN=/usr/lib/postgresql/15/bin
    [ -x "$PGBIN/postgres" ] || { fail "PostgreSQL 15 is not installed (scripts/deps test installs it)"; return; }
    mark "PostgreSQL 15: a throwaway cluster in the run directory"
    CLUSTER_OWNER=$$ "$CL" start "$RUN/pg-primary" >/dev/null || { fail "cannot start PostgreSQL"; return; }
    PG_CLUSTERS+=("$RUN/pg-primary")
    for kind in sqlite pg pgsync; do
        if [ $kind = pgsync ]; then
            mark "PostgreSQL 15 with a synchronous standby (pg_basebackup, synchronous_standby_names)"
            CLUSTER_OWNER=$$ "$CL" replica "$RUN/pg-standby" "$RUN/pg-primary" >/dev/null || { fail "cannot start the standby"; break; }
            PG_CLUSTERS+=("$RUN/pg-standby")
        fi
        mark "store $kind: intake and lifecycle"
        for rep in $(seq 1 "$REPS"); do
            db=$(pg_store $kind "$rep") || { fail "no $kind store"; continue; }
            start_broker "pg-$kind-$rep" "$db" || continue
            c0=$(cpu_ticks "$BROKER_PID")
            j=$(hb intake --connect "$EP" --n 10000000 --batch 1 --window 100 --duration "$DUR" --prefix "S$rep-") ||
                fail "$kind intake single rep $rep"
            n=$(jint "$j" n)
            record "${kind}_intake_single" "$rep" "$j" "broker_cpu_us_per_ticket=$(( n > 0 ? ($(cpu_ticks "$BROKER_PID") - c0) * 1000000 / HZ / n : 0 ))"
            j=$(hb intake --connect "$EP" --n 10000000 --batch 100 --window 16 --duration "$DUR" --prefix "B$rep-") ||
                fail "$kind intake batches rep $rep"
            record "${kind}_intake_batch100" "$rep" "$j"
            stop "$BROKER_PID"
            # The lifecycle on a store of its own: the intake's tickets would be a backlog.
            db=$(pg_store $kind "L$rep") || { fail "no $kind store"; continue; }
            # As the SQLite lifecycle figures: the virtual clock, and the
            # workers up (the classifier's model loaded) before the clock starts.
            start_broker "pg-$kind-L$rep" "$db" --clock virtual || continue
            start_workers 2 "pg-$kind-$rep"
            timeout 30 "$BIN/hotline-bench" ping --connect "$EP" --service visit --timeout 20 >/dev/null || fail "workers did not come up"
            c0=$(cpu_ticks "$BROKER_PID")
            j=$(hb lifecycle --connect "$EP" --n "$life_n" --batch 100 --window 16 --prefix "L$rep-" --timeout 600) ||
                fail "$kind lifecycle rep $rep"
            n=$(jint "$j" n)
            record "${kind}_lifecycle" "$rep" "$j" "broker_cpu_us_per_ticket=$(( n > 0 ? ($(cpu_ticks "$BROKER_PID") - c0) * 1000000 / HZ / n : 0 ))"
            for p in "${WORKER_PIDS[@]}"; do stop "$p"; done
            stop "$BROKER_PID"
            rm -f "$RUN/pgcmp-$rep.db"* "$RUN/pgcmp-L$rep.db"*
        done
    done
    pg_stop_all
    PG_CLUSTERS=()
    /usr/bin/python3 - "$RES" "$out" "$life_n" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def med(fig, key="tickets_per_s"):
    v = [r["data"].get(key, r["extra"].get(key)) for r in rows if r["fig"] == fig and r["data"].get("ok")]
    v = [x for x in v if x is not None]
    return (statistics.median(v), min(v), max(v)) if v else (0, 0, 0)
figs = [("intake, 1 ticket per request, 100 in flight", "intake_single"),
        ("intake, batches of 100, 16 in flight", "intake_batch100"),
        (f"lifecycle, 5 stages, 2 workers ({sys.argv[3]} tickets per run)", "lifecycle")]
out = {"backend": "postgresql", "figures": []}
print(f"{'figure (tickets/s, median [min-max])':52} {'SQLite':>20} {'PostgreSQL':>20} {'PG + sync standby':>20} {'PG/SQLite':>9} {'sync/SQLite':>11}")
for name, key in figs:
    s, p, q = med("sqlite_" + key), med("pg_" + key), med("pgsync_" + key)
    cell = lambda m: f"{m[0]:>8.0f} [{m[1]:.0f}-{m[2]:.0f}]"
    r1 = p[0] / s[0] if s[0] else 0
    r2 = q[0] / s[0] if s[0] else 0
    print(f"{name:52} {cell(s):>20} {cell(p):>20} {cell(q):>20} {r1:>9.2f} {r2:>11.2f}")
    out["figures"].append({"figure": name, "unit": "tickets/s", "sqlite": s[0], "postgresql": p[0],
                           "postgresql_sync_standby": q[0], "ranges": {"sqlite": s[1:], "postgresql": p[1:],
                           "postgresql_sync_standby": q[1:]}})
for kind in ("sqlite", "pg", "pgsync"):
    c = med(kind + "_lifecycle", "broker_cpu_us_per_ticket")[0]
    print(f"broker CPU per lifecycle ticket, {kind}: {c:.0f} us")
    out.setdefault("broker_cpu_us_per_lifecycle_ticket", {})[kind] = c
goal = med("pgsync_lifecycle")[0]
print(f"goal: lifecycle with a synchronous standby >= 5000 tickets/s: {goal:.0f} ({'met' if goal >= 5000 else 'NOT met'})")
out["goal_lifecycle_sync_5000"] = {"value": goal, "met": goal >= 5000}
json.dump(out, open(sys.argv[2], "w"), indent=1, ensure_ascii=False)
PY
    echo "bench: PostgreSQL figures written to $out"
}
