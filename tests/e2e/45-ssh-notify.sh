#!/usr/bin/env bash
# 45-ssh-notify.sh — [notify] after real runs: with `on = failure`, a run
# where one sshd host is down (exit 4, partial) hands its JSON summary to the
# command on stdin with COLDPACK_* variables, and POSTs it to a local HTTP
# listener (Content-Type: application/json); a successful run notifies
# nobody. With `on = always`, a webhook on a closed port is retried, logged
# as a warning, returns promptly, and the run's exit code stays 0.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/sshd.sh"
sshd_available || exit 77
command -v python3 >/dev/null || exit 77

"$LOGGEN" --out "$T/data" --date "$DATE" --sources 2 --tenants 2 --size 8MiB --seed 3 >/dev/null
sshd_setup 2
sshd_start 1 # host 2 stays down

# a local HTTP listener: records each request (head + body) and answers 200;
# stops by itself after 120 s
httprec_start "$T/http"

config() { # config FILE ON WEBHOOK SOURCES...
    local f=$1 on=$2 hook=$3 i
    shift 3
    {
        echo "[store]"; echo "url = file://$T/store"
        echo "[catalog]"; echo "path = $T/catalog.db"
        echo "[notify]"
        echo "command = cat > $T/cmd.json; env | grep ^COLDPACK_ | sort > $T/cmd.env"
        echo "webhook = $hook"; echo "on = $on"
        for i in "$@"; do
            echo "[source \"siem-0$i\"]"
            echo "host = ${SSHD_ADDR[$i]}"; echo "port = $SSHD_PORT"; echo "user = root"
            echo "identity = $SSHD_KEY"; echo "ssh_command = $SSHD_SSH"
            echo "path = $T/data/siem-0$i/{date}"; echo "tenant = dir:1"
        done
    } >"$f"
}

# 1. a partial run notifies (on = failure)
config "$T/a.conf" failure "http://127.0.0.1:$port/hooks/coldpack" 1 2
"$COLDPACK" -c "$T/a.conf" init >/dev/null
expect_rc 4 "$COLDPACK" -c "$T/a.conf" run --date "$DATE"
grep -qx "COLDPACK_STATUS=partial" "$T/cmd.env" || die "command env: $(cat "$T/cmd.env")"
grep -qx "COLDPACK_DATE=$DATE" "$T/cmd.env" || die "command env: no date"
grep -qx "COLDPACK_EXIT_CODE=4" "$T/cmd.env" || die "command env: no exit code"
grep -qx "COLDPACK_FAILED=1" "$T/cmd.env" || die "command env: not failed"
grep -qx "COLDPACK_CONFIG=$T/a.conf" "$T/cmd.env" || die "command env: no config"
[ "$(ls "$T/http")" = req0.json ] || die "webhook: expected one request, got: $(ls "$T/http")"
python3 - "$T/cmd.json" "$T/http/req0.json" <<'PY'
import json, sys
cmd = json.load(open(sys.argv[1]))
req = json.load(open(sys.argv[2]))
assert req["path"] == "/hooks/coldpack" and req["ctype"] == "application/json", req
hook = json.loads(req["body"])
assert hook == cmd, "command and webhook got different summaries"
assert cmd["status"] == "partial" and cmd["exit_code"] == 4, cmd
by = {s["name"]: s for s in cmd["sources"]}
assert by["siem-01"]["status"] == "ok", by
assert by["siem-02"]["status"] == "failed" and "host unreachable" in by["siem-02"]["error"], by
print("notified: command and webhook got the same summary")
PY

# 2. a successful run with on = failure notifies nobody
rm -f "$T/cmd.json" "$T/cmd.env"
config "$T/b.conf" failure "http://127.0.0.1:$port/hooks/coldpack" 1
expect_rc 0 "$COLDPACK" -c "$T/b.conf" run --date "$DATE"
[ ! -e "$T/cmd.json" ] || die "on = failure: the command ran after a successful run"
[ "$(ls "$T/http" | wc -l)" = 1 ] || die "on = failure: the webhook was called after a successful run"

# 3. on = always with a dead webhook: warned, prompt, exit code untouched
closed=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
config "$T/c.conf" always "http://127.0.0.1:$closed/hook" 1
start=$(date +%s)
set +e
"$COLDPACK" -c "$T/c.conf" run --date "$DATE" >"$T/c.out" 2>"$T/c.err"
rc=$?
set -e
cat "$T/c.out" "$T/c.err"
[ "$rc" = 0 ] || die "a failing webhook changed the exit code to $rc"
[ $(($(date +%s) - start)) -lt 30 ] || die "a dead webhook held the run too long"
grep -q "warning: notify webhook http://127.0.0.1:$closed: failed after" "$T/c.err" || die "no warning for the dead webhook"
grep -qx "COLDPACK_STATUS=ok" "$T/cmd.env" || die "on = always: command not run after a good run"
echo "45-ssh-notify: 1 passed, 0 failed"
