"""hostile.base: the run's bookkeeping (one row per hostile message, the ids
acknowledged and those that must stay unknown), the raw send helpers and
the expectation shortcuts that the case groups use, and ticket.status for
many ids at once."""
import random
import time

from hostile.common import (DROP_WAIT, MDPC, NormalClient, RssSampler, dealer, describe_client, pk,
                            recv_frames, snippet, ticket)


class RunBase:
    def __init__(self, a):
        self.a = a
        self.ep = a.connect
        self.tag = "%06x" % random.randrange(1 << 24)
        self.rows = []          # (label, outcome, ok, note)
        self.acked = set()      # every id the broker answered accepted/duplicate
        self.must_be_unknown = []   # ids of tickets that were rejected
        self.failed = []
        self.rss = RssSampler(a.pid)
        self.normal = NormalClient(self.ep, self.tag, label_fn=lambda: self.rss.label)
        self.seq = 0
        self.case_t0 = time.time()

    # --- helpers -----------------------------------------------------------
    def row(self, label, outcome, ok=True, note=""):
        self.rows.append((label, outcome, ok, note))
        mark = "ok" if ok else "FAIL"
        dt = time.time() - self.case_t0
        print("%-4s | %-58s | %5.1fs | %s%s" % (mark, label[:58], dt, outcome, ("  [" + note + "]") if note else ""),
              flush=True)
        if not ok:
            self.failed.append("%s: %s %s" % (label, outcome, note))

    def uid(self, what):
        self.seq += 1
        return "H-%s-%03d-%s" % (self.tag, self.seq, what)[:64]

    def note_replies(self, obj):
        """Remember every accepted/duplicate id in a ticket.submit reply."""
        items = obj if isinstance(obj, list) else [obj]
        acc = 0
        for r in items:
            if isinstance(r, dict) and r.get("status") in ("accepted", "duplicate") and isinstance(r.get("id"), str):
                self.acked.add(r["id"])
                acc += r.get("status") == "accepted"
        return acc

    def client(self, frames, wait=DROP_WAIT):
        """Sends raw frames from a fresh DEALER; returns (outcome, decoded)."""
        s = dealer(self.ep)
        try:
            s.send_multipart(frames)
            out, obj = describe_client(recv_frames(s, wait))
        finally:
            s.close()
        return out, obj

    def submit_raw(self, body, wait=10.0):
        out, obj = self.client([b"", MDPC, b"ticket.submit", body], wait)
        if obj is not None:
            self.note_replies(obj)
        return out, obj

    def call(self, service, obj, wait=10.0):
        return self.client([b"", MDPC, service.encode(), pk(obj)], wait)

    @staticmethod
    def is_rejected(obj):
        return isinstance(obj, dict) and obj.get("status") == "rejected" and bool(obj.get("error"))

    def case(self, label, fn):
        self.case_t0 = time.time()
        self.rss.label = label
        self.rss.case_peak_kb = 0
        try:
            fn(label)
        except Exception as e:  # noqa: BLE001
            self.row(label, "test error %s: %s" % (type(e).__name__, snippet(str(e))), False)

    # --- expectation shortcuts ------------------------------------------------
    def expect_rejected_body(self, label, body):
        out, obj = self.submit_raw(body)
        self.row(label, out, self.is_rejected(obj), "want {status: rejected, error}")

    def expect_rejected_ticket(self, label, t, raw=None):
        if isinstance(t, dict) and isinstance(t.get("id"), str) and 1 <= len(t["id"].encode()) <= 64:
            self.must_be_unknown.append(t["id"])
        out, obj = self.submit_raw(raw if raw is not None else pk(t))
        self.row(label, out, self.is_rejected(obj), "want rejected + error")

    def expect_any_client(self, label, frames, wait=DROP_WAIT):
        out, obj = self.client(frames, wait)
        if isinstance(obj, (dict, list)):
            self.note_replies(obj)
        self.row(label, out, True)

    def expect_accept(self, tid):
        out, obj = self.call("ticket.submit", ticket(tid))
        if isinstance(obj, dict):
            self.note_replies(obj)
        return out, (obj if isinstance(obj, dict) and obj.get("status") == "accepted" else None)

    def mmi(self, name, body=None, wait=5.0):
        out, obj = self.client([b"", MDPC, b"mmi.service", name.encode() if body is None else body], wait)
        return obj if isinstance(obj, str) else out

    def mmi_probe(self, service, body, want):
        out, obj = self.client([b"", MDPC, service.encode(), (body or "").encode()], 5.0)
        return out, (obj if obj == want else None)

    def kb_probe(self):
        out, obj = self.call("kb.list", {"limit": 1}, 5.0)
        return ("reply kb.list rev=%s" % obj.get("rev") if isinstance(obj, dict) else out), \
            (obj if isinstance(obj, dict) and "entries" in obj else None)

    def status_probe(self, tid):
        out, obj = self.call("ticket.status", {"id": tid}, 5.0)
        return out[:60], (obj if isinstance(obj, dict) and obj.get("state") else None)

    # --- the checks at the end --------------------------------------------
    def statuses(self, ids, timeout_s=120.0):
        """ticket.status for ids, pipelined on one DEALER; returns {id: reply}."""
        s = dealer(self.ep)
        out, pending, i = {}, 0, 0
        ids = list(ids)
        end = time.time() + timeout_s
        try:
            while (i < len(ids) or pending) and time.time() < end:
                while i < len(ids) and pending < 200:
                    s.send_multipart([b"", MDPC, b"ticket.status", pk({"id": ids[i]})])
                    i += 1
                    pending += 1
                fr = recv_frames(s, 10.0)
                if fr is None:
                    break
                pending -= 1
                _, obj = describe_client(fr)
                if isinstance(obj, dict) and isinstance(obj.get("id"), str):
                    out[obj["id"]] = obj
        finally:
            s.close()
        return out
