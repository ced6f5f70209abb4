#!/bin/bash
# 81-audit: "prove day D is unaltered and was locked" (docs/audit.md).
# File store: with [audit] signing_key every manifest gets a signature
# sidecar that `openssl pkeyutl -verify -rawin` accepts; `audit --date D`
# writes a private bundle that `verify --bundle` finds green, carrying the
# chain from the day's manifest to the tip (a later day's run) and, with
# --tenant, only that tenant's objects; a tampered or added bundle file, and
# a manifest modified in the store, are named (exit 7), and
# plain `verify` with public_key names the badly signed manifest.
# RGW: an Object Lock bucket (compliance, retention.days = 1): init reports
# its lock, versioning and default retention; the bundle's version id, lock
# mode and retain-until equal what `aws s3api head-object` and
# `get-object-retention` say; `verify --bundle` green; tampering named.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/rgw.sh"
RGW_NO_TRAP=1
on_exit e2e_cleanup

gen_data "$T/data" 1 2 2MiB
openssl genpkey -algorithm ed25519 -out "$T/sk.pem" 2>/dev/null
openssl pkey -in "$T/sk.pem" -pubout -out "$T/pk.pem"

# ---- file store ----
write_config "$T/f.conf" "$T/data" "$T/store"
chmod 644 "$T/sk.pem"
printf '[audit]\nsigning_key = %s\npublic_key = %s\n' "$T/sk.pem" "$T/pk.pem" >>"$T/f.conf"
"$COLDPACK" -c "$T/f.conf" init >/dev/null
# a group/other-readable signing key is refused: no manifest is written
set +e; "$COLDPACK" -c "$T/f.conf" run --date "$DATE" >"$T/perm.out" 2>&1; set -e
grep -q "accessible by group or others" "$T/perm.out" || { cat "$T/perm.out"; die "a 0644 signing key was not refused"; }
chmod 600 "$T/sk.pem"
"$COLDPACK" -c "$T/f.conf" run --date "$DATE" >"$T/run.out" 2>&1 || { cat "$T/run.out"; die "run"; }
m=$(ls "$T"/store/runs/"$DATE"/*.json | head -1)
sig="$T/store/sigs/$DATE/$(basename "$m").sig"
[ -f "$sig" ] || die "no signature sidecar $sig"
python3 - "$sig" "$T/sig.bin" <<'PY'
import json, base64, sys
j = json.load(open(sys.argv[1]))
assert j["alg"] == "ed25519" and len(j["key_id"]) == 16, j
open(sys.argv[2], "wb").write(base64.b64decode(j["sig"]))
PY
openssl pkeyutl -verify -pubin -inkey "$T/pk.pem" -rawin -in "$m" -sigfile "$T/sig.bin" >/dev/null \
    || die "openssl does not accept the manifest's signature"
"$COLDPACK" -c "$T/f.conf" verify >"$T/v0.out" || { cat "$T/v0.out"; die "verify with signatures"; }
grep -q "1 manifest signature(s) checked" "$T/v0.out" || die "signatures not checked"

# a later day's run: the bundle of DATE carries the chain from DATE up to the tip
"$LOGGEN" --out "$T/data" --date 2026-11-24 --sources 1 --tenants 2 --size 1MiB --seed 8 >/dev/null
for d in "$T"/data/*/"$DATE"/empty-tenant; do mkdir -p "${d/$DATE/2026-11-24}"; done  # a vanished tenant is a warning (exit 3)
"$COLDPACK" -c "$T/f.conf" run --date 2026-11-24 >"$T/run2.out" 2>&1 || { cat "$T/run2.out"; die "run 2"; }
"$COLDPACK" -c "$T/f.conf" audit --date "$DATE" --tenant acme --out "$T/fa" >/dev/null || die "audit --tenant"
python3 - "$T/fa/bundle.json" "$DATE" <<'PY' || die "bundle of one tenant and day: $(cat "$T/fa/summary.txt")"
import json, sys
b, date = json.load(open(sys.argv[1])), sys.argv[2]
assert b["tenant"] == "acme" and b["date"] == date, b
ms = b["manifests"]
assert len(ms) == 2, [m["key"] for m in ms]                      # the tip (2026-11-24) and the day's
assert ms[0]["key"] == b["tip"]["key"] and "/2026-11-24/" in ms[0]["key"] and not ms[0]["day"], ms[0]
assert ms[1]["day"] and ms[0]["prev_manifest"] == ms[1]["key"] and ms[0]["prev_sha256"] == ms[1]["sha256"]
assert all(m["signature"] for m in ms), ms
assert b["objects"] and all("tenant=acme/date=%s/" % date in o["key"] for o in b["objects"]), b["objects"]
PY
"$COLDPACK" -c "$T/f.conf" verify --bundle "$T/fa" >/dev/null || die "verify --bundle of the two-manifest bundle"
"$COLDPACK" -c "$T/f.conf" audit --date "$DATE" --out "$T/fb" >/dev/null || die "audit (file store)"
[ "$(stat -c %a "$T/fb")" = 700 ] || die "bundle dir not 0700"
[ -z "$(find "$T/fb" -type f ! -perm 600)" ] || die "bundle files not 0600"
for f in bundle.json summary.txt public-key.pem; do [ -f "$T/fb/$f" ] || die "bundle has no $f"; done
ls "$T"/fb/signatures/*.sig >/dev/null || die "bundle has no signature"
"$COLDPACK" -c "$T/f.conf" verify --bundle "$T/fb" >"$T/fv.out" || { cat "$T/fv.out"; die "verify --bundle (file store)"; }
# tamper with a bundled file: named, exit 7
cp -a "$T/fb" "$T/fb2"
sed -i 's/size/SIZE/' "$T/fb2/summary.txt"
set +e; "$COLDPACK" -c "$T/f.conf" verify --bundle "$T/fb2" >"$T/fv2.out"; rc=$?; set -e
[ $rc = 7 ] || die "tampered bundle: exit $rc"
grep -q "PROBLEM bundle file summary.txt" "$T/fv2.out" || { cat "$T/fv2.out"; die "tampered file not named"; }
# a file added to the bundle: named
cp -a "$T/fb" "$T/fb5"
cp "$T/fb5/summary.txt" "$T/fb5/manifests/runs_${DATE}_99999999T000000Z-1.json"
set +e; "$COLDPACK" -c "$T/f.conf" verify --bundle "$T/fb5" >"$T/fv5.out"; rc=$?; set -e
[ $rc = 7 ] || die "added bundle file: exit $rc"
grep -q "is not covered by bundle.json (added)" "$T/fv5.out" || { cat "$T/fv5.out"; die "added file not named"; }
# a manifest modified in the store: verify --bundle and verify name it
printf ' ' >>"$m"
set +e; "$COLDPACK" -c "$T/f.conf" verify --bundle "$T/fb" >"$T/fv3.out"; rc=$?; set -e
[ $rc = 7 ] || die "modified manifest: verify --bundle exit $rc"
grep -q "PROBLEM manifest runs/$DATE/.* in the store has SHA-256" "$T/fv3.out" || { cat "$T/fv3.out"; die "modified manifest not named"; }
set +e; "$COLDPACK" -c "$T/f.conf" verify >"$T/fv4.out"; rc=$?; set -e
[ $rc = 7 ] || die "modified manifest: verify exit $rc"
grep -q "bad signature" "$T/fv4.out" || { cat "$T/fv4.out"; die "bad signature not named"; }
# an object deleted from the store: audit still writes the bundle, names it, exits 7
rm "$T/store/tenant=acme/date=$DATE/source=siem-01/vol-0001.tar.gz"
set +e; "$COLDPACK" -c "$T/f.conf" audit --date "$DATE" --out "$T/fc" >"$T/fc.out" 2>&1; rc=$?; set -e
[ $rc = 7 ] || { cat "$T/fc.out"; die "audit with a missing object: exit $rc"; }
grep -q "PROBLEM tenant=acme/date=$DATE/source=siem-01/vol-0001.tar.gz (listed by .*) is missing" "$T/fc.out" \
    || { cat "$T/fc.out"; die "missing object not named by audit"; }
grep -q '"missing": true' "$T/fc/bundle.json" || die "missing object not recorded in the bundle"
echo "file store part ok"

# ---- RGW, Object Lock bucket ----
rgw_start
rgw_aws s3api create-bucket --bucket e2e81 --object-lock-enabled-for-bucket >/dev/null
write_config "$T/s.conf" "$T/data" "unused"
python3 - "$T/s.conf" "$RGW_ENDPOINT" "$T" <<'PY'
import sys, re
path, ep, t = sys.argv[1:]
text = open(path).read()
s3 = ("[store]\nurl = s3://e2e81/cp\nregion = us-east-1\nendpoint = %s\npath_style = true\n"
      "storage_class = DEEP_ARCHIVE\nobject_lock = compliance\n" % ep)
text = re.sub(r"\[store\]\nurl = [^\n]*\n", s3, text)
text = text.replace("[catalog]\npath = %s/catalog.db" % t, "[catalog]\npath = %s/s3.db" % t)
text += "[retention]\ndays = 1\n[audit]\nsigning_key = %s/sk.pem\npublic_key = %s/pk.pem\n" % (t, t)
open(path, "w").write(text)
PY
# object_lock on a bucket without Object Lock: init refuses it and leaves it as it was
rgw_aws s3api create-bucket --bucket e2e81plain >/dev/null
sed 's|s3://e2e81/cp|s3://e2e81plain/cp|; s|/s3.db|/plain.db|' "$T/s.conf" >"$T/p.conf"
set +e; "$COLDPACK" -c "$T/p.conf" init >"$T/pinit.out" 2>&1; rc=$?; set -e
[ $rc != 0 ] || die "init accepted object_lock on a bucket without Object Lock"
grep -q "does not have Object Lock enabled" "$T/pinit.out" || { cat "$T/pinit.out"; die "init's refusal"; }
if rgw_aws s3api get-bucket-lifecycle-configuration --bucket e2e81plain >/dev/null 2>&1; then
    die "init changed the lifecycle of a bucket it refused"
fi
"$COLDPACK" -c "$T/s.conf" init >"$T/init.out" 2>&1 || { cat "$T/init.out"; die "init"; }
grep -q "bucket Object Lock: enabled, versioning enabled" "$T/init.out" || { cat "$T/init.out"; die "init's lock report"; }
"$COLDPACK" -c "$T/s.conf" run --date "$DATE" >"$T/srun.out" 2>&1 || { cat "$T/srun.out"; die "run (s3)"; }
"$COLDPACK" -c "$T/s.conf" audit --date "$DATE" --out "$T/sb" >"$T/saudit.out" 2>&1 || { cat "$T/saudit.out"; die "audit (s3)"; }
grep -q "ObjectLockEnabled" "$T/sb/bucket/object-lock.xml" || die "no lock configuration in the bundle"
grep -q "coldpack:cp/" "$T/sb/bucket/lifecycle.xml" || die "no lifecycle configuration in the bundle"
ls "$T"/sb/signatures/*.sig >/dev/null || die "no signature in the s3 bundle"
# the bundle's claims are what S3 says
python3 - "$T/sb/bundle.json" >"$T/claims.txt" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
assert b["objects"], "no objects"
for o in b["objects"]:
    assert o["lock_mode"] == "COMPLIANCE", o
    assert o["version_id"], o
    print(o["key"], o["version_id"], o["lock_mode"], o["retain_until"], o["size"], o["storage_class"])
PY
n=0
while read -r key ver mode until size cls; do
    rgw_aws s3api head-object --bucket e2e81 --key "cp/$key" >"$T/h.json"
    rgw_aws s3api get-object-retention --bucket e2e81 --key "cp/$key" >"$T/r.json"
    python3 - "$T/h.json" "$T/r.json" "$ver" "$mode" "$until" "$size" "$cls" <<'PY' || die "bundle claim for $key differs from S3"
import json, sys
from datetime import datetime
h, r = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
ver, mode, until, size, cls = sys.argv[3:]
def t(s): return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
assert h["VersionId"] == ver, (h["VersionId"], ver)
assert h["ObjectLockMode"] == mode == r["Retention"]["Mode"], (h, r, mode)
assert abs(t(h["ObjectLockRetainUntilDate"]) - t(until)) < 1, (h["ObjectLockRetainUntilDate"], until)
assert abs(t(r["Retention"]["RetainUntilDate"]) - t(until)) < 1, (r, until)
assert h["ContentLength"] == int(size), (h["ContentLength"], size)
assert h.get("StorageClass", "STANDARD") == cls, (h.get("StorageClass"), cls)
PY
    n=$((n + 1))
done <"$T/claims.txt"
[ "$n" -gt 0 ] || die "no object compared"
cat "$T/sb/summary.txt"
"$COLDPACK" -c "$T/s.conf" verify --bundle "$T/sb" >"$T/sv.out" 2>&1 || { cat "$T/sv.out"; die "verify --bundle (s3)"; }
grep -q "signatures checked: all good" "$T/sv.out" || { cat "$T/sv.out"; die "verify --bundle verdict"; }
# a bundle claiming a later retain-until than S3 has: named
cp -a "$T/sb" "$T/sb2"
python3 - "$T/sb2/bundle.json" <<'PY'
import json, sys
p = sys.argv[1]; b = json.load(open(p))
b["objects"][0]["retain_until"] = "2099-01-01T00:00:00Z"
json.dump(b, open(p, "w"), indent=2)
PY
set +e; "$COLDPACK" -c "$T/s.conf" verify --bundle "$T/sb2" >"$T/sv2.out" 2>&1; rc=$?; set -e
[ $rc = 7 ] || { cat "$T/sv2.out"; die "later retain-until claim: exit $rc"; }
grep -q "earlier than the bundle's claim 2099-01-01T00:00:00Z" "$T/sv2.out" || { cat "$T/sv2.out"; die "retain-until mismatch not named"; }
# a tampered manifest file in the bundle: named
cp -a "$T/sb" "$T/sb3"
f=$(ls "$T"/sb3/manifests/*.json | head -1)
chmod u+w "$f"; printf ' ' >>"$f"
set +e; "$COLDPACK" -c "$T/s.conf" verify --bundle "$T/sb3" >"$T/sv3.out" 2>&1; rc=$?; set -e
[ $rc = 7 ] || { cat "$T/sv3.out"; die "tampered bundled manifest: exit $rc"; }
grep -q "PROBLEM bundle file manifests/" "$T/sv3.out" || { cat "$T/sv3.out"; die "tampered manifest file not named"; }
grep -q "bad signature" "$T/sv3.out" || { cat "$T/sv3.out"; die "tampered manifest's signature not named"; }
echo "s3 part ok"
