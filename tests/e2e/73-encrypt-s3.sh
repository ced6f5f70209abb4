#!/usr/bin/env bash
# [encryption] on S3: the encrypted round trip on Ceph RGW, in an Object Lock
# bucket (compliance, retention.days = 1) under a prefix. Two tenants (+ the
# empty one), a key pair each from `coldpack keygen`; init, run. Then: an
# acme volume (.tar.gz.age) and its index (.index.json.gz.age) fetched with
# `aws s3api get-object` open with the stock age CLI and acme's identity (GNU
# tar lists the volume, the index gunzips to JSON); globex's identity opens
# neither; restore with acme's identity is byte-identical, without one it
# fails naming acme's recipient; an encrypted volume is under COMPLIANCE
# retention with a retain-until date; with catalog.db deleted, `catalog
# rebuild` exits 0 with every unit complete and verify is green.
. "$(dirname "$0")/lib/common.sh"
command -v age >/dev/null || { echo "skip: no age CLI"; exit 77; }
. "$(dirname "$0")/lib/rgw.sh"
RGW_NO_TRAP=1
on_exit e2e_cleanup
rgw_start
B=e2e73
P=enc/cp
rgw_aws s3api create-bucket --bucket "$B" --object-lock-enabled-for-bucket >/dev/null

gen_data "$T/data" 2 2 4MiB
mkdir -p "$T/keys" "$T/recipients"
chmod 700 "$T/keys"
for t in $(tenants_of "$T/data/siem-01/$DATE"); do
  "$COLDPACK" keygen --tenant "$t" --out "$T/keys" >/dev/null
  cp "$T/keys/$t.txt" "$T/recipients/"
done
write_config "$T/c.conf" "$T/data" "unused" "[encryption]" "recipients_dir = $T/recipients" \
  "identities_dir = $T/keys" "unknown_tenant = fail"
python3 - "$T/c.conf" "$RGW_ENDPOINT" "$B" "$P" <<'PY'
import sys, re
path, ep, b, p = sys.argv[1:]
text = open(path).read()
s3 = ("[store]\nurl = s3://%s/%s\nregion = us-east-1\nendpoint = %s\npath_style = true\n"
      "object_lock = compliance\n" % (b, p, ep))
text = re.sub(r"\[store\]\nurl = [^\n]*\n", s3, text)
text += "[retention]\ndays = 1\n"
open(path, "w").write(text)
PY
CP=("$COLDPACK" -c "$T/c.conf")
"${CP[@]}" init >"$T/init.out" 2>&1 || { cat "$T/init.out"; die "init"; }
grep -q "bucket Object Lock: enabled" "$T/init.out" || { cat "$T/init.out"; die "init's lock report"; }
"${CP[@]}" run --date "$DATE" >"$T/run.out" 2>&1 || { cat "$T/run.out"; die "run"; }
grep -q "6 unit(s) done" "$T/run.out" || { cat "$T/run.out"; die "expected 6 units done"; }

# only age objects under the prefix's tenant trees
rgw_aws s3api list-objects-v2 --bucket "$B" --prefix "$P/" --query 'Contents[].Key' --output text |
  tr '\t' '\n' >"$T/list.txt"
grep -q "^$P/tenant=acme/date=$DATE/source=siem-01/vol-0001.tar.gz.age$" "$T/list.txt" ||
  { cat "$T/list.txt"; die "object layout under the prefix"; }
plain=$(grep "^$P/tenant=" "$T/list.txt" | grep -v '\.age$' || true)
[ -z "$plain" ] || die "unencrypted objects in the bucket: $plain"

# (a) aws s3api get-object + the age CLI with acme's identity
vkey=$P/tenant=acme/date=$DATE/source=siem-01/vol-0001.tar.gz.age
ikey=${vkey%.tar.gz.age}.index.json.gz.age
rgw_aws s3api get-object --bucket "$B" --key "$vkey" "$T/v.age" >/dev/null || die "get-object $vkey"
rgw_aws s3api get-object --bucket "$B" --key "$ikey" "$T/i.age" >/dev/null || die "get-object $ikey"
head -c 21 "$T/v.age" | grep -q 'age-encryption.org/v1' || die "$vkey is not age v1"
age -d -i "$T/keys/acme.key" "$T/v.age" >"$T/v.tar.gz" || die "age -d of $vkey"
tar -tzf "$T/v.tar.gz" >"$T/v.list" || die "tar tzf of the decrypted $vkey"
[ -s "$T/v.list" ] || die "the decrypted volume lists no files"
age -d -i "$T/keys/acme.key" "$T/i.age" | gzip -dc | python3 -c '
import json, sys
j = json.load(sys.stdin)
assert j["tenant"] == "acme" and j["object"]["key"].endswith(".tar.gz.age"), j["object"]
assert j["encryption"]["format"] == "age-v1", j["encryption"]
' || die "index $ikey does not decrypt to the expected JSON"
[ "$(sha256sum <"$T/v.tar.gz" | cut -d' ' -f1)" = \
  "$(age -d -i "$T/keys/acme.key" "$T/i.age" | gzip -dc | python3 -c 'import json,sys; print(json.load(sys.stdin)["encryption"]["plain"]["sha256"])')" ] ||
  die "the index's plain SHA-256 is not that of the decrypted volume"

# (b) globex's identity opens neither
for f in v.age i.age; do
  if age -d -i "$T/keys/globex.key" "$T/$f" >/dev/null 2>&1; then die "globex's identity decrypts acme's $f"; fi
done

# (c) restore with acme's identity: byte-identical
"${CP[@]}" restore --tenant acme --date "$DATE" --to "$T/r-acme" --yes --identity "$T/keys/acme.key" \
  >"$T/r-acme.out" 2>&1 || { tail -20 "$T/r-acme.out"; die "restore acme"; }
check_restored "$T/r-acme" "$T/data" acme

# (d) without an identity: fails naming acme's recipient, writes nothing
rec=$(grep '^age1' "$T/recipients/acme.txt")
expect_rc 1 "${CP[@]}" restore --tenant acme --date "$DATE" --to "$T/r0" --yes >/dev/null 2>"$T/r0.err"
grep -q "$rec" "$T/r0.err" || die "restore without identity does not name the recipient: $(cat "$T/r0.err")"
[ -z "$(find "$T/r0" -type f 2>/dev/null)" ] || die "a failed restore wrote files"

# (e) the encrypted volume is under COMPLIANCE retention
rgw_aws s3api get-object-retention --bucket "$B" --key "$vkey" >"$T/ret.json" || die "get-object-retention $vkey"
python3 - "$T/ret.json" <<'PY' || die "retention of $vkey: $(cat "$T/ret.json")"
import json, sys, time
from datetime import datetime
r = json.load(open(sys.argv[1]))["Retention"]
assert r["Mode"] == "COMPLIANCE", r
until = datetime.fromisoformat(r["RetainUntilDate"].replace("Z", "+00:00")).timestamp()
assert until > time.time(), r
PY

# (f) catalog.db lost: rebuild attests every unit, verify is green
files0=$(sqlite3 "$T/catalog.db" "SELECT date, source, tenant, volumes, files FROM units WHERE status = 'complete' ORDER BY 1, 2, 3")
rm -f "$T"/catalog.db*
"${CP[@]}" catalog rebuild >"$T/rb" 2>&1 || die "rebuild failed: $(cat "$T/rb")"
grep -q "6 complete unit(s)" "$T/rb" || die "rebuild did not find the 6 units complete: $(cat "$T/rb")"
grep -q PROBLEM "$T/rb" && die "rebuild reported problems: $(cat "$T/rb")"
files1=$(sqlite3 "$T/catalog.db" "SELECT date, source, tenant, volumes, files FROM units WHERE status = 'complete' ORDER BY 1, 2, 3")
[ "$files0" = "$files1" ] || die "rebuilt units differ: $files0 vs $files1"
"${CP[@]}" verify >"$T/v.out" 2>&1 || die "verify after rebuild failed: $(cat "$T/v.out")"

if grep -rqa "$AWS_SECRET_ACCESS_KEY" "$T"/*.out "$T/catalog.db"; then die "secret key leaked"; fi
echo "encrypt s3 ok"
