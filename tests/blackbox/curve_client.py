#!/usr/bin/python3
"""curve_client: an independent CURVE peer for the hotline broker, written
from ZeroMQ RFC 26/CurveZMQ (pyzmq), RFC 7/MDP v0.1, RFC 8/MMI and
schemas/wire.md, not from the C code. Keys are read with pyzmq's
zmq.auth.load_certificate from the files hotline-keygen writes.

  curve_client.py keys --dir D --name N
      loads D/N.key and D/N.key_secret; checks both hold the same public
      key and that the secret key derives it; prints JSON
  curve_client.py --connect EP [--server-key B.key --key N.key_secret] call SERVICE JSON
        [--timeout MS] [--raw]
      one request (REQ socket; plaintext without keys); prints the reply as
      JSON (--raw: the body as text); exit 3 on timeout
  curve_client.py --connect EP --server-key B.key --key N.key_secret worker --service S
        [--for SECONDS] [--probe-key C.key_secret]
      an MDP worker (DEALER): READY S, heartbeats, answers requests with
      {echo, worker}; with --probe-key, after 1 s, a second peer with that key
      asks mmi.service S and calls S; prints a JSON summary
  curve_client.py --connect EP --server-key B.key --key N.key_secret hotplug
        --pub N.key --allow-dir DIR [--within S]
      copies N.key into DIR: how long until a new connection is served;
      removes it: how long until new connections are refused and until a
      connection opened before stops being served; prints JSON; exit 1 if a
      change took longer than --within seconds
"""
import argparse, json, os, shutil, sys, time
import msgpack, zmq
import zmq.auth

MDPC, MDPW = b"MDPC01", b"MDPW01"
READY, REQUEST, REPLY, HEARTBEAT, DISCONNECT = b"\x01", b"\x02", b"\x03", b"\x04", b"\x05"
CTX = zmq.Context.instance()
T2022 = 1640966400


def load_keys(a):
    if not a.key:
        return None
    pub, sec = zmq.auth.load_certificate(a.key)
    spub, _ = zmq.auth.load_certificate(a.server_key)
    return pub, sec, spub


def sock(a, kind, keys=None):
    s = CTX.socket(kind)
    s.setsockopt(zmq.LINGER, 0)
    keys = keys if keys is not None else load_keys(a)
    if keys:
        s.curve_publickey, s.curve_secretkey, s.curve_serverkey = keys
    s.connect(a.connect)
    return s


def request(a, service, body, timeout_ms, keys=None):
    """One request on a new REQ connection: the reply body, or None on timeout."""
    s = sock(a, zmq.REQ, keys)
    try:
        s.send_multipart([MDPC, service.encode(), body])
        if not s.poll(timeout_ms, zmq.POLLIN):
            return None
        fr = s.recv_multipart()
    finally:
        s.close()
    if len(fr) != 3 or fr[0] != MDPC:
        raise SystemExit("malformed reply %r" % fr[:3])
    return fr[2]


def ticket(tid, i=0):
    return {"id": tid, "received_at": T2022 + 7200 + i * 61, "type": "help",
            "text": "龙湖区某小区停水两天，请尽快处理。(%s)" % tid, "street": "zhuchi"}


def cmd_keys(a):
    pub_file = os.path.join(a.dir, a.name + ".key")
    sec_file = os.path.join(a.dir, a.name + ".key_secret")
    p1, s1 = zmq.auth.load_certificate(pub_file)
    p2, s2 = zmq.auth.load_certificate(sec_file)
    derived = zmq.curve_public(s2) if s2 else None
    out = {"public": p1.decode(), "public_file_has_secret": s1 is not None, "secret_file_public": p2.decode(),
           "secret_present": s2 is not None, "derived_matches": derived == p1,
           "secret_mode": oct(os.stat(sec_file).st_mode & 0o777), "public_mode": oct(os.stat(pub_file).st_mode & 0o777)}
    print(json.dumps(out))
    ok = s1 is None and s2 is not None and p1 == p2 and derived == p1 and len(p1) == 40 and len(s2) == 40
    return 0 if ok else 1


def cmd_call(a):
    body = a.json.encode() if a.raw else msgpack.packb(json.loads(a.json), use_bin_type=True)
    r = request(a, a.service, body, a.timeout)
    if r is None:
        print(json.dumps({"timeout_ms": a.timeout}))
        return 3
    if a.raw:
        print(json.dumps(r.decode("utf-8", "replace")))
    else:
        print(json.dumps(msgpack.unpackb(r, raw=False), ensure_ascii=False))
    return 0


def cmd_worker(a):
    s = sock(a, zmq.DEALER)
    s.send_multipart([b"", MDPW, READY, a.service.encode()])
    t0 = time.time()
    ev = {"service": a.service, "disconnect_after_s": None, "requests": 0, "heartbeats": 0, "probe": None}
    next_hb = t0 + 1.0
    probe_keys = None
    if a.probe_key:
        pub, sec = zmq.auth.load_certificate(a.probe_key)
        spub, _ = zmq.auth.load_certificate(a.server_key)
        probe_keys = (pub, sec, spub)
    probed = False
    end = t0 + a.for_s
    try:
        while time.time() < end:
            if probe_keys and not probed and time.time() - t0 > 1.0:
                probed = True
                code = request(a, "mmi.service", a.service.encode(), 3000, probe_keys)
                # the call goes out on a background-free REQ; our own socket
                # keeps being polled below, so a REQUEST to us is answered
                c = sock(a, zmq.REQ, probe_keys)
                c.send_multipart([MDPC, a.service.encode(), msgpack.packb({"ping": 1})])
                reply = None
                t1 = time.time()
                while time.time() - t1 < 3.0 and reply is None:
                    if s.poll(50, zmq.POLLIN):
                        handle(s, ev, t0)
                    if c.poll(0, zmq.POLLIN):
                        reply = c.recv_multipart()
                c.close()
                ev["probe"] = {"mmi": code.decode() if code else "timeout",
                               "call": msgpack.unpackb(reply[2], raw=False) if reply else "timeout"}
            if time.time() >= next_hb and ev["disconnect_after_s"] is None:
                s.send_multipart([b"", MDPW, HEARTBEAT])
                next_hb = time.time() + 1.0
            if s.poll(100, zmq.POLLIN):
                handle(s, ev, t0)
            if ev["disconnect_after_s"] is not None and (probed or not probe_keys):
                break
    finally:
        s.close()
    print(json.dumps(ev, ensure_ascii=False))
    return 0


def handle(s, ev, t0):
    fr = s.recv_multipart()
    if fr and fr[0] == b"":
        fr = fr[1:]
    if len(fr) < 2 or fr[0] != MDPW:
        return None
    if fr[1] == HEARTBEAT:
        ev["heartbeats"] += 1
    elif fr[1] == DISCONNECT:
        ev["disconnect_after_s"] = round(time.time() - t0, 3)
        return "disconnect"
    elif fr[1] == REQUEST and len(fr) >= 5:
        ev["requests"] += 1
        s.send_multipart([b"", MDPW, REPLY, fr[2], b"",
                          msgpack.packb({"echo": msgpack.unpackb(fr[4], raw=False), "worker": ev["service"]})])
    return None


def cmd_hotplug(a):
    keys = load_keys(a)
    dst = os.path.join(a.allow_dir, os.path.basename(a.pub))
    out = {"key_file": dst}
    n = [0]

    def submit(timeout_ms, s=None):
        n[0] += 1
        tid = "HP-%d-%d" % (os.getpid(), n[0])
        body = msgpack.packb(ticket(tid, n[0]))
        if s is None:
            r = request(a, "ticket.submit", body, timeout_ms, keys)
        else:
            s.send_multipart([b"", MDPC, b"ticket.submit", body])
            r = None
            end = time.time() + timeout_ms / 1000.0
            while time.time() < end:
                if s.poll(50, zmq.POLLIN):
                    fr = s.recv_multipart()
                    if len(fr) == 4:
                        r = fr[3]
                        if msgpack.unpackb(r, raw=False).get("id") == tid:
                            break
        if r is None:
            return "timeout"
        obj = msgpack.unpackb(r, raw=False)
        return obj.get("status") or obj.get("error") or repr(obj)

    # before: not in the allow-list, so not served
    out["before"] = submit(1000)
    # add: a new connection is served within --within
    t0 = time.time()
    shutil.copyfile(a.pub, dst + ".tmp")
    os.replace(dst + ".tmp", dst)
    served = None
    while time.time() - t0 < a.within + 3:
        st = submit(500)
        if st == "accepted":
            served = time.time() - t0
            break
    out["served_after_add_s"] = round(served, 2) if served is not None else None
    # a connection opened while the key is allowed, kept open
    keep = sock(a, zmq.DEALER, keys)
    out["kept_connection_before_remove"] = submit(3000, keep)
    # remove: new connections refused, the kept one no longer served
    t1 = time.time()
    os.remove(dst)
    refused_new = refused_kept = None
    kept_answers = []
    while time.time() - t1 < a.within + 3 and (refused_new is None or refused_kept is None):
        if refused_new is None and submit(500) != "accepted":
            refused_new = time.time() - t1
        if refused_kept is None:
            st = submit(500, keep)
            kept_answers.append(st)
            if st != "accepted":
                refused_kept = time.time() - t1
    keep.close()
    out["new_refused_after_remove_s"] = round(refused_new, 2) if refused_new is not None else None
    out["kept_refused_after_remove_s"] = round(refused_kept, 2) if refused_kept is not None else None
    out["kept_connection_answers"] = kept_answers[-3:]
    # and it stays refused
    out["after"] = submit(1000)
    print(json.dumps(out))
    ok = out["before"] != "accepted" and served is not None and served <= a.within and \
        out["kept_connection_before_remove"] == "accepted" and \
        refused_new is not None and refused_new <= a.within and \
        refused_kept is not None and refused_kept <= a.within and out["after"] != "accepted"
    return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--connect")
    ap.add_argument("--server-key")
    ap.add_argument("--key")
    sub = ap.add_subparsers(dest="cmd", required=True)
    k = sub.add_parser("keys")
    k.add_argument("--dir", required=True)
    k.add_argument("--name", required=True)
    c = sub.add_parser("call")
    c.add_argument("service")
    c.add_argument("json", nargs="?", default="{}")
    c.add_argument("--timeout", type=int, default=3000)
    c.add_argument("--raw", action="store_true")
    w = sub.add_parser("worker")
    w.add_argument("--service", required=True)
    w.add_argument("--for", dest="for_s", type=float, default=4.0)
    w.add_argument("--probe-key")
    h = sub.add_parser("hotplug")
    h.add_argument("--pub", required=True)
    h.add_argument("--allow-dir", required=True)
    h.add_argument("--within", type=float, default=2.5)
    a = ap.parse_args()
    sys.exit({"keys": cmd_keys, "call": cmd_call, "worker": cmd_worker, "hotplug": cmd_hotplug}[a.cmd](a))


if __name__ == "__main__":
    main()
