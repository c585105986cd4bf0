#!/usr/bin/python3
"""gen_tickets: writes N realistic 12345 tickets (maps) as JSON Lines
and/or CSV, for the feed test and for trying scripts/feed.py by hand.

  gen_tickets.py --count 1000 --prefix FEEDJ --jsonl T.jsonl
  gen_tickets.py --count 1000 --prefix FEEDC --csv T.csv --seed 2

Deterministic in (--seed, --prefix, --count). Times fall in 2022 office-ish
hours (CST); about 1% of help/complaint/report tickets are urgent (always by
phone); every ticket has a street, and most a caller number and a channel.
"""
import argparse
import csv
import datetime
import json
import random

CST = datetime.timezone(datetime.timedelta(hours=8))
STREETS = {"jinxia": "金霞", "zhuchi": "珠池", "xinjin": "新津", "longxiang": "龙祥", "outing": "鸥汀",
           "waisha": "外砂", "xinxi": "新溪", "longhua": "龙华", "xinhai": "新海", "longteng": "龙腾"}
TYPES = [("consult", 30), ("help", 20), ("complaint", 30), ("report", 8), ("suggest", 10), ("praise", 2)]
CHANNELS = [("phone", 60), ("web", 10), ("wechat", 20), ("app", 10)]
ISSUES = [
    "{s}街道{n}号路口有流动摊贩占道经营，晚上油烟很大，影响通行，请城管处理。",
    "{s}街道某小区电梯已经停运{d}天，老人上下楼困难，物业一直没有维修。",
    "{s}街道一家便利店出售过期食品，购买日期{m}月{day}日，要求市场监管部门查处。",
    "{s}街道附近工地夜间施工到凌晨{h}点，噪音扰民，请环保部门核查。",
    "本人在{s}街道某公司工作，公司拖欠{m}月工资{money}元，请人社部门协助追讨。",
    "{s}街道{n}路公交车站台破损，下雨天无处避雨，请交通部门修复。",
    "{s}街道某小区停水已经{d}天，没有任何通知，请供水公司尽快恢复。",
    "{s}街道河涌黑臭，夏天气味难闻，请生态环境部门整治。",
]
ASKS = [
    "请问{s}街道办理居住证需要带哪些材料？",
    "孩子明年上小学，{s}街道的学位怎么申请？",
    "想咨询一下{s}街道低保申请的条件和流程。",
    "请问社保卡丢失后在哪里补办？{s}街道有没有服务点？",
    "{s}街道的新冠疫苗接种点在哪里，周末开放吗？",
]
SUGGESTS = ["建议在{s}街道{n}号路段增设红绿灯，上下学时段车流很大。",
            "建议{s}街道公园延长开放时间，方便居民晚上锻炼。"]
PRAISES = ["感谢{s}街道工作人员上次及时处理了小区路灯问题，服务很好，特来表扬。"]


def weighted(rng, pairs):
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def ticket(rng, prefix, k):
    start = datetime.datetime(2022, 1, 1, tzinfo=CST)
    day = rng.randrange(365)
    t = start + datetime.timedelta(days=day, hours=rng.choice(range(8, 22)), minutes=rng.randrange(60),
                                   seconds=rng.randrange(60))
    typ = weighted(rng, TYPES)
    street = rng.choice(list(STREETS))
    fill = dict(s=STREETS[street], n=rng.randrange(2, 99), d=rng.randrange(2, 9), m=rng.randrange(1, 13),
                day=rng.randrange(1, 29), h=rng.randrange(1, 4), money=rng.randrange(8, 300) * 100)
    tmpl = {"consult": ASKS, "suggest": SUGGESTS, "praise": PRAISES}.get(typ, ISSUES)
    urgent = typ in ("help", "complaint", "report") and rng.random() < 0.01
    text = ("【紧急】" if urgent else "") + rng.choice(tmpl).format(**fill)
    m = {"id": "%s-%06d" % (prefix, k), "received_at": int(t.timestamp()), "type": typ, "urgent": urgent,
         "text": text, "street": street}
    if rng.random() < 0.9:
        m["caller"] = "1%d%d%08d" % (rng.choice((3, 5, 8)), rng.randrange(10), rng.randrange(10 ** 8))
    m["channel"] = "phone" if urgent else weighted(rng, CHANNELS)
    return m


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--prefix", default="FEED")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jsonl", metavar="FILE")
    ap.add_argument("--csv", metavar="FILE")
    a = ap.parse_args()
    rng = random.Random("%d/%s" % (a.seed, a.prefix))
    rows = sorted((ticket(rng, a.prefix, k) for k in range(1, a.count + 1)), key=lambda m: m["id"])
    if a.jsonl:
        with open(a.jsonl, "w", encoding="utf-8") as f:
            for m in rows:
                f.write(json.dumps(m, ensure_ascii=False) + "\n")
    if a.csv:
        cols = ["id", "received_at", "type", "urgent", "text", "street", "caller", "channel"]
        with open(a.csv, "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(cols)
            for m in rows:
                # a CSV from an intake system: local times, 是/否 for urgent
                at = datetime.datetime.fromtimestamp(m["received_at"], CST).strftime("%Y-%m-%d %H:%M:%S")
                w.writerow([m["id"], at, m["type"], "是" if m["urgent"] else "否", m["text"], m["street"],
                            m.get("caller", ""), m["channel"]])


if __name__ == "__main__":
    main()
