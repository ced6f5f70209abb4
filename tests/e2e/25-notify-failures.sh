#!/usr/bin/env bash
# 25-notify-failures.sh — every non-zero exit of `run` reaches the operators:
#  1. store unreachable (file:// under a regular file): exit 1, the notify
#     command gets JSON with host/start/end/failures, `status` shows a
#     failed run row with its reason;
#  2. lock held by another process: exit 5, notified ("locked"), failed row;
#  3. two failing sources: units_failed counts them, both in failures;
#  4. a config refused for a bad value outside [notify]: exit 2, notified;
#  5. webhook_format = slack + webhook_auth + webhook_secret: a loopback
#     listener gets {"text": ...}, the Authorization header and a valid
#     X-Coldpack-Signature (checked with python3 hmac);
#     COLDPACK_WEBHOOK_AUTH is used when the config has no webhook_auth;
#  6. `-q run` that succeeds prints nothing; --log-file (0600) has the lines,
#     timestamped; a successful run with on = failure notifies nobody;
#  7. with JOURNAL_STREAM naming stderr, lines start with <3>/<6>.
. "$(dirname "$0")/lib/common.sh"
command -v python3 >/dev/null || exit 77

gen_data "$T/data" 2 2 2MiB

notify_lines() { # the [notify] section writing the summary to $T/n.json
    echo "[notify]"
    echo "command = cat > $T/n.json"
}
check_json() { # check_json PYTHON-ASSERTIONS (d = the summary)
    python3 - "$T/n.json" "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for k in ("host", "run_id", "date", "dates", "start", "end", "duration_seconds", "exit_code",
          "outcome", "failures", "bytes_read", "bytes_stored", "sources", "units", "units_failed"):
    assert k in d, f"summary lacks {k}: {d}"
import re
for k in ("start", "end"):
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", d[k]), d[k]
assert d["host"], d
exec(sys.argv[2])
PY
}
failed_rows() { "$COLDPACK" -c "$1" status | awk '$3 == "failed"' | wc -l; }

# 1. store unreachable
touch "$T/afile"
write_config "$T/a.conf" "$T/data" "$T/afile/store"
sed -i "s|^path = $T/catalog.db|path = $T/catalog-a.db|" "$T/a.conf"
notify_lines >>"$T/a.conf"
expect_rc 1 "$COLDPACK" -q -c "$T/a.conf" run --date "$DATE"
check_json '
assert d["exit_code"] == 1 and d["outcome"] == "failed", d
assert d["failures"] and d["failures"][0]["what"] == "store", d["failures"]
assert "Not a directory" in d["failures"][0]["why"], d["failures"]
assert d["date"] == "'"$DATE"'" and d["dates"] == ["'"$DATE"'"], d
'
[ "$(failed_rows "$T/a.conf")" = 1 ] || die "store unreachable: no failed row in status: $("$COLDPACK" -c "$T/a.conf" status)"
"$COLDPACK" -c "$T/a.conf" status | grep -q '^  reason: store: .*Not a directory' ||
    die "store unreachable: no reason in status: $("$COLDPACK" -c "$T/a.conf" status)"
echo "1. store unreachable: notified, failed row"

# 2. lock held
write_config "$T/b.conf" "$T/data" "$T/store"
notify_lines >>"$T/b.conf"
"$COLDPACK" -q -c "$T/b.conf" init >/dev/null
rm -f "$T/n.json"
python3 - "$T/catalog.db.lock" <<'PY' &
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
os.ftruncate(fd, 0); os.write(fd, b"%d\n" % os.getpid())
fcntl.flock(fd, fcntl.LOCK_EX)
open(sys.argv[1] + ".held", "w").close()
time.sleep(60)
PY
holder=$!
on_exit "kill $holder 2>/dev/null"
for _ in $(seq 100); do [ -e "$T/catalog.db.lock.held" ] && break; sleep 0.05; done
expect_rc 5 "$COLDPACK" -q -c "$T/b.conf" run --date "$DATE"
check_json '
assert d["exit_code"] == 5 and d["outcome"] == "locked", d
assert d["failures"][0]["what"] == "lock" and "holds the lock" in d["failures"][0]["why"], d
'
kill $holder; wait $holder 2>/dev/null || true
[ "$(failed_rows "$T/b.conf")" = 1 ] || die "lock held: no failed row in status"
"$COLDPACK" -c "$T/b.conf" status | grep -q '^  reason: lock: another coldpack run holds the lock' ||
    die "lock held: no reason in status: $("$COLDPACK" -c "$T/b.conf" status)"
echo "2. lock held: notified, failed row"

# 3. two failing sources
{
    echo "[store]"; echo "url = file://$T/store"
    echo "[catalog]"; echo "path = $T/catalog.db"
    notify_lines
    for s in gone-1 gone-2; do
        echo "[source \"$s\"]"; echo "path = $T/nowhere/$s/{date}"; echo "tenant = dir:1"
    done
} >"$T/c.conf"
rm -f "$T/n.json"
expect_rc 1 "$COLDPACK" -q -c "$T/c.conf" run --date "$DATE"
check_json '
assert d["units_failed"] == 2, d["units_failed"]
whats = sorted(f["what"] for f in d["failures"])
assert whats == ["source gone-1", "source gone-2"], whats
assert all(s["outcome"] == "failed" and s["error"] for s in d["sources"]), d["sources"]
assert all(u["outcome"] == "failed" for u in d["units"]) and len(d["units"]) == 2, d["units"]
'
"$COLDPACK" -c "$T/c.conf" status -n 1 | grep -Eq '^  reason: source gone-[12]: day directory .* \(and 1 more\)$' ||
    die "two failing sources: no reason in status: $("$COLDPACK" -c "$T/c.conf" status -n 1)"
echo "3. two failing sources: units_failed = 2"

# 4. a bad value outside [notify] still notifies
cp "$T/b.conf" "$T/d.conf"
sed -i 's/^volume_size = .*/volume_size = banana/' "$T/d.conf"
rm -f "$T/n.json"
expect_rc 2 "$COLDPACK" -q -c "$T/d.conf" run --date "$DATE"
check_json '
assert d["exit_code"] == 2 and d["failures"][0]["what"] == "config", d
assert "volume_size" in d["failures"][0]["why"], d["failures"]
'
echo "4. config refused: notified from its [notify]"

# 5. webhook: slack text, Authorization, signature
httprec_start "$T/http"
hook() { # hook CONF AUTH-LINE
    sed '/^\[notify\]/,$d' "$T/c.conf" >"$1"
    {
        echo "[notify]"; echo "webhook = http://127.0.0.1:$port/hook"
        echo "webhook_format = slack"; echo "webhook_secret = s3cr3t-key"
        [ -n "$2" ] && echo "$2"
        for s in gone-1 gone-2; do
            echo "[source \"$s\"]"; echo "path = $T/nowhere/$s/{date}"; echo "tenant = dir:1"
        done
    } >>"$1"
}
hook "$T/e.conf" "webhook_auth = Bearer tok-123"
expect_rc 1 "$COLDPACK" -q -c "$T/e.conf" run --date "$DATE"
hook "$T/f.conf" ""
COLDPACK_WEBHOOK_AUTH="Bearer from-env" expect_rc 1 "$COLDPACK" -q -c "$T/f.conf" run --date "$DATE"
python3 - "$T/http" <<'PY'
import hashlib, hmac, json, sys
for i, auth in enumerate(["Bearer tok-123", "Bearer from-env"]):
    r = json.load(open(f"{sys.argv[1]}/req{i}.json"))
    h = {k.lower(): v for k, v in r["headers"].items()}
    assert h.get("authorization") == auth, h
    want = "sha256=" + hmac.new(b"s3cr3t-key", r["body"].encode(), hashlib.sha256).hexdigest()
    assert h.get("x-coldpack-signature") == want, (h, want)
    body = json.loads(r["body"])
    assert list(body) == ["text"], body
    t = body["text"]
    assert "FAILED" in t.upper() and "source gone-1" in t and "source gone-2" in t, t
print("webhook: slack text, auth and signature ok")
PY
"$COLDPACK" -c "$T/e.conf" config show | grep -qx 'webhook_auth = \*\**' || die "config show does not mask webhook_auth"
"$COLDPACK" -c "$T/e.conf" config show | grep -qx 'webhook_secret = \*\**' || die "config show does not mask webhook_secret"
! "$COLDPACK" -c "$T/e.conf" config show --json | grep -q 'tok-123\|s3cr3t' || die "config show --json leaks a secret"
echo "5. webhook: slack + Authorization + signature; secrets masked"

# 6. -q run that succeeds prints nothing; --log-file has the lines
rm -f "$T/n.json"
rm -rf "$T/store2"
write_config "$T/g.conf" "$T/data" "$T/store2"
sed -i "s|^path = $T/catalog.db|path = $T/catalog2.db|" "$T/g.conf"
notify_lines >>"$T/g.conf"
"$COLDPACK" -q -c "$T/g.conf" init >/dev/null
"$COLDPACK" -q --log-file "$T/run.log" -c "$T/g.conf" run --date "$DATE" >"$T/q.out" 2>"$T/q.err" ||
    die "quiet run failed: $(cat "$T/q.err")"
[ ! -s "$T/q.out" ] && [ ! -s "$T/q.err" ] || die "-q run printed: $(cat "$T/q.out" "$T/q.err")"
[ ! -e "$T/n.json" ] || die "on = failure: a successful run notified"
[ "$(stat -c %a "$T/run.log")" = 600 ] || die "log file mode $(stat -c %a "$T/run.log")"
grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z coldpack\[[0-9]+\]: info: run .*date '"$DATE" "$T/run.log" ||
    die "log file lacks the run line: $(cat "$T/run.log")"
# [run] log_file: appended to, not truncated
printf '[run]\nlog_file = %s\n' "$T/run.log" >>"$T/g.conf"
lines=$(wc -l <"$T/run.log")
"$COLDPACK" -q -c "$T/g.conf" run --date "$DATE" >/dev/null 2>&1 || die "second quiet run failed"
[ "$(wc -l <"$T/run.log")" -gt "$lines" ] || die "[run] log_file: nothing appended"
echo "6. -q run silent; log file complete"

# 7. under systemd (JOURNAL_STREAM names stderr) lines carry their priority
: >"$T/j.err"
JOURNAL_STREAM=$(stat -c '%d:%i' "$T/j.err") "$COLDPACK" -c "$T/c.conf" run --date "$DATE" \
    >/dev/null 2>>"$T/j.err" || true
grep -q '^<3>coldpack: error: source gone-1' "$T/j.err" || die "no <3> priority: $(cat "$T/j.err")"
grep -q '^<6>coldpack: info: run ' "$T/j.err" || die "no <6> priority: $(cat "$T/j.err")"
JOURNAL_STREAM=1:1 "$COLDPACK" -c "$T/c.conf" run --date "$DATE" >/dev/null 2>"$T/k.err" || true
! grep -q '^<' "$T/k.err" || die "priority prefix on a stderr that is not the journal"
echo "7. journald priorities only when stderr is the journal"
echo "25-notify-failures: 1 passed, 0 failed"
