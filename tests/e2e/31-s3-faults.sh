#!/bin/bash
# 31-s3-faults: retries and error handling of the s3:// store, through a fault
# proxy on loopback in front of Ceph RGW.
#  A. 503/500/resets/mid-body resets/stalls on a share of requests: a 40 MiB
#     multipart upload and its (resumed) GETs converge to identical data, with
#     at most one retry per injected fault, and leave no upload open.
#  B. 100 % 503: gives up in bounded time with a clear error (and the retry
#     budget caps retries across requests).
#  C. not retried, each with its own message: 403 SignatureDoesNotMatch and
#     InvalidAccessKeyId (credentials), RequestTimeTooSkewed (clock skew, from
#     RGW itself with our clock set 1 h ahead, and injected),
#     AuthorizationHeaderMalformed (wrong region), 404, 412.
#  D. CompleteMultipartUpload answering 200 with <Error>: a failure that
#     aborts the upload (InvalidPart), or a retry that succeeds (InternalError).
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/e2e/lib/rgw.sh
rgw_start
s3tool_build
E2E_TMP=$(mktemp -d /tmp/coldpack-e2e31.XXXXXX)
W=$E2E_TMP
rgw_aws s3api create-bucket --bucket e2e31 >/dev/null
export COLDPACK_S3_STALL_SECS=2 COLDPACK_S3_RETRY_BASE_MS=50 COLDPACK_S3_RETRY_CAP_MS=1000
export COLDPACK_S3_MAX_ATTEMPTS=10

# ---- A: mixed faults converge -------------------------------------------
proxy_start mixed --script ok,503,reset,ok,stall,500,midreset --seed 7 --p503 0.15 --p500 0.05 --preset 0.05 --pmid 0.05 --pstall 0.03 \
    --stall 15 --midreset-gets 2
s3tool_env e2e31 "$PROXY_ENDPOINT"
sha=$("$S3TOOL" put faults/vol 40 11 2>"$W/a-put.err") || { cat "$W/a-put.err"; fail "put through faults"; }
read -r size got < <("$S3TOOL" get faults/vol 2>"$W/a-get.err") || { cat "$W/a-get.err"; fail "get through faults"; }
[ "$size" = 41943040 ] && [ "$got" = "$sha" ] || fail "data differs through faults"
read -r size2 got2 < <(COLDPACK_S3_TEST_ENDPOINT=$RGW_ENDPOINT "$S3TOOL" get faults/vol)
[ "$got2" = "$sha" ] || fail "data stored differs"
proxy_stop
faults=$(grep -vc -- '-> ok$' "$PROXY_LOG" || true)
retries=$(cat "$W"/a-*.err | grep -c 'retry [0-9]' || true)
resumed=$(grep -c -- 'GET .* -> midreset' "$PROXY_LOG" || true)
echo "A: $(grep -c . "$PROXY_LOG") requests, $faults faults injected, $retries retries, $resumed GETs cut mid-body"
awk '{print $NF}' "$PROXY_LOG" | sort | uniq -c
for kind in 503 500 reset midreset stall; do
    grep -q -- "-> $kind\$" "$PROXY_LOG" || fail "fault kind $kind not exercised"
done
grep -q "stalled or timed out" "$W/a-put.err" "$W/a-get.err" || { cat "$W"/a-*.err; fail "stall not detected as such"; }
[ "$faults" -ge 5 ] || fail "too few faults injected ($faults)"
[ "$resumed" -ge 2 ] || fail "mid-body GET resets not exercised"
[ "$retries" -le "$faults" ] || fail "more retries ($retries) than faults ($faults)"
[ "$(rgw_open_uploads e2e31)" = 0 ] || fail "uploads left open after faults"
[ -z "$(rgw_aws s3api list-objects-v2 --bucket e2e31 --prefix cp/.coldpack/ --query 'Contents[].Key' --output text | grep -v None || true)" ] \
    || fail "upload markers left behind"

# ---- B: 100 % 503 gives up, bounded ----------------------------------------
proxy_start all503 --all503
s3tool_env e2e31 "$PROXY_ENDPOINT"
t0=$(date +%s)
if COLDPACK_S3_MAX_ATTEMPTS=5 COLDPACK_S3_RETRY_BASE_MS=100 COLDPACK_S3_RETRY_CAP_MS=800 \
    "$S3TOOL" put faults/never 20 1 >"$W/b.out" 2>"$W/b.err"; then fail "put succeeded against 100% 503"; fi
t1=$(date +%s)
cat "$W/b.err"
[ $((t1 - t0)) -le 20 ] || fail "giving up took $((t1 - t0)) s"
grep -q "HTTP 503 SlowDown" "$W/b.err" || fail "503 SlowDown not reported"
grep -q "gave up after retries" "$W/b.err" || fail "no clear give-up message"
[ "$(grep -c . "$PROXY_LOG")" -le 5 ] || fail "more than 5 attempts"
# the run's retry budget caps retries across requests
: >"$PROXY_LOG"
if COLDPACK_S3_RETRY_BUDGET=2 "$S3TOOL" head faults/x 2>"$W/b2.err"; then fail "head succeeded"; fi
grep -q "retry budget is used up" "$W/b2.err" || { cat "$W/b2.err"; fail "budget message"; }
[ "$(grep -c . "$PROXY_LOG")" = 3 ] || fail "budget of 2 retries not respected"
proxy_stop

# ---- C: no retry, clear messages ---------------------------------------------
s3tool_env e2e31 "$RGW_ENDPOINT"
noretry() { # expect-exit expect-text cmd...
    local want=$1 text=$2; shift 2
    set +e; "$@" >"$W/c.out" 2>"$W/c.err"; local rc=$?; set -e
    [ "$rc" = "$want" ] || { cat "$W/c.err"; fail "$* exited $rc, want $want"; }
    if [ -n "$text" ]; then grep -q "$text" "$W/c.err" || { cat "$W/c.err"; fail "no '$text'"; }; fi
    if grep -q "retry [0-9]" "$W/c.err"; then fail "$* was retried"; fi
    if grep -q "$AWS_SECRET_ACCESS_KEY" "$W/c.err" "$W/c.out"; then fail "secret in output"; fi
    cat "$W/c.err"
}
AWS_SECRET_ACCESS_KEY=wrongwrongwrongwrongwrongwrongwrongwrong0 \
    noretry 1 "SignatureDoesNotMatch: credentials rejected" "$S3TOOL" head faults/vol
AWS_ACCESS_KEY_ID=NOSUCHKEY00000000000 noretry 1 "InvalidAccessKeyId: credentials rejected" "$S3TOOL" head faults/vol
# a real clock skew (our timestamp 1 h off): RGW refuses, we name it
COLDPACK_S3_TEST_CLOCK_OFFSET=3600 noretry 1 "RequestTimeTooSkewed: clock skew" "$S3TOOL" head faults/vol
noretry 3 "" "$S3TOOL" head faults/missing
[ ! -s "$W/c.err" ] || fail "404 on head was logged as an error"
for f in "403:RequestTimeTooSkewed:clock skew" "400:AuthorizationHeaderMalformed:wrong region: the bucket is in eu-west-1" \
         "403:AccessDenied:access denied" "404:NoSuchBucket:bucket does not exist"; do
    IFS=: read -r st code text <<<"$f"
    extra=""; [ "$code" = AuthorizationHeaderMalformed ] && extra=":eu-west-1"
    proxy_start "fixed-$code" --fixed "$st:$code$extra"
    s3tool_env e2e31 "$PROXY_ENDPOINT"
    noretry 1 "$text" "$S3TOOL" put faults/small 1 3
    [ "$(grep -c . "$PROXY_LOG")" = 1 ] || fail "$code: more than one request"
    proxy_stop
done
proxy_start fixed-412 --fixed "412:PreconditionFailed"
s3tool_env e2e31 "$PROXY_ENDPOINT"
noretry 2 "" "$S3TOOL" put faults/small 1 3
[ "$(grep -c . "$PROXY_LOG")" = 1 ] || fail "412: more than one request"
proxy_stop

# ---- D: CompleteMultipartUpload 200 + <Error> ----------------------------------
proxy_start cerr --complete-error InvalidPart
s3tool_env e2e31 "$PROXY_ENDPOINT"
if "$S3TOOL" put faults/cerr 20 5 >"$W/d.out" 2>"$W/d.err"; then fail "200-with-Error accepted"; fi
grep -q "HTTP 200 with an error: InvalidPart" "$W/d.err" || { cat "$W/d.err"; fail "200-with-Error not named"; }
proxy_stop
[ "$(rgw_open_uploads e2e31)" = 0 ] || fail "upload not aborted after 200-with-Error"
set +e; COLDPACK_S3_TEST_ENDPOINT=$RGW_ENDPOINT "$S3TOOL" head faults/cerr >/dev/null 2>&1; rc=$?; set -e
[ "$rc" = 3 ] || fail "object visible after a failed complete"
proxy_start cerr2 --complete-error InternalError --complete-error-count 1
s3tool_env e2e31 "$PROXY_ENDPOINT"
sha=$("$S3TOOL" put faults/cerr2 20 6 2>"$W/d2.err") || { cat "$W/d2.err"; fail "retry of 200-with-InternalError"; }
grep -q "HTTP 200 with error InternalError" "$W/d2.err" || fail "retry not logged"
proxy_stop
read -r size got < <(COLDPACK_S3_TEST_ENDPOINT=$RGW_ENDPOINT "$S3TOOL" get faults/cerr2)
[ "$got" = "$sha" ] || fail "data after complete retry"
[ "$(rgw_open_uploads e2e31)" = 0 ] || fail "uploads left open"
echo "PASS: 31-s3-faults"
