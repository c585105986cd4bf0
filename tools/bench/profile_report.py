#!/usr/bin/env python3
"""profile_report.py: turns a profile of the broker into costs per ticket.

scripts/bench --profile runs the lifecycle (2 workers) with the broker under
perf (or callgrind) and calls this with the run directory. It reads the
reports that perf (or callgrind_annotate) wrote there and prints, per
lifecycle ticket: the broker's CPU split by library, by thread, by system
call and by function, with the bytes the broker wrote (WAL frames and
checkpoint copies) and the events it logged. A sample's share of the
broker's CPU, times the broker's CPU per ticket, is its cost per ticket.

Usage: profile_report.py --how perf|callgrind --run DIR --tickets N
       --cpu-us US --wal-bytes B --events E --rate R --load "L1 L5 L15"
"""
import argparse
import os
import re
import sys

AREA = {  # a library's part in the ticket's path, for a reader
    "libsqlite3": "SQLite (statements, B-tree, WAL frames)",
    "[kernel.kallsyms]": "kernel (system calls, page cache, scheduling)",
    "libc": "libc (malloc/free, memcpy, memcmp)",
    "hotline-broker": "broker's own code (routing, rules, codec)",
    "libzmq": "ZeroMQ (sockets, frames)",
    "libmsgpackc": "MessagePack (decoding)",
}
SYSCALL = re.compile(r"^(?:__x64_sys_|__do_sys_|__se_sys_)(\w+)$")
LINE = re.compile(r"^\s+([0-9.]+)%\s+(.*)$")


def area(dso):
    for key, name in AREA.items():
        if dso.startswith(key):
            return name
    return dso


def perf_rows(path):
    """(percent, rest-of-line) of a perf report --stdio -g none."""
    rows = []
    try:
        for line in open(path, encoding="utf-8", errors="replace"):
            if line.startswith("#"):
                continue
            m = LINE.match(line)
            if m:
                rows.append((float(m.group(1)), m.group(2).strip()))
    except OSError:
        pass
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--how", choices=("perf", "callgrind"), required=True)
    ap.add_argument("--run", required=True)
    ap.add_argument("--tickets", type=int, required=True)
    ap.add_argument("--cpu-us", type=float, required=True)
    ap.add_argument("--wal-bytes", type=int, required=True)
    ap.add_argument("--events", type=int, required=True)
    ap.add_argument("--rate", type=float, required=True)
    ap.add_argument("--load", default="")
    a = ap.parse_args()
    if a.tickets <= 0:
        print("profile: no ticket finished; nothing to attribute", file=sys.stderr)
        return 1
    us = a.cpu_us
    out = []
    p = out.append
    p(f"broker profile, lifecycle with 2 workers ({a.how}): {a.tickets} tickets at {a.rate:.0f}/s, "
      f"load average {a.load}")
    p(f"  broker CPU {us:.0f} us per ticket; {a.events / a.tickets:.2f} events logged per ticket; "
      f"{a.wal_bytes} bytes written per ticket (WAL frames and checkpoint copies)")
    if a.how == "perf":
        by = {}
        for pct, rest in perf_rows(os.path.join(a.run, "by_sym.txt")):
            parts = rest.split(None, 1)
            if len(parts) == 2:
                by.setdefault(parts[0], []).append((pct, parts[1]))
        p("")
        p("by library                                         share   us/ticket")
        for dso, rows in sorted(by.items(), key=lambda kv: -sum(r[0] for r in kv[1])):
            share = sum(r[0] for r in rows)
            if share < 0.5:
                continue
            p(f"  {area(dso):<48} {share:5.1f}%  {share * us / 100:8.1f}")
        p("")
        p("by thread                                          share   us/ticket")
        for pct, comm in perf_rows(os.path.join(a.run, "by_thread.txt")):
            label = {"hotline-broker": "main loop (routing, rules, SQLite statements)",
                     "hl-wal-sync": "WAL fdatasync thread (store_sync)",
                     "hl-checkpoint": "checkpoint thread (store_sync)"}.get(comm, comm)
            if comm.startswith("ZMQbg/IO"):
                label = "ZeroMQ I/O thread (" + comm + ")"
            if pct >= 0.5:
                p(f"  {label:<48} {pct:5.1f}%  {pct * us / 100:8.1f}")
        p("")
        p("by system call (kernel time, with what it calls)   share   us/ticket")
        calls = []
        for pct, rest in perf_rows(os.path.join(a.run, "by_sym_children.txt")):
            # children mode: "CHILDREN% SELF% [k] name"
            m = re.match(r"([0-9.]+)%\s+\[k\]\s+(\S+)", rest)
            if m:
                s = SYSCALL.match(m.group(2))
                if s:
                    calls.append((pct, s.group(1)))
        seen = set()
        for pct, name in sorted(calls, reverse=True):
            if name in seen or pct < 0.5:
                continue
            seen.add(name)
            p(f"  {name:<48} {pct:5.1f}%  {pct * us / 100:8.1f}")
        p("")
        p("top functions (self time)                          share   us/ticket")
        flat = sorted(((pct, dso, sym) for dso, rows in by.items() for pct, sym in rows), reverse=True)
        for pct, dso, sym in flat[:25]:
            sym = re.sub(r"^\[[k.]\]\s+", "", sym).split()[0] if sym else sym
            p(f"  {sym[:36]:<36} {dso[:11]:<11} {pct:5.1f}%  {pct * us / 100:8.1f}")
    else:
        # Instructions, not time: under callgrind the broker runs ~50x
        # slower, so its CPU per ticket means nothing; the shares still rank
        # the costs. The totals include start-up (loading the knowledge
        # base) and the warm-up.
        total, rows = None, []
        try:
            for line in open(os.path.join(a.run, "callgrind.txt"), encoding="utf-8", errors="replace"):
                m = re.match(r"^\s*([\d,]+)\s+\(\s*[0-9.]+%\)\s+(.*)$", line)
                if not m:
                    continue
                ir = int(m.group(1).replace(",", ""))
                if "PROGRAM TOTALS" in m.group(2):
                    total = ir
                    continue
                f = re.match(r"^(?:\S*?:)?(\S+)\s+\[(.*)\]$", m.group(2).strip())
                fn, obj = (f.group(1), os.path.basename(f.group(2))) if f else (m.group(2).strip(), "?")
                rows.append((ir, fn, obj))
        except OSError:
            pass
        if not total:
            print("profile: callgrind wrote no totals", file=sys.stderr)
            return 1
        p("  (callgrind: instructions, not time; the broker ran ~50x slower, so its CPU per ticket above is not a")
        p("   figure; shares include start-up and the warm-up)")
        libs = {}
        for ir, fn, obj in rows:
            key = re.sub(r"\.so.*$", "", obj)
            libs[key] = libs.get(key, 0) + ir
        p("")
        p("by library (instructions)                          share")
        for key, ir in sorted(libs.items(), key=lambda kv: -kv[1]):
            if 100.0 * ir / total >= 0.5:
                p(f"  {area(key):<48} {100.0 * ir / total:5.1f}%")
        p("")
        p("top functions (instructions, self)                 share")
        for ir, fn, obj in rows[:25]:
            p(f"  {fn[:36]:<36} {obj[:11]:<11} {100.0 * ir / total:5.1f}%")
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
