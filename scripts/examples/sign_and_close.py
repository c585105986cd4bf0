#!/usr/bin/python3
"""sign_and_close: a unit's clerk signs a ticket and closes it, from Python.

An example of the ticket.act service over the plain 7/MDP wire (a REQ
socket, MessagePack bodies; Debian's python3-zmq and python3-msgpack). The
broker must run with --manual for the ticket's unit (e.g. --manual 'unit.*').

    sign_and_close.py --connect tcp://127.0.0.1:5555 --as clerk-wang \\
        T-1001 "已联系物业更换电梯主板，电梯已恢复运行"

Without CURVE the broker takes the actor from 'as', on loopback only. With
CURVE, pass --curve-server broker.key --curve-key clerk.key_secret: the actor is the
key's name and the key must sit in the broker's allow/unit/<unit code>/ (or
allow/centre/).

Exit status: 0 signed and closed; 1 the broker refused an action (the reason
is printed); 2 bad usage; 3 no answer within --timeout.
"""
import argparse
import sys

import msgpack
import zmq
import zmq.auth


def call(sock, service, body, timeout_ms):
    """One MDP request on a REQ socket; the reply body decoded, or None on timeout."""
    sock.send_multipart([b"MDPC01", service.encode(), msgpack.packb(body)])
    if not sock.poll(timeout_ms):
        return None
    frames = sock.recv_multipart()
    if len(frames) != 3 or frames[0] != b"MDPC01":
        raise RuntimeError("not an MDP reply: %r" % frames[:1])
    return msgpack.unpackb(frames[2], raw=False)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--connect", default="tcp://127.0.0.1:5555")
    ap.add_argument("--as", dest="actor", help="who acts (without CURVE)")
    ap.add_argument("--curve-server", help="the broker's public key file, NAME.key (CURVE)")
    ap.add_argument("--curve-key", help="your key pair file, NAME.key_secret (CURVE)")
    ap.add_argument("--timeout", type=int, default=3000, help="ms to wait for each reply")
    ap.add_argument("id")
    ap.add_argument("result", help="what the citizen is told")
    a = ap.parse_args()
    if bool(a.curve_server) != bool(a.curve_key):
        ap.error("--curve-server and --curve-key go together")

    ctx = zmq.Context()
    sock = ctx.socket(zmq.REQ)
    sock.linger = 0
    if a.curve_key:
        pub, sec = zmq.auth.load_certificate(a.curve_key)
        server, _ = zmq.auth.load_certificate(a.curve_server)
        sock.curve_publickey, sock.curve_secretkey, sock.curve_serverkey = pub, sec, server
    sock.connect(a.connect)
    try:
        for action, extra in (("sign", {}), ("close", {"result": a.result})):
            body = {"id": a.id, "action": action, **extra}
            if a.actor:
                body["as"] = a.actor
            reply = call(sock, "ticket.act", body, a.timeout)
            if reply is None:
                print("no answer from %s within %d ms" % (a.connect, a.timeout), file=sys.stderr)
                return 3
            if reply.get("status") != "ok":
                print("%s refused: %s" % (action, reply.get("error")), file=sys.stderr)
                return 1
            print("%s %s: now %s, next deadline %s" % (a.id, action, reply["state"], reply.get("deadline")))
        return 0
    finally:
        sock.close()
        ctx.term()


if __name__ == "__main__":
    sys.exit(main())
