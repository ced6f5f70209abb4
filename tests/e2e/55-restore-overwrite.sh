#!/usr/bin/env bash
# Nothing already in the target is replaced unless --overwrite: without it
# the existing file is kept, named as REFUSED, exit 3; with it, replaced.
. "$(dirname "$0")/lib/common.sh"
gen_data "$T/data" 1 1 1MiB
write_config "$T/c.conf" "$T/data" "$T/store"
sed -i 's|^\[store\]|[store]\nstorage_class = STANDARD|' "$T/c.conf"
"$COLDPACK" -q -c "$T/c.conf" run --date "$DATE" >/dev/null
key="tenant=acme/date=$DATE/source=siem-01/vol-0001.tar.gz"
recatalog() { sqlite3 "$T/catalog.db" "UPDATE objects SET sha256='$(sha256sum "$T/store/$1" | cut -d' ' -f1)', size=$(stat -c %s "$T/store/$1") WHERE key='$1'"; }
f=$(cd "$T/data/siem-01/$DATE/acme" && find . -type f -print -quit | cut -c3-)
"$COLDPACK" -c "$T/c.conf" restore --tenant acme --date "$DATE" --to "$T/target" --yes >/dev/null 2>&1
echo "operator notes" >"$T/target/acme/$DATE/siem-01/$f"
expect_rc 3 "$COLDPACK" -c "$T/c.conf" restore --tenant acme --date "$DATE" --to "$T/target" --yes >"$T/out" 2>&1
cat "$T/out"
[ "$(cat "$T/target/acme/$DATE/siem-01/$f")" = "operator notes" ] || die "existing file overwritten without --overwrite"
grep -q "REFUSED .*acme/$DATE/siem-01/$f: already exists" "$T/out" || die "kept file not named"
"$COLDPACK" -c "$T/c.conf" restore --tenant acme --date "$DATE" --to "$T/target" --yes --overwrite >"$T/out2" 2>&1 || { cat "$T/out2"; die "--overwrite restore failed"; }
cmp -s "$T/target/acme/$DATE/siem-01/$f" "$T/data/siem-01/$DATE/acme/$f" || die "--overwrite did not replace the file"
check_restored "$T/target" "$T/data" acme
ls -A "$T/target" | grep -q '^\.coldpack' && die "staging left behind"
echo "overwrite ok"
