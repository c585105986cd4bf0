#!/usr/bin/python3
"""mdp_call: one 7/MDP v0.1 client request from the command line, written
independently of the C code (pyzmq + msgpack, a REQ socket). Used by the
black-box tests.

  mdp_call.py --connect EP SERVICE JSON      → prints the reply body as JSON
  mdp_call.py --connect EP --mmi NAME [--expect 200] [--wait S]
"""
import argparse, json, sys, time
import msgpack, zmq


def request(ep, service, body, timeout_ms=10000):
    ctx = zmq.Context.instance()
    s = ctx.socket(zmq.REQ)
    s.setsockopt(zmq.LINGER, 0)
    s.setsockopt(zmq.RCVTIMEO, timeout_ms)
    s.connect(ep)
    try:
        s.send_multipart([b"MDPC01", service.encode(), body])
        frames = s.recv_multipart()
    finally:
        s.close()
    if len(frames) != 3 or frames[0] != b"MDPC01" or frames[1] != service.encode():
        raise SystemExit("malformed MDP reply: %r" % frames[:2])
    return frames[2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--connect", required=True)
    ap.add_argument("--mmi")
    ap.add_argument("--expect")
    ap.add_argument("--wait", type=float, default=0)
    ap.add_argument("--timeout", type=int, default=10000)
    ap.add_argument("service", nargs="?")
    ap.add_argument("json", nargs="?", default="{}")
    a = ap.parse_args()
    if a.mmi:
        end = time.time() + a.wait
        while True:
            try:
                code = request(a.connect, "mmi.service", a.mmi.encode(), 1000).decode()
            except zmq.Again:
                code = "timeout"
            if not a.expect or code == a.expect or time.time() > end:
                print(code)
                sys.exit(0 if not a.expect or code == a.expect else 1)
            time.sleep(0.1)
    reply = request(a.connect, a.service, msgpack.packb(json.loads(a.json)), a.timeout)
    print(json.dumps(msgpack.unpackb(reply, raw=False), ensure_ascii=False))


if __name__ == "__main__":
    main()
