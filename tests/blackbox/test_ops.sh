#!/usr/bin/env bash
# Operations view (issue 7, acceptance 2): `hotline-ctl status` against a
# running broker shows workers and queues; the metrics port returns valid
# Prometheus exposition text whose counters match the report's figures.
source "$(dirname "$0")/lib.sh"
port=$(t_port); mport=$(t_port); ep=tcp://127.0.0.1:$port
t_broker broker "$ep" "$T_DIR/o.db" --clock virtual --metrics "127.0.0.1:$mport"
t_worker w1 "$ep" --all-services; w1=$WORKER_PID
t_worker w2 "$ep" --all-services; w2=$WORKER_PID
"$HOTLINE_BIN/hotline-sim" --connect "$ep" --scenario smoke -q --timeout 300 2>>"$T_DIR/sim.log" || t_fail "sim failed"

status=$("$HOTLINE_BIN/hotline-ctl" --connect "$ep" status) || t_fail "hotline-ctl status failed"
echo "$status" | head -4
echo "$status" | grep -Eq '^classify +2 ' || t_fail "status does not show 2 classify workers"
echo "$status" | grep -Eq '^unit\.street\.jinxia +2 ' || t_fail "status does not show the street units"
echo "$status" | grep -q '^workers: 2 processes, 50 connections' || t_fail "status does not show 2 worker processes with 48 connections (2 x 25 services)"
echo "$status" | grep -Eq "^[^ ]+ +[^ ]+ +($w1|$w2) +127.0.0.1 .*centre, classify, dispatch, visit \+ all 21 units" || t_fail "status does not show each worker process with its pid, address and services"
echo "$status" | grep -q 'last minute:' || t_fail "status lacks the rates"
echo "$status" | grep -q '^store: ' || t_fail "status lacks the store line"
t_ok "hotline-ctl status shows services, 48 worker connections, queues, rates and the store"
"$HOTLINE_BIN/hotline-ctl" --connect "$ep" watch --interval 1 --count 2 >/dev/null || t_fail "watch failed"
t_ok "hotline-ctl watch refreshes"

curl -sf "http://127.0.0.1:$mport/metrics" >"$T_DIR/metrics.txt" || t_fail "metrics scrape failed"
"$PY" - "$T_DIR/metrics.txt" <<'PYEOF' || t_fail "metrics text is not valid exposition"
import re, sys
name = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
sample = re.compile(r'^(%s)(\{(%s="(\\.|[^"\\])*"(,%s="(\\.|[^"\\])*")*)?\})? (-?[0-9.e+]+|\+Inf|NaN)$' % (name, name, name))
types = {}
for n, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    line = line.rstrip("\n")
    if line.startswith("# TYPE "):
        _, _, m, t = line.split(" ", 3)
        assert t in ("counter", "gauge", "histogram"), line
        types[m] = t
    elif line.startswith("#") or not line:
        continue
    else:
        assert sample.match(line), "line %d: %r" % (n, line)
        base = re.match(name, line).group(0)
        base = re.sub(r'_(bucket|sum|count)$', '', base) if base not in types else base
        assert base in types, "line %d: %s has no TYPE" % (n, base)
print("valid exposition: %d metric families" % len(types))
PYEOF
metric() { awk -v m="$1" '$1 == m {print $2}' "$T_DIR/metrics.txt"; }
json=$("$HOTLINE_BIN/hotline-report" --db "$T_DIR/o.db" --from 2000-01-01 --to 2099-12-31 --format json)
for pair in received:hotline_tickets_received_total closed:hotline_tickets_closed_total \
            overdue:hotline_tickets_overdue_total rated:hotline_ratings_total \
            bad_ratings:hotline_bad_ratings_total direct_answered:hotline_tickets_direct_answered_total; do
    fig=${pair%%:*} m=${pair#*:}
    want=$(echo "$json" | t_json "j['$fig']")
    got=$(metric "$m")
    [ "$got" = "$want" ] || t_fail "$m = $got but the report says $fig = $want"
    echo "  $m = $got = report $fig"
done
ontime=$(echo "$json" | t_json "round(j['on_time_rate'] * j['closed'])")
[ "$(metric hotline_tickets_closed_on_time_total)" = "$ontime" ] || t_fail "on-time counter differs from the report"
done_n=$(sqlite3 "file:$T_DIR/o.db?mode=ro" "SELECT count(*) FROM ticket WHERE state='DONE'")
[ "$(awk '$1 == "hotline_tickets{state=\"DONE\"}" {print $2}' "$T_DIR/metrics.txt")" = "$done_n" ] || t_fail "tickets{state=DONE} differs from the store"
grep -q '^hotline_commit_seconds_bucket{le="+Inf"} [1-9]' "$T_DIR/metrics.txt" || t_fail "commit latency histogram is empty"
grep -q '^hotline_commit_batch_writes_count [1-9]' "$T_DIR/metrics.txt" || t_fail "commit batch histogram is empty"
# --sync full (the default): replies waited for WAL fsyncs, and none is owed now
grep -q '^hotline_wal_syncs_total [1-9]' "$T_DIR/metrics.txt" || t_fail "no WAL fsync counted under --sync full"
# (an idle broker may still commit, e.g. the search index catching up: its
# fsync is owed for a moment, so the line is read again for up to 2 s)
for _ in $(seq 1 20); do
    "$HOTLINE_BIN/hotline-ctl" --connect "$ep" status >"$T_DIR/status2.txt" || t_fail "status failed"
    grep -Eq '^disk: [1-9][0-9]* WAL fsyncs, last [0-9]+ us, 0 commits waiting' "$T_DIR/status2.txt" && break
    sleep 0.1
done
grep -Eq '^disk: [1-9][0-9]* WAL fsyncs, last [0-9]+ us, 0 commits waiting' "$T_DIR/status2.txt" || t_fail "status lacks the fsync line: $(grep disk: "$T_DIR/status2.txt")"
grep -q '^hotline_workers{service="classify"} 2$' "$T_DIR/metrics.txt" || t_fail "workers gauge wrong"
grep -q '^hotline_rejected_messages_total{reason="malformed_frames"} ' "$T_DIR/metrics.txt" || t_fail "rejected counters missing"
t_ok "metrics counters match the report; histograms, workers and rejection counters present"

# A consistent backup while the broker runs (issue 4: the backup command).
"$HOTLINE_BIN/hotline-report" --db "$T_DIR/o.db" --backup "$T_DIR/copy.db" 2>>"$T_DIR/backup.log" || t_fail "backup failed"
[ "$("$HOTLINE_BIN/hotline-report" --db "$T_DIR/copy.db" --check)" = ok ] || t_fail "the backup fails integrity_check"
n1=$(sqlite3 "file:$T_DIR/o.db?mode=ro" "SELECT count(*) FROM ticket")
n2=$(sqlite3 "file:$T_DIR/copy.db?mode=ro" "SELECT count(*) FROM ticket")
[ "$n1" = "$n2" ] || t_fail "backup has $n2 tickets, the store $n1"
"$HOTLINE_BIN/hotline-report" --db "$T_DIR/o.db" --backup "$T_DIR/copy.db" 2>/dev/null && t_fail "backup overwrote an existing file"
t_ok "backup while running: integrity ok, $n2 tickets, an existing destination is refused"
