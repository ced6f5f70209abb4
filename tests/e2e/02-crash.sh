#!/usr/bin/env bash
# kill -9 at random moments (12 trials) while a day is being backed up, then
# a clean run: the day completes, no object is duplicated or left partial,
# no temp file or orphan object survives, verify --deep is clean, and every
# tenant restores identical.
. "$(dirname "$0")/lib/common.sh"
gen_data "$T/data" 3 4 40MiB 11
# STANDARD so verify --deep can re-hash everything; a bandwidth cap makes a
# run last long enough (~2 s) for kills to land at different stages.
write_config "$T/c.conf" "$T/data" "$T/store"
sed -i 's|^\[store\]|[store]\nstorage_class = STANDARD|' "$T/c.conf"
printf '[run]\nbandwidth = 24MB/s\nparallel_sources = 2\n' >>"$T/c.conf"
RANDOM=42
for trial in $(seq 1 12); do
  "$COLDPACK" -q -c "$T/c.conf" run --date "$DATE" >/dev/null 2>&1 &
  pid=$!
  sleep "0.$(( (RANDOM % 9) + 1 ))$(( RANDOM % 10 ))"
  kill -9 $pid 2>/dev/null || true
  wait $pid 2>/dev/null || true
  # a run killed mid-way must not hold the lock: the next one starts
done
"$COLDPACK" -c "$T/c.conf" run --date "$DATE" | tee "$T/final.out"
grep -Eq "[0-9]+ unit\(s\) done, [0-9]+ already complete, 0 failed" "$T/final.out" || die "final run did not complete"
"$COLDPACK" -c "$T/c.conf" run --date "$DATE" | grep -q "0 unit(s) done, 15 already complete" || die "day not complete after the final run"

# no temp files left
[ -z "$(ls -A "$T/store/.coldpack/tmp")" ] || die "temp files left: $(ls "$T/store/.coldpack/tmp")"
# every object in the store is catalogued (no orphans of killed attempts), and vice versa
store_keys=$(store_objects "$T/store" | sed 's|^\./||')
cat_keys=$(sqlite3 "$T/catalog.db" "SELECT key FROM objects UNION SELECT manifest_key FROM runs WHERE manifest_key IS NOT NULL" | sort -u)
[ "$store_keys" = "$cat_keys" ] || die "store and catalog disagree: $(diff <(echo "$store_keys") <(echo "$cat_keys") | head)"
# one volume set per unit: volume numbers are 1..N without gaps
for unit in "$T"/store/tenant=*/date=*/source=*; do
  n=$(ls "$unit"/vol-*.tar.gz | wc -l)
  [ -f "$unit/vol-$(printf %04d "$n").tar.gz" ] || die "gap in volumes of $unit"
  [ "$(ls "$unit"/vol-*.index.json.gz | wc -l)" -eq "$n" ] || die "index count differs in $unit"
done
# every committed object is listed in some manifest (runs killed before
# writing theirs get it from the next run)
python3 - "$T/store" <<'PY'
import glob, json, os, sys
store = sys.argv[1]
listed = set()
for m in glob.glob(f"{store}/runs/*/*.json"):
    listed |= {o["key"] for o in json.load(open(m))["objects"]}
objs = {os.path.relpath(p, store) for p in glob.glob(f"{store}/tenant=*/*/*/*")}
missing = objs - listed
assert not missing, f"objects in no manifest: {sorted(missing)[:5]}"
print(len(objs), "objects, all in the manifest chain")
PY
"$COLDPACK" -c "$T/c.conf" verify --deep | tee "$T/verify.out"
grep -q "all good" "$T/verify.out" || die "verify found problems"
for tenant in $(tenants_of "$T/data/siem-01/$DATE"); do
  "$COLDPACK" -q -c "$T/c.conf" restore --tenant "$tenant" --date "$DATE" --to "$T/restore" --yes >/dev/null
  check_restored "$T/restore" "$T/data" "$tenant"
done
echo "crash trials ok"
