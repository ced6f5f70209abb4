#!/usr/bin/env bash
# compression = zstd: volumes are multi-frame .tar.zst that `zstd -d | tar x`
# reads; restore gives the data back identical.
. "$(dirname "$0")/lib/common.sh"
gen_data "$T/data" 2 2 8MiB
write_config "$T/c.conf" "$T/data" "$T/store" "compression = zstd" "level = 3"
"$COLDPACK" -q -c "$T/c.conf" run --date "$DATE" >/dev/null
v="$T/store/tenant=acme/date=$DATE/source=siem-01/vol-0001.tar.zst"
[ -f "$v" ] || die "no .tar.zst volume"
mkdir -p "$T/x"
for v in "$T"/store/tenant=acme/date=$DATE/source=siem-01/vol-*.tar.zst; do zstd -dc "$v" | tar -x -C "$T/x"; done
diff -r "$T/x" "$T/data/siem-01/$DATE/acme" || die "zstd + GNU tar extraction differs"
"$COLDPACK" -q -c "$T/c.conf" restore --tenant acme --date "$DATE" --to "$T/r" --yes >/dev/null
check_restored "$T/r" "$T/data" acme
echo "zstd ok"
