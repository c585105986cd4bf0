#!/usr/bin/python3
"""make_seeds: writes the hand-made seed inputs of tests/fuzz/corpus/<harness>/
(files named seed-*). Run from anywhere: /usr/bin/python3 tests/fuzz/make_seeds.py
Needs python3-msgpack (scripts/deps test). Inputs the fuzzer found and kept
(after -merge=1) have SHA-1 names and are not touched here. Small slices of
the shipped data (schemas/) are copied in as valid examples."""
import os
import struct
import msgpack

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
MAXLEN = {"ticket": 8192}  # scripts/fuzz: -max_len=8192 for ticket, 4096 for the others


def data(rel):
    with open(os.path.join(ROOT, rel), "rb") as f:
        return f.read()


def write(harness, name, blob):
    assert len(blob) <= MAXLEN.get(harness, 4096), (harness, name, len(blob))
    d = os.path.join(HERE, "corpus", harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(blob)


def pk(obj):
    return msgpack.packb(obj, use_bin_type=True)


TICKET = {"id": "LH-2022-000001", "received_at": 1646100000, "type": "complaint",
          "text": "金霞街道长平路施工噪音扰民，晚上11点还在施工。", "urgent": False,
          "street": "jinxia", "channel": "phone", "caller": "+86 138-0000-0000"}


def wire_seeds():
    w = lambda n, b: write("wire", n, b)
    w("ticket", pk(TICKET))
    w("empty-map", b"\x80")
    w("scalars", pk([None, True, False, 0, -1, 127, -32, 255, -129, 65535, -40000, 2**32, -(2**40),
                     2**64 - 1, -(2**63), 1.5, "", "短"]))
    w("float32", b"\x92\xca\x3f\xc0\x00\x00\xca\x7f\xc0\x00\x00")   # 1.5, NaN
    w("float64-nan", b"\xcb\x7f\xf8\x00\x00\x00\x00\x00\x00")
    w("bin", pk({"b": b"\x00\x01\xff"}))
    w("str8-short", b"\xd9\x03abc")          # non-minimal encodings
    w("str16", b"\xda\x00\x02hi")
    w("array16", b"\xdc\x00\x02\x01\x02")
    w("map16", b"\xde\x00\x01\xa1k\xc0")
    w("int-forms", b"\x95\xcc\x01\xcd\x00\x01\xd0\x01\xd1\x00\x01\xd3\x00\x00\x00\x00\x00\x00\x00\x01")
    w("depth8", b"\x91" * 7 + b"\x90")
    w("depth9", b"\x91" * 8 + b"\x90")
    w("dup-keys", b"\x82\xa1a\x01\xa1a\xa1x")
    w("nested-map", pk({"a": {"b": {"c": [1, {"d": None}]}}, "s": "x" * 40}))
    w("key-not-str", b"\x81\x01\x02")
    w("ext", b"\xd4\x01\x00")
    w("reserved-c1", b"\xc1")
    w("truncated", b"\x82\xa1a\x01")
    w("trailing", b"\x01\x02")
    w("count-lie", b"\xdd\xff\xff\xff\xff")
    w("bad-utf8", b"\xa2\xc3\x28")
    w("overlong", b"\xa2\xc0\xaf")
    w("surrogate", b"\xa3\xed\xa0\x80")
    w("max-cp", b"\xa4\xf4\x8f\xbf\xbf")
    w("past-max-cp", b"\xa4\xf4\x90\x80\x80")
    w("uint64-field", b"\x81\xa1i\xcf\xff\xff\xff\xff\xff\xff\xff\xff")
    w("empty", b"")


def ticket_seeds():
    w = lambda n, o: write("ticket", n, pk(o) if not isinstance(o, bytes) else o)
    w("full", TICKET)
    w("minimal", {"id": "T1", "received_at": 946684800, "type": "consult", "text": "社保怎么查询？"})
    w("praise", {"id": "T2", "received_at": 4102444800, "type": "praise", "text": "表扬", "urgent": False,
                 "street": None, "channel": None, "caller": None})
    w("praise-urgent", dict(TICKET, type="praise", urgent=True))
    w("urgent-help", dict(TICKET, type="help", urgent=True, street="xinjin", channel="wechat"))
    w("bad-street", dict(TICKET, street="nowhere"))
    w("bad-type", dict(TICKET, type="complain"))
    w("time-early", dict(TICKET, received_at=946684799))
    w("time-negative", dict(TICKET, received_at=-5))
    w("time-uint64", dict(TICKET, received_at=2**64 - 1))
    w("time-str", dict(TICKET, received_at="1646100000"))
    w("id-long", dict(TICKET, id="X" * 65))
    w("id-ctl", dict(TICKET, id="A\x01B"))
    w("id-empty", dict(TICKET, id=""))
    w("text-4096", dict(TICKET, text="长" * 1365 + "a"))
    w("text-4097", dict(TICKET, text="长" * 1365 + "ab"))
    w("text-nul", dict(TICKET, text="a\x00b"))
    w("text-empty", dict(TICKET, text=""))
    w("caller-letters", dict(TICKET, caller="call me"))
    w("caller-long", dict(TICKET, caller="1" * 33))
    w("channel-long", dict(TICKET, channel="c" * 17))
    w("urgent-int", dict(TICKET, urgent=1))
    w("not-a-map", [TICKET["id"]])
    w("garbage", b"\xa5hello")


def frames(*fs, rest=False):
    out = b""
    for i, f in enumerate(fs):
        if rest and i == len(fs) - 1:
            out += b"\xff" + f
        else:
            assert len(f) < 255
            out += bytes([len(f)]) + f
    return out


def mdp_seeds():
    w = lambda n, b: write("mdp", n, b)
    peer, client = b"\x00\x80\x00\x00\x01", b"\x00\x80\x00\x00\x02"
    body = pk(TICKET)
    w("client-request", frames(peer, b"", b"MDPC01", b"ticket.submit", body, rest=True))
    w("client-empty-service", frames(peer, b"", b"MDPC01", b"", b"\x80"))
    w("client-long-service", frames(peer, b"", b"MDPC01", b"s" * 65, b"\x80"))
    w("worker-ready", frames(peer, b"", b"MDPW01", b"\x01", b"unit.chengguan"))
    w("worker-reply", frames(peer, b"", b"MDPW01", b"\x03", client, b"", pk({"ok": True}), rest=True))
    w("worker-reply-no-empty", frames(peer, b"", b"MDPW01", b"\x03", client, b"x", b"\x80"))
    w("worker-heartbeat", frames(peer, b"", b"MDPW01", b"\x04"))
    w("worker-disconnect", frames(peer, b"", b"MDPW01", b"\x05"))
    w("worker-sends-request", frames(peer, b"", b"MDPW01", b"\x02", client, b"", b"\x80"))
    w("worker-bad-cmd", frames(peer, b"", b"MDPW01", b"\x06"))
    w("worker-cmd-2bytes", frames(peer, b"", b"MDPW01", b"\x04\x04"))
    w("router-no-delim", frames(peer, b"x", b"MDPC01", b"svc", b"\x80"))
    w("router-bad-proto", frames(peer, b"", b"MDPX01", b"svc", b"\x80"))
    w("router-extra", frames(peer, b"", b"MDPW01", b"\x04", b"extra"))
    w("router-10-frames", frames(peer, b"", b"MDPC01", b"svc", b"\x80", *[b"x"] * 5))
    w("to-worker-request", frames(b"", b"MDPW01", b"\x02", client, b"", body, rest=True))
    w("to-worker-heartbeat", frames(b"", b"MDPW01", b"\x04"))
    w("to-worker-disconnect", frames(b"", b"MDPW01", b"\x05"))
    w("to-worker-ready", frames(b"", b"MDPW01", b"\x01", b"svc"))
    w("client-reply-dealer", frames(b"", b"MDPC01", b"ticket.submit", pk({"id": "T1", "ok": True})))
    w("client-reply-req", frames(b"MDPC01", b"ticket.submit", b"\x80"))
    w("client-reply-short", frames(b"", b"MDPC01", b"svc"))
    w("one-frame", frames(b""))
    w("truncated-len", b"\x05ab")
    w("empty", b"")


def scenario_seeds():
    w = lambda n, b: write("scenario", n, b)
    smoke = data("schemas/scenarios/smoke.scn")
    w("smoke", smoke)
    minimal = (b"[scenario]\nname = m\nseed = 1\nfrom = 2022-03-01\nto = 2022-03-02T12:30\n"
               b"[counts]\nreceived = 10\nurgent = 1\npraise = 1\n"
               b"[model]\nsign = uniform 0.5 4 min 1 max 3\nhandle.help = exp 2 max 9\n"
               b"handle.urgent = fixed 1\nrating = 5:1 4:0.5\np.return = 0.5\n"
               b"[published]\nreceived = 10\n[mix.type]\nconsult = 1\n[mix.category.urgent]\ncity = 1\n")
    w("minimal", minimal)
    w("crlf", minimal.replace(b"\n", b"\r\n"))
    w("dup-key", minimal + b"[counts]\n")
    w("dup-section", b"[scenario]\nname = a\nname = b\n")
    w("unknown-section", b"[scenario]\n[nope]\n")
    w("no-bracket", b"[scenario\n")
    w("outside", b"name = x\n")
    w("bad-dist", minimal.replace(b"exp 2 max 9", b"exp 0"))
    w("dist-min-max", minimal.replace(b"exp 2 max 9", b"lognormal 2 0.5 min 3 max 1"))
    w("dist-junk", minimal.replace(b"exp 2 max 9", b"exp 2 mux 9"))
    w("weights-dup", minimal.replace(b"5:1 4:0.5", b"5:1 5:2"))
    w("weights-zero", minimal.replace(b"5:1 4:0.5", b"5:0 4:0"))
    w("feb30", minimal.replace(b"2022-03-01", b"2022-02-30"))
    w("to-before-from", minimal.replace(b"2022-03-02T12:30", b"2022-02-28"))
    w("counts-exceed", minimal.replace(b"received = 10", b"received = 1"))
    w("count-fraction", minimal.replace(b"received = 10", b"received = 10.5"))
    w("mix-zero", minimal.replace(b"consult = 1", b"consult = 0"))
    w("mix-bad-label", minimal.replace(b"consult = 1", b"praise = 1"))
    w("bad-utf8", b"[scenario]\nname = \xff\n")
    w("nul", b"[scenario]\x00\n")
    w("comment-only", b"# nothing\n\n   \n")


def kb_seeds():
    w = lambda n, b: write("kb", n, b)
    lines = data("schemas/kb/longhu-kb.tsv").split(b"\n")
    head = [l for l in lines if l.startswith(b"#")][:2]
    rows = [l for l in lines if l and not l.startswith(b"#")]
    pick = lambda ids: [r for r in rows if r.split(b"\t")[0] in ids]
    some = pick({b"KB0001", b"KB0002", b"KB0003"})
    w("slice", "摆地摊占道经营，违建举报怎么办\n".encode() + b"\n".join(head + some) + b"\n")
    short = [r for r in rows if len(r) < 300][:8]
    w("short-rows", "金霞街道有人占道经营，施工噪音扰民，违法建设\n".encode() + b"\n".join(short) + b"\n")
    w("crlf", "违建\n".encode() + b"\r\n".join(some) + b"\r\n")
    one = ("KB9001\tenvironment\tunit.huanjing\t施工噪音|噪音|夜间施工噪音扰民\t"
           "夜间施工须持证。\n").encode()
    street = "KB9002\tcommunity\tstreet\t楼道 | 杂物 |  \t\n".encode()
    w("consult", "夜间施工噪音扰民怎么办\n".encode() + one + street)
    w("no-text", one)
    w("dup-id", b"x\n" + one + one)
    w("four-fields", b"x\nKB1\tcity\tunit.chengguan\tkw\n")
    w("six-fields", b"x\nKB1\tcity\tunit.chengguan\tkw\ta\tb\n")
    w("bad-category", b"x\nKB1\tcitty\tunit.chengguan\tkw\t\n")
    w("bad-unit", b"x\nKB1\tcity\tunit.nowhere\tkw\t\n")
    w("blank-keywords", b"x\nKB1\tcity\tunit.chengguan\t | |\t\n")
    w("id-blank", b"x\nK B1\tcity\tunit.chengguan\tkw\t\n")
    w("id-long", b"x\n" + b"K" * 32 + b"\tcity\tunit.chengguan\tkw\t\n")
    w("nul", b"x\nKB1\tcity\x00\n")
    w("ascii-keywords", b"wifi broken, 4G down\nKB1\tutility\tunit.gongyong\twifi|4G| broken \tcall us\n")


def calendar_seeds():
    w = lambda n, b: write("calendar", n, b)
    cal22 = data("schemas/calendar/cn-2022.tsv")
    w("cn-2022", cal22)
    w("cn-2023", data("schemas/calendar/cn-2023.tsv"))
    w("sla", data("schemas/sla.tsv"))
    w("sla-min", b"rating.default\t1\nsign.workdays\t1\n")
    w("sla-max", b"urgent.close.hours\t\t8760\nclose.workdays.help\t365 # year\n")
    w("sla-dup", b"sign.workdays\t1\nsign.workdays\t2\n")
    w("sla-unknown", b"sign.days\t1\n")
    w("sla-zero", b"sign.workdays\t0\n")
    w("sla-overflow", b"sign.workdays\t99999999999999999999\n")
    w("sla-no-tab", b"sign.workdays 1\n")
    w("cal-weekday-work", b"2022-03-02\twork\tx\n")
    w("cal-conflict", b"2022-01-31\twork\tx\n")
    w("cal-feb29", b"2022-02-29\toff\tx\n")
    w("cal-leap", b"2024-02-29\toff\tleap\n2000-02-29\toff\tleap\n")
    w("cal-years", b"1900-01-01\toff\tfirst\n2199-12-31\toff\tlast\n")
    w("cal-2200", b"2200-01-01\toff\tx\n")
    w("cal-bad-kind", b"2022-05-01\tholiday\tx\n")
    w("cal-two-fields", b"2022-05-01\toff\n")
    w("cal-crlf", "2022-05-01\toff\t劳动节\r\n2022-04-24\twork\t调休\r\n".encode())
    w("cal-nul", b"2022-05-01\toff\tx\n\x00")
    w("comment-only", b"# nothing\n\n \t\n")


def simtext_seeds():
    w = lambda n, b: write("simtext", n, b)
    cats = ["city", "housing", "market", "transport", "environment", "labor", "education",
            "health", "police", "civil", "utility", "community"]
    out = ["# minimal complete template file"]
    for t in ["consult", "help", "complaint", "report", "suggest", "praise"]:
        out.append(f"lead\t{t}\t市民{{via}}{t}：")
    out += ["lead\turgent\t【紧急】", "lead\taddress\t（地址：{street}街道{place}）"]
    out += ["pool\tvia.phone\t来电", "pool\tvia.web\t网站", "pool\tvia.wechat\t微信|公众号",
            "pool\tvia.app\tAPP", "pool\tkb.keyword\t噪音|占道|违建|停水",
            "pool\tplace\t锦华花园|嘉华苑", "kb\tanswer\t（{date}更新）请到{street}办理。"]
    for c in cats:
        out += [f"{c}\task\t{c}怎么办{{n}}？", f"{c}\tissue\t{{place}}{c}问题{{num}}元{{money}}",
                f"{c}\tsuggest\t建议{{unit}}改进", f"{c}\tpraise\t感谢{{unit}}"]
    out.append("city\turgent\t{street}{place}{place}{n}{n}紧急")
    full = ("\n".join(out) + "\n").encode()
    w("minimal", full)
    w("crlf", full.replace(b"\n", b"\r\n"))
    w("no-kb-answer", full.replace("kb\tanswer".encode(), b"#"))
    w("unknown-placeholder", full + "city\task\t{nope}\n".encode())
    w("malformed-placeholder", full + b"city\task\t{place\n")
    w("stray-brace", full + b"city\task\tx}\n")
    w("pool-twice", full + "pool\tplace\ta\n".encode())
    w("pool-empty-value", full + b"pool\tx\ta||b\n")
    w("lead-twice", full + "lead\thelp\tx\n".encode())
    w("bad-kind", full + b"city\tshout\tx\n")
    w("bad-category", full + b"citty\task\tx\n")
    w("four-fields", full + b"city\task\tx\ty\n")
    w("real-head", data("schemas/scenarios/texts-longhu.tsv")[:3000])


if __name__ == "__main__":
    wire_seeds()
    ticket_seeds()
    mdp_seeds()
    scenario_seeds()
    kb_seeds()
    calendar_seeds()
    simtext_seeds()
