"""hostile.protocol_cases: malformed and abusive frames at the protocol
level: client frames, worker commands (READY for a service it may not
serve, a second READY, hijacking), forged results and fake classify
workers that answer wrongly or not at all. A mixin of hostile_client.Run."""
import time
import zmq

from hostile.common import (CTX, DISCONNECT, DROP_WAIT, FINAL_STATES, Fake, HEARTBEAT, INTERNAL, MDPC, MDPW,
                            READY, REPLY, REQUEST, T2022, describe_client, outcome_worker, pk, recv_frames,
                            ticket, unpk)


class ProtocolCases:
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
