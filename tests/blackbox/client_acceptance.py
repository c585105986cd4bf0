#!/usr/bin/python3
"""client_acceptance: an independent 12345-hotline client, written from the
published protocols only (ZeroMQ RFC 7/MDP v0.1 client side, RFC 8/MMI,
MessagePack) and the hotline wire contract, not from the C code.

  client_acceptance.py --connect EP acceptance
      the client acceptance run: submit/duplicate/reject/batch/status/mmi
  client_acceptance.py --connect EP submit --n N --chunk C --prefix P --expect accepted|duplicate
      submits N generated tickets in batches of C; counts every status
  client_acceptance.py --connect EP status --n N --prefix P [--sample K]
      ticket.status for the generated ids (all, or K spread over the range),
      pipelined over a DEALER socket; checks each one's state and events

Every check prints one line with its figures; the exit status is 1 if any
check failed, 2 on a protocol error or a timeout.
"""
import argparse, json, sys, time
import msgpack, zmq

MDPC = b"MDPC01"
TYPES = ["consult", "help", "complaint", "report", "suggest", "praise"]
STREETS = ["jinxia", "zhuchi", "xinjin", "longxiang", "outing",
           "waisha", "xinxi", "longhua", "xinhai", "longteng"]
T2022 = 1640966400  # 2022-01-01 00:00 CST


class ProtocolError(Exception):
    pass


class Client:
    """A 7/MDP v0.1 client on a REQ socket (the socket adds the empty frame)."""

    def __init__(self, ep, timeout_ms=10000):
        self.ep, self.timeout_ms = ep, timeout_ms
        self.ctx = zmq.Context.instance()
        self._open()

    def _open(self):
        self.sock = self.ctx.socket(zmq.REQ)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.connect(self.ep)

    def close(self):
        self.sock.close()

    def raw(self, service, body, timeout_ms=None):
        service = service.encode() if isinstance(service, str) else service
        self.sock.send_multipart([MDPC, service, body])
        return self.receive(service, timeout_ms)

    def receive(self, service, timeout_ms=None):
        """The reply to the request just sent on the REQ socket."""
        service = service.encode() if isinstance(service, str) else service
        if not self.sock.poll(timeout_ms or self.timeout_ms, zmq.POLLIN):
            # a REQ socket is stuck after a lost reply: reopen it (lazy pirate)
            self.sock.close()
            self._open()
            raise ProtocolError("no reply from %s within %d ms" % (service.decode(), timeout_ms or self.timeout_ms))
        frames = self.sock.recv_multipart()
        if len(frames) != 3:
            raise ProtocolError("reply has %d frames, want 3 (MDPC01, service, body): %r" % (len(frames), frames[:4]))
        if frames[0] != MDPC:
            raise ProtocolError("reply protocol frame %r, want MDPC01" % frames[0])
        if frames[1] != service:
            raise ProtocolError("reply service frame %r, want %r" % (frames[1], service))
        return frames[2]

    def call(self, service, obj, timeout_ms=None):
        """Sends obj packed as MessagePack; returns the unpacked reply."""
        return self.decode(self.raw(service, msgpack.packb(obj, use_bin_type=True), timeout_ms))

    @staticmethod
    def decode(body):
        try:
            return msgpack.unpackb(body, raw=False, strict_map_key=False)
        except Exception as e:
            raise ProtocolError("reply body is not MessagePack (%s): %r" % (e, body[:80]))

    def mmi(self, name):
        return self.raw("mmi.service", name.encode()).decode()


class Checks:
    def __init__(self):
        self.n = 0
        self.failed = []

    def __call__(self, cond, what):
        self.n += 1
        print(("ok - " if cond else "NOT OK - ") + what, flush=True)
        if not cond:
            self.failed.append(what)
        return cond

    def finish(self):
        print("%d checks, %d failed" % (self.n, len(self.failed)), flush=True)
        for f in self.failed:
            print("FAILED: " + f, flush=True)
        sys.exit(1 if self.failed else 0)


def ticket(tid, i=0, **kw):
    t = {"id": tid, "received_at": T2022 + 3600 + i * 37, "type": "help", "urgent": False,
         "text": "金霞街道某路段路灯不亮，已经三天了，请尽快处理。(%s)" % tid}
    t.update(kw)
    return t


def gen_ticket(prefix, i):
    """The i-th generated ticket of a bulk run (deterministic)."""
    typ = TYPES[i % len(TYPES)]
    t = {"id": "%s-%06d" % (prefix, i), "received_at": T2022 + i * 60, "type": typ,
         "urgent": (i % 50 == 0 and typ != "praise"),
         "text": "市民反映第%d号问题：小区附近施工噪音扰民，夜间仍在作业。" % i,
         "street": STREETS[i % len(STREETS)]}
    if i % 3 == 0:
        t["caller"] = "138-0000-%04d" % (i % 10000)
        t["channel"] = "phone"
    return t


def has(s, *words):
    s = (s or "").lower() if isinstance(s, str) else ""
    return all(w.lower() in s for w in words)


# ---------------------------------------------------------------- acceptance

def acceptance(a):
    ck = Checks()
    c = Client(a.connect, a.timeout)
    pfx = "CA%d" % (int(time.time() * 1000) % 10**9)
    new1 = ticket(pfx + "-1", 1, street="jinxia", caller="13800000001", channel="phone")

    r = c.call("ticket.submit", new1)
    ck(r == {"id": new1["id"], "status": "accepted"}, "new ticket %s -> %s" % (new1["id"], r))
    r = c.call("ticket.submit", new1)
    ck(r == {"id": new1["id"], "status": "duplicate"}, "same id again -> %s" % r)
    changed = dict(new1, text="同一个编号，不同的内容")
    r = c.call("ticket.submit", changed)
    ck(r.get("id") == new1["id"] and r.get("status") == "duplicate",
       "same id with another text is still a duplicate -> %s" % r)

    # (a) bodies that are not MessagePack
    for label, body in [("reserved byte 0xc1", b"\xc1\x00\x01"),
                        ("plain text", b"hello, this is not msgpack"),
                        ("truncated map", b"\x84\xa2id\xa3X-1\xabreceived_at"),
                        ("empty body", b"")]:
        r = c.decode(c.raw("ticket.submit", body))
        ck(isinstance(r, dict) and "id" in r and r["id"] is None and r.get("status") == "rejected"
           and (has(r.get("error"), "messagepack") or has(r.get("error"), "msgpack")),
           "not MessagePack (%s, %d bytes) -> %s" % (label, len(body), r))

    # (b) a map lacking id
    t = ticket(None, 2)
    del t["id"]
    r = c.call("ticket.submit", t)
    ck(r.get("status") == "rejected" and r.get("id") is None and "id" in r and has(r.get("error"), "id"),
       "map without id -> %s" % r)
    r = c.call("ticket.submit", ticket("", 2))
    ck(r.get("status") == "rejected" and has(r.get("error"), "id"), "empty id -> %s" % r)
    r = c.call("ticket.submit", ticket("x" * 65, 2))
    ck(r.get("status") == "rejected" and has(r.get("error"), "id"), "65-byte id -> %s" % r)

    # (c) an unknown type
    bad_type = ticket(pfx + "-badtype", 3, type="gossip")
    r = c.call("ticket.submit", bad_type)
    ck(r.get("id") == bad_type["id"] and r.get("status") == "rejected" and has(r.get("error"), "type"),
       "unknown type 'gossip' -> %s" % r)

    # (d) text over 4 KiB; exactly 4096 bytes is fine
    t4097 = "路" * 1365 + "ab"          # 4095 + 2 = 4097 bytes
    t4096 = "路" * 1365 + "a"           # 4096 bytes
    assert len(t4097.encode()) == 4097 and len(t4096.encode()) == 4096
    big = ticket(pfx + "-big", 4, text=t4097)
    r = c.call("ticket.submit", big)
    ck(r.get("id") == big["id"] and r.get("status") == "rejected" and has(r.get("error"), "text")
       and has(r.get("error"), "4096"), "text of 4097 bytes -> %s" % r)
    r = c.call("ticket.submit", ticket(pfx + "-big2", 4, text="a" * 10000))
    ck(r.get("status") == "rejected" and has(r.get("error"), "4096"), "text of 10000 bytes -> %s" % r)
    edge = ticket(pfx + "-4096", 5, text=t4096)
    r = c.call("ticket.submit", edge)
    ck(r == {"id": edge["id"], "status": "accepted"}, "text of exactly 4096 bytes -> %s" % r)

    # a few more invalid fields, each named in the error
    for label, t, word in [
            ("unknown street", ticket(pfx + "-st", 6, street="atlantis"), "street"),
            ("received_at a string", ticket(pfx + "-ra", 6, received_at="2022-01-01"), "received_at"),
            ("missing text", {k: v for k, v in ticket(pfx + "-nt", 6).items() if k != "text"}, "text"),
            ("urgent praise", ticket(pfx + "-up", 6, type="praise", urgent=True), "praise")]:
        r = c.call("ticket.submit", t)
        ck(r.get("status") == "rejected" and has(r.get("error"), word),
           "%s -> %s (error names %r)" % (label, r, word))
    r = c.call("ticket.submit", [1, 2, 3])
    ck(isinstance(r, list) and len(r) == 3 and all(x.get("status") == "rejected" for x in r),
       "array of 3 non-maps -> 3 rejections %s" % r)

    # after all that, the broker still accepts; a rejected id was not burnt
    new2 = ticket(pfx + "-2", 7, type="complaint", urgent=True, street="longteng")
    r = c.call("ticket.submit", new2)
    ck(r == {"id": new2["id"], "status": "accepted"}, "new ticket after the rejections -> %s" % r)
    r = c.call("ticket.status", {"id": bad_type["id"]})
    ck(r.get("id") == bad_type["id"] and "error" in r and "state" not in r,
       "a rejected ticket was not recorded: status -> %s" % r)
    fixed = dict(bad_type, type="suggest")
    r = c.call("ticket.submit", fixed)
    ck(r == {"id": fixed["id"], "status": "accepted"}, "the rejected id, corrected, -> %s" % r)

    # a batch mixing valid, invalid and duplicate entries
    b1, b3, b5 = (ticket(pfx + "-b1", 10), ticket(pfx + "-b3", 12, type="report"),
                  ticket(pfx + "-b5", 14, type="praise", street="xinhai", caller="+86 754 8888", channel="web"))
    no_id = ticket(None, 13)
    del no_id["id"]
    batch = [
        (b1, b1["id"], "accepted"),
        (ticket(pfx + "-b2", 11, type="weather"), pfx + "-b2", "rejected"),
        (new1, new1["id"], "duplicate"),
        (b3, b3["id"], "accepted"),
        (no_id, None, "rejected"),
        (ticket(pfx + "-b4", 13, text=t4097), pfx + "-b4", "rejected"),
        (dict(b1), b1["id"], "duplicate"),           # same id earlier in this batch
        (b5, b5["id"], "accepted"),
        (ticket(pfx + "-b6", 15, street="nowhere"), pfx + "-b6", "rejected"),
        (new2, new2["id"], "duplicate"),
    ]
    r = c.call("ticket.submit", [t for t, _, _ in batch])
    ck(isinstance(r, list) and len(r) == len(batch),
       "batch of %d -> %s entries" % (len(batch), len(r) if isinstance(r, list) else type(r).__name__))
    if isinstance(r, list):
        got = [(x.get("id"), x.get("status")) for x in r]
        want = [(i, s) for _, i, s in batch]
        ck(got == want, "batch replies in order: %s" % got)
        errs = [x.get("error") for x in r if x.get("status") == "rejected"]
        ck(len(errs) == 4 and has(errs[0], "type") and has(errs[1], "id") and has(errs[2], "4096")
           and has(errs[3], "street"), "batch rejections name the problem: %s" % errs)
        ck(all("error" not in x for x in r if x.get("status") in ("accepted", "duplicate")),
           "no error on accepted/duplicate entries")

    # ticket.status
    r = c.call("ticket.status", {"id": new1["id"]})
    ev = r.get("events") if isinstance(r, dict) else None
    ck(r.get("id") == new1["id"] and isinstance(r.get("state"), str) and r.get("state") == "RECEIVED",
       "status of %s: state=%s (no workers run, so RECEIVED)" % (new1["id"], r.get("state")))
    ck(isinstance(ev, list) and len(ev) >= 1 and ev[0].get("kind") == "received"
       and ev[0].get("at") == new1["received_at"],
       "events start with 'received' at received_at=%d: %s" % (new1["received_at"], ev))
    ck(r.get("type") == "help" and r.get("received_at") == new1["received_at"] and r.get("urgent") is False,
       "status echoes type=%s received_at=%s urgent=%s" % (r.get("type"), r.get("received_at"), r.get("urgent")))
    for t in (new2, b1, b3, b5, edge, fixed):
        r = c.call("ticket.status", {"id": t["id"]})
        ev = r.get("events") or []
        ck(r.get("id") == t["id"] and r.get("state") and ev and ev[0].get("kind") == "received",
           "status of %s: state=%s, %d event(s)" % (t["id"], r.get("state"), len(ev)))
    for tid in (pfx + "-nosuch", pfx + "-b2", pfx + "-b4"):
        r = c.call("ticket.status", {"id": tid})
        ck(isinstance(r, dict) and r.get("id") == tid and isinstance(r.get("error"), str) and r["error"]
           and "state" not in r and "events" not in r, "unknown id %s -> %s" % (tid, r))

    # 8/MMI
    for name, want in (("ticket.submit", "200"), ("ticket.status", "200"), ("nosuch", "404"),
                       ("acme.nobody.serves.this", "404")):
        code = c.mmi(name)
        ck(code == want, "mmi.service %s -> %s (want %s)" % (name, code, want))
    code = c.raw("mmi.nosuch", b"ticket.submit").decode()
    ck(code == "501", "mmi.nosuch -> %s (want 501)" % code)
    c.close()
    ck.finish()


# ---------------------------------------------------------------- bulk runs

def submit(a):
    c = Client(a.connect, a.timeout)
    counts, bad, t0 = {}, [], time.time()
    for start in range(0, a.n, a.chunk):
        idx = range(start, min(a.n, start + a.chunk))
        body = [gen_ticket(a.prefix, i) for i in idx]
        r = c.call("ticket.submit", body if a.chunk > 1 else body[0])
        r = r if isinstance(r, list) else [r]
        if len(r) != len(body):
            bad.append("batch at %d: %d replies for %d tickets" % (start, len(r), len(body)))
            continue
        for t, x in zip(body, r):
            st = x.get("status")
            counts[st] = counts.get(st, 0) + 1
            if x.get("id") != t["id"] or st != a.expect:
                bad.append("%s -> %s" % (t["id"], x))
    dt = time.time() - t0
    c.close()
    n_ok = counts.get(a.expect, 0)
    print(json.dumps({"submitted": a.n, "batches": (a.n + a.chunk - 1) // a.chunk, "counts": counts,
                      "elapsed_s": round(dt, 3), "per_s": round(a.n / dt) if dt > 0 else None}), flush=True)
    for b in bad[:10]:
        print("unexpected: " + b, flush=True)
    sys.exit(0 if n_ok == a.n and not bad else 1)


def status(a):
    """ticket.status pipelined over a DEALER socket (window of outstanding
    requests); replies are matched by id, not by order."""
    if a.sample and a.sample < a.n:
        step = a.n / a.sample
        idx = sorted(set(int(k * step) for k in range(a.sample)) | {a.n - 1})
    else:
        idx = list(range(a.n))
    want = {gen_ticket(a.prefix, i)["id"]: gen_ticket(a.prefix, i) for i in idx}
    ctx = zmq.Context.instance()
    s = ctx.socket(zmq.DEALER)
    s.setsockopt(zmq.LINGER, 0)
    s.connect(a.connect)
    todo, pending, found, bad, t0 = list(want), set(), 0, [], time.time()
    deadline = t0 + a.timeout / 1000.0 * max(1, len(want) / 500)
    while (todo or pending) and time.time() < deadline:
        while todo and len(pending) < a.window:
            tid = todo.pop()
            s.send_multipart([b"", MDPC, b"ticket.status", msgpack.packb({"id": tid})])
            pending.add(tid)
        if not s.poll(1000, zmq.POLLIN):
            continue
        f = s.recv_multipart()
        if len(f) != 4 or f[0] != b"" or f[1] != MDPC or f[2] != b"ticket.status":
            bad.append("malformed reply %r" % f[:3])
            continue
        r = Client.decode(f[3])
        tid = r.get("id")
        if tid not in pending:
            bad.append("reply for an id not asked: %r" % r)
            continue
        pending.discard(tid)
        t = want[tid]
        ev = r.get("events") or []
        if ("error" in r or not r.get("state") or not ev or ev[0].get("kind") != "received"
                or ev[0].get("at") != t["received_at"] or r.get("type") != t["type"]
                or r.get("received_at") != t["received_at"]):
            bad.append("%s -> %s" % (tid, json.dumps(r, ensure_ascii=False)[:300]))
        else:
            found += 1
    dt = time.time() - t0
    s.close()
    print(json.dumps({"queried": len(want), "found": found, "unanswered": len(todo) + len(pending),
                      "wrong": len(bad), "elapsed_s": round(dt, 3)}), flush=True)
    for b in bad[:10]:
        print("unexpected: " + b, flush=True)
    sys.exit(0 if found == len(want) else 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--connect", required=True)
    ap.add_argument("--timeout", type=int, default=10000, help="ms per reply")
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("acceptance")
    p = sub.add_parser("submit")
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--chunk", type=int, default=500)
    p.add_argument("--prefix", required=True)
    p.add_argument("--expect", default="accepted")
    p = sub.add_parser("status")
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--prefix", required=True)
    p.add_argument("--sample", type=int, default=0)
    p.add_argument("--window", type=int, default=500)
    a = ap.parse_args()
    try:
        {"acceptance": acceptance, "submit": submit, "status": status}[a.cmd](a)
    except ProtocolError as e:
        print("PROTOCOL ERROR: %s" % e, flush=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
