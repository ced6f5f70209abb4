#!/usr/bin/env bash
# Truncated and bit-flipped objects are detected before anything is
# extracted: the object and the offset are named, exit 7, nothing moves into
# the target; verify --deep names them too.
. "$(dirname "$0")/lib/common.sh"
gen_data "$T/data" 1 2 6MiB
BLOCK_SIZE=64KiB write_config "$T/c.conf" "$T/data" "$T/store"
sed -i 's|^\[store\]|[store]\nstorage_class = STANDARD|' "$T/c.conf"
"$COLDPACK" -q -c "$T/c.conf" run --date "$DATE" >/dev/null
k1="tenant=acme/date=$DATE/source=siem-01/vol-0001.tar.gz"
k2="tenant=globex/date=$DATE/source=siem-01/vol-0001.tar.gz"
size=$(stat -c %s "$T/store/$k1")
# flip one bit in the middle of acme's first volume
off=$((size / 2))
python3 - "$T/store/$k1" $off <<'PY'
import sys
p, off = sys.argv[1], int(sys.argv[2])
b = bytearray(open(p, "rb").read()); b[off] ^= 0x10; open(p, "wb").write(bytes(b))
PY
expect_rc 7 "$COLDPACK" -c "$T/c.conf" restore --tenant acme --date "$DATE" --to "$T/t1" --yes >"$T/out1" 2>&1
cat "$T/out1"
grep -q "object $k1 failed verification" "$T/out1" || die "bit flip not named"
grep -Eq "first damaged block #[0-9]+ at offset [0-9]+" "$T/out1" || die "no offset for the bit flip"
blk_off=$(grep -Eo "at offset [0-9]+" "$T/out1" | head -1 | grep -Eo '[0-9]+')
[ "$blk_off" -le "$off" ] || die "reported block offset $blk_off is after the flipped byte $off"
[ ! -e "$T/t1/acme" ] || die "files moved into the target despite corruption"
ls -A "$T/t1" | grep -q . && die "target not left empty: $(ls -A "$T/t1")"
# truncate globex's first volume
truncate -s $(( $(stat -c %s "$T/store/$k2") - 777 )) "$T/store/$k2"
expect_rc 7 "$COLDPACK" -c "$T/c.conf" restore --tenant globex --date "$DATE" --to "$T/t2" --yes >"$T/out2" 2>&1
cat "$T/out2"
grep -Eq "object $k2 is truncated: [0-9]+ bytes, expected [0-9]+ \(data ends at offset [0-9]+\)" "$T/out2" || die "truncation not named with its offset"
expect_rc 7 "$COLDPACK" -c "$T/c.conf" verify --deep >"$T/v" 2>&1
cat "$T/v"
grep -q "object $k1 content SHA-256" "$T/v" || die "verify --deep missed the bit flip"
grep -q "object $k2 is [0-9]* bytes" "$T/v" || die "verify missed the truncation"
echo "corrupt ok"
