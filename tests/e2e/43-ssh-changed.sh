#!/usr/bin/env bash
# 43-ssh-changed.sh — a file appended to while the remote tar reads it is
# reported (warning naming the file, counted in the summary), the run exits
# "done with warnings" (3), and what was archived is a consistent prefix of
# the file (the size tar announced), never padding passed off as data.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/sshd.sh"
sshd_available || exit 77
command -v python3 >/dev/null || exit 77

day="$T/data/siem-01/$DATE"
mkdir -p "$day/acme/app" "$day/acme/fw"
head -c 30000000 /dev/urandom >"$day/acme/app/growing.log"
head -c 2000000 /dev/urandom >"$day/acme/fw/steady.log"
sshd_setup 1
sshd_start 1
sshd_throttle 1 8000000 # ~4 s to read growing.log: the appender is sure to hit it
{
    echo "[store]"; echo "url = file://$T/store"
    echo "[catalog]"; echo "path = $T/catalog.db"
    echo "[pack]"; echo "volume_size = 64MiB"
    echo "[notify]"; echo "command = cat > $T/summary.json"; echo "on = always"
    echo "[source \"siem-01\"]"
    echo "host = ${SSHD_ADDR[1]}"; echo "port = $SSHD_PORT"; echo "user = root"
    echo "identity = $SSHD_KEY"; echo "ssh_command = $SSHD_SSH"
    echo "path = $T/data/siem-01/{date}"; echo "tenant = dir:1"
} >"$T/c.conf"
"$COLDPACK" -c "$T/c.conf" init >/dev/null

# the appender: bounded (it stops by itself after 60 s) and killed on exit
(
    end=$((SECONDS + 60))
    while [ $SECONDS -lt $end ]; do
        echo "appended while read $SECONDS" >>"$day/acme/app/growing.log"
        sleep 0.01
    done
) &
appender=$!
on_exit "kill $appender 2>/dev/null; wait $appender 2>/dev/null"
set +e
"$COLDPACK" -c "$T/c.conf" run --date "$DATE" >"$T/run.out" 2>"$T/run.err"
rc=$?
set -e
kill "$appender" 2>/dev/null || true
wait "$appender" 2>/dev/null || true
cat "$T/run.out" "$T/run.err"
[ "$rc" = 3 ] || die "expected exit 3 (done with warnings), got $rc"
grep -q "warning: source siem-01 (host ${SSHD_ADDR[1]}): $day/acme/app/growing.log changed while it was read" "$T/run.err" ||
    die "the changed file is not named in a warning"
python3 - "$T/summary.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert s["status"] == "warnings" and s["exit_code"] == 3 and s["warnings"] >= 1, s
assert s["sources"][0]["warnings"] >= 1, s["sources"]
PY

# the archived copy is the prefix tar announced, byte for byte
"$COLDPACK" -c "$T/c.conf" restore --tenant acme --date "$DATE" --to "$T/restore" --yes >/dev/null
got="$T/restore/acme/$DATE/siem-01/app/growing.log"
n=$(stat -c %s "$got")
[ "$n" -ge 30000000 ] || die "archived copy shorter than the file was: $n"
cmp -n "$n" "$got" "$day/acme/app/growing.log" || die "archived copy is not a prefix of the file"
cmp "$T/restore/acme/$DATE/siem-01/fw/steady.log" "$day/acme/fw/steady.log" || die "steady.log differs"
echo "43-ssh-changed: 1 passed, 0 failed"
