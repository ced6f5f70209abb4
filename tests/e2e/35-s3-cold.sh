#!/bin/bash
# 35-s3-cold: the cold-restore exchange end to end over S3. Ceph RGW keeps
# DEEP_ARCHIVE only as a label, so the fault proxy emulates S3's archive
# semantics in front of it (faultproxy.py --glacier): GET of an archived
# object is 403 InvalidObjectState until RestoreObject (202, then 409
# RestoreAlreadyInProgress, then 200) completes; HEAD carries x-amz-restore
# ongoing-request="true", then "false" with expiry-date.
#  - a GET before the restore is refused with a clear "archived" error;
#  - `restore` without --wait requests the thaw (tier, days), records it and
#    exits 6 (pending); run again while thawing it exits 6 again without a
#    second request; after the thaw it downloads, verifies and extracts;
#  - `restore --wait` polls with back-off until ready, then completes.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/rgw.sh"
RGW_NO_TRAP=1
on_exit e2e_cleanup
rgw_start
E2E_TMP=$T/e2e
mkdir -p "$E2E_TMP"
rgw_aws s3api create-bucket --bucket e2e35 >/dev/null
proxy_start glacier --glacier 4

gen_data "$T/data" 2 2 6MiB
write_config "$T/c.conf" "$T/data" "unused"
python3 - "$T/c.conf" "$PROXY_ENDPOINT" <<'PY'
import sys, re
path, ep = sys.argv[1:]
text = open(path).read()
s3 = ("[store]\nurl = s3://e2e35/cp\nregion = us-east-1\nendpoint = %s\npath_style = true\n"
      "storage_class = DEEP_ARCHIVE\n" % ep)
open(path, "w").write(re.sub(r"\[store\]\nurl = [^\n]*\n", s3, text))
PY
"$COLDPACK" -c "$T/c.conf" run --date "$DATE" >"$T/run.out" 2>&1 || { cat "$T/run.out"; die run; }

# a GET of an archived object before any restore
s3tool_build
vol=$(rgw_aws s3api list-objects-v2 --bucket e2e35 --prefix "cp/tenant=acme/" \
      --query 'Contents[?ends_with(Key, `.tar.gz`)].Key | [0]' --output text)
s3tool_env e2e35 "$PROXY_ENDPOINT"
set +e; "$S3TOOL" get "${vol#cp/}" >/dev/null 2>"$T/cold.err"; rc=$?; set -e
[ "$rc" = 1 ] || die "GET of an archived object succeeded"
grep -q "archived (cold storage class) and not restored" "$T/cold.err" || { cat "$T/cold.err"; die "cold GET message"; }
ncold=$(grep -c "cold GET" "$PROXY_LOG")
[ "$ncold" = 1 ] || die "the cold GET was retried"

# restore without --wait: request, exit 6, then again while thawing
expect_rc 6 "$COLDPACK" -c "$T/c.conf" restore --tenant acme --date "$DATE" --to "$T/r1" --yes \
    --tier standard --days 2 >"$T/r1a.out" 2>&1
grep -q "requested restore of" "$T/r1a.out" || { cat "$T/r1a.out"; die "no restore requested"; }
grep -q "restore .* tier=Standard days=2 -> 202" "$PROXY_LOG" || die "RestoreObject (Standard, 2 days) not sent"
nreq=$(grep -c "restore .* -> 202" "$PROXY_LOG")
expect_rc 6 "$COLDPACK" -c "$T/c.conf" restore --tenant acme --date "$DATE" --to "$T/r1" --yes \
    --tier standard --days 2 >"$T/r1b.out" 2>&1
grep -q "thaw in progress" "$T/r1b.out" || { cat "$T/r1b.out"; die "pending state not shown"; }
[ "$(grep -c "restore .* -> 202" "$PROXY_LOG")" = "$nreq" ] || die "restore requested twice"
sleep 4.5
"$COLDPACK" -c "$T/c.conf" restore --tenant acme --date "$DATE" --to "$T/r1" --yes \
    --tier standard --days 2 >"$T/r1c.out" 2>&1 || { cat "$T/r1c.out"; die "restore after thaw"; }
check_restored "$T/r1" "$T/data" acme

# restore --wait: polls until ready
other=$(tenants_of "$T/data/siem-01/$DATE" | grep -v '^acme$' | grep -v empty | head -1)
"$COLDPACK" -c "$T/c.conf" restore --tenant "$other" --date "$DATE" --to "$T/r2" --yes --wait \
    >"$T/r2.out" 2>&1 || { cat "$T/r2.out"; die "restore --wait"; }
check_restored "$T/r2" "$T/data" "$other"
[ "$(grep -c "cold GET" "$PROXY_LOG")" = "$ncold" ] || die "restore read an object before its thaw completed"
echo "s3 cold restore ok"
