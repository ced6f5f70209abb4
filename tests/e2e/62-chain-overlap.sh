#!/usr/bin/env bash
# The manifest chain is ordered by prev links, read in full before chaining:
#  - two overlapping runs (two catalogs, as on two hosts, different sources,
#    one store) both leave valid manifests; verify stays green and names the
#    fork (both branches are checked);
#  - a junk object under runs/ (which sorts after every run id) is one
#    warning: later runs still chain to a real manifest and verify is green;
#  - a truncated newest manifest is never chained to: the next run chains to
#    the last valid one, and verify reports the truncation (exit 7).
. "$(dirname "$0")/lib/common.sh"
gen_data "$T/data" 2 2 8MiB
write_config "$T/a.conf" "$T/data" "$T/store"
sed -i 's|^\[store\]|[store]\nstorage_class = STANDARD|' "$T/a.conf"
printf '[run]\nbandwidth = 8MB/s\n' >>"$T/a.conf"
sed "s|$T/catalog.db|$T/b/catalog.db|" "$T/a.conf" >"$T/b.conf"
s1=$(ls "$T/data" | head -1); s2=$(ls "$T/data" | tail -1)
"$COLDPACK" -q -c "$T/a.conf" run --date "$DATE" --source "$s1" >/dev/null 2>"$T/ea" &
pa=$!
sleep 0.3
"$COLDPACK" -q -c "$T/b.conf" run --date "$DATE" --source "$s2" >/dev/null 2>"$T/eb" || die "run b failed: $(cat "$T/eb")"
wait $pa || die "run a failed: $(cat "$T/ea")"
[ "$(ls "$T"/store/runs/*/*.json | wc -l)" -eq 2 ] || die "expected 2 manifests"
for c in a b; do
  "$COLDPACK" -c "$T/$c.conf" verify >"$T/v$c" || die "verify ($c) after overlapping runs: $(cat "$T/v$c")"
  grep -q "all good" "$T/v$c" || die "verify ($c) not green"
done
# a fork as two hosts make when both read the tip before either writes:
# a second manifest following the same predecessor; both branches verify
first=$(ls "$T"/store/runs/$DATE/*.json | head -1)
python3 - "$first" "$T/store/runs/$DATE/20261124T000000Z-99999.json" <<'PY'
import hashlib, json, sys
first, out = sys.argv[1:]
raw = open(first, "rb").read()
m = {"format": "coldpack-manifest-1", "run_id": "20261124T000000Z-99999", "date": "2026-11-23",
     "created": "2026-11-24T00:00:00Z", "prev_manifest": first.split("/store/")[1],
     "prev_sha256": hashlib.sha256(raw).hexdigest(), "objects": [], "outcome": "ok"}
open(out, "w").write(json.dumps(m, indent=1, sort_keys=True))
PY
"$COLDPACK" -c "$T/a.conf" verify >"$T/vf" || die "verify with a fork: $(cat "$T/vf")"
grep -q "INFO fork at ${first#$T/store/}: 2 manifests follow it" "$T/vf" || die "the fork is not named: $(cat "$T/vf")"

# junk under runs/: a warning, never chained to, verify green
echo 'this is not a manifest' >"$T/store/runs/$DATE/zz-junk.json"
rm -rf "$T/data/$s1/$DATE"/*/fw 2>/dev/null || true
DATE2=2026-11-24
"$LOGGEN" --out "$T/data" --date "$DATE2" --sources 2 --tenants 2 --size 2MiB --seed 3 >/dev/null
for d in "$T"/data/*/"$DATE"/empty-tenant; do mkdir -p "${d/$DATE/$DATE2}"; done  # a vanished tenant is a warning (exit 3)
"$COLDPACK" -q -c "$T/a.conf" run --date "$DATE2" >/dev/null 2>"$T/e2" || die "run after junk failed: $(cat "$T/e2")"
grep -q "zz-junk.json.*not a coldpack manifest" "$T/e2" || die "junk not warned: $(cat "$T/e2")"
new=$(ls "$T"/store/runs/$DATE2/*.json)
prev=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["prev_manifest"])' "$new")
[ "$prev" != "runs/$DATE/zz-junk.json" ] || die "chained to junk"
"$COLDPACK" -c "$T/a.conf" verify >"$T/v2" || die "verify with junk: $(cat "$T/v2")"
grep -q "WARNING runs/$DATE/zz-junk.json is not a run manifest" "$T/v2" || die "junk not reported"
[ "$(grep -c "zz-junk" "$T/v2")" -eq 1 ] || die "junk reported more than once"
rm "$T/store/runs/$DATE/zz-junk.json"

# truncate the newest manifest: the next run chains to the one before it
truncate -s 100 "$new"
DATE3=2026-11-25
"$LOGGEN" --out "$T/data" --date "$DATE3" --sources 2 --tenants 2 --size 2MiB --seed 4 >/dev/null
for d in "$T"/data/*/"$DATE"/empty-tenant; do mkdir -p "${d/$DATE/$DATE3}"; done
"$COLDPACK" -q -c "$T/a.conf" run --date "$DATE3" >/dev/null 2>"$T/e3" || die "run after truncation: $(cat "$T/e3")"
new3=$(ls "$T"/store/runs/$DATE3/*.json)
prev3=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["prev_manifest"])' "$new3")
[ "$prev3" != "${new#$T/store/}" ] || die "chained to the truncated manifest"
expect_rc 7 "$COLDPACK" -c "$T/a.conf" verify >"$T/v3"
grep -q "PROBLEM manifest ${new#$T/store/} of run .* (altered, truncated or replaced)" "$T/v3" || die "truncation not reported: $(cat "$T/v3")"
echo "chain overlap ok"
