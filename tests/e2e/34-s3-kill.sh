#!/bin/bash
# 34-s3-kill: `coldpack run` into s3:// (Ceph RGW behind a slow loopback
# link) is killed with SIGKILL while multipart parts are in flight; the next
# `run` aborts the dead run's incomplete upload, finishes the day without
# duplicates, leaves no multipart upload open, and a restore is identical.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/rgw.sh"
RGW_NO_TRAP=1
on_exit e2e_cleanup
rgw_start
E2E_TMP=$T/e2e
mkdir -p "$E2E_TMP"
rgw_aws s3api create-bucket --bucket e2e34 >/dev/null
proxy_start slow --delay 0.25

gen_data "$T/data" 2 2 8MiB
head -c 40000000 /dev/urandom >"$T/data/siem-01/$DATE/acme/capture.pcap"
write_config "$T/c.conf" "$T/data" "unused"
python3 - "$T/c.conf" "$PROXY_ENDPOINT" <<'PY'
import sys, re
path, ep = sys.argv[1:]
text = open(path).read()
s3 = ("[store]\nurl = s3://e2e34/cp\nregion = us-east-1\nendpoint = %s\npath_style = true\n"
      "storage_class = DEEP_ARCHIVE\npart_size = 5MiB\nconcurrency = 2\n" % ep)
text = re.sub(r"\[store\]\nurl = [^\n]*\n", s3, text)
open(path, "w").write(text.replace("volume_size = 2MiB", "volume_size = 64MiB"))
PY

"$COLDPACK" -c "$T/c.conf" run --date "$DATE" >"$T/run1.out" 2>&1 &
pid=$!
for i in $(seq 300); do
  grep -q "partNumber=3&" "$PROXY_LOG" 2>/dev/null && break
  sleep 0.1
done
grep -q "partNumber=3&" "$PROXY_LOG" || { kill -9 $pid; cat "$T/run1.out"; die "upload never started"; }
kill -9 $pid
wait $pid 2>/dev/null || true
open=$(rgw_open_uploads e2e34)
echo "after kill -9: $open multipart upload(s) open"
[ "$open" -ge 1 ] || die "the kill did not interrupt an upload"

"$COLDPACK" -c "$T/c.conf" run --date "$DATE" >"$T/run2.out" 2>&1 || { cat "$T/run2.out"; die "rerun failed"; }
grep -q "aborting incomplete upload" "$T/run2.out" || { cat "$T/run2.out"; die "the rerun did not abort the dead upload"; }
[ "$(rgw_open_uploads e2e34)" = 0 ] || die "multipart uploads left open after the rerun"
grep -Eq "unit\(s\) done, [0-9]+ already complete, 0 failed" "$T/run2.out" || die "rerun incomplete"
rgw_aws s3api list-objects-v2 --bucket e2e34 --prefix cp/.coldpack/ --query 'length(Contents || `[]`)' \
    --output text | grep -qx 0 || die "upload markers left"
"$COLDPACK" -c "$T/c.conf" run --date "$DATE" >"$T/run3.out" 2>&1
grep -q "0 unit(s) done" "$T/run3.out" || die "third run did work"
for tenant in $(tenants_of "$T/data/siem-01/$DATE"); do
  "$COLDPACK" -c "$T/c.conf" restore --tenant "$tenant" --date "$DATE" --to "$T/restore" --yes \
      >"$T/restore-$tenant.out" 2>&1 || { tail -20 "$T/restore-$tenant.out"; die "restore $tenant"; }
  check_restored "$T/restore" "$T/data" "$tenant"
done
echo "s3 kill -9 ok"
