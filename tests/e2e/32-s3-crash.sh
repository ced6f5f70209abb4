#!/bin/bash
# 32-s3-crash: kill -9 during a multipart upload leaves an incomplete upload;
# the store's cleanup (which `run` calls first) aborts it because its marker
# names a dead coldpack process on this host, while the upload of a live
# process (another shard) is left alone. Unmarked uploads are only aborted
# once stale, and uploads outside the prefix never. Also checks the memory
# bound of a streamed upload: peak RSS <= concurrency x part_size + constant.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/e2e/lib/rgw.sh
rgw_start
s3tool_build
E2E_TMP=$(mktemp -d /tmp/coldpack-e2e32.XXXXXX)
W=$E2E_TMP
rgw_aws s3api create-bucket --bucket e2e32 >/dev/null
s3tool_env e2e32
export COLDPACK_S3_TEST_PART_MIB=5

wait_line() { # file text
    local i
    for i in $(seq 200); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
    fail "timed out waiting for '$2' in $1"
}
markers() {
    rgw_aws s3api list-objects-v2 --bucket e2e32 --prefix cp/.coldpack/uploads/ \
        --query 'length(Contents || `[]`)' --output text
}

"$S3TOOL" hang tenant=a/vol-0001.tar.gz >"$W/a.out" 2>"$W/a.err" &
A=$!
"$S3TOOL" hang tenant=b/vol-0001.tar.gz >"$W/b.out" 2>"$W/b.err" &
B=$!
PROXY_PIDS="$PROXY_PIDS $A $B" # killed by the trap if we fail early
wait_line "$W/a.out" uploading
wait_line "$W/b.out" uploading
kill -9 "$A"
wait "$A" 2>/dev/null || true
[ "$(rgw_open_uploads e2e32)" = 2 ] || fail "expected 2 open uploads"
[ "$(markers)" = 2 ] || fail "expected 2 upload markers"

"$S3TOOL" cleanup 2>"$W/c1.err" || { cat "$W/c1.err"; fail cleanup; }
cat "$W/c1.err"
grep -q "aborting incomplete upload of cp/tenant=a/vol-0001.tar.gz (its coldpack process is gone)" "$W/c1.err" \
    || fail "dead upload not aborted"
[ "$(rgw_open_uploads e2e32)" = 1 ] || fail "the live upload was aborted too"
left=$(rgw_aws s3api list-multipart-uploads --bucket e2e32 --query 'Uploads[0].Key' --output text)
[ "$left" = cp/tenant=b/vol-0001.tar.gz ] || fail "wrong upload left: $left"
[ "$(markers)" = 1 ] || fail "marker of the aborted upload left"

kill -9 "$B"
wait "$B" 2>/dev/null || true
"$S3TOOL" cleanup 2>"$W/c2.err" || { cat "$W/c2.err"; fail cleanup; }
[ "$(rgw_open_uploads e2e32)" = 0 ] || fail "uploads left after kill -9 + cleanup"
[ "$(markers)" = 0 ] || fail "markers left after cleanup"

# unmarked uploads: left alone until stale; never outside the prefix
rgw_aws s3api create-multipart-upload --bucket e2e32 --key cp/foreign/x >/dev/null
rgw_aws s3api create-multipart-upload --bucket e2e32 --key elsewhere/y >/dev/null
"$S3TOOL" cleanup 2>/dev/null
[ "$(rgw_open_uploads e2e32)" = 2 ] || fail "a fresh unmarked upload was aborted"
sleep 1.2
COLDPACK_S3_STALE_HOURS=0 "$S3TOOL" cleanup 2>"$W/c3.err"
grep -q "cp/foreign/x (unmarked and stale)" "$W/c3.err" || { cat "$W/c3.err"; fail "stale unmarked upload kept"; }
left=$(rgw_aws s3api list-multipart-uploads --bucket e2e32 --query 'Uploads[].Key' --output text)
[ "$left" = elsewhere/y ] || fail "upload outside the prefix touched ($left)"

# memory bound: 200 MiB streamed with 3 parts of 8 MiB in flight
rss=$(COLDPACK_S3_TEST_PART_MIB=8 COLDPACK_S3_TEST_CONCURRENCY=3 /usr/bin/time -f %M \
    "$S3TOOL" put big/vol 200 3 2>&1 >/dev/null | tail -1)
echo "peak RSS for a 200 MiB upload, 3 x 8 MiB parts: $((rss / 1024)) MiB"
[ "$rss" -lt $(( (3 * 8 + 40) * 1024 )) ] || fail "peak RSS $rss KiB exceeds concurrency x part size + 40 MiB"
echo "PASS: 32-s3-crash"
