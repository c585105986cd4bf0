#!/usr/bin/env bash
# The user guide's CURVE steps work when pasted as written. Every shell block
# of docs/USER-GUIDE.md marked <!-- guide-test: curve --> is run in order,
# with only what a single test machine needs changed: /etc/hotline and
# /var/lib/hotline move under the test's directory, the broker host's
# addresses become 127.0.0.1 on a free port, `scp host:FILE` becomes a local
# copy, and the broker and the worker run in the background. Then the
# guide's own status command must show the worker process by its key's name.
source "$(dirname "$0")/lib.sh"
port=$(t_port)
root="$T_DIR/root"
mkdir -p "$root/var/lib/hotline"
$PY - "$HOTLINE_SRC/docs/USER-GUIDE.md" "$root" "$port" >"$T_DIR/guide.sh" <<'PYEOF'
import re, sys
guide, root, port = sys.argv[1], sys.argv[2], sys.argv[3]
text = open(guide, encoding="utf-8").read()
blocks = re.findall(r"<!-- guide-test: curve -->\s*```sh\n(.*?)```", text, re.S)
assert len(blocks) >= 5, "found %d marked blocks" % len(blocks)
print("set -e")
for b in blocks:
    b = b.replace("\\\n", " ")                       # continuation lines
    for line in b.splitlines():
        line = line.replace("/etc/hotline", root + "/etc/hotline").replace("/var/lib/hotline", root + "/var/lib/hotline")
        line = re.sub(r"tcp://(0\.0\.0\.0|10\.0\.0\.5):5555", "tcp://127.0.0.1:" + port, line)
        m = re.match(r"^scp (\S+:)?(\S+) (\S+:)?(\S+)$", line.strip())
        if m:   # one machine stands for both hosts: a copy onto itself is a no-op
            src, dst = m.group(2), m.group(4)
            same = dst.rstrip("/") == src.rsplit("/", 1)[0]
            line = ": same file on one machine" if same else "cp %s %s" % (src, dst)
        if re.match(r"(hotline-broker|hotline-worker) ", line):
            name = line.split()[0]
            print('%s 2>>"$LOGDIR/%s.log" &\necho $! >>"$LOGDIR/pids"' % (line, name))
            if name == "hotline-broker":
                print("sleep 0.5")
            else:
                print("sleep 1.5")
        else:
            print(line)
PYEOF
echo "--- the guide's commands, as run:"; grep -v '^set -e' "$T_DIR/guide.sh" | sed 's/^/    /'
rc=0
: >"$T_DIR/pids"
(export PATH="$HOTLINE_BIN:$PATH" LOGDIR="$T_DIR"; bash "$T_DIR/guide.sh" >"$T_DIR/out.txt" 2>"$T_DIR/err.txt") || rc=$?
while read -r pid; do T_PIDS+=("$pid"); done <"$T_DIR/pids"
[ $rc = 0 ] || t_fail "the guide's commands failed (exit $rc): $(tail -5 "$T_DIR/err.txt")"
grep -Eq '^workers: 1 processes, 25 connections' "$T_DIR/out.txt" || t_fail "status: $(cat "$T_DIR/out.txt")"
grep -Eq '^worker-a +' "$T_DIR/out.txt" || t_fail "the worker is not listed by its key's name: $(grep -A2 '^workers:' "$T_DIR/out.txt")"
t_ok "the guide's CURVE steps, pasted as written, give a broker serving worker-a (25 services) and an operator's status"
for pid in $(cat "$T_DIR/pids"); do t_stop "$pid"; done
