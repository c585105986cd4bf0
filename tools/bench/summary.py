#!/usr/bin/python3
"""tools/bench/summary.py: scripts/bench's table and bench.json.

Reads the raw results (one JSON line per repetition) and the baselines'
availability, takes the medians, prints the two tables (hotline's figures
with their goals, and the queues side by side) and writes bench.json.
Called by scripts/bench with its run's settings as arguments."""
import json, os, statistics, sys, datetime
res, out, quick, load0, load1, hold_n, report_n, rate, secs, ncpu, kernel, demo, baselines_path, lat_fixed = sys.argv[1:]
quick = quick == "1"; hold_n = int(hold_n); report_n = int(report_n)
rows = []
for l in open(res):
    try: rows.append(json.loads(l))
    except ValueError: pass

def vals(fig, key):
    v = []
    for r in rows:
        if r["fig"] == fig and r["data"].get("ok"):
            x = r["data"].get(key, r["extra"].get(key))
            if x is not None: v.append(float(x))
    return v

def med(fig, key):
    v = vals(fig, key)
    return statistics.median(v) if v else None

figures = []
def add(name, unit, hot, base, base_name, goal=None, better="higher", note=None, raw=None):
    ratio = hot / base if hot is not None and base not in (None, 0) else None
    met = None
    if goal is not None and hot is not None:
        met = all(g(hot, ratio) for g in goal["checks"])
    figures.append({"figure": name, "unit": unit, "hotline": hot, "baseline": base, "baseline_is": base_name,
                    "ratio": ratio, "better": better, "goal": goal["text"] if goal else None, "met": met,
                    "note": note, "reps": raw})

def ge(x): return lambda h, r: h is not None and h >= x
def rge(x): return lambda h, r: r is not None and r >= x
def le(x): return lambda h, r: h is not None and h <= x
def reps(fig, key): return vals(fig, key)

bs_put = med("bs_put", "jobs_per_s"); bs_pipe = med("bs_pipe5", "tickets_per_s")
add("intake single (1/request, 100 in flight)", "tickets/s", med("intake_single", "tickets_per_s"), bs_put,
    "beanstalkd puts, binlog fsync 50 ms, 100 in flight", raw=reps("intake_single", "tickets_per_s"))
add("intake batches of 100 (16 in flight)", "tickets/s", med("intake_batch100", "tickets_per_s"), bs_put,
    "beanstalkd puts, binlog fsync 50 ms, 100 in flight",
    {"text": ">= 150000/s and >= 5x", "checks": [ge(150000), rge(5)]}, raw=reps("intake_batch100", "tickets_per_s"))
add("intake batches of 100 vs fsync-every-put beanstalkd", "tickets/s", med("intake_batch100", "tickets_per_s"),
    med("bs_put_f0", "jobs_per_s"), "beanstalkd puts, binlog fsync every write (-f0)", raw=reps("bs_put_f0", "jobs_per_s"))
add("intake batches of 100 vs SQLite ceiling (txn 100)", "tickets/s", med("intake_batch100", "tickets_per_s"),
    med("sqlite_txn100", "tickets_per_s"), "raw SQLite, ticket+event rows, txn of 100, WAL+FULL", raw=reps("sqlite_txn100", "tickets_per_s"))
add("intake batches of 100 vs SQLite ceiling (txn 1000)", "tickets/s", med("intake_batch100", "tickets_per_s"),
    med("sqlite_txn1000", "tickets_per_s"), "raw SQLite, ticket+event rows, txn of 1000, WAL+FULL", raw=reps("sqlite_txn1000", "tickets_per_s"))
for w in (1, 2, 4):
    add(f"lifecycle, {w} worker{'s' if w > 1 else ''} (submit -> final, durable)", "tickets/s",
        med(f"lifecycle_w{w}", "tickets_per_s"), bs_pipe, "beanstalkd 5-stage put/reserve/delete pipeline, 100 in flight",
        {"text": ">= 25000/s and >= 4x", "checks": [ge(25000), rge(4)]}, raw=reps(f"lifecycle_w{w}", "tickets_per_s"))
add("classifier (model + keyword rules), one ticket", "us/ticket", med("classify", "us_per_ticket"), None, None,
    {"text": "< 50 us", "checks": [lambda h, r: h is not None and h < 50]}, better="lower", raw=reps("classify", "us_per_ticket"))
add("the 2022 year end to end (hotline-sim, 2 workers)", "tickets/s",
    med("year_e2e", "tickets_per_s"), bs_pipe, "beanstalkd 5-stage put/reserve/delete pipeline, 100 in flight",
    {"text": ">= 4x", "checks": [rge(4)]}, raw=reps("year_e2e", "tickets_per_s"))
for q, key in (("p50", "p50_ms"), ("p99", "p99_ms"), ("p99.9", "p999_ms")):
    bkey = {"p50_ms": "txn_p50_ms", "p99_ms": "txn_p99_ms", "p999_ms": "txn_p999_ms"}[key]
    add(f"latency submit->accepted {q} at {rate}/s (50% load)", "ms", med("latency", key), med("sqlite_txn1", bkey),
        "one durable SQLite commit (txn of 1): the fsync floor",
        {"text": "<= 2 ms", "checks": [le(2)]} if q == "p99" else None, better="lower", raw=reps("latency", key))
add("CPU broker, lifecycle 2 workers", "us/ticket", med("lifecycle_w2", "broker_cpu_us_per_ticket"),
    med("bs_pipe5", "server_cpu_us_per_ticket"), "beanstalkd server, 5-stage pipeline", better="lower",
    raw=reps("lifecycle_w2", "broker_cpu_us_per_ticket"))
for r in rows:  # workers plus the feeding client, as the baseline's producer plus stage threads
    if r["fig"] == "lifecycle_w2":
        r["extra"]["workers_client_cpu_us_per_ticket"] = r["extra"].get("workers_cpu_us_per_ticket", 0) + r["extra"].get("client_cpu_us_per_ticket", 0)
add("CPU workers + feeding client, lifecycle 2 workers", "us/ticket", med("lifecycle_w2", "workers_client_cpu_us_per_ticket"),
    med("bs_pipe5", "clients_cpu_us_per_ticket"), "beanstalk-bench producer + stage threads, 5-stage pipeline", better="lower",
    raw=reps("lifecycle_w2", "workers_client_cpu_us_per_ticket"))
add("CPU broker, intake batches of 100", "us/ticket", med("intake_batch100", "broker_cpu_us_per_ticket"),
    med("bs_put", "server_cpu_us_per_job"), "beanstalkd server per put", better="lower",
    raw=reps("intake_batch100", "broker_cpu_us_per_ticket"))
idle = vals("intake_single", "broker_rss_idle_kib") + vals("intake_batch100", "broker_rss_idle_kib") + vals("hold", "rss_idle_kib")
add("broker RSS idle", "MiB", statistics.median(idle) / 1024 if idle else None, None, None, better="lower",
    raw=[x / 1024 for x in idle])
held = med("hold", "rss_held_kib")
add(f"broker RSS with {hold_n:,} unfinished tickets held", "MiB", held / 1024 if held else None, None, None,
    {"text": "<= 256 MiB at 1,000,000", "checks": [le(256)]} if hold_n >= 1000000 else None, better="lower",
    note=None if hold_n >= 1000000 else "quick run: 200,000 held, not scaled; the goal applies to 1,000,000")
add(f"yearly report, {report_n:,}-ticket store", "ms", med("report_big", "ms"), None, None,
    {"text": "<= 200 ms", "checks": [le(200)]} if report_n >= 10000000 else None, better="lower",
    note=None if report_n >= 10000000 else "quick run: 1,000,000-ticket store; the goal applies to 10,000,000",
    raw=reps("report_big", "ms"))
add("yearly report, demo store", "ms", med("report_demo", "ms"), None, None, better="lower", raw=reps("report_demo", "ms"))

def fmt(v, unit):
    if v is None: return "-"
    if unit == "tickets/s" or unit == "us/ticket": return f"{v:,.0f}"
    if unit == "MiB": return f"{v:,.1f}"
    return f"{v:,.2f}" if v < 100 else f"{v:,.0f}"

w = 58
print()
print(f"{'figure':<{w}} {'unit':>9} {'hotline':>10} {'baseline':>10} {'ratio':>7}  {'goal':<24} met?")
for f in figures:
    met = "-" if f["met"] is None else ("yes" if f["met"] else "NO")
    ratio = "-" if f["ratio"] is None else f"{f['ratio']:.2f}x"
    print(f"{f['figure']:<{w}} {f['unit']:>9} {fmt(f['hotline'], f['unit']):>10} {fmt(f['baseline'], f['unit']):>10} {ratio:>7}  {(f['goal'] or '-'):<24} {met}")
print()
print("baselines:")
seen = set()
for f in figures:
    if f["baseline_is"] and f["baseline_is"] not in seen:
        seen.add(f["baseline_is"]); print(f"  {f['baseline_is']}")
print("ratio = hotline / baseline (for ms and us/ticket, lower is better). Medians of 3 repetitions.")
print(f"load average {load0} at start, {load1} at end, {ncpu} CPUs")
lost = sum(vals("latency", "resent"))
if lost:
    print(f"latency: {lost:.0f} requests had no reply within 2 s and were sent again (the broker drops a reply it cannot queue)")
runq = vals("lifecycle_w2", "broker_runq_wait_frac") + vals("intake_batch100", "broker_runq_wait_frac")
if runq:
    print(f"broker runnable-but-waiting share of wall time (CPU contention): median {statistics.median(runq):.0%}")

# --- side by side: hotline and the queues a user would reach for ---
SYSTEMS = [  # key, column head, what it is, why its acknowledgment is weaker (None: durable like hotline's)
    ("redis_always", "redis-always", "Redis Streams, AOF with appendfsync always (XADD answered after the fsync)", None),
    ("redis_everysec", "redis-evsec*", "Redis Streams, AOF with appendfsync everysec",
     "acks before the fsync (about 1 s of acknowledged messages can be lost in a crash)"),
    ("rabbitmq", "rabbitmq-qq", "RabbitMQ quorum queues: persistent messages, publisher confirms, manual acks", None),
    ("beanstalkd", "beanstalkd*", "beanstalkd with a binlog fsynced every 50 ms (-f 50)",
     "acks before the fsync (up to 50 ms of acknowledged jobs can be lost in a crash)"),
]
info = {k: {"label": label, "durable_ack": weak is None, "weaker": weak} for k, _, label, weak in SYSTEMS}
if os.path.exists(baselines_path):
    for l in open(baselines_path):
        try: b = json.loads(l)
        except ValueError: continue
        info.setdefault(b["system"], {}).update({k: v for k, v in b.items() if k != "system"})
half, fixed = float(rate), int(lat_fixed)
def cols(hot, mine, bs):  # (fig, key) of hotline, of redis/rabbitmq ({s}: the system), of beanstalkd
    return {"hotline": hot, "beanstalkd": bs,
            **{k: (mine[0].format(s=k), mine[1]) for k, *_ in SYSTEMS if k != "beanstalkd"}}
ROWS = [
    ("intake, 1 per request, 100 in flight", "msgs/s", "higher",
     cols(("intake_single", "tickets_per_s"), ("{s}_in100", "msgs_per_s"), ("bs_put", "jobs_per_s"))),
    ("intake, 1,600 in flight (hotline: 16 batches of 100)", "msgs/s", "higher",
     cols(("intake_batch100", "tickets_per_s"), ("{s}_in1600", "msgs_per_s"), ("bs_put1600", "jobs_per_s"))),
    ("lifecycle, 5 durable stages, 2 workers", "tickets/s", "higher",
     cols(("lifecycle_w2", "tickets_per_s"), ("{s}_life", "tickets_per_s"), ("bs_pipe5", "tickets_per_s"))),
    (f"latency p50 at {fixed:,}/s offered", "ms", "lower",
     cols(("latency_fixed", "p50_ms"), ("{s}_lat_fixed", "p50_ms"), ("bs_lat_fixed", "p50_ms"))),
    (f"latency p99 at {fixed:,}/s offered", "ms", "lower",
     cols(("latency_fixed", "p99_ms"), ("{s}_lat_fixed", "p99_ms"), ("bs_lat_fixed", "p99_ms"))),
    (f"  achieved rate at {fixed:,}/s offered", "msgs/s", "higher",
     cols(("latency_fixed", "achieved_rate"), ("{s}_lat_fixed", "achieved_rate"), ("bs_lat_fixed", "achieved_rate"))),
    (f"latency p50 at {half:,.0f}/s (50% of hotline max)", "ms", "lower",
     cols(("latency", "p50_ms"), ("{s}_lat_half", "p50_ms"), ("bs_lat_half", "p50_ms"))),
    (f"latency p99 at {half:,.0f}/s (50% of hotline max)", "ms", "lower",
     cols(("latency", "p99_ms"), ("{s}_lat_half", "p99_ms"), ("bs_lat_half", "p99_ms"))),
    ("server CPU, intake (batches / 1,600 in flight)", "us/msg", "lower",
     cols(("intake_batch100", "broker_cpu_us_per_ticket"), ("{s}_in1600", "server_cpu_us_per_msg"),
          ("bs_put1600", "server_cpu_us_per_job"))),
    ("server CPU, lifecycle", "us/ticket", "lower",
     cols(("lifecycle_w2", "broker_cpu_us_per_ticket"), ("{s}_life", "server_cpu_us_per_ticket"),
          ("bs_pipe5", "server_cpu_us_per_ticket"))),
]
side = []
for name, unit, better, c in ROWS:
    hot = med(*c["hotline"])
    row = {"figure": name, "unit": unit, "better": better, "hotline": hot, "hotline_run": c["hotline"][0],
           "hotline_reps": reps(*c["hotline"]), "baselines": {}}
    for k, *_ in SYSTEMS:
        v = None if info.get(k, {}).get("error") else med(*c[k])
        row["baselines"][k] = {"value": v, "ratio": hot / v if hot is not None and v else None,
                               "run": c[k][0], "reps": reps(*c[k])}
    side.append(row)

def cell(v, unit):
    if v is None: return "n/a"
    if unit in ("msgs/s", "tickets/s", "us/msg", "us/ticket"): return f"{v:,.0f}"
    return f"{v:,.2f}" if v < 100 else f"{v:,.0f}"
w = max(len(r["figure"]) for r in side)
print()
print("side by side: the same workloads on hotline and on the queues a user would reach for (200-byte messages)")
print(f"{'figure':<{w}} {'unit':>9} {'hotline':>9}" + "".join(f" | {h:>12} {'ratio':>7}" for _, h, *_ in SYSTEMS))
for r in side:
    line = f"{r['figure']:<{w}} {r['unit']:>9} {cell(r['hotline'], r['unit']):>9}"
    for k, *_ in SYSTEMS:
        b = r["baselines"][k]
        ratio = "-" if b["ratio"] is None else f"{b['ratio']:.2f}x"
        line += f" | {cell(b['value'], r['unit']):>12} {ratio:>7}"
    print(line)
print("ratio = hotline / baseline (for ms and us, lower is better: a ratio under 1 favours hotline)")
for k, head, label, weak in SYSTEMS:
    i = info.get(k, {})
    extra = ", ".join(f"{x} {i[x]}" for x in ("version", "startup_s") if i.get(x))
    print(f"  {head:<13} {label}" + (f" [{extra}]" if extra else ""))
    if weak: print(f"  {'':<13} * weaker than hotline's acknowledgment: {weak}")
    if i.get("error"): print(f"  {'':<13} NOT RUN: {i['error']}")
print("  hotline lifecycle: broker + 2 worker processes, batches of 100, 16 in flight; redis/rabbitmq: a feeder and 2 worker")
print("  processes, 1,600 tickets in the system, 300 per read; beanstalkd: one thread per stage, 100 in flight")

# --- hotline's goals against Redis Streams with fsync always, as ratios in this run ---
def with_redis(pred):  # (hotline, redis-always) of the side-by-side row the predicate picks
    r = next((r for r in side if pred(r["figure"])), None)
    return (r["hotline"], r["baselines"]["redis_always"]["value"]) if r else (None, None)
goals = []
def goal(name, unit, pair, wanted, ok):
    hot, base = pair
    ratio = hot / base if hot is not None and base else None
    goals.append({"goal": name, "unit": unit, "hotline": hot, "redis_always": base, "ratio": ratio, "wanted": wanted,
                  "met": None if ratio is None else bool(ok(hot, base, ratio))})
goal("lifecycle, 5 durable stages, 2 workers", "tickets/s", with_redis(lambda f: f.startswith("lifecycle")),
     ">= 1.5x", lambda h, b, r: r >= 1.5)
goal("intake, 1 per request, 100 in flight", "msgs/s", with_redis(lambda f: f.startswith("intake, 1 per")),
     ">= 1.0x", lambda h, b, r: r >= 1.0)
goal("intake, batches, 1,600 in flight", "msgs/s", with_redis(lambda f: f.startswith("intake, 1,600")),
     ">= 2x", lambda h, b, r: r >= 2)
goal("p99 submit->accepted at 50% of hotline's max", "ms",
     with_redis(lambda f: f.startswith("latency p99") and "50%" in f), "<= 2 ms and <= 1.0x", lambda h, b, r: h <= 2 and r <= 1)
goal("broker CPU per lifecycle ticket (Redis: server)", "us/ticket",
     with_redis(lambda f: f == "server CPU, lifecycle"), "<= 1.0x", lambda h, b, r: r <= 1)
print()
print("goals against Redis Streams with appendfsync always (medians of this run; the year end to end,")
print("RSS and report goals are in the first table)")
gw = max(len(g["goal"]) for g in goals)
print(f"{'goal':<{gw}} {'unit':>9} {'hotline':>9} {'redis':>9} {'ratio':>7}  {'wanted':<20} met?")
for g in goals:
    met = "-" if g["met"] is None else ("yes" if g["met"] else "NO")
    ratio = "-" if g["ratio"] is None else f"{g['ratio']:.2f}x"
    print(f"{g['goal']:<{gw}} {g['unit']:>9} {cell(g['hotline'], g['unit']):>9} {cell(g['redis_always'], g['unit']):>9}"
          f" {ratio:>7}  {g['wanted']:<20} {met}")

doc = {"when": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
       "mode": "quick" if quick else "full", "seconds": int(secs), "cpus": int(ncpu), "kernel": kernel,
       "load_average_start": load0, "load_average_end": load1, "latency_rate": float(rate), "demo_store": demo,
       "figures": figures, "baselines": info,
       "side_by_side": {"systems": ["hotline"] + [k for k, *_ in SYSTEMS], "offered_fixed_rate": fixed,
                        "offered_half_rate": half, "body_bytes": 200, "figures": side},
       "goals_vs_redis_always": goals, "runs": rows}
with open(out, "w") as fh:
    json.dump(doc, fh, ensure_ascii=False, indent=1)
print(f"wrote {out}")
