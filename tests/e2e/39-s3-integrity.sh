#!/bin/bash
# 39-s3-integrity: the S3 store against a hostile or broken service, through
# the fault proxy (tests/e2e/lib/faultproxy.py) in front of one Ceph RGW.
#  A. a listing that ignores the prefix (a foreign key injected): the listing
#     fails naming the key, coldpack verify / catalog rebuild fail, nothing in
#     the bucket is deleted (the foreign object included).
#  B. 503 for every index GET during `catalog rebuild`, past the retry budget:
#     exit 8 (EXIT_STORE), the catalog file unchanged.
#  C. manifest GETs answered with half the body during `run`: the run does not
#     chain to garbage (it fails or retries), `verify` is green afterwards.
#  D. a body dripping at 2 B/s: the GET fails, bounded, naming the key.
#  E. a PUT (single, part) answered with another ETag: the put fails; after a
#     multipart Complete the key holding another ETag: not claimed as stored.
#  F. a volume key that exists already (a racing writer): single and
#     multipart puts answer "exists", the object's bytes are unchanged.
#  G. init against s3://bucket (no prefix) refuses the lifecycle rule; with a
#     prefix the rule expires only <prefix>/tenant= after retention + 30 days.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/rgw.sh"
RGW_NO_TRAP=1
on_exit e2e_cleanup
rgw_start
s3tool_build
E2E_TMP=$T
W=$T
rgw_aws s3api create-bucket --bucket e2e39 >/dev/null
export COLDPACK_S3_RETRY_BASE_MS=20 COLDPACK_S3_RETRY_CAP_MS=200 COLDPACK_S3_MAX_ATTEMPTS=3

# mkconf FILE ENDPOINT [URL]: the scenario's config against ENDPOINT
gen_data "$T/data" 2 2 2MiB
D2=2026-11-24
for s in "$T/data"/*; do
    mkdir -p "$T/data/$(basename "$s")/$D2"
    cp -r "$s/$DATE/." "$T/data/$(basename "$s")/$D2/"
done
write_config "$T/base.conf" "$T/data" "unused"
mkconf() {
    python3 - "$T/base.conf" "$1" "$2" "${3:-s3://e2e39/cp}" <<'PY'
import sys, re
src, dst, ep, url = sys.argv[1:]
text = open(src).read()
s3 = ("[store]\nurl = %s\nregion = us-east-1\nendpoint = %s\npath_style = true\n"
      "storage_class = STANDARD\npart_size = 5MiB\nconcurrency = 2\n" % (url, ep))
open(dst, "w").write(re.sub(r"\[store\]\nurl = [^\n]*\n", s3, text))
PY
}
mkconf "$T/c.conf" "$RGW_ENDPOINT"
bucket_list() { rgw_aws s3api list-objects-v2 --bucket e2e39 --query 'Contents[].[Key,ETag]' --output text | sort; }

# ---- G: lifecycle scope ------------------------------------------------------
mkconf "$T/nopfx.conf" "$RGW_ENDPOINT" "s3://e2e39"
set +e; "$COLDPACK" -c "$T/nopfx.conf" init >"$T/g1.out" 2>&1; rc=$?; set -e
cat "$T/g1.out"
[ "$rc" = 2 ] || die "init without a prefix: expected exit 2 (config), got $rc"
grep -q "refusing to install a lifecycle expiration rule for the whole bucket" "$T/g1.out" \
    || die "no clear message for a bucket-wide rule"
if rgw_aws s3api get-bucket-lifecycle-configuration --bucket e2e39 >"$T/lc0.json" 2>/dev/null; then
    cat "$T/lc0.json"; die "a lifecycle rule was installed for the whole bucket"
fi
rm -f "$T/catalog.db"
"$COLDPACK" -c "$T/c.conf" init >"$T/g2.out" 2>&1 || { cat "$T/g2.out"; die "init"; }
rgw_aws s3api get-bucket-lifecycle-configuration --bucket e2e39 >"$T/lc.json"
cat "$T/lc.json"
python3 - "$T/lc.json" "$(sed -n 's/^days *= *//p' "$T/base.conf" | head -1)" <<'PY' || die "lifecycle rule scope"
import json, sys
rules = json.load(open(sys.argv[1]))["Rules"]
ours = [r for r in rules if r["ID"] == "coldpack:cp/"]
assert len(ours) == 1, rules
r = ours[0]
pfx = r.get("Filter", {}).get("Prefix", r.get("Prefix"))
assert pfx == "cp/tenant=", pfx
days = int(sys.argv[2] or 365)
assert r["Expiration"]["Days"] == days + 30, (r["Expiration"], days)
PY

# baseline: one day backed up directly
"$COLDPACK" -c "$T/c.conf" run --date "$DATE" >"$T/run1.out" 2>&1 || { cat "$T/run1.out"; die "run 1"; }
"$COLDPACK" -c "$T/c.conf" verify >"$T/v1.out" 2>&1 || { cat "$T/v1.out"; die "verify 1"; }
echo foreign >"$T/foreign.txt"
rgw_aws s3api put-object --bucket e2e39 --key other/tenant=acme/secret.txt --body "$T/foreign.txt" >/dev/null
bucket_list >"$T/objs0.txt"
grep -q "other/tenant=acme/secret.txt" "$T/objs0.txt" || die "foreign object not created"

# ---- A: a listing with a key outside the prefix ------------------------------
proxy_start inject --list-inject "other/tenant=acme/secret.txt"
s3tool_env e2e39 "$PROXY_ENDPOINT"
set +e; "$S3TOOL" list tenant= >"$W/a.out" 2>"$W/a.err"; rc=$?; set -e
cat "$W/a.err"
[ "$rc" != 0 ] || die "a listing with a foreign key succeeded"
grep -q "other/tenant=acme/secret.txt, which is outside the prefix" "$W/a.err" || die "foreign key not named"
grep -q "secret" "$W/a.out" && die "the foreign key reached the caller"
mkconf "$T/inject.conf" "$PROXY_ENDPOINT"
set +e; "$COLDPACK" -c "$T/inject.conf" catalog rebuild >"$W/a2.out" 2>&1; rc=$?; set -e
cat "$W/a2.out"
[ "$rc" != 0 ] || die "catalog rebuild accepted a listing with a foreign key"
grep -q "outside the prefix" "$W/a2.out" || die "rebuild: foreign key not named"
proxy_stop
bucket_list >"$T/objs1.txt"
diff "$T/objs0.txt" "$T/objs1.txt" || die "objects changed after a hostile listing"

# ---- B: 503 on index GETs during catalog rebuild -----------------------------
proxy_start fail503 --fail-gets .index.json.gz
mkconf "$T/f503.conf" "$PROXY_ENDPOINT"
catdump() { sqlite3 "$T/catalog.db" .dump | sha256sum; }
sum0=$(catdump)
set +e; COLDPACK_S3_RETRY_BUDGET=3 "$COLDPACK" -c "$T/f503.conf" catalog rebuild >"$W/b.out" 2>&1; rc=$?; set -e
tail -5 "$W/b.out"
[ "$rc" = 8 ] || die "catalog rebuild under 503 exited $rc, want 8 (EXIT_STORE)"
[ "$(catdump)" = "$sum0" ] || die "catalog changed by a failed rebuild"
grep -q -- "-> fail-get" "$PROXY_LOG" || die "no index GET was failed"
proxy_stop

# ---- C: truncated manifest GETs during run -----------------------------------
proxy_start trunc --truncate-gets /runs/
mkconf "$T/trunc.conf" "$PROXY_ENDPOINT"
set +e; "$COLDPACK" -c "$T/trunc.conf" run --date "$D2" >"$W/c.out" 2>&1; rc=$?; set -e
tail -5 "$W/c.out"
proxy_stop
echo "C: run with truncated manifest GETs exited $rc; $(grep -c "truncated to" "$PROXY_LOG" || true) manifest GET(s) truncated"
grep -q "truncated to" "$PROXY_LOG" || die "the run read no manifest through the proxy"
if [ "$rc" = 0 ]; then
    # it succeeded: then it must have chained to the real manifest of day 1
    m1=$(rgw_aws s3api list-objects-v2 --bucket e2e39 --prefix "cp/runs/$DATE/" --query 'Contents[0].Key' --output text)
    m2=$(rgw_aws s3api list-objects-v2 --bucket e2e39 --prefix "cp/runs/$D2/" --query 'Contents[0].Key' --output text)
    rgw_aws s3api get-object --bucket e2e39 --key "$m1" "$T/m1.json" >/dev/null
    rgw_aws s3api get-object --bucket e2e39 --key "$m2" "$T/m2.json" >/dev/null
    python3 - "$T/m1.json" "$T/m2.json" "${m1#cp/}" <<'PY' || die "the run chained to a truncated manifest"
import hashlib, json, sys
m1 = open(sys.argv[1], "rb").read()
m2 = json.load(open(sys.argv[2]))
assert m2["prev_manifest"] == sys.argv[3], (m2["prev_manifest"], sys.argv[3])
assert m2["prev_sha256"] == hashlib.sha256(m1).hexdigest(), m2["prev_sha256"]
PY
fi
"$COLDPACK" -c "$T/c.conf" run --date "$D2" >"$W/c2.out" 2>&1 || { cat "$W/c2.out"; die "run after truncation"; }
"$COLDPACK" -c "$T/c.conf" verify >"$W/c3.out" 2>&1 || { cat "$W/c3.out"; die "verify after a run with truncated manifest GETs"; }

# ---- D: a dripping body fails, bounded ----------------------------------------
s3tool_env e2e39 "$RGW_ENDPOINT"
"$S3TOOL" put drip/obj 1 3 >/dev/null || die "put drip/obj"
proxy_start drip --drip
s3tool_env e2e39 "$PROXY_ENDPOINT"
set +e
COLDPACK_S3_LOW_SPEED_SECS=2 COLDPACK_S3_DEADLINE_SECS=4 COLDPACK_S3_MAX_ATTEMPTS=2 \
    timeout 120 "$S3TOOL" get drip/obj >"$W/d.out" 2>"$W/d.err"; rc=$?
set -e
cat "$W/d.err"
proxy_stop
[ "$rc" != 124 ] || die "a dripping GET hung"
[ "$rc" != 0 ] || die "a dripping GET succeeded"
grep -q "drip/obj" "$W/d.err" || die "the dripping GET's error does not name the key"
grep -q "stalled or timed out" "$W/d.err" || die "the dripping GET's error does not say why"

# ---- E: wrong ETags -------------------------------------------------------------
for sz in 1 12; do # a single PUT, then the parts of a multipart upload
    if [ "$sz" = 1 ]; then proxy_start etag --etag-rewrite PUT; else proxy_start etagpart --etag-rewrite PART; fi
    s3tool_env e2e39 "$PROXY_ENDPOINT"
    set +e; COLDPACK_S3_TEST_PART_MIB=5 "$S3TOOL" put "etag/obj$sz" "$sz" 5 >"$W/e.out" 2>"$W/e.err"; rc=$?; set -e
    cat "$W/e.err"
    [ "$rc" = 1 ] || die "a $sz MiB put answered with a wrong ETag exited $rc"
    grep -q "is not what was sent" "$W/e.err" || die "wrong ETag not named ($sz MiB)"
    [ "$sz" = 1 ] || grep -q "etag/obj12 part 1: the service answered ETag" "$W/e.err" || die "part ETag not checked"
    proxy_stop
done
[ "$(rgw_open_uploads e2e39)" = 0 ] || die "uploads left open after wrong ETags"
proxy_start etaghead --etag-rewrite HEAD
s3tool_env e2e39 "$PROXY_ENDPOINT"
set +e; COLDPACK_S3_TEST_PART_MIB=5 "$S3TOOL" put "tenant=race/date=$DATE/source=s/vol-0001.tar.gz" 12 6 \
    >"$W/e2.out" 2>"$W/e2.err"; rc=$?; set -e
cat "$W/e2.err"
proxy_stop
[ "$rc" != 0 ] || die "a multipart put whose key then holds another ETag claimed success"
grep -q "another writer won the race" "$W/e2.err" || die "the lost race is not named"

# ---- F: a volume key that exists already --------------------------------------
s3tool_env e2e39 "$RGW_ENDPOINT"
for sz in 1 12; do
    key="tenant=acme/date=2026-01-$((10 + sz))/source=s/vol-0001.tar.gz"
    head -c 1000 /dev/urandom >"$T/theirs.bin"
    rgw_aws s3api put-object --bucket e2e39 --key "cp/$key" --body "$T/theirs.bin" >/dev/null
    set +e; COLDPACK_S3_TEST_PART_MIB=5 "$S3TOOL" put "$key" "$sz" 7 >"$W/f.out" 2>"$W/f.err"; rc=$?; set -e
    cat "$W/f.err"
    [ "$rc" = 2 ] || die "a $sz MiB put over an existing volume key exited $rc, want 2 (exists)"
    rgw_aws s3api get-object --bucket e2e39 --key "cp/$key" "$T/after.bin" >/dev/null
    cmp "$T/theirs.bin" "$T/after.bin" || die "an existing volume was overwritten ($sz MiB)"
done
[ "$(rgw_open_uploads e2e39)" = 0 ] || die "uploads left open after refused puts"

# ---- H: Object Lock retain-until counts from the log date ---------------------
rgw_aws s3api create-bucket --bucket e2e39lock --object-lock-enabled-for-bucket >/dev/null
s3tool_env e2e39lock "$RGW_ENDPOINT"
for sz in 1 12; do # a single PUT and a multipart upload (PutObjectRetention after it)
    key="tenant=old/date=2025-01-0$((sz > 9 ? 2 : 1))/source=s/vol-0001.tar.gz"
    COLDPACK_S3_TEST_LOCK=governance COLDPACK_S3_TEST_DAYS=730 COLDPACK_S3_TEST_PART_MIB=5 \
        "$S3TOOL" put "$key" "$sz" 9 >/dev/null 2>"$W/h.err" || { cat "$W/h.err"; die "locked put $sz MiB"; }
    rgw_aws s3api head-object --bucket e2e39lock --key "cp/$key" >"$W/h.json"
    python3 - "$W/h.json" "$key" <<'PY' || { cat "$W/h.json"; die "retain-until of $key"; }
import json, sys, datetime
h = json.load(open(sys.argv[1]))
day = datetime.date.fromisoformat(sys.argv[2].split("date=")[1][:10])
want = day + datetime.timedelta(days=1 + 730)
got = datetime.datetime.fromisoformat(h["ObjectLockRetainUntilDate"].replace("Z", "+00:00")).date()
assert got == want, (got, want)
PY
done
echo "s3 integrity ok"
