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
import argparse, os, random, socket, struct, sys, threading, time
import msgpack, zmq
import zmq.utils.monitor  # noqa: F401

MDPC, MDPW = b"MDPC01", b"MDPW01"
READY, REQUEST, REPLY, HEARTBEAT, DISCONNECT = b"\x01", b"\x02", b"\x03", b"\x04", b"\x05"
CMD = {READY: "READY", REQUEST: "REQUEST", REPLY: "REPLY", HEARTBEAT: "HEARTBEAT",
       DISCONNECT: "DISCONNECT"}
T2022 = 1640966400
INTERNAL = b"\0hotline"
FINAL_STATES = {"DONE", "ANSWERED", "PRAISE"}
DROP_WAIT = 1.0          # seconds to wait for an answer the protocol may not give
CTX = zmq.Context.instance()


def pk(obj):
    return msgpack.packb(obj, use_bin_type=True)


def unpk(b):
    return msgpack.unpackb(b, raw=False, strict_map_key=False)


def snippet(x, n=90):
    s = repr(x) if not isinstance(x, str) else x
    s = s.replace("\n", " ")
    return s if len(s) <= n else s[:n - 3] + "..."


def ticket(tid, i=0, **kw):
    t = {"id": tid, "received_at": T2022 + 3600 + (i % 100000) * 31, "type": "help",
         "text": "金霞街道某路段路灯不亮，已经三天了，请尽快处理。(%s)" % tid, "street": "jinxia"}
    t.update(kw)
    return t


# ------------------------------------------------------------- observers

class RssSampler(threading.Thread):
    """VmRSS of the broker every 50 ms; remembers the peak and when it happened."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.stop = pid, threading.Event()
        self.start_time = self.starttime()
        self.peak_kb, self.peak_label, self.samples, self.last_kb = 0, "", 0, 0
        self.label = "start"
        self.case_peak_kb = 0
        self.died = False

    def starttime(self):
        try:
            with open("/proc/%d/stat" % self.pid) as f:
                return f.read().rsplit(")", 1)[1].split()[19]
        except OSError:
            return None

    def rss_kb(self):
        try:
            with open("/proc/%d/status" % self.pid) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except OSError:
            pass
        return None

    def alive(self):
        st = self.starttime()
        return st is not None and st == self.start_time

    def run(self):
        while not self.stop.is_set():
            kb = self.rss_kb()
            if kb is None:
                self.died = True
            else:
                self.samples += 1
                self.last_kb = kb
                if kb > self.peak_kb:
                    self.peak_kb, self.peak_label = kb, self.label
                if kb > self.case_peak_kb:
                    self.case_peak_kb = kb
            time.sleep(0.05)


class NormalClient(threading.Thread):
    """A well-behaved client: one ticket.submit every 200 ms over REQ (lazy
    pirate: a 10 s timeout, then a new socket and the same ticket again)."""

    def __init__(self, ep, run_tag, timeout_ms=10000, label_fn=lambda: ""):
        super().__init__(daemon=True)
        self.ep, self.tag, self.timeout_ms = ep, run_tag, timeout_ms
        self.label_fn = label_fn
        self.max_label, self.timeout_labels = "", []
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.acked, self.timeouts, self.other, self.sent = [], 0, [], 0
        self.max_latency = 0.0
        self.n = 0

    def submit_one(self, tid, i):
        body = pk(ticket(tid, i))
        for attempt in range(3):
            s = CTX.socket(zmq.REQ)
            s.setsockopt(zmq.LINGER, 0)
            s.connect(self.ep)
            t0 = time.time()
            s.send_multipart([MDPC, b"ticket.submit", body])
            ok = s.poll(self.timeout_ms, zmq.POLLIN)
            dt = time.time() - t0
            if ok:
                fr = s.recv_multipart()
                s.close()
                with self.lock:
                    if dt > self.max_latency:
                        self.max_latency, self.max_label = dt, self.label_fn()
                try:
                    r = unpk(fr[2])
                    st = r.get("status")
                except Exception as e:  # noqa: BLE001
                    st = "undecodable: %s" % e
                with self.lock:
                    if st in ("accepted", "duplicate"):
                        self.acked.append(tid)
                    else:
                        self.other.append((tid, st))
                return st
            s.close()
            with self.lock:
                self.timeouts += 1
                self.timeout_labels.append(self.label_fn())
        return "timeout"

    def run(self):
        end = time.time() + 900
        while not self.stop.is_set() and time.time() < end:
            self.n += 1
            self.submit_one("N-%s-%05d" % (self.tag, self.n), self.n)
            self.sent += 1
            self.stop.wait(0.2)


# ------------------------------------------------------------- sockets

def dealer(ep, identity=None):
    s = CTX.socket(zmq.DEALER)
    s.setsockopt(zmq.LINGER, 0)
    s.setsockopt(zmq.SNDTIMEO, 5000)
    if identity:
        s.setsockopt(zmq.ROUTING_ID, identity)
    s.connect(ep)
    return s


def recv_frames(s, wait):
    if s.poll(int(wait * 1000), zmq.POLLIN):
        return s.recv_multipart()
    return None


def describe_client(frames):
    """What came back to a client-side DEALER ("" | MDPC01 | service | body)."""
    if frames is None:
        return "timeout", None
    if frames and frames[0] == b"":
        frames = frames[1:]
    if len(frames) != 3 or frames[0] != MDPC:
        return "malformed reply %s" % snippet(frames[:4]), None
    body = frames[2]
    try:
        obj = unpk(body)
        if isinstance(obj, dict) and "error" in obj:
            return "reply %s" % snippet("{%s}" % ", ".join("%s: %s" % (k, v) for k, v in obj.items()), 110), obj
        return "reply %s" % snippet(obj), obj
    except Exception:  # noqa: BLE001
        txt = body.decode("utf-8", "replace")
        return "reply %s" % snippet(txt), txt


class Fake:
    """A fake MDP worker on a DEALER socket."""

    def __init__(self, ep):
        self.s = dealer(ep)
        self.hb = 0

    def send(self, *frames):
        self.s.send_multipart([b""] + [f if isinstance(f, bytes) else f.encode() for f in frames])

    def recv(self, wait=DROP_WAIT, skip_hb=True):
        """Next worker command (name, rest) that is not a HEARTBEAT, or None."""
        end = time.time() + wait
        while True:
            left = end - time.time()
            if left <= 0:
                return None
            fr = recv_frames(self.s, left)
            if fr is None:
                return None
            if fr and fr[0] == b"":
                fr = fr[1:]
            if len(fr) < 2 or fr[0] != MDPW:
                return ("?%s" % snippet(fr[:3]), fr)
            name = CMD.get(fr[1], "cmd %r" % fr[1])
            if name == "HEARTBEAT" and skip_hb:
                self.hb += 1
                continue
            return (name, fr[2:])

    def close(self):
        self.s.close()


def outcome_worker(r):
    if r is None:
        return "dropped (no answer in %.1f s)" % DROP_WAIT
    name, rest = r
    if name == "REQUEST":
        return "REQUEST (client %r)" % rest[0][:16]
    return name


# ------------------------------------------------------------- the run

class Run:
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

    # --- the cases ------------------------------------------------------------
    def frame_cases(self):
        svc = b"ticket.submit"
        cases = [
            ("client: wrong header MDPC02", lambda b: [b"", b"MDPC02", svc, b]),
            ("client: wrong header MDPX01", lambda b: [b"", b"MDPX01", svc, b]),
            ("client: empty protocol frame", lambda b: [b"", b"", svc, b]),
            ("client: lowercase header mdpc01", lambda b: [b"", b"mdpc01", svc, b]),
            ("client: header only (no service, no body)", lambda b: [b"", MDPC]),
            ("client: missing body", lambda b: [b"", MDPC, svc]),
            ("client: empty service frame", lambda b: [b"", MDPC, b"", b]),
            ("client: one extra frame", lambda b: [b"", MDPC, svc, b, b"extra"]),
            ("client: 20 frames", lambda b: [b"", MDPC, svc] + [b] * 17),
            ("client: 1000 frames", lambda b: [b"", MDPC, svc, b] + [b"x"] * 996),
            ("client: a single empty frame", lambda b: [b""]),
            ("client: no empty delimiter", lambda b: [MDPC, svc, b]),
            ("client: non-empty delimiter frame", lambda b: [b"junk", MDPC, svc, b]),
            ("client: 10 KiB service name", lambda b: [b"", MDPC, b"s" * 10240, b]),
            ("client: service name with NUL and 0xff", lambda b: [b"", MDPC, b"tic\0ket\xff", b]),
            ("client: 1 MiB single frame of zeros", lambda b: [b"\0" * (1 << 20)]),
            ("client: MDPW01 header with client frames", lambda b: [b"", MDPW, svc, b]),
        ]
        for label, mk in cases:
            tid = self.uid("fr")
            self.case(label, lambda l, f=mk(pk(ticket(tid))), t=tid: self.frame_case(l, f, t))

        def req_case(label, frames):
            s = CTX.socket(zmq.REQ)
            s.setsockopt(zmq.LINGER, 0)
            s.connect(self.ep)
            try:
                s.send_multipart(frames)
                out, obj = describe_client(recv_frames(s, DROP_WAIT))
            finally:
                s.close()
            self.row(label, out, True)
        self.case("REQ socket: READY as a worker", lambda l: req_case(l, [MDPW, READY, b"hostile.req"]))
        self.case("REQ socket: 5 frames after the header",
                  lambda l: req_case(l, [MDPC, b"ticket.status", pk({"id": "x"}), b"a", b"b"]))

    def frame_case(self, label, frames, tid):
        out, obj = self.client(frames)
        if isinstance(obj, (dict, list)):
            self.note_replies(obj)
        _, st = self.call("ticket.status", {"id": tid})
        stored = isinstance(st, dict) and bool(st.get("state"))
        if stored:
            self.acked.add(tid)
        self.row(label, out + ("; ticket STORED" if stored else "; not stored"), not stored,
                 "a malformed frame sequence must not store a ticket")

    def check_unknown(self, label, tid):
        out, obj = self.call("ticket.status", {"id": tid})
        ok = isinstance(obj, dict) and obj.get("error") == "unknown id"
        self.row(label, out, ok, "want unknown id")

    def worker_cases(self):
        # commands from peers that never said READY
        def unready(label, frames, want_disconnect):
            f = Fake(self.ep)
            try:
                f.send(*frames)
                r = f.recv()
            finally:
                f.close()
            out = outcome_worker(r)
            ok = (r is not None and r[0] == "DISCONNECT") if want_disconnect else \
                (r is None or r[0] == "DISCONNECT")
            self.row(label, out, ok, "want DISCONNECT" if want_disconnect else "want DISCONNECT or dropped")

        self.case("worker: command 0x00", lambda l: unready(l, [MDPW, b"\x00"], False))
        self.case("worker: command 0x06", lambda l: unready(l, [MDPW, b"\x06"], False))
        self.case("worker: command 0xff", lambda l: unready(l, [MDPW, b"\xff", b"x"], False))
        self.case("worker: 2-byte command 0x01 0x01", lambda l: unready(l, [MDPW, b"\x01\x01", b"classify"], False))
        self.case("worker: empty command frame", lambda l: unready(l, [MDPW, b""], False))
        self.case("worker: header only, no command", lambda l: unready(l, [MDPW], False))
        self.case("worker: REQUEST (0x02) sent to the broker", lambda l: unready(l, [MDPW, REQUEST, b"c", b"", pk({})], False))
        self.case("worker: REPLY from a never-READY peer",
                  lambda l: unready(l, [MDPW, REPLY, b"\0\x80\0\0\x29", b"", pk({"x": 1})], True))
        self.case("worker: HEARTBEAT from an unknown peer", lambda l: unready(l, [MDPW, HEARTBEAT], True))
        self.case("worker: DISCONNECT from an unknown peer", lambda l: unready(l, [MDPW, DISCONNECT], False))
        self.case("worker: REPLY to \\0hotline from a never-READY peer",
                  lambda l: unready(l, [MDPW, REPLY, INTERNAL, b"", pk({"v": 1, "items": []})], True))
        self.case("worker: READY without a service frame", lambda l: unready(l, [MDPW, READY], False))
        self.case("worker: READY with an empty service", lambda l: unready(l, [MDPW, READY, b""], False))

        # READY for names a worker must not take over
        def hijack(label, service, probe):
            f = Fake(self.ep)
            try:
                f.send(MDPW, READY, service)
                r = f.recv()
                pout, pobj = probe()
                r2 = r if r is not None else f.recv(0.3)
            finally:
                f.close()
            good = pobj is not None and not (isinstance(pobj, str) and pobj.startswith("timeout"))
            ok = (r2 is None or r2[0] == "DISCONNECT") and good
            self.row(label, "%s; then %s" % (outcome_worker(r2), pout), ok,
                     "the broker keeps serving %s itself" % service.decode())

        tid = self.uid("hijack")
        self.case("worker: READY ticket.submit (built-in)",
                  lambda l: hijack(l, b"ticket.submit", lambda: self.expect_accept(tid)))
        self.case("worker: READY mmi.x",
                  lambda l: hijack(l, b"mmi.x", lambda: self.mmi_probe("mmi.x", None, "501")))
        self.case("worker: READY mmi.service",
                  lambda l: hijack(l, b"mmi.service", lambda: self.mmi_probe("mmi.service", "ticket.submit", "200")))
        self.case("worker: READY kb.list",
                  lambda l: hijack(l, b"kb.list", lambda: self.kb_probe()))
        self.case("worker: READY ticket.status",
                  lambda l: hijack(l, b"ticket.status", lambda: self.status_probe(tid)))

        def ready_extra(label):
            f = Fake(self.ep)
            try:
                f.send(MDPW, READY, b"hostile.extra", b"x", b"y")
                r = f.recv()
                code = self.mmi("hostile.extra")
            finally:
                f.close()
            self.row(label, "%s; mmi.service hostile.extra -> %s" % (outcome_worker(r), code), True)
        self.case("worker: READY with 2 extra frames", ready_extra)

        def ready_long(label):
            f = Fake(self.ep)
            try:
                f.send(MDPW, READY, b"w" * 65536)
                r = f.recv()
            finally:
                f.close()
            self.row(label, outcome_worker(r), True)
        self.case("worker: READY with a 64 KiB service name", ready_long)

        def second_ready(label, other):
            f = Fake(self.ep)
            try:
                f.send(MDPW, READY, b"hostile.twice")
                r1 = f.recv(0.3)
                f.send(MDPW, READY, other)
                r2 = f.recv()
            finally:
                f.close()
            self.row(label, "first %s, second %s" % (outcome_worker(r1) if r1 else "silent",
                                                    outcome_worker(r2)), True)
        self.case("worker: second READY, same service", lambda l: second_ready(l, b"hostile.twice"))
        self.case("worker: second READY, another service", lambda l: second_ready(l, b"hostile.other"))

        # a registered fake worker sending forged replies
        def registered(label, frames_list, expect_alive=None):
            f = Fake(self.ep)
            try:
                f.send(MDPW, READY, b"hostile.fake")
                r = f.recv(0.3)
                for frames in frames_list:
                    f.send(*frames)
                r = f.recv()
            finally:
                f.close()
            self.row(label, outcome_worker(r), True)

        self.case("fake worker: REPLY to a bogus client address",
                  lambda l: registered(l, [[MDPW, REPLY, b"\0\x80\0\0\x01", b"", pk({"x": 1})]]))
        self.case("fake worker: REPLY to an empty client address",
                  lambda l: registered(l, [[MDPW, REPLY, b"", b"", pk({"x": 1})]]))
        self.case("fake worker: REPLY without client and body",
                  lambda l: registered(l, [[MDPW, REPLY]]))
        self.case("fake worker: REPLY with 3 extra frames",
                  lambda l: registered(l, [[MDPW, REPLY, INTERNAL, b"", pk({}), b"a", b"b", b"c"]]))
        self.case("fake worker: REPLY \\0hotline, body not msgpack",
                  lambda l: registered(l, [[MDPW, REPLY, INTERNAL, b"", b"\xc1\xc1\xc1"]]))
        self.case("fake worker: REPLY \\0hotline, wire v 2",
                  lambda l: registered(l, [[MDPW, REPLY, INTERNAL, b"", pk({"v": 2, "items": []})]]))
        self.case("fake worker: REPLY \\0hotline, items not an array",
                  lambda l: registered(l, [[MDPW, REPLY, INTERNAL, b"", pk({"v": 1, "items": {"a": 1}})]]))
        self.case("fake worker: REPLY 10 MiB body to a bogus client",
                  lambda l: registered(l, [[MDPW, REPLY, b"\0\x80\0\0\x02", b"", b"\xa0" * (10 << 20)]]))
        self.case("fake worker: 10,000 HEARTBEATs in a burst",
                  lambda l: registered(l, [[MDPW, HEARTBEAT]] * 10000))
        self.case("fake worker: forged stage results for a settled ticket", self.forged_results)

    def forged_results(self, label):
        """A fake worker (never sent any batch) sends REPLY \\0hotline with
        results for a ticket that has settled: every stage, delivery tokens
        0..9. The ticket's event log must not change."""
        tid = None
        with self.normal.lock:
            cand = list(self.normal.acked[:10])
        cand += sorted(self.acked)[:10]
        for c in cand:
            out, obj = self.call("ticket.status", {"id": c})
            if isinstance(obj, dict) and obj.get("state") in FINAL_STATES:
                tid, before = c, obj
                break
        if tid is None:
            self.row(label, "no settled ticket to forge against yet", True)
            return
        items = []
        for dlv in range(10):
            items += [
                {"id": tid, "dlv": dlv, "cat": "utility", "unit": "unit.chengguan", "alt": [], "kb": None, "at": T2022},
                {"id": tid, "dlv": dlv, "unit": "unit.chengguan", "at": T2022, "sign_due": T2022, "close_due": T2022},
                {"id": tid, "dlv": dlv, "outcome": "returned", "at": T2022},
                {"id": tid, "dlv": dlv, "rating": 1, "at": T2022, "dflt": False},
                {"id": tid, "dlv": dlv, "contact_at": T2022, "at": T2022, "due": T2022},
            ]
        f = Fake(self.ep)
        try:
            f.send(MDPW, READY, b"classify")
            f.recv(0.2)
            f.send(MDPW, REPLY, INTERNAL, b"", pk({"v": 1, "items": items}))
            r = f.recv(0.5)
            f.send(MDPW, DISCONNECT)
        finally:
            f.close()
        time.sleep(0.3)
        out, after = self.call("ticket.status", {"id": tid})
        same = isinstance(after, dict) and after.get("events") == before.get("events") and \
            after.get("state") == before.get("state")
        self.row(label, "%s; %s events before, %s after" % (
            outcome_worker(r) if r else "no answer", len(before.get("events", [])),
            len(after.get("events", [])) if isinstance(after, dict) else "?"), same,
            "the event log must not change")

    def fake_classify_cases(self):
        """Fake classify workers that take real stage batches (competing with
        the real worker) and answer them in hostile ways. Every ticket in
        those batches is acknowledged; the final checks require that each
        one still settles."""
        def take_batch(f, tid_prefix, wait=6.0):
            """Submits tickets (normal path) until f receives a REQUEST."""
            end = time.time() + wait
            k = 0
            while time.time() < end:
                # enough tickets for several stage batches (the broker's default batch is 64)
                self.submit_raw(pk([ticket("%s-%d" % (tid_prefix, k + j), k + j) for j in range(130)]), wait=30.0)
                k += 130
                r = f.recv(0.5)
                if r and r[0] == "REQUEST" and len(r[1]) >= 3:
                    return r[1]
            return None

        def fake(label, respond, check=None, note=""):
            """respond(client, items) -> list of REPLY frame lists."""
            f = Fake(self.ep)
            try:
                f.send(MDPW, READY, b"classify")
                req = take_batch(f, self.uid("fk"))
                if req is None:
                    self.row(label, "the fake classifier got no batch in 6 s (the real one took them)", True)
                    return
                client, batch = req[0], unpk(req[2])
                items = batch.get("items", []) if isinstance(batch, dict) else []
                for it in items:
                    self.acked.add(it.get("id"))
                for frames in respond(client, items):
                    f.send(*frames)
                r = f.recv(0.5)
                f.send(MDPW, DISCONNECT)
            finally:
                f.close()
            ok, more = check(items) if check else (True, "")
            self.row(label, "batch of %d item(s) to %r; then %s%s" % (
                len(items), client[:10], outcome_worker(r) if r else "no answer", more), ok, note)

        def rep(client, body):
            return [MDPW, REPLY, client, b"", body]

        def no_garbage(items):
            bad = []
            for it in items:
                _, st = self.call("ticket.status", {"id": it.get("id")})
                if not isinstance(st, dict) or st.get("category") in (12345, "X" * 5000) or \
                        isinstance(st.get("unit"), list) or st.get("unit") == "unit.nowhere":
                    bad.append(it.get("id"))
            return not bad, "; hostile values stored for %d" % len(bad)

        self.case("fake classify: wrong-typed result fields", lambda l: fake(
            l, lambda c, its: [rep(c, pk({"v": 1, "items": [
                {"id": it.get("id"), "dlv": it.get("dlv"), "cat": 12345, "unit": ["x"], "alt": {"a": 1},
                 "kb": -1, "at": float("nan")} for it in its]}))], no_garbage, "must not be applied"))
        self.case("fake classify: hostile values (at 2^63-1, unknown unit, 5 KB cat)", lambda l: fake(
            l, lambda c, its: [rep(c, pk({"v": 1, "items": [
                {"id": it.get("id"), "dlv": it.get("dlv"), "cat": "X" * 5000, "unit": "unit.nowhere",
                 "alt": ["unit.nowhere"] * 100, "kb": "KB-none", "at": (1 << 63) - 1} for it in its]}))],
            no_garbage, "must not be applied"))
        self.case("fake classify: batch answered with a non-msgpack body", lambda l: fake(
            l, lambda c, its: [rep(c, b"\xc1 not msgpack")]))
        self.case("fake classify: batch answered with items not an array", lambda l: fake(
            l, lambda c, its: [rep(c, pk({"v": 1, "items": "none"}))]))
        self.case("fake classify: batch answered with an empty items array", lambda l: fake(
            l, lambda c, its: [rep(c, pk({"v": 1, "items": []}))]))
        self.case("fake classify: batch answered with 1000 foreign ids", lambda l: fake(
            l, lambda c, its: [rep(c, pk({"v": 1, "items": [
                {"id": "H-never-%d" % i, "dlv": i, "cat": "utility", "unit": "unit.chengguan", "alt": [],
                 "kb": None, "at": T2022} for i in range(1000)]}))]))

        def once(items):
            n = []
            for it in items:
                _, st = self.call("ticket.status", {"id": it.get("id")})
                evs = st.get("events", []) if isinstance(st, dict) else []
                n.append(sum(1 for e in evs if e.get("kind") == "classified"))
            return all(x <= 1 for x in n), "; 'classified' events per ticket %s" % n[:5]
        self.case("fake classify: a well-formed result sent 3 times", lambda l: fake(
            l, lambda c, its: [rep(c, pk({"v": 1, "items": [
                {"id": it.get("id"), "dlv": it.get("dlv"), "cat": "utility", "unit": "unit.gongyong", "alt": None,
                 "kb": None, "at": it.get("at")} for it in its]}))] * 3, once, "applied at most once"))

        def silent(label):
            f = Fake(self.ep)
            try:
                f.send(MDPW, READY, b"classify")
                req = take_batch(f, self.uid("fs"))
                if req is None:
                    self.row(label, "the fake classifier got no batch in 6 s", True)
                    return
                batch = unpk(req[2])
                ids = [it.get("id") for it in batch.get("items", [])]
                for tid in ids:
                    self.acked.add(tid)
                # go silent (no heartbeat, no reply), socket open, until expiry
                time.sleep(self.a.silent_s)
            finally:
                f.close()
            self.row(label, "held a batch of %d item(s) for %.1f s, then vanished" % (len(ids), self.a.silent_s),
                     True, "checked at the end: those tickets settle")
        self.case("fake classify: takes a real batch and goes silent", silent)

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

    def body_cases(self):
        t = lambda what: ticket(self.uid(what))  # noqa: E731
        valid = pk(t("trunc"))
        good_map = pk(t("trail"))
        B = self.expect_rejected_body
        cases = [
            ("body: plain text, not msgpack", b"hello, this is not msgpack"),
            ("body: JSON text", b'{"id": "x", "type": "help"}'),
            ("body: empty", b""),
            ("body: truncated ticket map", valid[:len(valid) // 2]),
            ("body: str8 claiming 200 bytes, 3 present", b"\xd9\xc8abc"),
            ("body: reserved byte 0xc1 alone", b"\xc1"),
            ("body: 0xc1 as a map value", b"\x81\xa2id\xc1"),
            ("body: fixext1", b"\xd4\x01\x00"),
            ("body: ext8 type 5", b"\xc7\x03\x05abc"),
            ("body: timestamp ext -1", b"\xd6\xff\x00\x00\x00\x00"),
            ("body: ext32 claiming 4 GiB", b"\xc9\xff\xff\xff\xff\x01"),
            ("body: array32 claiming 2^32-1 elements", b"\xdd\xff\xff\xff\xff"),
            ("body: array32 2^32-1 + 16 nils", b"\xdd\xff\xff\xff\xff" + b"\xc0" * 16),
            ("body: map32 claiming 2^32-1 pairs", b"\xdf\xff\xff\xff\xff\xa1a\xc0"),
            ("body: map16 claiming 65535 pairs", b"\xde\xff\xff\xa1a\xc0"),
            ("body: str32 claiming 2^32-1 bytes", b"\xdb\xff\xff\xff\xffabc"),
            ("body: bin32 claiming 2^32-1 bytes", b"\xc6\xff\xff\xff\xffabc"),
            ("body: arrays nested 1000 deep", b"\x91" * 1000 + b"\xc0"),
            ("body: arrays nested 1,000,000 deep", b"\x91" * 1000000 + b"\xc0"),
            ("body: maps nested 1000 deep", b"\x81\xa1a" * 1000 + b"\xc0"),
            ("body: ticket nested 9 deep", pk([[[[[[[[t("deep9")]]]]]]]])),
            ("body: a 10 MiB string", b"\xdb" + struct.pack(">I", 10 << 20) + b"a" * (10 << 20)),
            ("body: a 2 MiB bin", b"\xc6" + struct.pack(">I", 2 << 20) + b"\0" * (2 << 20)),
            ("body: 60 MiB of 0xc1 (under ZMQ_MAXMSGSIZE)", b"\xc1" * (60 << 20)),
            ("body: invalid UTF-8 as map key", b"\x81\xa2\xff\xfe\xc0"),
            ("body: int map key", b"\x81\x01\xa1x"),
            ("body: nil map key", b"\x81\xc0\xa1x"),
            ("body: array map key", b"\x81\x91\x01\xa1x"),
            ("body: bin map key", b"\x81\xc4\x02id\xa1x"),
            ("body: ticket map + a trailing nil", good_map + b"\xc0"),
            ("body: two ticket maps back to back", pk(t("two1")) + pk(t("two2"))),
            ("body: float64 NaN", b"\xcb" + struct.pack(">d", float("nan"))),
            ("body: array of 1,000,000 nils", b"\xdd" + struct.pack(">I", 1000000) + b"\xc0" * 1000000),
        ]
        for label, body in cases:
            self.case(label, lambda l, b=body: B(l, b))
        # invalid UTF-8 inside the text, and in the id
        def text_with(raw_text):
            tid = self.uid("utf8")
            self.must_be_unknown.append(tid)
            m = {"id": tid, "received_at": T2022 + 60, "type": "help", "text": "@@TEXT@@"}
            b = pk(m)
            placeholder = pk("@@TEXT@@")
            return b.replace(placeholder, b"\xd9" + bytes([len(raw_text)]) + raw_text)
        for label, raw in [("text with an overlong '/' (c0 af)", b"abc\xc0\xafdef"),
                           ("text with a surrogate (ed a0 80)", b"abc\xed\xa0\x80def"),
                           ("text above U+10FFFF (f4 90 80 80)", b"abc\xf4\x90\x80\x80def"),
                           ("text with a truncated sequence (e4 b8)", b"abc\xe4\xb8"),
                           ("text with a lone continuation byte", b"abc\x80def")]:
            self.case("body: " + label, lambda l, r=raw: B(l, text_with(r)))
        bad_id = pk({"id": "@@ID@@", "received_at": T2022, "type": "help", "text": "x"}).replace(
            pk("@@ID@@"), b"\xa4ab\xff\xfe")
        self.case("body: invalid UTF-8 in the id", lambda l: B(l, bad_id))

    def ticket_cases(self):
        R = self.expect_rejected_ticket
        u = self.uid
        T = lambda what, **kw: ticket(u(what), **kw)  # noqa: E731
        def without(key, what):
            d = T(what)
            del d[key]
            return d
        cases = [
            ("ticket: id is an int", T("x", id=42)),
            ("ticket: id is nil", T("x", id=None)),
            ("ticket: id is empty", T("x", id="")),
            ("ticket: id of 65 bytes", T("x", id="I" * 65)),
            ("ticket: id with a newline", T("x", id="H-%s-nl\nx" % self.tag)),
            ("ticket: id as bin", T("x", id=b"binary-id")),
            ("ticket: id missing", without("id", "noid")),
            ("ticket: received_at a string", T("rs", received_at="2022-01-01")),
            ("ticket: received_at a float", T("rf", received_at=1640966400.0)),
            ("ticket: received_at NaN", T("rn", received_at=float("nan"))),
            ("ticket: received_at +inf", T("ri", received_at=float("inf"))),
            ("ticket: received_at -1", T("rm", received_at=-1)),
            ("ticket: received_at 0", T("r0", received_at=0)),
            ("ticket: received_at 2^64-1", T("ru", received_at=(1 << 64) - 1)),
            ("ticket: received_at -2^63", T("rl", received_at=-(1 << 63))),
            ("ticket: received_at 1998", T("r98", received_at=900000000)),
            ("ticket: received_at year 2128", T("r28", received_at=5000000000)),
            ("ticket: received_at missing", without("received_at", "nora")),
            ("ticket: type unknown", T("tu", type="unknown")),
            ("ticket: type an int", T("ti", type=3)),
            ("ticket: type missing", without("type", "notype")),
            ("ticket: urgent a string", T("us", urgent="yes")),
            ("ticket: urgent an int", T("ui", urgent=1)),
            ("ticket: urgent praise", T("up", type="praise", urgent=True)),
            ("ticket: text empty", T("te", text="")),
            ("ticket: text 4097 bytes", T("tl", text="a" * 4097)),
            ("ticket: text with NUL", T("tn", text="a\0b")),
            ("ticket: text an int", T("tt", text=7)),
            ("ticket: text an array", T("ta", text=["a"])),
            ("ticket: text as bin", T("tb", text=b"bin text")),
            ("ticket: text missing", without("text", "notext")),
            ("ticket: street unknown", T("su", street="nowhere")),
            ("ticket: street an int", T("sn", street=7)),
            ("ticket: caller with letters", T("cl", caller="abc<script>")),
            ("ticket: caller an int", T("ci", caller=13800000000)),
            ("ticket: channel 17 bytes", T("ch", channel="c" * 17)),
            ("ticket: channel an int", T("cn", channel=5)),
            ("ticket: every field of the wrong type",
             {"id": 1.5, "received_at": "x", "type": [], "urgent": "no", "text": {"a": 1},
              "street": False, "caller": [1], "channel": {}}),
        ]
        for label, tk in cases:
            self.case(label, lambda l, x=tk: R(l, x))

    def batch_cases(self):
        def empty(label):
            out, obj = self.submit_raw(pk([]))
            ok = self.is_rejected(obj) or (isinstance(obj, list) and not obj) or \
                (isinstance(obj, dict) and obj.get("status") == "rejected")
            self.row(label, out, ok, "want rejected")
        self.case("batch: empty array", empty)

        def over(label):
            pre = "H-%s-big" % self.tag
            ts = [ticket("%s-%06d" % (pre, i), i) for i in range(100001)]
            out, obj = self.submit_raw(pk(ts), wait=120.0)
            acc = 0
            if isinstance(obj, list):
                acc = sum(1 for r in obj if isinstance(r, dict) and r.get("status") == "accepted")
            elif isinstance(obj, dict):
                acc = obj.get("status") == "accepted"
            self.must_be_unknown += [ts[0]["id"], ts[50000]["id"], ts[-1]["id"]]
            self.row(label, out if isinstance(obj, dict) else "array of %s, %d accepted" % (
                len(obj) if isinstance(obj, list) else "?", acc),
                acc == 0 and obj is not None, "want the whole batch rejected")
        self.case("batch: 100,001 tickets (limit 100,000)", over)

        def non_maps(label):
            out, obj = self.submit_raw(pk([1, "x", None, [], True, 1.5, b"bin"]))
            ok = self.is_rejected(obj) or (isinstance(obj, list) and len(obj) == 7 and
                                           all(isinstance(r, dict) and r.get("status") == "rejected" for r in obj))
            self.row(label, out, ok, "want rejected (whole or per item)")
        self.case("batch: array of 7 non-maps", non_maps)

        def mixed(label):
            good = [ticket(self.uid("mx%d" % i), i) for i in range(3)]
            bad = [ticket(self.uid("mxb%d" % i), i, type="nope") for i in range(3)]
            batch = [good[0], bad[0], good[1], bad[1], 5, good[2], bad[2]]
            out, obj = self.submit_raw(pk(batch))
            want = ["accepted", "rejected", "accepted", "rejected", "rejected", "accepted", "rejected"]
            got = [r.get("status") if isinstance(r, dict) else None for r in obj] if isinstance(obj, list) else None
            self.must_be_unknown += [b["id"] for b in bad]
            self.row(label, "statuses %s" % got, got == want, "want %s" % want)
        self.case("batch: mixed valid, invalid and non-map", mixed)

        def same_id(label):
            tid = self.uid("same")
            out, obj = self.submit_raw(pk([ticket(tid, 1)] * 10000), wait=60.0)
            st = {}
            if isinstance(obj, list):
                for r in obj:
                    k = r.get("status") if isinstance(r, dict) else repr(r)
                    st[k] = st.get(k, 0) + 1
            self.row(label, "statuses %s" % st, st.get("accepted") == 1 and st.get("duplicate") == 9999,
                     "want 1 accepted + 9999 duplicate")
        self.case("batch: the same id 10,000 times in one batch", same_id)

        def vanish(label):
            s = dealer(self.ep)
            ts = [ticket(self.uid("van") + "-%d" % i, i) for i in range(5000)]
            s.send_multipart([b"", MDPC, b"ticket.submit", pk(ts)])
            time.sleep(0.05)
            s.close()
            self.row(label, "sent, socket closed before the reply", True)
        self.case("batch: 5,000 tickets, then the client vanishes", vanish)

    def service_cases(self):
        A = self.expect_any_client
        def svc(name, body, label, check=None, note="", wait=5.0):
            def fn(l):
                out, obj = self.client([b"", MDPC, name.encode(), body], wait)
                ok = True if check is None else check(obj)
                self.row(l, out, ok, note)
            self.case(label, fn)
        err = lambda o: isinstance(o, dict) and ("error" in o or o.get("status") in ("rejected",))  # noqa: E731
        svc("ticket.status", b"\xc1", "ticket.status: body not msgpack", err, "want an error")
        svc("ticket.status", pk({"id": 5}), "ticket.status: id an int", err, "want an error")
        svc("ticket.status", pk({}), "ticket.status: no id", err, "want an error")
        svc("ticket.status", pk("just a string"), "ticket.status: body a string", err, "want an error")
        svc("ticket.status", pk({"id": "x" * (1 << 20)}), "ticket.status: 1 MiB id", err, "want an error")
        svc("kb.list", pk({"limit": -1}), "kb.list: limit -1")
        svc("kb.list", pk({"limit": (1 << 64) - 1}), "kb.list: limit 2^64-1")
        svc("kb.list", pk({"since": "x", "limit": 1e308}), "kb.list: since a string, limit 1e308")
        svc("kb.get", pk({"id": None}), "kb.get: id nil", err, "want an error")
        svc("kb.get", pk({"id": "nope", "at": -(1 << 63)}), "kb.get: unknown id, at -2^63")
        svc("kb.update", pk({"id": 123, "at": "x"}), "kb.update: wrong types",
            lambda o: isinstance(o, dict) and o.get("status") == "rejected", "want rejected")
        svc("kb.update", pk({}), "kb.update: empty map",
            lambda o: isinstance(o, dict) and o.get("status") == "rejected", "want rejected")
        svc("sim.start", pk({"text": 123, "seed": "x"}), "sim.start: wrong types",
            lambda o: isinstance(o, dict) and o.get("status") == "rejected", "want rejected")
        svc("clock.advance", pk({"to": "x"}), "clock.advance: to a string", err, "want an error")
        svc("clock.advance", pk({"to": float("nan")}), "clock.advance: to NaN", err, "want an error")
        svc("clock.advance", pk({}), "clock.advance: no to", err, "want an error")
        svc("sim.status", b"\x91" * 100000 + b"\xc0", "sim.status: 100,000-deep body")
        svc("classify", pk({"text": 123, "type": []}), "classify (worker): wrong types")
        svc("classify", b"\xdd\xff\xff\xff\xff", "classify (worker): array32 2^32-1")
        # 8/MMI variants
        mm = lambda want: (lambda o: o == want)  # noqa: E731
        svc("mmi.service", b"", "mmi.service: empty name", mm("404"), "want 404")
        svc("mmi.service", b"x" * 10240, "mmi.service: 10 KiB name", mm("404"), "want 404")
        svc("mmi.service", b"\xff\xfe\0", "mmi.service: invalid UTF-8 name", mm("404"), "want 404")
        svc("mmi.service", pk({"service": "classify"}), "mmi.service: a msgpack body", mm("404"), "want 404")
        svc("mmi.service", b"hostile.none", "mmi.service: unknown service", mm("404"), "want 404")
        svc("mmi.service", b"classify", "mmi.service: classify (real worker)", mm("200"), "want 200")
        svc("mmi.foo", b"x", "mmi.foo", mm("501"), "want 501")
        svc("mmi.", b"", "mmi. (empty suffix)", mm("501"), "want 501")
        svc("mmi.service.extra", b"classify", "mmi.service.extra", mm("501"), "want 501")
        svc("MMI.SERVICE", b"classify", "MMI.SERVICE (upper case)", wait=DROP_WAIT)
        A("mmi.service with 2 body frames", [b"", MDPC, b"mmi.service", b"classify", b"x"])

    def volume_cases(self):
        def flood(label, n, service_of, body, read=True, seconds=60.0, hold=0.0):
            """Pipelines n requests on one DEALER; reads replies (until 2 s
            without one) or, with read=False, never reads and keeps the
            socket open hold seconds."""
            s = dealer(self.ep)
            s.setsockopt(zmq.SNDHWM, 200000)
            s.setsockopt(zmq.RCVHWM, 1000 if read else 10)
            sent = got = 0
            kinds = {}
            end = time.time() + seconds
            last_rx = time.time()
            try:
                while time.time() < end:
                    if sent < n:
                        for _ in range(1000):
                            if sent >= n:
                                break
                            try:
                                s.send_multipart([b"", MDPC, service_of(sent), body], zmq.NOBLOCK)
                            except zmq.Again:
                                break
                            sent += 1
                    elif not read:
                        break
                    if read:
                        if s.poll(50 if sent < n else 200, zmq.POLLIN):
                            while True:
                                try:
                                    fr = s.recv_multipart(zmq.NOBLOCK)
                                except zmq.Again:
                                    break
                                got += 1
                                last_rx = time.time()
                                k = describe_client(fr)[0][:40]
                                kinds[k] = kinds.get(k, 0) + 1
                        if sent >= n and (got >= sent or time.time() - last_rx > 2.0):
                            break
                    elif sent < n:
                        s.poll(50, zmq.POLLOUT)
                if not read and hold:
                    time.sleep(hold)
            finally:
                s.close()
            top = sorted(kinds.items(), key=lambda kv: -kv[1])[:2]
            self.row(label, "sent %d, %s%s" % (sent, ("%d replies" % got) if read else "replies never read",
                     (": " + "; ".join("%d x %s" % (v, k) for k, v in top)) if top else ""), sent == n)
        self.case("volume: empty requests to services with no worker, 100,000 a service", self.queue_flood)
        self.case("volume: 2,000 distinct unknown service names",
                  lambda l: flood(l, 2000, lambda i: b"hostile.unknown.%d" % i, pk({}), seconds=20))
        self.case("volume: 50,000 ticket.status, replies read",
                  lambda l: flood(l, 50000, lambda i: b"ticket.status", pk({"id": "nope"}), seconds=60))

        def many_workers(label):
            made = 0
            for group in range(4):
                fs = [Fake(self.ep) for _ in range(50)]
                for k, f in enumerate(fs):
                    f.send(MDPW, READY, b"hostile.many.%d" % (group * 50 + k))
                    made += 1
                time.sleep(0.2)
                for f in fs:
                    f.close()
            code = self.mmi("hostile.many.0")
            self.row(label, "%d READY from %d sockets; mmi.service hostile.many.0 -> %s" % (made, made, code), True)
        self.case("volume: 200 fake workers, distinct services, then gone", many_workers)

        def churn(label):
            for i in range(300):
                s = dealer(self.ep)
                s.send_multipart([b"", MDPC, b"mmi.service", b"classify"])
                s.close()
            self.row(label, "300 connect/send/close", True)
        self.case("volume: 300 sockets connect, send, close unread", churn)

        def huge(label):
            s = dealer(self.ep)
            mon = s.get_monitor_socket(zmq.EVENT_CONNECTED | zmq.EVENT_DISCONNECTED)
            events = []
            try:
                deadline = time.time() + 5
                while time.time() < deadline and "connected" not in events:
                    if mon.poll(200):
                        ev = zmq.utils.monitor.recv_monitor_message(mon)
                        events.append({zmq.EVENT_CONNECTED: "connected",
                                       zmq.EVENT_DISCONNECTED: "disconnected"}.get(ev["event"], str(ev["event"])))
                s.send_multipart([b"", MDPC, b"ticket.submit", b"\xc6" + struct.pack(">I", 70 << 20) + b"\0" * (70 << 20)])
                deadline = time.time() + 15
                while time.time() < deadline and "disconnected" not in events:
                    if mon.poll(200):
                        ev = zmq.utils.monitor.recv_monitor_message(mon)
                        events.append({zmq.EVENT_CONNECTED: "connected",
                                       zmq.EVENT_DISCONNECTED: "disconnected"}.get(ev["event"], str(ev["event"])))
                reply = recv_frames(s, 0.2)
                # the same socket reconnects and is served
                s.send_multipart([b"", MDPC, b"mmi.service", b"ticket.submit"])
                after = describe_client(recv_frames(s, 10.0))[0]
            finally:
                s.disable_monitor()
                mon.close()
                s.close()
            dropped = "disconnected" in events and reply is None
            self.row(label, "%s; after reconnect: %s" % ("disconnect" if dropped else "events %s, reply %s" % (
                events, describe_client(reply)[0]), after), dropped and after == "reply 200",
                "want the connection dropped, then served")
        self.case("volume: a 70 MB message (over ZMQ_MAXMSGSIZE)", huge)

    def last_cases(self):
        """The two abuses whose effects outlast them go last."""
        self.case("volume: 3 x 50,000 READY mmi.<n> from one socket (refused)", self.ready_flood)
        self.case("volume: 4 clients x 2,000 kb.list(limit 500), never read", self.slow_readers)

    def rtt_ms(self, n=200):
        """Median round trip of n sequential ticket.status calls on one REQ socket."""
        s = CTX.socket(zmq.REQ)
        s.setsockopt(zmq.LINGER, 0)
        s.connect(self.ep)
        ts = []
        try:
            for i in range(n):
                t = time.time()
                s.send_multipart([MDPC, b"ticket.status", pk({"id": "rtt-%d" % i})])
                if not s.poll(10000, zmq.POLLIN):
                    ts.append(10.0)
                    break
                s.recv_multipart()
                ts.append(time.time() - t)
        finally:
            s.close()
        ts.sort()
        return 1000.0 * ts[len(ts) // 2]

    def marker(self, s, tag, wait=120):
        """Sends mmi.service on s and waits (<= wait s) for its answer: once it
        is back, the broker has read everything s sent before it."""
        s.send_multipart([b"", MDPC, b"mmi.service", b"marker-" + tag])
        end = time.time() + wait
        other = 0
        while time.time() < end:
            fr = recv_frames(s, 1.0)
            if fr is None:
                continue
            if len(fr) >= 3 and fr[2] == b"mmi.service":
                return other, True
            other += 1
        return other, False

    def queue_flood(self, label):
        """Rounds of 100,000 requests with an empty body, each round to a new
        service that has no worker, until the broker refuses some (its queue
        bound) or its VmRSS passes the limit (at most 20 rounds, 120 s).
        The bound must hold memory whatever the body size."""
        s = dealer(self.ep)
        s.setsockopt(zmq.SNDHWM, 0)
        s.setsockopt(zmq.RCVHWM, 0)
        base = (self.rss.rss_kb() or 0) / 1024.0
        pts, refused, sent, t0 = [], 0, 0, time.time()
        try:
            for k in range(20):
                name = b"hostile.q.%s.%d" % (self.tag.encode(), k)
                for i in range(100000):
                    s.send_multipart([b"", MDPC, name, b""])
                sent += 100000
                n, done = self.marker(s, b"q%d" % k)
                refused += n
                pts.append((self.rss.rss_kb() or 0) / 1024.0)
                if not done or refused or pts[-1] > self.a.rss_limit_mb or time.time() - t0 > 120:
                    break
        finally:
            s.close()
        grown = pts[-1] - base
        self.row(label, "%d sent in %d round(s), %d refused; RSS %.0f -> %.0f MB (%.0f bytes a queued request) (%.0f s)" % (
            sent, len(pts), refused, base, pts[-1], grown * 1048576 / max(sent - refused, 1), time.time() - t0),
            refused > 0 and pts[-1] < self.a.rss_limit_mb,
            "want requests refused (queue bound) before VmRSS reaches %d MB" % self.a.rss_limit_mb)

    def slow_readers(self, label):
        """4 clients each pipeline 2,000 kb.list (limit 500, about 100 KB a
        reply) and never read: what the broker holds for them must stay
        bounded."""
        socks, t0 = [], time.time()
        base = (self.rss.rss_kb() or 0) / 1024.0
        self.rss.case_peak_kb = 0
        try:
            for k in range(4):
                s = dealer(self.ep)
                s.setsockopt(zmq.SNDHWM, 0)
                s.setsockopt(zmq.RCVHWM, 10)
                for i in range(2000):
                    s.send_multipart([b"", MDPC, b"kb.list", pk({"limit": 500})])
                socks.append(s)
            # wait until a probe is answered (the broker got through them), at most 60 s
            out = "timeout"
            for _ in range(12):
                out, obj = self.client([b"", MDPC, b"mmi.service", b"kb.list"], 5.0)
                if obj == "200":
                    break
            time.sleep(3)
        finally:
            for s in socks:
                s.close()
        peak = self.rss.case_peak_kb / 1024.0
        self.row(label, "RSS before %.0f MB, peak %.0f MB (+%.0f MB) while 8,000 replies went unread; probe: %s (%.0f s)" % (
            base, peak, peak - base, out, time.time() - t0), peak - base < self.a.rss_limit_mb / 2,
            "want less than +%d MB (half the bound) for 4 clients" % (self.a.rss_limit_mb / 2))

    def ready_flood(self, label):
        """One socket sends READY for mmi.<n>, a name no worker may take, with
        a new n each time: each is refused (DISCONNECT). Refusals must leave
        nothing behind: no memory, no slower broker, mmi.* still 501."""
        before = self.rtt_ms()
        s = dealer(self.ep)
        s.setsockopt(zmq.SNDHWM, 0)
        s.setsockopt(zmq.RCVHWM, 0)
        pts, times, got, t0 = [], [], 0, time.time()
        try:
            for k in range(3):
                t = time.time()
                for i in range(50000):
                    s.send_multipart([b"", MDPW, READY, b"mmi.h%s.%d.%d" % (self.tag.encode(), k, i)])
                n, done = self.marker(s, b"r%d" % k, wait=60)
                got += n
                times.append(time.time() - t)
                pts.append((self.rss.rss_kb() or 0) / 1024.0)
                if not done or time.time() - t0 > 90:
                    break
        finally:
            s.close()
        out, obj = self.client([b"", MDPC, b"mmi.h%s.0.7" % self.tag.encode(), b""], 3.0)
        code = obj if isinstance(obj, str) else out
        after = self.rtt_ms()
        growth = pts[-1] - pts[0] if len(pts) == 3 else float("inf")
        self.row(label, "%d answers; RSS after each 50,000: %s MB; seconds a round %s; a call to mmi.h...0.7 -> %s; "
                        "ticket.status round trip before %.2f ms, after %.2f ms" % (
                            got, [round(x) for x in pts], [round(x, 1) for x in times], code, before, after),
                 growth < 8 and code == "501" and after < 3 * before + 2,
                 "want < 8 MB growth over the last 100,000, mmi.* still 501, round trip < 3x + 2 ms")

    def raw_cases(self):
        host, port = self.ep[len("tcp://"):].rsplit(":", 1)
        port = int(port)

        def greeting(mech=b"NULL", major=3):
            return b"\xff" + b"\0" * 8 + b"\x7f" + bytes([major, 0]) + mech.ljust(20, b"\0") + b"\0" + b"\0" * 31

        def ready_cmd():
            body = b"\x05READY" + b"\x0bSocket-Type" + struct.pack(">I", 6) + b"DEALER"
            return b"\x04" + bytes([len(body)]) + body

        def raw(label, payload, hold=2.0):
            c = socket.create_connection((host, port), timeout=5)
            c.settimeout(0.2)
            got, closed = b"", False
            try:
                for p in payload:
                    try:
                        c.sendall(p)
                    except OSError:
                        closed = True
                        break
                end = time.time() + hold
                while time.time() < end and not closed:
                    try:
                        d = c.recv(65536)
                        if not d:
                            closed = True
                        got += d
                    except socket.timeout:
                        pass
                    except OSError:
                        closed = True
            finally:
                c.close()
            self.row(label, "%s after %d bytes back" % ("closed by the broker" if closed else "left open %.0f s" % hold,
                                                         len(got)), True)

        self.case("raw tcp: an HTTP request", lambda l: raw(l, [b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"]))
        self.case("raw tcp: 64 KiB of random bytes", lambda l: raw(l, [os.urandom(65536)]))
        self.case("raw tcp: ZMTP greeting, mechanism CURVE",
                  lambda l: raw(l, [greeting(b"CURVE")]))
        self.case("raw tcp: ZMTP greeting, mechanism PLAIN",
                  lambda l: raw(l, [greeting(b"PLAIN")]))
        self.case("raw tcp: ZMTP greeting, major version 9",
                  lambda l: raw(l, [greeting(major=9)]))
        self.case("raw tcp: ZMTP frame header claiming 2^63-1 bytes",
                  lambda l: raw(l, [greeting(), ready_cmd(), b"\x02" + struct.pack(">Q", (1 << 63) - 1) + b"x" * 1024]))
        self.case("raw tcp: ZMTP frame header claiming 70 MB, 1 MB sent",
                  lambda l: raw(l, [greeting(), ready_cmd(), b"\x03" + struct.pack(">Q", 70 << 20) + b"x" * (1 << 20)]))
        self.case("raw tcp: ZMTP command frame of 2^63-1 bytes",
                  lambda l: raw(l, [greeting(), b"\x06" + struct.pack(">Q", (1 << 63) - 1)]))

        def idle(label):
            conns = []
            try:
                for _ in range(200):
                    conns.append(socket.create_connection((host, port), timeout=5))
                t0 = time.time()
                out, obj = self.expect_accept(self.uid("idle"))
                dt = time.time() - t0
            finally:
                for c in conns:
                    c.close()
            self.row(label, "200 idle connections open; a normal submit: %s in %.2f s" % (out[:40], dt),
                     obj is not None, "want accepted")
        self.case("raw tcp: 200 idle connections held open", idle)

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
