"""hostile.common: what every part of the hostile client shares: the wire
constants of 7/MDP, MessagePack helpers, a ticket maker, the broker's RSS
sampler, the normal client that submits throughout, raw DEALER helpers and
a fake worker (hostile_client.py is the entry point)."""
import threading
import time
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
