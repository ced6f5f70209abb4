#!/usr/bin/env bash
# Runs never stay "running": a run killed with kill -9 is marked "crashed" by
# the next command that takes the lock (run), its objects end up in a
# manifest that records its outcome, and `status` shows start, end and
# outcome truthfully (a crashed run has no end).
. "$(dirname "$0")/lib/common.sh"
gen_data "$T/data" 2 3 24MiB 5
write_config "$T/c.conf" "$T/data" "$T/store"
sed -i 's|^\[store\]|[store]\nstorage_class = STANDARD|' "$T/c.conf"
printf '[run]\nbandwidth = 12MB/s\n' >>"$T/c.conf"
CP=("$COLDPACK" -c "$T/c.conf")
"${CP[@]}" -q run --date "$DATE" >/dev/null 2>&1 &
pid=$!
sleep 1.2
kill -9 $pid; wait $pid 2>/dev/null || true
killed=$(sqlite3 "$T/catalog.db" "SELECT run_id FROM runs")
[ -n "$killed" ] || die "the killed run left no row"
[ "$(sqlite3 "$T/catalog.db" "SELECT status FROM runs WHERE run_id='$killed'")" = running ] || die "setup: not running"
set +e; "${CP[@]}" run --date "$DATE" >"$T/o" 2>"$T/e"; rc=$?; set -e
[ $rc -eq 0 ] || [ $rc -eq 3 ] || die "the next run: exit $rc"
grep -q "1 earlier run(s) were killed while running: marked \"crashed\"" "$T/e" || die "no crash notice: $(cat "$T/e")"
"${CP[@]}" status >"$T/st"
cat "$T/st"
grep -q "^$killed .* crashed .* - " "$T/st" || die "killed run not shown crashed without an end"
last=$(sqlite3 "$T/catalog.db" "SELECT run_id FROM runs WHERE run_id != '$killed'")
grep -Eq "^$last .* (ok|warnings) +[0-9-]+ [0-9:]+ +[0-9-]+ [0-9:]+ " "$T/st" || die "last run: start, end, outcome not shown"
! grep -q " running " "$T/st" || die "a run still shows running"
# the killed run's committed units are in its own manifest, marked crashed
if [ "$(sqlite3 "$T/catalog.db" "SELECT count(*) FROM objects WHERE run_id='$killed'")" -gt 0 ]; then
  m=$(sqlite3 "$T/catalog.db" "SELECT manifest_key FROM runs WHERE run_id='$killed'")
  [ -n "$m" ] || die "the killed run got no manifest"
  python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["outcome"]=="crashed", j.get("outcome")' "$T/store/$m"
fi
# history survives a rebuild
sqlite3 "$T/catalog.db" "SELECT run_id, status, started FROM runs WHERE manifest_key IS NOT NULL ORDER BY run_id" >"$T/h0"
"${CP[@]}" catalog rebuild >/dev/null
sqlite3 "$T/catalog.db" "SELECT run_id, status, started FROM runs ORDER BY run_id" >"$T/h1"
diff "$T/h0" "$T/h1" || die "rebuild lost the run history"
"${CP[@]}" verify | grep -q "all good" || die "verify"
echo "crashed runs ok"
