#!/bin/bash
# 36-s3-s3rver: the store suite against a second S3 implementation, s3rver
# (npm), which verifies SigV4 with its own code: multipart upload with the
# SHA-256 tag, ranged GETs, ListObjectsV2 pages, UTF-8 and space keys.
# Its known gaps are tolerated and named: it ignores If-None-Match, has no
# AbortMultipartUpload (405) and no RestoreObject (501). Skips (77) unless
# s3rver is installed: $S3RVER, or `s3rver` on PATH, or under the npm prefix
# ${COLDPACK_NPM_PREFIX:-$HOME/.cache/coldpack-npm} (npm install --prefix DIR s3rver@3.7.1).
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/e2e/lib/rgw.sh
NPM_PREFIX=${COLDPACK_NPM_PREFIX:-$HOME/.cache/coldpack-npm}
S3RVER=${S3RVER:-$(command -v s3rver || echo "$NPM_PREFIX/node_modules/.bin/s3rver")}
[ -x "$S3RVER" ] || { echo "SKIP: s3rver not installed (npm install --prefix $NPM_PREFIX s3rver@3.7.1)"; exit 77; }
E2E_TMP=$(mktemp -d /tmp/coldpack-e2e36.XXXXXX)
SPID=""
trap '[ -n "$SPID" ] && kill "$SPID" 2>/dev/null; rm -rf "$E2E_TMP"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# s3rver's continuation tokens use DES, which Node's OpenSSL 3 keeps in the legacy provider
NODE_OPTIONS=--openssl-legacy-provider "$S3RVER" -d "$E2E_TMP/data" -a 127.0.0.1 -p "$port" \
    --configure-bucket e2e36 --silent >"$E2E_TMP/s3rver.log" 2>&1 &
SPID=$!
for i in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.2; done
s3tool_build
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
s3tool_env e2e36 "http://127.0.0.1:$port"
COLDPACK_S3_TEST_NO_INM=1 "$S3TOOL" >"$E2E_TMP/suite.out" 2>&1 || { cat "$E2E_TMP/suite.out"; fail "store suite on s3rver"; }
grep -q "PASSED  \] 6 test" "$E2E_TMP/suite.out" || { cat "$E2E_TMP/suite.out"; fail "suite did not run"; }
grep "405 MethodNotAllowed\|does not support" "$E2E_TMP/suite.out" || true
echo "PASS: 36-s3-s3rver"
