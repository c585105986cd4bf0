#!/usr/bin/python3
"""worker_acceptance: an independent 7/MDP v0.1 worker (and the client side
of the worker tests), written from ZeroMQ RFC 7/MDP v0.1, RFC 8/MMI and
MessagePack only, not from the C code.

Worker (DEALER socket; READY with its own service name, HEARTBEAT both ways,
REPLY; reconnects when the broker is silent for 3 intervals or says
DISCONNECT):

  worker_acceptance.py --connect EP worker --service acme.upper --name W1
        [--mode upper|slow|silent|disconnect] [--heartbeat MS]
        [--ready-file F] [--request-file F] [--trigger F] [--disconnect-file F]
        [--start-trigger F]   (wait for file F before connecting)
        [--lifetime S]

  modes: upper      answers {text, seq} with {text: TEXT.upper(), seq, worker, served}
         slow       takes requests and never answers them (a hung handler) but
                    keeps heartbeating; writes --request-file on each request
         silent     sends READY, then nothing at all (no heartbeat, no
                    DISCONNECT), the socket left open; writes --ready-file
         disconnect as upper until --trigger exists, then sends DISCONNECT,
                    writes --disconnect-file and goes silent (socket left open)

Client side:

  worker_acceptance.py --connect EP client --service S --n 20 [--pause-after K --pause S]
  worker_acceptance.py --connect EP call --service S --text T [--seq N]
        [--armed-file F --go-file F] [--sent-file F]
  worker_acceptance.py --connect EP mmi-watch --service S --want CODE --within S [--since-file F]
        [--first CODE] [--trigger F]
  worker_acceptance.py --connect EP mmi-hold --service S --code CODE --for S
"""
import argparse, json, os, sys, time
import msgpack, zmq

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from client_acceptance import Client, ProtocolError  # noqa: E402

MDPW = b"MDPW01"
READY, REQUEST, REPLY, HEARTBEAT, DISCONNECT = b"\x01", b"\x02", b"\x03", b"\x04", b"\x05"
CMD_NAMES = {READY: "READY", REQUEST: "REQUEST", REPLY: "REPLY", HEARTBEAT: "HEARTBEAT",
             DISCONNECT: "DISCONNECT"}


def log(name, msg):
    sys.stderr.write("%.3f %s: %s\n" % (time.time(), name, msg))
    sys.stderr.flush()


def mark(path, **kw):
    if path:
        kw["t"] = time.time()
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            f.write(json.dumps(kw) + "\n")
        os.replace(tmp, path)


# ---------------------------------------------------------------- worker

class Worker:
    def __init__(self, a):
        self.a = a
        self.name = a.name
        self.hb = a.heartbeat / 1000.0
        self.ctx = zmq.Context.instance()
        self.sock = None
        self.served = 0
        self.held = []
        self.reconnects = 0

    def send(self, cmd, *rest):
        self.sock.send_multipart([b"", MDPW, cmd] + list(rest))

    def connect(self):
        if self.sock is not None:
            self.sock.close()
        self.sock = self.ctx.socket(zmq.DEALER)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.connect(self.a.connect)
        self.send(READY, self.a.service.encode())
        self.last_heard = time.time()
        self.next_hb = time.time() + self.hb
        log(self.name, "READY %s (heartbeat %d ms)" % (self.a.service, self.a.heartbeat))
        mark(self.a.ready_file, name=self.name, service=self.a.service)

    def handle(self, body):
        try:
            req = msgpack.unpackb(body, raw=False)
            text = req["text"]
            return {"text": text.upper(), "seq": req.get("seq"), "worker": self.name,
                    "served": self.served + 1}
        except Exception as e:  # a bad request gets an error, not a crash
            return {"error": "bad request: %s" % e, "worker": self.name}

    def go_silent(self, end):
        # keep the socket (and so the TCP connection) open; say nothing
        while time.time() < end:
            time.sleep(0.2)

    def run(self):
        end = time.time() + self.a.lifetime
        if self.a.start_trigger:
            while not os.path.exists(self.a.start_trigger) and time.time() < end:
                time.sleep(0.005)
        self.connect()
        if self.a.mode == "silent":
            self.go_silent(end)
            return
        backoff = self.hb
        while time.time() < end:
            if self.a.mode == "disconnect" and self.a.trigger and os.path.exists(self.a.trigger):
                self.send(DISCONNECT)
                log(self.name, "sent DISCONNECT")
                mark(self.a.disconnect_file, name=self.name)
                self.go_silent(end)
                return
            wait = max(0.0, min(self.next_hb - time.time(), 0.05))
            if self.sock.poll(int(wait * 1000), zmq.POLLIN):
                f = self.sock.recv_multipart()
                self.last_heard = time.time()
                backoff = self.hb
                if len(f) < 3 or f[0] != b"" or f[1] != MDPW:
                    log(self.name, "ignoring malformed message %r" % f[:3])
                    continue
                cmd = f[2]
                if cmd == REQUEST:
                    if len(f) < 6 or f[4] != b"":
                        log(self.name, "ignoring malformed REQUEST %r" % f[:5])
                        continue
                    client, body = f[3], f[5]
                    if self.a.mode == "slow":
                        self.held.append(client)
                        log(self.name, "REQUEST from %s held (never answered), %d held"
                            % (client.hex(), len(self.held)))
                        mark(self.a.request_file, name=self.name, client=client.hex(), held=len(self.held))
                        continue
                    rep = self.handle(body)
                    self.served += 1
                    self.send(REPLY, client, b"", msgpack.packb(rep, use_bin_type=True))
                    log(self.name, "REPLY #%d to %s" % (self.served, client.hex()))
                elif cmd == HEARTBEAT:
                    pass
                elif cmd == DISCONNECT:
                    log(self.name, "broker said DISCONNECT; reconnecting")
                    self.reconnects += 1
                    self.connect()
                else:
                    log(self.name, "ignoring unknown command %r" % cmd)
            now = time.time()
            if now - self.last_heard > 3 * self.hb:
                log(self.name, "broker silent for %.2f s; reconnecting in %.2f s" % (now - self.last_heard, backoff))
                time.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                self.reconnects += 1
                self.connect()
            elif now >= self.next_hb:
                self.send(HEARTBEAT)
                self.next_hb = now + self.hb
        log(self.name, "lifetime over; served %d" % self.served)


# ---------------------------------------------------------------- client side

def client(a):
    c = Client(a.connect, a.timeout)
    ok, bad, workers, t0 = 0, [], {}, time.time()
    samples = ["hello, world", "majordomo protocol", "ünïcödé straße", "mixed Case 123",
               "工单 ticket 12345", "", "a" * 3000]
    for i in range(a.n):
        if a.pause_after and i == a.pause_after:
            time.sleep(a.pause)
            code = c.mmi(a.service)
            print("%s mmi.service %s after a %.1f s idle pause -> %s"
                  % ("ok -" if code == "200" else "NOT OK -", a.service, a.pause, code), flush=True)
            if code != "200":
                bad.append("mmi %s after pause -> %s" % (a.service, code))
        text = "%s #%d" % (samples[i % len(samples)], i)
        try:
            r = c.call(a.service, {"text": text, "seq": i})
        except ProtocolError as e:
            bad.append("request %d: %s" % (i, e))
            continue
        if r.get("text") == text.upper() and r.get("seq") == i and r.get("worker"):
            ok += 1
            workers[r["worker"]] = workers.get(r["worker"], 0) + 1
        else:
            bad.append("request %d %r -> %r" % (i, text[:40], r))
    dt = time.time() - t0
    code = c.mmi(a.service)
    c.close()
    print(json.dumps({"service": a.service, "sent": a.n, "right": ok, "wrong": len(bad),
                      "by_worker": workers, "mmi": code, "elapsed_s": round(dt, 3)}), flush=True)
    for b in bad[:10]:
        print("unexpected: " + b, flush=True)
    sys.exit(0 if ok == a.n and not bad and code == "200" else 1)


def call(a):
    c = Client(a.connect, a.timeout)
    c.mmi(a.service)                          # connected and warmed up
    if a.go_file:                             # armed: send only when told to
        mark(a.armed_file, pid=os.getpid())
        end = time.time() + 30
        while not os.path.exists(a.go_file) and time.time() < end:
            time.sleep(0.005)
    t0 = time.time()
    try:
        c.sock.send_multipart([b"MDPC01", a.service.encode(),
                               msgpack.packb({"text": a.text, "seq": a.seq}, use_bin_type=True)])
        mark(a.sent_file, pid=os.getpid())
        r = c.decode(c.receive(a.service))
    except ProtocolError as e:
        print(json.dumps({"error": str(e), "elapsed_s": round(time.time() - t0, 3)}), flush=True)
        sys.exit(2)
    r["_t"] = time.time()
    r["_elapsed_s"] = round(time.time() - t0, 3)
    print(json.dumps(r, ensure_ascii=False), flush=True)


def mmi_watch(a):
    """Polls mmi.service (one REQ socket, every 10 ms). With --trigger, first
    writes that file (so the peer under test acts only once this poller is
    running) and waits for --since-file. With --first, waits until the
    service answers that code, then until it answers --want. Prints the
    times, measured from the 't' in --since-file (or from the start)."""
    c = Client(a.connect, 2000)
    c.mmi(a.service)                          # connected and warmed up
    t_start = time.time()
    if a.trigger:
        mark(a.trigger, by="mmi-watch")
    if a.since_file:
        while not os.path.exists(a.since_file) and time.time() < t_start + 10:
            time.sleep(0.005)
        since = json.load(open(a.since_file))["t"]
    else:
        since = t_start
    end = time.time() + a.within + 2.0       # keep polling a little past the limit, to report
    seen, code, first_ok = [], None, a.first is None
    while time.time() < end:
        code = c.mmi(a.service)
        if not seen or seen[-1][0] != code:
            seen.append((code, round(time.time() - since, 3)))
        if code == a.first:
            first_ok = True
        if first_ok and code == a.want:
            break
        time.sleep(0.01)
    dt = time.time() - since
    c.close()
    print(json.dumps({"service": a.service, "first": a.first, "want": a.want, "got": code,
                      "after_s": round(dt, 3), "limit_s": a.within, "transitions": seen}), flush=True)
    sys.exit(0 if first_ok and code == a.want and dt <= a.within else 1)


def mmi_hold(a):
    """mmi.service must answer --code throughout --for seconds."""
    c = Client(a.connect, 2000)
    t0, n, other = time.time(), 0, []
    while time.time() - t0 < a.for_s:
        code = c.mmi(a.service)
        n += 1
        if code != a.code:
            other.append((code, round(time.time() - t0, 3)))
        time.sleep(0.05)
    c.close()
    print(json.dumps({"service": a.service, "code": a.code, "polls": n, "other": other[:5],
                      "for_s": a.for_s}), flush=True)
    sys.exit(0 if not other else 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--connect", required=True)
    ap.add_argument("--timeout", type=int, default=10000, help="ms per reply (client side)")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("worker")
    p.add_argument("--service", default="acme.upper")
    p.add_argument("--name", default="py-worker-%d" % os.getpid())
    p.add_argument("--mode", choices=["upper", "slow", "silent", "disconnect"], default="upper")
    p.add_argument("--heartbeat", type=int, default=2500)
    p.add_argument("--ready-file")
    p.add_argument("--request-file")
    p.add_argument("--trigger")
    p.add_argument("--start-trigger")
    p.add_argument("--disconnect-file")
    p.add_argument("--lifetime", type=float, default=300.0, help="exit after S seconds (bounded tests)")
    p = sub.add_parser("client")
    p.add_argument("--service", default="acme.upper")
    p.add_argument("--n", type=int, default=20)
    p.add_argument("--pause-after", type=int, default=0)
    p.add_argument("--pause", type=float, default=0.0)
    p = sub.add_parser("call")
    p.add_argument("--service", required=True)
    p.add_argument("--text", required=True)
    p.add_argument("--seq", type=int, default=1)
    p.add_argument("--armed-file", help="written once connected, with --go-file")
    p.add_argument("--go-file", help="wait for this file before sending")
    p.add_argument("--sent-file", help="written once the request is sent")
    p = sub.add_parser("mmi-watch")
    p.add_argument("--service", required=True)
    p.add_argument("--want", required=True)
    p.add_argument("--within", type=float, required=True)
    p.add_argument("--since-file")
    p.add_argument("--trigger")
    p.add_argument("--first")
    p = sub.add_parser("mmi-hold")
    p.add_argument("--service", required=True)
    p.add_argument("--code", required=True)
    p.add_argument("--for", dest="for_s", type=float, required=True)
    a = ap.parse_args()
    try:
        if a.cmd == "worker":
            Worker(a).run()
        else:
            {"client": client, "call": call, "mmi-watch": mmi_watch, "mmi-hold": mmi_hold}[a.cmd](a)
    except ProtocolError as e:
        print("PROTOCOL ERROR: %s" % e, flush=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
