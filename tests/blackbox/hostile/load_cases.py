"""hostile.load_cases: abuse by volume and by transport: floods of requests
and READYs, many workers and churn, huge messages, slow readers, and raw
TCP (bad ZMTP greetings, idle connections). A mixin of
hostile_client.Run."""
import os
import socket
import struct
import time
import zmq

from hostile.common import (CTX, Fake, MDPC, MDPW, READY, dealer, describe_client, pk, recv_frames)


class LoadCases:
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
