#!/usr/bin/env bash
# [encryption]: two tenants (+ the empty one), a key pair each from
# `coldpack keygen`, an escrow recipient for acme. Every volume and index is
# stored as age v1 (.tar.gz.age, .index.json.gz.age) and nothing else; the
# stock age CLI opens acme's objects with acme's identity (GNU tar lists the
# volume, the index is gzip'd JSON) and not globex's; restore without an
# identity fails naming acme's recipient; with acme's identity, and with the
# escrow identity, the tree comes back identical.
. "$(dirname "$0")/lib/common.sh"
command -v age >/dev/null && command -v age-keygen >/dev/null || { echo "skip: no age CLI"; exit 77; }
gen_data "$T/data" 2 2 6MiB
mkdir -p "$T/keys" "$T/recipients"
for t in $(tenants_of "$T/data/siem-01/$DATE"); do
  "$COLDPACK" keygen --tenant "$t" --out "$T/keys" >/dev/null
  [ "$(stat -c %a "$T/keys/$t.key")" = 600 ] || die "keygen: $t.key is not 0600"
  grep -q '^age1' "$T/keys/$t.txt" || die "keygen: $t.txt has no recipient"
  cp "$T/keys/$t.txt" "$T/recipients/"
done
expect_rc 1 "$COLDPACK" keygen --tenant acme --out "$T/keys" 2>/dev/null   # never replaces a key
age-keygen -o "$T/escrow.key" 2>/dev/null
age-keygen -y "$T/escrow.key" >"$T/recipients/acme.escrow.txt"
write_config "$T/c.conf" "$T/data" "$T/store" "[encryption]" "recipients_dir = $T/recipients" "unknown_tenant = fail"
"$COLDPACK" -c "$T/c.conf" init >/dev/null
"$COLDPACK" -c "$T/c.conf" run --date "$DATE" | tee "$T/run.out"
grep -q "6 unit(s) done" "$T/run.out" || die "expected 6 units done"

# only age objects in the data tree
plain=$(find "$T/store" -path '*/.coldpack' -prune -o -path "$T/store/runs" -prune -o -type f ! -name '*.age' -print)
[ -z "$plain" ] || die "unencrypted objects in the store: $plain"
[ "$(find "$T/store" -name 'vol-*.tar.gz.age' | wc -l)" -ge 6 ] || die "no .tar.gz.age volumes"
[ "$(find "$T/store" -name 'vol-*.index.json.gz.age' | wc -l)" -ge 6 ] || die "no .index.json.gz.age indexes"
head -c 21 "$(find "$T/store" -name 'vol-0001.tar.gz.age' | head -1)" | grep -q 'age-encryption.org/v1' || die "not age v1"

# the age CLI: acme's identity opens acme's objects, GNU tar reads the volume
for unit in "$T"/store/tenant=acme/date=*/source=*; do
  src=$(basename "$unit"); src=${src#source=}
  out="$T/agetar/$src"; mkdir -p "$out"
  for v in "$unit"/vol-*.tar.gz.age; do
    age -d -i "$T/keys/acme.key" "$v" | tar -tzf - >/dev/null || die "age -d | tar -t failed on $v"
    age -d -i "$T/keys/acme.key" "$v" | tar -xzf - -C "$out" || die "age -d | tar -x failed on $v"
  done
  diff -r --no-dereference "$out" "$T/data/$src/$DATE/acme" || die "age + GNU tar extraction of $unit differs"
  for i in "$unit"/vol-*.index.json.gz.age; do
    age -d -i "$T/keys/acme.key" "$i" | gzip -dc | python3 -c '
import json, sys
j = json.load(sys.stdin)
assert j["tenant"] == "acme" and j["object"]["key"].endswith(".tar.gz.age"), j["object"]
e = j["encryption"]
assert e["format"] == "age-v1" and e["chunk_size"] == 65536 and e["header_len"] > 0, e
assert len(e["plain"]["sha256"]) == 64 and e["plain"]["size"] > 0, e
' || die "index $i does not decrypt to the expected JSON"
  done
  age -d -i "$T/escrow.key" "$(ls "$unit"/vol-0001.tar.gz.age)" | tar -tzf - >/dev/null || die "escrow identity cannot open $unit"
done
# plain SHA-256 in the index = SHA-256 of the decrypted volume; object SHA-256 = stored bytes
v=$(ls "$T"/store/tenant=acme/date=*/source=siem-01/vol-0001.tar.gz.age)
i=${v%.tar.gz.age}.index.json.gz.age
want=$(age -d -i "$T/keys/acme.key" "$i" | gzip -dc | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["encryption"]["plain"]["sha256"], j["object"]["sha256"])')
got="$(age -d -i "$T/keys/acme.key" "$v" | sha256sum | cut -d' ' -f1) $(sha256sum <"$v" | cut -d' ' -f1)"
[ "$want" = "$got" ] || die "index SHA-256s ($want) are not those of the plaintext and stored volume ($got)"

# acme's identity opens none of globex's objects
for o in $(find "$T/store/tenant=globex" -name '*.age'); do
  if age -d -i "$T/keys/acme.key" "$o" >/dev/null 2>&1; then die "acme's identity decrypts $o"; fi
done
if age -d -i "$T/escrow.key" "$(find "$T/store/tenant=globex" -name 'vol-0001.tar.gz.age' | head -1)" >/dev/null 2>&1; then
  die "acme's escrow identity decrypts a globex object"
fi

# restore: without an identity it fails naming acme's recipient; a wrong identity too
rec=$(grep '^age1' "$T/recipients/acme.txt")
expect_rc 1 "$COLDPACK" -c "$T/c.conf" restore --tenant acme --date "$DATE" --to "$T/r0" --yes 2>"$T/r0.err" >/dev/null
grep -q "$rec" "$T/r0.err" || die "restore without identity does not name the recipient: $(cat "$T/r0.err")"
expect_rc 1 "$COLDPACK" -c "$T/c.conf" restore --tenant acme --date "$DATE" --to "$T/r1" --yes --identity "$T/keys/globex.key" 2>"$T/r1.err" >/dev/null
grep -q "$rec" "$T/r1.err" || die "restore with globex's identity does not name acme's recipient: $(cat "$T/r1.err")"
[ -z "$(find "$T/r0" "$T/r1" -type f 2>/dev/null)" ] || die "a failed restore wrote files"

# with the right identity (and an unrelated one first), and with the escrow identity
"$COLDPACK" -c "$T/c.conf" restore --tenant acme --date "$DATE" --to "$T/r2" --yes \
  --identity "$T/keys/globex.key" --identity "$T/keys/acme.key" >/dev/null
check_restored "$T/r2" "$T/data" acme
"$COLDPACK" -c "$T/c.conf" restore --tenant acme --date "$DATE" --to "$T/r3" --yes --identity "$T/escrow.key" >/dev/null
check_restored "$T/r3" "$T/data" acme
"$COLDPACK" -c "$T/c.conf" restore --tenant globex --date "$DATE" --to "$T/r4" --yes --identity "$T/keys/globex.key" >/dev/null
check_restored "$T/r4" "$T/data" globex
# --path on encrypted volumes: only the matching files
"$COLDPACK" -c "$T/c.conf" restore --tenant globex --date "$DATE" --source siem-01 --to "$T/r6" --yes \
  --identity "$T/keys/globex.key" --path 'fw/*' >/dev/null
cmp "$T/r6/globex/$DATE/siem-01/fw/fw-${DATE}T05.log" "$T/data/siem-01/$DATE/globex/fw/fw-${DATE}T05.log" || die "--path restore differs"
[ -z "$(find "$T/r6" -type f ! -path '*/fw/*')" ] || die "--path restored files outside fw/"
"$COLDPACK" -c "$T/c.conf" restore --tenant empty-tenant --date "$DATE" --to "$T/r5" --yes --identity "$T/keys/empty-tenant.key" >/dev/null
[ -d "$T/r5/empty-tenant/$DATE/siem-01" ] || die "empty tenant not restored"
echo "encrypt roundtrip ok"
