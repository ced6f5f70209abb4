#!/usr/bin/env bash
# 19-check.sh — `coldpack check` contacts everything and prints one row per
# target (TARGET WHAT STATE DETAIL). A healthy file store, local source and
# catalog: exit 0, every row OK, the probe object gone. An unreachable ssh
# host (127.0.0.1 port 1), a missing day directory and a store under a
# regular file: each named in a FAIL row, exit 1, all in one pass (parallel,
# bounded by --timeout). --notify-test runs the [notify] command. With RGW:
# a healthy bucket with part_size = 5MiB is one WARN (exit 3); a wrong
# secret key and a missing bucket are FAIL rows naming the bucket (the RGW
# part is skipped with a message when RGW cannot start).
. "$(dirname "$0")/lib/common.sh"

mkdir -p "$T/data/siem-01/$DATE/acme" "$T/data/siem-02/$DATE/acme"
echo hello >"$T/data/siem-01/$DATE/acme/a.log"
echo hello >"$T/data/siem-02/$DATE/acme/a.log"
write_config "$T/c.conf" "$T/data" "$T/store"
"$COLDPACK" -c "$T/c.conf" init >/dev/null

# healthy
expect_rc 0 "$COLDPACK" -c "$T/c.conf" check --date "$DATE" >"$T/ok.out" 2>"$T/ok.err"
cat "$T/ok.out" "$T/ok.err"
head -1 "$T/ok.out" | grep -q "^TARGET .*WHAT .*STATE .*DETAIL" || die "no table header"
[ "$(grep -cE '^(store|source|catalog) ' "$T/ok.out")" = 5 ] || die "expected 5 rows (store, 2 sources, catalog, part_size)"
! tail -n +2 "$T/ok.out" | grep -vq " OK " || die "a healthy setup has a row that is not OK"
grep -q "^store .*write/read/delete .* OK .*probe class STANDARD" "$T/ok.out" || die "store row"
grep -q "^source siem-01 .* OK .*$T/data/siem-01/$DATE present" "$T/ok.out" || die "source row"
grep -q "^catalog .* OK .*quick_check ok" "$T/ok.out" || die "catalog row"
[ -z "$(store_objects "$T/store")" ] || die "the probe was left in the store: $(store_objects "$T/store")"

# --notify-test runs the command with a test summary
cp "$T/c.conf" "$T/n.conf"
printf '[notify]\ncommand = cat > %s/notified.json\n' "$T" >>"$T/n.conf"
expect_rc 0 "$COLDPACK" -c "$T/n.conf" check --date "$DATE" --notify-test >"$T/n.out"
grep -q "^notify .* OK " "$T/n.out" || { cat "$T/n.out"; die "notify row"; }
grep -q '"test"' "$T/notified.json" || die "the notify command got no test message"

# usage
expect_rc 2 "$COLDPACK" -c "$T/c.conf" check --timeout 0 2>/dev/null
expect_rc 2 "$COLDPACK" -c "$T/c.conf" check --timeout abc 2>/dev/null

# failures: unreachable host, missing day dir, store under a regular file
touch "$T/afile"
rm -r "$T/data/siem-02/$DATE"
sed "s#^url = .*#url = file://$T/afile/store#" "$T/c.conf" >"$T/bad.conf"
printf '[source "far"]\nhost = 127.0.0.1\nport = 1\npath = /srv/logs/{date}\ntenant = dir:1\n' >>"$T/bad.conf"
start=$(date +%s)
expect_rc 1 "$COLDPACK" -c "$T/bad.conf" check --date "$DATE" --timeout 10 >"$T/bad.out" 2>"$T/bad.err"
cat "$T/bad.out"
[ $(($(date +%s) - start)) -le 15 ] || die "check took longer than its timeout"
grep -q "^store .* FAIL .*file://$T/afile/store" "$T/bad.out" || die "unwritable store not named"
grep -q "^source siem-02 .* FAIL .*$T/data/siem-02/$DATE MISSING" "$T/bad.out" || die "missing day dir not named"
grep -q "^source far .* FAIL .*127.0.0.1.*\(refused\|ssh\)" "$T/bad.out" || die "unreachable host not named"
grep -q "^source siem-01 .* OK " "$T/bad.out" || die "the healthy source is not OK beside the failures"

# RGW
if ! command -v radosgw >/dev/null 2>&1 || ! command -v aws >/dev/null 2>&1; then
    echo "RGW part skipped: radosgw or aws cli not installed"
    exit 0
fi
. "$(dirname "$0")/lib/rgw.sh"
RGW_NO_TRAP=1
on_exit e2e_cleanup
if ! rgw_start; then
    echo "RGW part skipped: rgw_start failed"
    exit 0
fi
rgw_aws s3api create-bucket --bucket e2e19 >/dev/null
s3conf() { # FILE BUCKET
    sed "/^\[store\]/,/^\[catalog\]/c [store]\nurl = s3://$2/coldpack\nregion = us-east-1\nendpoint = $RGW_ENDPOINT\npath_style = true\npart_size = 5MiB\n[catalog]" "$T/c.conf" >"$1"
    sed -i -e '/siem-02/,$d' -e 's/^volume_size = .*/volume_size = 4GiB/' "$1"
}
s3conf "$T/s3.conf" e2e19
expect_rc 3 "$COLDPACK" -c "$T/s3.conf" check --date "$DATE" >"$T/s3.out" 2>&1
cat "$T/s3.out"
grep -q "^store .*write/read/delete .* OK .*s3://e2e19/coldpack" "$T/s3.out" || die "RGW store row"
grep -q "^store .*part_size .* WARN .*5 MiB.*PUTs" "$T/s3.out" || die "part_size warning"
[ "$(rgw_aws s3api list-objects-v2 --bucket e2e19 --query 'length(Contents || `[]`)' --output text)" = 0 ] ||
    die "the probe was left in the bucket"

expect_rc 1 env AWS_SECRET_ACCESS_KEY=wrongwrongwrongwrongwrongwrongwrongwrong \
    "$COLDPACK" -c "$T/s3.conf" check --date "$DATE" >"$T/key.out" 2>&1
cat "$T/key.out"
grep -q "^store .*write/read/delete .* FAIL .*s3://e2e19/coldpack.*$RGW_ENDPOINT" "$T/key.out" || die "wrong secret not named"

s3conf "$T/nob.conf" nosuchbucket19
expect_rc 1 "$COLDPACK" -c "$T/nob.conf" check --date "$DATE" >"$T/nob.out" 2>&1
cat "$T/nob.out"
grep -q "^store .*write/read/delete .* FAIL .*s3://nosuchbucket19/coldpack" "$T/nob.out" || die "missing bucket not named"
echo "19-check: ok"
