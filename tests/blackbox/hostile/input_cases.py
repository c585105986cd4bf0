"""hostile.input_cases: well-framed requests with bad contents: bodies that
are not MessagePack or not a map, tickets with missing, wrong or oversized
fields, bad batches, and every service called with nonsense. A mixin of
hostile_client.Run."""
import struct
import time

from hostile.common import (DROP_WAIT, MDPC, T2022, dealer, pk, ticket)


class InputCases:
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
