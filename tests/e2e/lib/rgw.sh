# tests/e2e/lib/rgw.sh — start/stop a private Ceph RGW for one e2e script.
#
# Source it, then `rgw_start` (skips the test with exit 77 when radosgw or
# the aws cli is not installed). It runs the project's own launcher,
# tests/e2e/lib/rgw-launch.sh, on a cluster directory inside an RGW_DATA of
# mktemp and an RGW_PORT of its own, installs a trap that stops exactly those
# daemons and deletes RGW_DATA, and exports:
#   RGW_ENDPOINT  http://127.0.0.1:PORT
#   AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_DEFAULT_REGION
#   rgw_aws ...   aws cli against it (s3api ...)

RGW_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
RGW_LAUNCH=$RGW_ROOT/tests/e2e/lib/rgw-launch.sh

rgw_stop() {
    if [ -n "${RGW_DATA:-}" ] && [ -d "$RGW_DATA" ]; then
        "$RGW_LAUNCH" stop "$RGW_DATA/cluster" >/dev/null 2>&1 || true
        rm -rf -- "$RGW_DATA"
    fi
}

PROXY_PIDS=""
E2E_TMP=""
e2e_cleanup() {
    local p
    for p in $PROXY_PIDS; do kill "$p" 2>/dev/null || true; done
    rgw_stop
    [ -n "$E2E_TMP" ] && rm -rf "$E2E_TMP"
    return 0
}

rgw_start() {
    if ! command -v radosgw >/dev/null 2>&1; then
        echo "SKIP: radosgw not installed (Debian packages radosgw ceph-mon ceph-osd ceph-common)"
        exit 77
    fi
    if ! command -v aws >/dev/null 2>&1; then
        echo "SKIP: aws cli not installed (Debian package awscli)"
        exit 77
    fi
    RGW_DATA=$(mktemp -d /tmp/coldpack-rgw.XXXXXX)
    export RGW_DATA
    # a port of our own so parallel runs and a developer's RGW do not collide
    RGW_PORT=${RGW_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
    export RGW_PORT
    # scripts that use lib/common.sh register e2e_cleanup with on_exit instead
    [ "${RGW_NO_TRAP:-0}" = 1 ] || trap e2e_cleanup EXIT
    if ! "$RGW_LAUNCH" start "$RGW_DATA/cluster" "$RGW_PORT" >"$RGW_DATA/start.log" 2>&1; then
        echo "rgw start failed:"; tail -20 "$RGW_DATA/start.log"
        return 1
    fi
    export RGW_ENDPOINT=http://127.0.0.1:$RGW_PORT
    export AWS_ACCESS_KEY_ID=TESTACCESSKEY0000001
    export AWS_SECRET_ACCESS_KEY=testsecretkey0000000000000000000000000001
    export AWS_DEFAULT_REGION=us-east-1
    export AWS_EC2_METADATA_DISABLED=true
}

rgw_aws() {
    aws --endpoint-url "$RGW_ENDPOINT" "$@"
}

# The store driver: build/unit/test_s3_store (tests/unit/test_s3_store.c),
# built on demand. Exports S3TOOL. S3TOOL may be preset to another build.
s3tool_build() {
    if [ -z "${S3TOOL:-}" ]; then
        S3TOOL=$RGW_ROOT/build/unit/test_s3_store
        make -C "$RGW_ROOT" -j2 build/unit/test_s3_store >/dev/null || {
            echo "FAIL: cannot build build/unit/test_s3_store"; return 1; }
    fi
    export S3TOOL
}

# s3tool_env BUCKET [ENDPOINT]: point the driver at s3://BUCKET/cp via ENDPOINT.
s3tool_env() {
    export COLDPACK_S3_TEST_URL=s3://$1/cp
    export COLDPACK_S3_TEST_ENDPOINT=${2:-$RGW_ENDPOINT}
}

# Count multipart uploads still open in a bucket.
rgw_open_uploads() {
    rgw_aws s3api list-multipart-uploads --bucket "$1" --query 'length(Uploads || `[]`)' --output text
}

fail() { echo "FAIL: $*"; exit 1; }

# proxy_start NAME [faultproxy options]: a fault proxy in front of RGW.
# Sets PROXY_ENDPOINT and PROXY_LOG ($E2E_TMP/NAME.log); proxy_stop ends it.
proxy_start() {
    local name=$1; shift
    PROXY_LOG=$E2E_TMP/$name.log
    rm -f "$E2E_TMP/$name.port"
    python3 "$RGW_ROOT/tests/e2e/lib/faultproxy.py" --upstream "127.0.0.1:$RGW_PORT" \
        --port-file "$E2E_TMP/$name.port" --log "$PROXY_LOG" --max-seconds 600 "$@" &
    PROXY_PID=$!
    PROXY_PIDS="$PROXY_PIDS $PROXY_PID"
    local i
    for i in $(seq 50); do [ -s "$E2E_TMP/$name.port" ] && break; sleep 0.1; done
    [ -s "$E2E_TMP/$name.port" ] || fail "fault proxy did not start"
    PROXY_ENDPOINT=http://127.0.0.1:$(cat "$E2E_TMP/$name.port")
}

proxy_stop() {
    kill "$PROXY_PID" 2>/dev/null || true
    wait "$PROXY_PID" 2>/dev/null || true
}
