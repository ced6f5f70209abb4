#!/usr/bin/env bash
# status --json and ls --json are valid JSON (python3 -m json.tool) with the
# runs and volumes of the catalog; status --check speaks the monitoring-plugin
# codes: 0 OK after a complete night, 1 WARNING after a partial or warned one,
# 2 CRITICAL for a failed or missing night, one line on stdout.
. "$(dirname "$0")/lib/common.sh"
gen_data "$T/data" 2 2 2MiB
write_config "$T/c.conf" "$T/data" "$T/store"
CP=("$COLDPACK" -c "$T/c.conf")
"${CP[@]}" init >/dev/null

expect_rc 2 "${CP[@]}" status --check --date "$DATE" >"$T/chk"
grep -q "^COLDPACK CRITICAL - $DATE: no backup run$" "$T/chk" || die "missing night: $(cat "$T/chk")"
"${CP[@]}" status --json | python3 -m json.tool >/dev/null || die "empty status --json is not JSON"

"${CP[@]}" -q run --date "$DATE"
"${CP[@]}" status --json >"$T/st.json"
python3 -m json.tool "$T/st.json" >/dev/null || die "status --json is not JSON"
"${CP[@]}" ls --json >"$T/ls.json"
python3 -m json.tool "$T/ls.json" >/dev/null || die "ls --json is not JSON"
nvol=$(sqlite3 "$T/catalog.db" "SELECT count(*) FROM objects WHERE kind='data'")
python3 - "$T/st.json" "$T/ls.json" "$DATE" "$nvol" <<'PY'
import json, sys
st, ls, date, nvol = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3], int(sys.argv[4])
assert len(st) == 1 and st[0]["date"] == date and st[0]["status"] == "ok", st
assert st[0]["volumes"] == nvol and st[0]["units"] > 0 and st[0]["manifest"], st
assert len(ls) == nvol and all(o["date"] == date and o["size"] > 0 and len(o["sha256"]) == 64 for o in ls), ls[:2]
assert {"key", "tenant", "source", "volume", "storage_class", "run_id"} <= set(ls[0]), ls[0]
PY
"${CP[@]}" ls --json --tenant acme | python3 -c 'import json,sys; j=json.load(sys.stdin); assert j and all(o["tenant"]=="acme" for o in j)'
"${CP[@]}" ls --json --tenant nobody | python3 -c 'import json,sys; assert json.load(sys.stdin) == []'

expect_rc 0 "${CP[@]}" status --check --date "$DATE" >"$T/chk"
grep -Eq "^COLDPACK OK - $DATE: run [^ ]+ ok, [0-9]+ unit\(s\) complete, $nvol volume\(s\), .* \| bytes=[0-9]+B volumes=$nvol " "$T/chk" || die "OK line: $(cat "$T/chk")"
[ "$(wc -l <"$T/chk")" -eq 1 ] || die "--check printed more than one line"
# yesterday is the default night: nothing ran then -> CRITICAL
expect_rc 2 "${CP[@]}" status --check >/dev/null

# a newer run of the night decides: partial / warnings -> WARNING, failed -> CRITICAL, running -> WARNING
for st in partial:1:WARNING warnings:1:WARNING failed:2:CRITICAL running:1:WARNING ok:0:OK; do
  IFS=: read -r s code word <<<"$st"
  sqlite3 "$T/catalog.db" "INSERT OR REPLACE INTO runs (run_id, date, started, finished, status)
    VALUES ('29991231T000000Z-1', '$DATE', 1, 2, '$s')"
  expect_rc "$code" "${CP[@]}" status --check --date "$DATE" >"$T/chk"
  grep -q "^COLDPACK $word - $DATE: run 29991231T000000Z-1 $s" "$T/chk" || die "$s: $(cat "$T/chk")"
done
"${CP[@]}" status --json -n 1 | python3 -c 'import json,sys; j=json.load(sys.stdin); assert len(j)==1 and j[0]["run_id"]=="29991231T000000Z-1", j'
expect_rc 2 "${CP[@]}" status --check --json
expect_rc 2 "${CP[@]}" status --date "$DATE"
echo "json ok"
