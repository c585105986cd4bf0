#!/usr/bin/python3
"""hotline-feed: submit tickets from a CSV or JSON Lines file to a hotline
broker, over the same 7/MDP v0.1 wire format as hotline-sim, from Python
(Debian's python3-zmq and python3-msgpack). Installed as `hotline-feed`.

The file holds one ticket per line (JSON Lines) or per row (CSV with
a header row of field names). Tickets go out in batches of --batch on a
DEALER socket, with up to --window batches unanswered at a time. A batch that
gets no answer for --timeout seconds is sent again on a fresh connection;
the ticket id is the idempotency key, so a ticket the broker had already
committed comes back `duplicate`, which counts as acknowledged.
"""
import argparse
import csv
import datetime
import json
import sys
import time
from collections import OrderedDict, deque

try:
    import msgpack
    import zmq
    import zmq.auth
except ImportError as e:  # pragma: no cover - depends on the machine
    sys.stderr.write("hotline-feed: %s (apt-get install python3-zmq python3-msgpack)\n" % e)
    sys.exit(69)

PROG = "hotline-feed"
EX_OK, EX_REJECTED, EX_USAGE, EX_DATAERR, EX_NOINPUT = 0, 1, 64, 65, 66
EX_UNAVAILABLE, EX_SOFTWARE, EX_INTERRUPTED = 69, 70, 130

SERVICE = b"ticket.submit"
MDPC = b"MDPC01"
FIELDS = ("id", "received_at", "type", "urgent", "text", "street", "caller", "channel", "centre")
REQUIRED = ("id", "received_at", "type", "text")
TYPE_NAMES = {"咨询": "consult", "求助": "help", "投诉": "complaint", "举报": "report",
              "建议": "suggest", "表扬": "praise"}
TRUE_WORDS = {"1", "true", "yes", "y", "t", "是"}
FALSE_WORDS = {"0", "false", "no", "n", "f", "否"}
CST = datetime.timezone(datetime.timedelta(hours=8))
BATCH_BYTES_MAX = 8 << 20          # flush a batch before its body passes 8 MiB (broker limit: 64 MiB)
POLL_MS = 200                      # main-loop tick: progress, resend and give-up checks

EPILOG = """\
input:
  JSON Lines (.jsonl, .ndjson): one ticket map per line, e.g.
    {"id":"A-1","received_at":1656640800,"type":"complaint","urgent":false,
     "text":"金霞街道某小区门口占道经营……","street":"jinxia"}
  CSV (.csv, UTF-8, a BOM is fine): a header row of field names, then one
    ticket per row; empty cells of optional fields are left out.
  Fields: id, received_at, type, text (required); urgent, street,
  caller, channel, centre (optional; a broker rejects a ticket of another
  centre than its own). received_at is Unix seconds or a time
  "YYYY-MM-DD HH:MM[:SS]" (China Standard Time unless it names an offset);
  type is consult|help|complaint|report|suggest|praise (or 咨询 求助 投诉 举报
  建议 表扬); urgent is true/false, 1/0, yes/no or 是/否.

  A line that cannot be read (bad JSON, wrong number of CSV fields, a missing
  field) is reported with its number and not sent; the other lines still go.
  A CSV header with a missing required or an unknown column stops the run.

output:
  A progress line on stderr when it is a terminal (not with --quiet), warnings
  as logfmt on stderr (-v for more), and a summary on stdout: accepted,
  duplicate (already known: counts as acknowledged), rejected with the line
  number, id and the broker's reason. --json prints the summary as one JSON
  object instead.

exit status:
  0 every ticket accepted or duplicate; 1 some lines rejected (by the broker or
  unreadable); 64 bad usage (or a file name that does not tell the format);
  65 not a ticket file (bad CSV header, not UTF-8); 66 the file cannot be
  opened; 69 the broker acknowledged nothing for --give-up seconds;
  130 interrupted.
"""


# ---------------------------------------------------------------- logging

class Log:
    """logfmt lines on stderr, warn and above unless -v; keeps the progress
    line (if any) from being mixed into a log line."""

    LEVELS = ("debug", "info", "warn", "error")

    def __init__(self):
        self.min = 2
        self.progress_shown = False

    def at(self, lvl, msg, **kv):
        if lvl < self.min:
            return
        now = datetime.datetime.now(datetime.timezone.utc)
        parts = ["ts=%s.%03dZ" % (now.strftime("%Y-%m-%dT%H:%M:%S"), now.microsecond // 1000),
                 "level=" + self.LEVELS[lvl], "proc=feed", "msg=" + quote(msg)]
        for k, v in kv.items():
            parts.append("%s=%s" % (k, quote(str(v)) if isinstance(v, str) else v))
        self.clear_progress()
        sys.stderr.write(" ".join(parts) + "\n")
        sys.stderr.flush()

    def clear_progress(self):
        if self.progress_shown:
            sys.stderr.write("\r\033[K")
            self.progress_shown = False

    def debug(self, msg, **kv): self.at(0, msg, **kv)
    def info(self, msg, **kv): self.at(1, msg, **kv)
    def warn(self, msg, **kv): self.at(2, msg, **kv)
    def error(self, msg, **kv): self.at(3, msg, **kv)


def quote(s):
    if s and all(c.isprintable() and c not in ' "=\\' for c in s):
        return s
    out = []
    for c in s:
        if c in '"\\':
            out.append("\\" + c)
        elif ord(c) < 0x20:
            out.append("\\x%02x" % ord(c))
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


LOG = Log()


class Fatal(Exception):
    """The run cannot go on: message and exit status."""

    def __init__(self, msg, code):
        super().__init__(msg)
        self.code = code


# ---------------------------------------------------------------- input

class LineError(Exception):
    """One unreadable line: reported, not sent."""


def conv_time(v):
    if isinstance(v, bool):
        raise LineError("field 'received_at' must be Unix seconds or a time, not true/false")
    if isinstance(v, int):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, str):
        s = v.strip()
        if s.lstrip("-").isdigit():
            return int(s)
        try:
            t = datetime.datetime.fromisoformat(s)
        except ValueError:
            raise LineError("field 'received_at' must be Unix seconds or a time "
                            "YYYY-MM-DD HH:MM[:SS], not %r" % v[:40]) from None
        if t.tzinfo is None:
            t = t.replace(tzinfo=CST)
        return int(t.timestamp())
    raise LineError("field 'received_at' must be Unix seconds or a time string")


def conv_bool(v):
    if isinstance(v, bool):
        return v
    if isinstance(v, int) and v in (0, 1):
        return bool(v)
    if isinstance(v, str):
        w = v.strip().lower()
        if w in TRUE_WORDS:
            return True
        if w in FALSE_WORDS:
            return False
    raise LineError("field 'urgent' must be true or false, not %r" % (v if not isinstance(v, str) else v[:20]))


def make_ticket(raw):
    """raw: a dict of field -> value (JSON values or CSV strings, None/'' for
    absent optional fields). Returns the wire map or raises LineError."""
    unknown = [k for k in raw if k not in FIELDS]
    if unknown:
        raise LineError("unknown field %r (fields: %s)" % (unknown[0], ", ".join(FIELDS)))
    t = {}
    for k in REQUIRED:
        v = raw.get(k)
        if v is None or (isinstance(v, str) and v == "" and k != "text"):
            raise LineError("field '%s' is missing" % k)
    for k in ("id", "type", "text"):
        if not isinstance(raw[k], str):
            raise LineError("field '%s' must be a string" % k)
    t["id"] = raw["id"]
    t["received_at"] = conv_time(raw["received_at"])
    t["type"] = TYPE_NAMES.get(raw["type"].strip(), raw["type"].strip())
    v = raw.get("urgent")
    if v is not None and v != "":
        t["urgent"] = conv_bool(v)
    t["text"] = raw["text"]
    for k in ("street", "caller", "channel", "centre"):
        v = raw.get(k)
        if v is None or v == "":
            continue
        if not isinstance(v, str):
            raise LineError("field '%s' must be a string" % k)
        t[k] = v
    return t


def read_jsonl(f):
    """Yields (line number, ticket map or None, error or None)."""
    for n, line in enumerate(f, 1):
        if not line.strip():
            continue
        try:
            try:
                obj = json.loads(line.strip())
            except json.JSONDecodeError as e:
                raise LineError("bad JSON at column %d: %s" % (e.colno, e.msg)) from None
            except ValueError as e:  # e.g. a number too long to convert
                raise LineError("bad JSON: %s" % e) from None
            if not isinstance(obj, dict):
                raise LineError("expected a JSON object (one ticket map per line), got %s" % type(obj).__name__)
            yield n, make_ticket(obj), None
        except LineError as e:
            yield n, None, str(e)


def read_csv(f, name):
    r = csv.reader(f, strict=True)
    try:
        header = next(r)
    except StopIteration:
        return
    except csv.Error as e:
        raise Fatal("%s: line 1: %s" % (name, e), EX_DATAERR)
    header = [h.strip() for h in header]
    missing = [h for h in REQUIRED if h not in header]
    if missing:
        raise Fatal("%s: line 1: the header has no column %s (need %s; optional %s)" % (
            name, ", ".join(repr(m) for m in missing), ", ".join(REQUIRED),
            ", ".join(h for h in FIELDS if h not in REQUIRED)), EX_DATAERR)
    for h in header:
        if h not in FIELDS:
            raise Fatal("%s: line 1: unknown column %r (columns: %s)" % (name, h, ", ".join(FIELDS)), EX_DATAERR)
        if header.count(h) > 1:
            raise Fatal("%s: line 1: column %r given twice" % (name, h), EX_DATAERR)
    end = r.line_num
    while True:
        start = end + 1
        try:
            row = next(r)
        except StopIteration:
            return
        except csv.Error as e:
            # the csv module cannot find the next row after a broken quote
            yield start, None, "bad CSV: %s; the rest of the file was not read" % e
            return
        end = r.line_num
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        try:
            if len(row) != len(header):
                raise LineError("%d fields, the header has %d" % (len(row), len(header)))
            yield start, make_ticket(dict(zip(header, row))), None
        except LineError as e:
            yield start, None, str(e)


def open_input(path, fmt):
    if fmt == "auto":
        low = path.lower()
        if low.endswith(".csv"):
            fmt = "csv"
        elif low.endswith((".jsonl", ".ndjson", ".json")):
            fmt = "jsonl"
        else:
            raise Fatal("%s: cannot tell the format from the name; say --format csv or --format jsonl" % path,
                        EX_USAGE)
    try:
        if path == "-":
            f = open(sys.stdin.fileno(), encoding="utf-8-sig", newline="" if fmt == "csv" else None,
                     closefd=False)
        else:
            f = open(path, encoding="utf-8-sig", newline="" if fmt == "csv" else None)
    except OSError as e:
        raise Fatal("%s: %s" % (path, e.strerror or e), EX_NOINPUT)
    return f, fmt


def records(f, fmt, name):
    it = read_csv(f, name) if fmt == "csv" else read_jsonl(f)
    try:
        yield from it
    except UnicodeDecodeError as e:
        raise Fatal("%s: not UTF-8 text (%s)" % (name, e), EX_DATAERR)


def count_records(path, fmt):
    """A quick first pass for the progress line: records in the file, or None."""
    if path == "-":
        return None
    try:
        with open(path, encoding="utf-8-sig", newline="" if fmt == "csv" else None, errors="replace") as f:
            if fmt == "jsonl":
                return sum(1 for line in f if line.strip())
            n = -1
            for row in csv.reader(f):
                if row and not (len(row) == 1 and not row[0].strip()):
                    n += 1
            return max(n, 0)
    except (OSError, csv.Error):
        return None


# ---------------------------------------------------------------- feeding

class Batch:
    __slots__ = ("seq", "lines", "tickets", "body", "sent_at", "sends")

    def __init__(self, seq, lines, tickets):
        self.seq, self.lines, self.tickets = seq, lines, tickets
        self.body = msgpack.packb(tickets, use_bin_type=True)
        self.sent_at, self.sends = None, 0


class Feeder:
    def __init__(self, a, source, total):
        self.a = a
        self.source = source
        self.total = total
        self.ctx = zmq.Context.instance()
        self.sock = None
        self.poller = None
        self.curve = None
        self.inflight = OrderedDict()      # seq -> Batch, in send order
        self.retry = deque()               # (not_before, line, ticket): answered `retry`
        self.seq = 0
        self.exhausted = False
        self.read = self.sent = 0
        self.accepted = self.duplicate = 0
        self.rejected = []                 # (line, id, error)
        self.unreadable = 0
        self.resends = self.retries = 0
        self.first_line = {}               # id -> first line, to name in-file duplicates
        self.dup_in_file = []              # (line, id, first line)
        self.t0 = time.monotonic()
        self.last_answer = self.t0         # any reply: the connection works
        self.last_final = self.t0          # a reply with a final status: progress
        self.stopped_at = None             # line where an unreadable CSV stopped the reading
        self.last_progress = 0.0
        self.show_progress = not a.quiet and sys.stderr.isatty()

    # -- socket
    def load_curve(self):
        a = self.a
        if not a.curve_server and not a.curve_key:
            return
        if not (a.curve_server and a.curve_key):
            raise Fatal("--curve-server and --curve-key go together", EX_USAGE)
        try:
            server_pub, _ = zmq.auth.load_certificate(a.curve_server)
            pub, sec = zmq.auth.load_certificate(a.curve_key)
        except (OSError, ValueError) as e:
            raise Fatal("cannot read a CURVE key: %s" % e, EX_USAGE)
        if not server_pub or not pub or not sec:
            raise Fatal("--curve-key needs the key pair file (NAME.key_secret from hotline-keygen), "
                        "--curve-server the broker's public key (NAME.key)", EX_USAGE)
        self.curve = (server_pub, pub, sec)

    def connect(self):
        if self.sock is not None:
            self.sock.close(linger=0)
        s = self.ctx.socket(zmq.DEALER)
        s.setsockopt(zmq.LINGER, 0)
        s.setsockopt(zmq.SNDHWM, self.a.window + 16)
        s.setsockopt(zmq.RCVHWM, self.a.window + 16)
        s.setsockopt(zmq.SNDTIMEO, 1000)
        if self.curve:
            s.curve_serverkey, s.curve_publickey, s.curve_secretkey = self.curve
        try:
            s.connect(self.a.connect)
        except zmq.ZMQError as e:
            s.close(linger=0)
            raise Fatal("cannot connect to %s: %s" % (self.a.connect, e), EX_USAGE)
        self.sock = s
        self.poller = zmq.Poller()
        self.poller.register(s, zmq.POLLIN)

    def send(self, b):
        b.sent_at = time.monotonic()
        b.sends += 1
        try:
            self.sock.send_multipart([b"", MDPC, SERVICE, b.body])
        except zmq.Again:
            # the connection's queue is full (no broker yet): the timeout resends it
            LOG.debug("send queue full", batch=b.seq)

    # -- batches
    def next_batch(self):
        """The next batch: due `retry` tickets first, then new lines."""
        lines, tickets, size = [], [], 0
        now = time.monotonic()
        while self.retry and self.retry[0][0] <= now and len(tickets) < self.a.batch:
            _, line, t = self.retry.popleft()
            lines.append(line)
            tickets.append(t)
        while not self.exhausted and len(tickets) < self.a.batch and size < BATCH_BYTES_MAX:
            try:
                line, t, err = next(self.source)
            except StopIteration:
                self.exhausted = True
                break
            self.read += 1
            if err is not None:
                if err.startswith("bad CSV:"):
                    self.stopped_at = line
                self.unreadable += 1
                self.rejected.append((line, None, err))
                continue
            first = self.first_line.setdefault(t["id"], line)
            if first != line:
                self.dup_in_file.append((line, t["id"], first))
            lines.append(line)
            tickets.append(t)
            size += len(t["text"].encode("utf-8", "surrogatepass")) + 200
        if not tickets:
            return None
        self.seq += 1
        return Batch(self.seq, lines, tickets)

    def fill(self):
        while len(self.inflight) < self.a.window:
            b = self.next_batch()
            if b is None:
                return
            self.inflight[b.seq] = b
            self.sent += len(b.tickets)
            self.send(b)

    def done(self):
        return self.exhausted and not self.inflight and not self.retry

    # -- replies
    @staticmethod
    def ids_match(b, items):
        if len(items) != len(b.tickets):
            return False
        for t, r in zip(b.tickets, items):
            rid = r.get("id") if isinstance(r, dict) else None
            if rid is not None and rid != t["id"]:
                return False
        return True

    def on_reply(self, frames):
        if len(frames) != 4 or frames[0] != b"" or frames[1] != MDPC or frames[2] != SERVICE:
            LOG.warn("malformed reply ignored", frames=len(frames))
            return
        try:
            body = msgpack.unpackb(frames[3], raw=False)
        except Exception as e:  # msgpack raises several types
            LOG.warn("undecodable reply ignored", error=str(e))
            return
        if isinstance(body, dict):
            # a whole-request answer (e.g. {status: retry}); replies come in order
            if not self.inflight:
                LOG.warn("unexpected reply ignored", status=str(body.get("status")))
                return
            b = next(iter(self.inflight.values()))
            items = [body] * len(b.tickets)
        elif isinstance(body, list):
            b = None
            for cand in self.inflight.values():  # normally the oldest one
                if self.ids_match(cand, body):
                    b = cand
                    break
            if b is None:
                LOG.warn("reply matches no batch in flight; ignored", items=len(body))
                return
            items = body
        else:
            LOG.warn("unexpected reply ignored", type=type(body).__name__)
            return
        del self.inflight[b.seq]
        self.last_answer = time.monotonic()
        for line, t, r in zip(b.lines, b.tickets, items):
            st = r.get("status") if isinstance(r, dict) else None
            if st != "retry":
                self.last_final = self.last_answer
            if st == "accepted":
                self.accepted += 1
            elif st == "duplicate":
                self.duplicate += 1
            elif st == "retry":
                self.retries += 1
                self.retry.append((self.last_answer + 1.0, line, t))
            else:
                err = r.get("error") if isinstance(r, dict) else None
                self.rejected.append((line, t["id"], str(err or "status %r" % st)))

    def reset_and_resend(self):
        self.resends += 1
        LOG.warn("no answer; resending on a new connection", endpoint=self.a.connect,
                 batches=len(self.inflight), tickets=sum(len(b.tickets) for b in self.inflight.values()),
                 after_s=self.a.timeout)
        self.connect()
        for b in self.inflight.values():
            self.send(b)

    # -- progress
    def progress(self, force=False):
        if not self.show_progress:
            return
        now = time.monotonic()
        if not force and now - self.last_progress < 0.2:
            return
        self.last_progress = now
        acked = self.accepted + self.duplicate
        el = max(now - self.t0, 1e-6)
        tot = "/%d" % self.total if self.total is not None else ""
        s = "feed: %d%s sent, %d acknowledged (%d accepted, %d duplicate), %d rejected, %.0f/s" % (
            self.sent, tot, acked, self.accepted, self.duplicate, len(self.rejected), acked / el)
        if self.resends:
            s += ", %d resends" % self.resends
        if self.inflight and now - max(self.last_answer, min(b.sent_at for b in self.inflight.values())) > 1.0:
            s += ", waiting for the broker"
        sys.stderr.write("\r\033[K" + s)
        sys.stderr.flush()
        LOG.progress_shown = True

    def resend_due(self):
        """When to give up on the connection: --timeout after the newer of the
        oldest unanswered send and the last reply (a busy broker that keeps
        answering is left alone)."""
        oldest = min(b.sent_at for b in self.inflight.values())
        return max(oldest, self.last_answer) + self.a.timeout

    # -- main loop
    def run(self):
        self.load_curve()
        self.connect()
        LOG.info("feeding", endpoint=self.a.connect, batch=self.a.batch, window=self.a.window)
        self.fill()
        while not self.done():
            now = time.monotonic()
            wait = POLL_MS / 1000.0
            if self.inflight:
                wait = min(wait, self.resend_due() - now)
            if self.retry:
                wait = min(wait, self.retry[0][0] - now)
            wait = max(wait, 0.0)
            for sock, _ in self.poller.poll(int(wait * 1000) + 1):
                for _ in range(self.a.window + 16):  # bounded drain
                    try:
                        frames = sock.recv_multipart(zmq.NOBLOCK)
                    except zmq.Again:
                        break
                    self.on_reply(frames)
            now = time.monotonic()
            if now - self.last_final > self.a.give_up:
                raise Fatal("the broker at %s acknowledged nothing for %g s; giving up" % (
                    self.a.connect, self.a.give_up), EX_UNAVAILABLE)
            if self.inflight and now >= self.resend_due():
                self.reset_and_resend()
            self.fill()
            self.progress()
        self.progress(force=True)
        LOG.clear_progress()

    def close(self):
        if self.sock is not None:
            self.sock.close(linger=0)
            self.sock = None

    # -- summary
    def summary(self, name, status=None):
        el = time.monotonic() - self.t0
        return {
            "file": name, "endpoint": self.a.connect,
            "tickets": self.read, "accepted": self.accepted, "duplicate": self.duplicate,
            "rejected": len(self.rejected), "unreadable": self.unreadable,
            "unanswered": sum(len(b.tickets) for b in self.inflight.values()) + len(self.retry),
            "unread": None if self.exhausted and self.stopped_at is None else
            (self.total - self.read if self.total is not None and self.total >= self.read else None),
            "stopped_at_line": self.stopped_at,
            "resends": self.resends, "retries": self.retries, "seconds": round(el, 3),
            "rejects": [{"line": ln, "id": i, "error": e} for ln, i, e in sorted(self.rejected, key=lambda r: r[0])],
            "duplicate_ids_in_file": [{"line": ln, "id": i, "first_line": f} for ln, i, f in self.dup_in_file],
            "status": status or "ok",
        }


def print_summary(s, as_json, out):
    if as_json:
        out.write(json.dumps(s, ensure_ascii=False) + "\n")
        return
    rate = (s["accepted"] + s["duplicate"]) / s["seconds"] if s["seconds"] > 0 else 0.0
    out.write("feed: %d ticket%s from %s to %s in %.1f s (%.0f/s)\n" % (
        s["tickets"], "" if s["tickets"] == 1 else "s", s["file"], s["endpoint"], s["seconds"], rate))
    out.write("  accepted   %d\n  duplicate  %d  (already known: acknowledged)\n  rejected   %d\n" % (
        s["accepted"], s["duplicate"], s["rejected"]))
    for r in s["rejects"][:20]:
        who = " id %s" % r["id"] if r["id"] is not None else ""
        out.write("    line %d%s: %s\n" % (r["line"], who, r["error"]))
    if s["rejected"] > 20:
        out.write("    ... and %d more (--json lists them all)\n" % (s["rejected"] - 20))
    if s["duplicate_ids_in_file"]:
        d = s["duplicate_ids_in_file"]
        out.write("  ids repeated in the file: %d (line %d repeats line %d, id %s)\n" % (
            len(d), d[0]["line"], d[0]["first_line"], d[0]["id"]))
    if s["resends"] or s["retries"]:
        out.write("  resends   %d, retry answers %d\n" % (s["resends"], s["retries"]))
    if s["unanswered"] > 0:
        out.write("  unanswered %d  (sent, no final answer)\n" % s["unanswered"])
    if s["unread"]:
        out.write("  not sent   %d  (not read from the file)\n" % s["unread"])


# ---------------------------------------------------------------- options

class Parser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        sys.stderr.write("%s: %s\n" % (PROG, message))
        sys.exit(EX_USAGE)


def positive(kind, lo, hi):
    def conv(s):
        try:
            v = kind(s)
        except ValueError:
            raise argparse.ArgumentTypeError("not a number: %r" % s) from None
        if not lo <= v <= hi:
            raise argparse.ArgumentTypeError("%s is outside %s..%s" % (s, lo, hi))
        return v
    return conv


def parse_args(argv):
    ap = Parser(prog=PROG, formatter_class=argparse.RawDescriptionHelpFormatter,
                description="Submits tickets from a CSV or JSON Lines file to a hotline broker\n"
                            "(ticket.submit over 7/MDP v0.1), with a progress line and resends;\n"
                            "prints how many were accepted, duplicate and rejected (with reasons).",
                epilog=EPILOG)
    ap.add_argument("file", metavar="FILE", help="tickets: NAME.csv or NAME.jsonl ('-': stdin, with --format)")
    ap.add_argument("-c", "--connect", metavar="EP", default="tcp://127.0.0.1:5555",
                    help="broker endpoint (default tcp://127.0.0.1:5555)")
    ap.add_argument("-f", "--format", choices=("auto", "csv", "jsonl"), default="auto",
                    help="input format (default: from the file name)")
    ap.add_argument("-b", "--batch", metavar="N", type=positive(int, 1, 100000), default=200,
                    help="tickets per ticket.submit request (default 200)")
    ap.add_argument("-w", "--window", metavar="N", type=positive(int, 1, 1000), default=8,
                    help="requests in flight (default 8)")
    ap.add_argument("-t", "--timeout", metavar="S", type=positive(float, 0.1, 86400), default=10.0,
                    help="no answer for S seconds: reconnect and resend everything "
                         "unacknowledged (default 10)")
    ap.add_argument("--give-up", metavar="S", type=positive(float, 1, 10 ** 7), default=300.0,
                    help="exit 69 when the broker acknowledged nothing for S seconds (default 300)")
    ap.add_argument("--curve-server", metavar="FILE", help="the broker's public key (NAME.key): use CURVE")
    ap.add_argument("--curve-key", metavar="FILE",
                    help="this client's key pair (NAME.key_secret, from hotline-keygen)")
    ap.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    ap.add_argument("-q", "--quiet", action="store_true", help="no progress line")
    ap.add_argument("-v", "--verbose", action="count", default=0, help="log at info level (twice: debug)")
    ap.add_argument("-V", "--version", action="version", version="%s (hotline) 0.1.0" % PROG)
    return ap.parse_args(argv)


def main(argv=None):
    a = parse_args(argv)
    LOG.min = max(0, 2 - a.verbose)
    name = a.file if a.file != "-" else "stdin"
    feeder = None
    status = EX_OK
    try:
        f, fmt = open_input(a.file, a.format)
        with f:
            total = count_records(a.file, fmt)
            feeder = Feeder(a, records(f, fmt, name), total)
            try:
                feeder.run()
            finally:
                feeder.close()
    except Fatal as e:
        LOG.clear_progress()
        sys.stderr.write("%s: %s\n" % (PROG, e))
        if feeder is None or e.code in (EX_USAGE, EX_DATAERR, EX_NOINPUT):
            return e.code
        status = e.code
    except KeyboardInterrupt:
        LOG.clear_progress()
        sys.stderr.write("%s: interrupted\n" % PROG)
        if feeder is None:
            return EX_INTERRUPTED
        status = EX_INTERRUPTED
    s = feeder.summary(name, {EX_OK: "ok", EX_UNAVAILABLE: "gave up",
                              EX_INTERRUPTED: "interrupted"}.get(status, "error"))
    if status == EX_OK and s["rejected"]:
        status = EX_REJECTED
        s["status"] = "rejected"
    print_summary(s, a.json, sys.stdout)
    sys.stdout.flush()
    return status


if __name__ == "__main__":
    sys.exit(main())
