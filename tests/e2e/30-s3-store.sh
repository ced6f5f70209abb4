#!/bin/bash
# 30-s3-store: the s3:// store against a real Ceph RGW: 50 MiB streaming
# multipart upload (concurrent parts), head, whole and ranged GETs, list with
# continuation tokens, conditional put (If-None-Match: * -> exists), delete,
# abort leaving no upload, RestoreObject's 501 named clearly; then aws cli reads
# back what the store wrote (storage class, metadata, SHA-256 tag, bytes), and
# no secret appears in any output.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/e2e/lib/rgw.sh
rgw_start
s3tool_build
W=$(mktemp -d /tmp/coldpack-e2e30.XXXXXX)
E2E_TMP=$W

rgw_aws s3api create-bucket --bucket e2e30 >/dev/null
s3tool_env e2e30

# 1. the cmocka suite (put/head/get/list/del/abort/restore)
"$S3TOOL" >"$W/suite.out" 2>&1 || { cat "$W/suite.out"; fail "store suite"; }
grep -q "PASSED  \] 6 test" "$W/suite.out" || { cat "$W/suite.out"; fail "store suite did not run 6 tests"; }
grep -q "does not support RestoreObject (HTTP 501 NotImplemented)" "$W/suite.out" || fail "501 not named"

# 2. interop: what coldpack wrote, read by aws cli
sha=$("$S3TOOL" put interop/vol-0001.tar.gz 30 77 2>"$W/put.err") || { cat "$W/put.err"; fail put; }
rgw_aws s3api head-object --bucket e2e30 --key cp/interop/vol-0001.tar.gz >"$W/head.json"
grep -q '"StorageClass": "DEEP_ARCHIVE"' "$W/head.json" || { cat "$W/head.json"; fail "storage class"; }
grep -q '"ContentLength": 31457280' "$W/head.json" || fail "size"
grep -q -- '-4\\"' "$W/head.json" || fail "expected a 4-part multipart ETag (8 MiB parts)"
rgw_aws s3api get-object-tagging --bucket e2e30 --key cp/interop/vol-0001.tar.gz >"$W/tag.json"
grep -q "\"Value\": \"$sha\"" "$W/tag.json" || { cat "$W/tag.json"; fail "sha256 tag"; }
rgw_aws s3api get-object --bucket e2e30 --key cp/interop/vol-0001.tar.gz "$W/obj" >/dev/null
[ "$(sha256sum <"$W/obj" | cut -d' ' -f1)" = "$sha" ] || fail "aws cli read different bytes"

small=$("$S3TOOL" put interop/small.json 1 5 2>/dev/null) # 1 MiB < part size: one PUT
rgw_aws s3api head-object --bucket e2e30 --key cp/interop/small.json >"$W/head2.json"
grep -q "\"sha256\": \"$small\"" "$W/head2.json" || { cat "$W/head2.json"; fail "x-amz-meta-sha256"; }

# 3. the other way: aws cli writes, coldpack reads
head -c 3000000 /dev/urandom >"$W/up"
rgw_aws s3 cp "$W/up" s3://e2e30/cp/fromcli/blob >/dev/null
read -r size got < <("$S3TOOL" get fromcli/blob)
[ "$size" = 3000000 ] && [ "$got" = "$(sha256sum <"$W/up" | cut -d' ' -f1)" ] || fail "reading an aws cli object"
out=$("$S3TOOL" head fromcli/blob)
case "$out" in "3000000 - STANDARD 0 2") ;; *) fail "head of a foreign object: $out" ;; esac

# 4. init's bucket setup: lifecycle rule merged with the bucket's own rules
cat >"$W/lc.json" <<'JSON'
{"Rules":[{"ID":"theirs","Filter":{"Prefix":"other/"},"Status":"Enabled","Expiration":{"Days":30}}]}
JSON
rgw_aws s3api put-bucket-lifecycle-configuration --bucket e2e30 --lifecycle-configuration "file://$W/lc.json"
COLDPACK_S3_TEST_DAYS=400 "$S3TOOL" setup 2>"$W/setup.err" || { cat "$W/setup.err"; fail setup; }
COLDPACK_S3_TEST_DAYS=400 "$S3TOOL" setup 2>>"$W/setup.err" || { cat "$W/setup.err"; fail "setup again"; }
rgw_aws s3api get-bucket-lifecycle-configuration --bucket e2e30 >"$W/lc.out"
python3 - "$W/lc.out" <<'PY' || fail "lifecycle rules wrong: $(cat "$W/lc.out")"
import json, sys
rules = {r["ID"]: r for r in json.load(open(sys.argv[1]))["Rules"]}
assert set(rules) == {"theirs", "coldpack:cp/"}, rules.keys()
r = rules["coldpack:cp/"]
# data and indexes only (runs/ manifests never expire first), retention + 30
assert r["Filter"]["Prefix"] == "cp/tenant=" and r["Status"] == "Enabled", r
assert r["Expiration"]["Days"] == 430, r
assert r["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] == 7, r
assert rules["theirs"]["Expiration"]["Days"] == 30
PY
# object_lock on a bucket without Object Lock: refused with the fix
if COLDPACK_S3_TEST_LOCK=compliance "$S3TOOL" setup 2>"$W/lock.err"; then fail "setup accepted object_lock"; fi
grep -q "does not have it enabled: create the bucket with it" "$W/lock.err" || { cat "$W/lock.err"; fail "lock message"; }
# ... and on a bucket with it: objects carry the retention
rgw_aws s3api create-bucket --bucket e2e30lock --object-lock-enabled-for-bucket >/dev/null
s3tool_env e2e30lock
COLDPACK_S3_TEST_LOCK=compliance "$S3TOOL" setup 2>"$W/lock2.err" || { cat "$W/lock2.err"; fail "setup with lock"; }
# an Object Lock bucket is versioned: noncurrent versions expire too
rgw_aws s3api get-bucket-lifecycle-configuration --bucket e2e30lock >"$W/lc2.out"
grep -q '"NoncurrentDays": 1' "$W/lc2.out" || { cat "$W/lc2.out"; fail "no noncurrent-version expiry on a versioned bucket"; }
COLDPACK_S3_TEST_LOCK=compliance "$S3TOOL" put locked/vol 12 3 >/dev/null 2>"$W/lock3.err" || { cat "$W/lock3.err"; fail "locked put"; }
COLDPACK_S3_TEST_LOCK=governance "$S3TOOL" put locked/small 1 3 >/dev/null 2>>"$W/lock3.err" || { cat "$W/lock3.err"; fail "locked small put"; }
rgw_aws s3api head-object --bucket e2e30lock --key cp/locked/vol >"$W/lockhead.json"
grep -q '"ObjectLockMode": "COMPLIANCE"' "$W/lockhead.json" || { cat "$W/lockhead.json"; fail "no COMPLIANCE lock"; }
grep -q '"ObjectLockRetainUntilDate"' "$W/lockhead.json" || fail "no retain-until date"
rgw_aws s3api head-object --bucket e2e30lock --key cp/locked/small | grep -q '"ObjectLockMode": "GOVERNANCE"' || fail "no GOVERNANCE lock"
s3tool_env e2e30

# 5. a missing bucket is an error, not a missing object
COLDPACK_S3_TEST_URL=s3://nosuchbucket/cp "$S3TOOL" head x >/dev/null 2>"$W/nb.err" && fail "head in a missing bucket"
grep -q "HTTP 404 NoSuchBucket: the bucket does not exist" "$W/nb.err" || { cat "$W/nb.err"; fail "missing bucket message"; }

# 6. nothing left open, no secret anywhere
[ "$(rgw_open_uploads e2e30)" = 0 ] || fail "multipart uploads left open"
if grep -rq "$AWS_SECRET_ACCESS_KEY" "$W"/*.out "$W"/*.err; then fail "secret key in output"; fi
echo "PASS: 30-s3-store"
