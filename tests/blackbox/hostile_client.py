#!/usr/bin/python3
"""hostile_client: a hostile peer for the hotline broker, written from the
published protocols only (ZeroMQ RFC 7/MDP v0.1, RFC 8/MMI, ZMTP 3.0,
MessagePack) and schemas/wire.md, not from the C code.

  hostile_client.py --connect EP run --pid PID [--rss-limit-mb N]
        [--acked-file F] [--table-file F] [--only SUBSTR]
      sends > 100 distinct malformed or abusive messages (each labelled) over
      DEALER, REQ and raw TCP sockets, while a normal client submits tickets
      before, during and after the abuse and records every acknowledgement.
      Then checks: the broker process (same PID, same start time) is alive,
      a normal submit is still accepted, every acknowledged ticket has a
      state, no rejected ticket was stored, the pipeline settles, and the
      broker's VmRSS (sampled every 50 ms) stayed under the bound.
      Prints one table row per message: label | what came back | check.
  hostile_client.py --connect EP verify --ids FILE
      ticket.status for every id in FILE (one a line): each must have a state.

Exit status 1 if any check failed.
"""
import argparse
import sys
import time

from hostile.base import RunBase
from hostile.common import FINAL_STATES, pk, snippet, ticket
from hostile.input_cases import InputCases
from hostile.load_cases import LoadCases
from hostile.protocol_cases import ProtocolCases


class Run(ProtocolCases, InputCases, LoadCases, RunBase):
    """One hostile run: the case groups (mixins) over the shared bookkeeping."""

    def finish(self):
        a = self.a
        self.case_t0 = time.time()
        # the normal client keeps going for 2 s after the abuse
        time.sleep(2)
        self.normal.stop.set()
        self.normal.join(30)
        for tid in self.normal.acked:
            self.acked.add(tid)
        self.acked.discard(None)

        self.rss.label = "after"
        alive = self.rss.alive()
        self.row("check: broker alive, same PID and start time", "pid %d %s" % (a.pid, "alive" if alive else "GONE"), alive)
        out, obj = self.expect_accept(self.uid("final"))
        self.row("check: a normal submit after the abuse", out, obj is not None, "want accepted")
        code = self.mmi("ticket.submit")
        self.row("check: mmi.service ticket.submit", code, code == "200", "want 200")
        n = self.normal
        self.row("check: the normal client during the abuse",
                 "%d submits, %d acknowledged, %d other %s, %d timeouts (10 s) %s, max latency %.2f s (during '%s')" % (
                     n.sent, len(n.acked), len(n.other), snippet(n.other[:2], 60) if n.other else "",
                     n.timeouts, sorted(set(n.timeout_labels)) if n.timeouts else "", n.max_latency, n.max_label),
                 n.timeouts == 0 and not n.other and len(n.acked) == n.sent and n.sent > 0,
                 "every submit answered accepted within 10 s")

        # settle: sim.status final == tickets (nothing stalled, nothing lost in flight)
        ok, st, waited = settle(self, a.settle_s)
        self.row("check: the pipeline settles (sim.status)", "%s after %.0f s" % (snippet(st, 150), waited), ok,
                 "want final == tickets within %d s" % a.settle_s)

        found = self.statuses(sorted(self.acked))
        missing = [t for t in self.acked if t not in found or not found[t].get("state")]
        states = {}
        for t in self.acked:
            s = found.get(t, {}).get("state")
            states[s] = states.get(s, 0) + 1
        self.row("check: every acknowledged ticket has a state",
                 "%d acknowledged, %d found, %d missing %s; states %s" % (
                     len(self.acked), len(self.acked) - len(missing), len(missing), snippet(missing[:3], 60),
                     snippet(states, 100)), not missing and len(self.acked) > 0)
        stuck = [t for t in sorted(self.acked) if t in found and found[t].get("state") not in FINAL_STATES]
        if stuck:
            desc = ["%s %s (last event %s)" % (t, found[t].get("state"),
                                               (found[t].get("events") or [{}])[-1].get("kind")) for t in stuck[:4]]
            self.row("info: acknowledged tickets not settled", "%d: %s" % (len(stuck), "; ".join(desc)), True)
        unk = self.statuses(self.must_be_unknown)
        stored = [t for t in self.must_be_unknown if t in unk and unk[t].get("state")]
        self.row("check: no rejected ticket was stored",
                 "%d rejected ids queried, %d stored %s" % (len(self.must_be_unknown), len(stored),
                                                            snippet(stored[:3], 60)), not stored)
        self.rss.stop.set()
        self.rss.join(5)
        peak_mb = self.rss.peak_kb / 1024.0
        self.row("check: broker VmRSS bounded",
                 "baseline %.1f MB, peak %.1f MB (during '%s'), final %.1f MB, %d samples; limit %d MB" % (
                     self.rss_base / 1024.0, peak_mb, self.rss.peak_label, self.rss.last_kb / 1024.0,
                     self.rss.samples, a.rss_limit_mb),
                 peak_mb < a.rss_limit_mb and not self.rss.died)
        if a.acked_file:
            with open(a.acked_file, "w") as f:
                for t in sorted(self.acked):
                    f.write(t + "\n")

    def run(self):
        a = self.a
        self.rss.start()
        time.sleep(0.2)
        self.rss_base = self.rss.rss_kb() or 0
        # before: a batch of 200 and the normal client
        pre = [ticket("B-%s-%04d" % (self.tag, i), i) for i in range(200)]
        out, obj = self.submit_raw(pk(pre), wait=30.0)
        acc = sum(1 for r in obj if isinstance(r, dict) and r.get("status") == "accepted") if isinstance(obj, list) else 0
        self.row("normal: a batch of 200 before the abuse", "%d accepted" % acc, acc == 200)
        self.normal.start()
        time.sleep(1.0)
        groups = [self.frame_cases, self.worker_cases, self.body_cases, self.ticket_cases,
                  self.batch_cases, self.service_cases, self.fake_classify_cases, self.volume_cases,
                  self.raw_cases, self.last_cases]
        for g in groups:
            if a.only and a.only not in g.__name__:
                continue
            g()
        post = [ticket("A-%s-%04d" % (self.tag, i), i) for i in range(200)]
        out, obj = self.submit_raw(pk(post), wait=30.0)
        acc = sum(1 for r in obj if isinstance(r, dict) and r.get("status") == "accepted") if isinstance(obj, list) else 0
        self.row("normal: a batch of 200 after the abuse", "%d accepted" % acc, acc == 200)
        self.finish()
        nmsg = sum(1 for r in self.rows if not r[0].startswith(("check:", "normal:")))
        print("\n%d distinct hostile messages/sequences, %d rows, %d failed" % (nmsg, len(self.rows), len(self.failed)))
        if nmsg < 50 and not a.only:
            self.failed.append("fewer than 50 hostile messages (%d)" % nmsg)
        for f in self.failed:
            print("FAILED: " + f)
        if a.table_file:
            with open(a.table_file, "w") as f:
                for r in self.rows:
                    f.write("%s\t%s\t%s\t%s\n" % ("ok" if r[2] else "FAIL", r[0], r[1], r[3]))
        return 1 if self.failed else 0


def settle(r, seconds):
    """Polls sim.status until final == tickets; gives up early when only
    tickets that nobody holds are left (nothing queued, nothing in flight)
    for 5 s. Returns (settled, last status, seconds waited)."""
    t0 = time.time()
    end, st, still = t0 + seconds, None, 0
    while time.time() < end:
        _, st = r.call("sim.status", {})
        if isinstance(st, dict):
            if st.get("tickets") and st.get("final") == st.get("tickets"):
                return True, st, time.time() - t0
            if st.get("queued") == 0 and st.get("inflight") == 0:
                still += 1
                if still >= 10:
                    break
            else:
                still = 0
        time.sleep(0.5)
    return False, st, time.time() - t0


def verify(a):
    ids = [l.strip() for l in open(a.ids) if l.strip()]
    r = Run.__new__(Run)
    r.ep = a.connect
    found = r.statuses(ids)
    missing = [t for t in ids if t not in found or not found[t].get("state")]
    print("verify: %d ids, %d found with a state, %d missing %s" % (len(ids), len(ids) - len(missing), len(missing),
                                                                     snippet(missing[:5], 80)))
    ok = not missing and ids
    if a.settle_s:
        settled, st, waited = settle(r, a.settle_s)
        print("verify: pipeline %s after %.0f s: %s" % ("settled" if settled else "NOT settled", waited, snippet(st, 150)))
        ok = ok and settled
    return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--connect", required=True)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--pid", type=int, required=True)
    r.add_argument("--rss-limit-mb", type=int, default=300)
    r.add_argument("--acked-file")
    r.add_argument("--table-file")
    r.add_argument("--only", default="")
    r.add_argument("--settle-s", type=int, default=120)
    r.add_argument("--silent-s", type=float, default=3.0)
    v = sub.add_parser("verify")
    v.add_argument("--ids", required=True)
    v.add_argument("--settle-s", type=int, default=0)
    a = ap.parse_args()
    if a.cmd == "verify":
        sys.exit(verify(a))
    sys.exit(Run(a).run())


if __name__ == "__main__":
    main()
