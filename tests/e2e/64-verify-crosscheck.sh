#!/usr/bin/env bash
# verify cross-checks catalog, manifests and store, and says "all good" /
# exits 0 only when it checked everything asked:
#  - --deep on cold (DEEP_ARCHIVE, not restored) objects: counted as not
#    checked, exit 6; on hot objects: re-hashed count, exit 0;
#  - scope: --date, --from/--until, --tenant;
#  - a same-size tamper of a volume plus a matching manifest edit: the chain
#    breaks at the next manifest (prev_sha256), exit 7;
#  - a missing catalog row, a unit without volumes 1..N, a missing manifest,
#    all manifests deleted: each reported, exit 7.
. "$(dirname "$0")/lib/common.sh"
D1=2026-11-21; D2=2026-11-22
for d in $D1 $D2; do "$LOGGEN" --out "$T/data" --date $d --sources 1 --tenants 2 --size 2MiB --seed ${d: -1} >/dev/null; done
write_config "$T/c.conf" "$T/data" "$T/store"
CP=("$COLDPACK" -c "$T/c.conf")
"${CP[@]}" -q run --date $D1 >/dev/null
# cold: deep cannot read DEEP_ARCHIVE objects without a restore
set +e; "${CP[@]}" verify --deep >"$T/v0"; rc=$?; set -e
[ $rc -eq 6 ] || die "deep verify of cold objects: exit $rc (want 6): $(tail -1 "$T/v0")"
grep -q "deep: [0-9]* object(s) re-hashed, [1-9][0-9]* not checked (cold, not restored).*INCOMPLETE" "$T/v0" || die "cold not counted: $(tail -1 "$T/v0")"
! grep -q "all good" "$T/v0" || die "all good although nothing was re-hashed"
"${CP[@]}" verify >/dev/null || die "shallow verify of cold objects"

# hot store from here
rm -rf "$T/store" "$T"/catalog.db*
sed -i 's|^\[store\]|[store]\nstorage_class = STANDARD|' "$T/c.conf"
for d in $D1 $D2; do "${CP[@]}" -q run --date $d >/dev/null; sleep 1; done
"${CP[@]}" verify --deep >"$T/v1" || die "deep verify, hot: $(cat "$T/v1")"
grep -q "deep: [1-9][0-9]* object(s) re-hashed, 0 not checked.*: all good" "$T/v1" || die "deep counts: $(tail -1 "$T/v1")"
# scope
all=$(sed -n 's/.* \([0-9]*\) listed object(s).*/\1/p' "$T/v1")
"${CP[@]}" verify --date $D2 >"$T/v2"; n2=$(sed -n 's/.* \([0-9]*\) listed object(s).*/\1/p' "$T/v2")
t=$(ls "$T/data/"*/$D1 | head -1)
"${CP[@]}" verify --from $D1 --until $D2 --tenant "$t" >"$T/v3"; n3=$(sed -n 's/.* \([0-9]*\) listed object(s).*/\1/p' "$T/v3")
[ "$n2" -gt 0 ] && [ "$n2" -lt "$all" ] && [ "$n3" -gt 0 ] && [ "$n3" -lt "$all" ] || die "scope not applied: all $all, --date $n2, --tenant $n3"
expect_rc 2 "${CP[@]}" verify --from $D2 --until $D1

cp -a "$T/store" "$T/store.good"; cp "$T/catalog.db" "$T/cat.good"
restore_good() { rm -rf "$T/store"; cp -a "$T/store.good" "$T/store"; rm -f "$T"/catalog.db*; cp "$T/cat.good" "$T/catalog.db"; }
m1=$(ls "$T"/store/runs/$D1/*.json); m2=$(ls "$T"/store/runs/$D2/*.json)

# same-size tamper of a volume + matching manifest (and metadata) edit
vol=$(ls "$T"/store/tenant=*/date=$D1/source=*/vol-0001.tar.gz | head -1); key=${vol#$T/store/}
python3 - "$vol" "$m1" "$T/store/.coldpack/meta/$key.json" "$key" <<'PY'
import hashlib, json, sys
vol, man, meta, key = sys.argv[1:]
b = bytearray(open(vol, "rb").read()); b[len(b) // 2] ^= 0xff; open(vol, "wb").write(b)
sha = hashlib.sha256(b).hexdigest()
m = json.load(open(man))
for o in m["objects"]:
    if o["key"] == key: o["sha256"] = sha
open(man, "w").write(json.dumps(m, indent=1, sort_keys=True))
j = json.load(open(meta)); j["sha256"] = sha; open(meta, "w").write(json.dumps(j))
PY
expect_rc 7 "${CP[@]}" verify --deep >"$T/v4"
grep -q "chain broken at ${m2#$T/store/}: ${m1#$T/store/} has SHA-256" "$T/v4" || die "tamper not detected by the chain: $(cat "$T/v4")"
restore_good

# a missing catalog row, and a unit without volumes 1..N
sqlite3 "$T/catalog.db" "DELETE FROM objects WHERE key = '$key'"
expect_rc 7 "${CP[@]}" verify >"$T/v5"
grep -q "PROBLEM $key (listed by .*) has no catalog row" "$T/v5" || die "missing row not reported: $(cat "$T/v5")"
grep -q "PROBLEM unit $D1/.* is recorded complete with 1 volume(s), but the catalog has 0 data" "$T/v5" || die "unit without volume 1 not reported: $(cat "$T/v5")"
restore_good

# a missing manifest; all manifests deleted
rm "$m1"
expect_rc 7 "${CP[@]}" verify >"$T/v6"
grep -q "PROBLEM manifest ${m1#$T/store/} of run .* is missing from the store" "$T/v6" || die "missing manifest not reported: $(cat "$T/v6")"
rm -rf "$T/store/runs"
expect_rc 7 "${CP[@]}" verify >"$T/v7"
[ "$(grep -c "PROBLEM manifest .* is missing from the store" "$T/v7")" -eq 2 ] || die "deleted manifests not reported: $(cat "$T/v7")"
grep -q "listed by no manifest" "$T/v7" || die "unlisted objects not reported"
echo "verify cross-check ok"
