#!/usr/bin/env bash
# [encryption] unknown_tenant: with "fail", a tenant without
# recipients_dir/<tenant>.txt fails alone (named with the file expected),
# the others are backed up, exit 4; with "keygen" it gets a key pair
# (identity 0600 in a 0700 identities_dir, recipient in recipients_dir), and
# the next night's run reuses that pair.
. "$(dirname "$0")/lib/common.sh"
command -v age >/dev/null || { echo "skip: no age CLI"; exit 77; }
DATE2=2026-11-24
gen_data "$T/data" 1 2 3MiB
"$LOGGEN" --out "$T/data" --date "$DATE2" --sources 1 --tenants 2 --size 2MiB --seed 8 >/dev/null
for d in "$T"/data/*/"$DATE"/empty-tenant; do mkdir -p "${d/$DATE/$DATE2}"; done  # a vanished tenant is a warning (exit 3)
mkdir -p "$T/recipients"
"$COLDPACK" keygen --tenant acme --out "$T/keys" >/dev/null
"$COLDPACK" keygen --tenant empty-tenant --out "$T/keys" >/dev/null
cp "$T/keys/acme.txt" "$T/keys/empty-tenant.txt" "$T/recipients/"

write_config "$T/fail.conf" "$T/data" "$T/store" "[encryption]" "recipients_dir = $T/recipients" "unknown_tenant = fail"
"$COLDPACK" -c "$T/fail.conf" init >/dev/null
expect_rc 4 "$COLDPACK" -c "$T/fail.conf" run --date "$DATE" >"$T/run1.out" 2>"$T/run1.err"
grep -q "unit $DATE/siem-01/globex: FAILED" "$T/run1.out" || die "globex's unit not reported failed: $(cat "$T/run1.out")"
grep -q "2 unit(s) done" "$T/run1.out" || die "acme and empty-tenant should be done: $(cat "$T/run1.out")"
grep -q "tenant globex has no age recipients: expected $T/recipients/globex.txt" "$T/run1.err" ||
  die "the error does not name the tenant and the file: $(cat "$T/run1.err")"
[ -z "$(find "$T/store" -path '*tenant=globex*' -type f)" ] || die "globex objects written without recipients"
[ -n "$(find "$T/store/tenant=acme" -name '*.tar.gz.age')" ] || die "acme not backed up"

# keygen: the same night again creates globex's pair and backs it up
write_config "$T/kg.conf" "$T/data" "$T/store" "[encryption]" "recipients_dir = $T/recipients" \
  "identities_dir = $T/ids" "unknown_tenant = keygen"
"$COLDPACK" -c "$T/kg.conf" run --date "$DATE" >"$T/run2.out" 2>"$T/run2.err" || die "keygen run failed: $(cat "$T/run2.err")"
grep -q "1 unit(s) done, 2 already complete" "$T/run2.out" || die "unexpected: $(cat "$T/run2.out")"
[ "$(stat -c %a "$T/ids/globex.key")" = 600 ] || die "identity not 0600"
[ "$(stat -c %a "$T/ids")" = 700 ] || die "identities_dir not 0700"
grep -q '^age1' "$T/recipients/globex.txt" || die "no recipient written"
grep -q "$T/ids/globex.key" "$T/run2.err" || die "the new key pair is not announced"
keysum=$(sha256sum <"$T/ids/globex.key"); recsum=$(sha256sum <"$T/recipients/globex.txt")
v1=$(find "$T/store/tenant=globex/date=$DATE" -name 'vol-0001.tar.gz.age')
age -d -i "$T/ids/globex.key" "$v1" | tar -tzf - >/dev/null || die "the generated identity does not open $v1"

# the next night reuses the pair
"$COLDPACK" -c "$T/kg.conf" run --date "$DATE2" >"$T/run3.out" 2>"$T/run3.err" || die "night 2 failed: $(cat "$T/run3.err")"
[ "$(sha256sum <"$T/ids/globex.key")" = "$keysum" ] || die "identity replaced"
[ "$(sha256sum <"$T/recipients/globex.txt")" = "$recsum" ] || die "recipient replaced"
grep -q "new age key pair" "$T/run3.err" && die "night 2 made a new key pair"
v2=$(find "$T/store/tenant=globex/date=$DATE2" -name 'vol-0001.tar.gz.age')
age -d -i "$T/ids/globex.key" "$v2" | tar -tzf - >/dev/null || die "night 2's volume is not for the same identity"
"$COLDPACK" -c "$T/kg.conf" restore --tenant globex --from "$DATE" --until "$DATE2" --to "$T/r" --yes --identity "$T/ids/globex.key" >/dev/null
check_restored "$T/r" "$T/data" globex
echo "encrypt unknown tenant ok"
