#!/usr/bin/env bash
# Past the deadline no new unit starts; running units finish; the summary
# lists what was left; exit 4; the next run completes only those.
. "$(dirname "$0")/lib/common.sh"
gen_data "$T/data" 3 4 24MiB 5
write_config "$T/c.conf" "$T/data" "$T/store"
printf '[run]\nparallel_sources = 1\nbandwidth = 8MB/s\n[notify]\ncommand = cat > %s/summary.json\non = always\n' "$T" >>"$T/c.conf"
deadline=$(date -d '+2 seconds' +%H:%M:%S)
set +e; "$COLDPACK" -c "$T/c.conf" run --date "$DATE" --deadline "$deadline" >"$T/out" 2>&1; rc=$?; set -e
cat "$T/out"
[ $rc -eq 4 ] || die "expected exit 4 (partial: left by the deadline), got $rc"
done1=$(grep -Eo '[0-9]+ unit\(s\) done' "$T/out" | grep -Eo '^[0-9]+')
left=$(grep -Eo '[0-9]+ left by deadline' "$T/out" | grep -Eo '^[0-9]+')
[ "$done1" -ge 1 ] && [ "$left" -ge 1 ] || die "expected some units done and some left: done=$done1 left=$left"
grep -q "deadline passed: unit $DATE/" "$T/out" || die "left units not named"
python3 - "$T/summary.json" "$left" <<'PY'
import json, sys
j = json.load(open(sys.argv[1])); left = int(sys.argv[2])
assert j["status"] == "partial" and j["units_left"] == left, j
assert len(j["left"]) == left and all("source" in u and "tenant" in u for u in j["left"]), j["left"]
PY
# no unit was cut in the middle: every unit in the store is complete
"$COLDPACK" -c "$T/c.conf" verify | grep -q "all good" || die "verify after deadline"
sed -i 's/^bandwidth = .*/bandwidth = 0/' "$T/c.conf"
"$COLDPACK" -c "$T/c.conf" run --date "$DATE" | tee "$T/out2"
grep -q "$left unit(s) done, $done1 already complete, 0 failed, 0 left" "$T/out2" || die "rerun did not complete exactly the left units"
echo "deadline ok"
