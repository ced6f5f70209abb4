#!/usr/bin/env bash
# status --json and ls --json are valid JSON (python3 -m json.tool) with the
# runs and volumes of the catalog; status --check speaks the monitoring-plugin
# codes: 0 OK after a complete night, 1 WARNING after a partial or warned one,
# 2 CRITICAL for a failed or missing night, one line on stdout.
# restore --dry-run --json: one JSON document on stdout (the plan: objects as
# many as ls --json lists for the range, cost, space, a warning naming the day
# of the range without a backup); --json without --dry-run is a usage error;
# a restore refused before any thaw (no backup) still exits 1, stdout empty.
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

# restore --dry-run --json: the plan, stdout holding nothing else
PREV=$(date -u -d "$DATE -1 day" +%F)
"${CP[@]}" restore --tenant acme --from "$PREV" --until "$DATE" --to "$T/r" --dry-run --json \
  >"$T/rp.json" 2>"$T/rp.err" || { cat "$T/rp.err"; die "restore --dry-run --json failed"; }
python3 -m json.tool "$T/rp.json" >/dev/null || { cat "$T/rp.json"; die "restore --dry-run --json is not JSON"; }
"${CP[@]}" ls --json --tenant acme --from "$PREV" --until "$DATE" >"$T/rls.json"
python3 - "$T/rp.json" "$T/rls.json" "$DATE" "$PREV" <<'PY' || die "restore plan JSON: $(cat "$T/rp.json")"
import json, sys
p, ls, date, prev = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3], sys.argv[4]
assert p["tenant"] == "acme" and p["from"] == prev and p["until"] == date and p["tier"] == "Bulk", p
assert p["source"] is None and p["path"] is None and p["target"].endswith("/r"), p
assert ls and len(p["objects"]) == len(ls) == p["totals"]["objects"], (len(p["objects"]), len(ls))
assert {o["key"] for o in p["objects"]} == {o["key"] for o in ls}
for o in p["objects"]:
    assert o["date"] == date and o["size"] > 0 and o["volume"] >= 1 and o["source"], o
    assert o["state"] in ("hot", "cold", "thawing", "ready") and isinstance(o["index_trusted"], bool), o
    assert o["storage_class"], o
assert p["totals"]["bytes_stored"] == sum(o["size"] for o in p["objects"]), p["totals"]
assert p["totals"]["bytes_unpacked"] > 0 and p["totals"]["largest"] == max(o["size"] for o in p["objects"])
c = p["cost"]
assert c["currency"] == "USD" and c["total"] >= 0 and min(c["retrieval"], c["requests"], c["transfer_out"]) >= 0, c
assert abs(c["retrieval"] + c["requests"] + c["transfer_out"] - c["total"]) < 1e-5, c
assert p["time"]["tier"] == "Bulk" and p["time"]["hours"] >= 0, p["time"]
s = p["space"]
assert s["needed"] == p["totals"]["bytes_unpacked"] + p["totals"]["largest"] and s["free"] > 0 and isinstance(s["ok"], bool), s
assert any(w.get("day") == prev and prev in w["message"] for w in p["warnings"]), p["warnings"]
assert not any(w.get("day") == date for w in p["warnings"]), p["warnings"]
PY
grep -q "no backup of tenant acme on $PREV" "$T/rp.err" || die "the missing day not warned on stderr"
# --json without --dry-run, or with list: usage errors
expect_rc 2 "${CP[@]}" restore --tenant acme --date "$DATE" --to "$T/r" --yes --json 2>/dev/null
expect_rc 2 "${CP[@]}" restore list --json 2>/dev/null
# refused before any thaw: the same exit code, the reason on stderr, nothing on stdout
set +e; "${CP[@]}" restore --tenant acme --date "$PREV" --to "$T/r" --dry-run --json >"$T/rn.out" 2>"$T/rn.err"; rc=$?; set -e
[ $rc -eq 1 ] || die "no backup with --json: expected exit 1, got $rc"
[ ! -s "$T/rn.out" ] || die "no backup with --json: stdout not empty: $(cat "$T/rn.out")"
grep -q "no backup of tenant acme from $PREV" "$T/rn.err" || die "no backup with --json: no reason: $(cat "$T/rn.err")"
set +e; "${CP[@]}" restore --tenant acme --date "$DATE" --to "$T/r" --dry-run --json --tier expedited >"$T/rx.out" 2>"$T/rx.err"; rc=$?; set -e
[ $rc -eq 2 ] || die "expedited on DEEP_ARCHIVE with --json: expected exit 2, got $rc"
[ ! -s "$T/rx.out" ] || die "expedited with --json: stdout not empty: $(cat "$T/rx.out")"
grep -q "expedited is not available for DEEP_ARCHIVE" "$T/rx.err" || die "expedited with --json: no reason on stderr"
echo "json ok"
