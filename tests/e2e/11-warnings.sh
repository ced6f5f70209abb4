#!/usr/bin/env bash
# Files that cannot be backed up are named and the run exits 3 ("done with
# warnings"): a FIFO in a tenant, a file directly under the day directory
# (no tenant). A missing day directory fails its source (exit 1 when nothing
# else could be done, 4 when other sources completed).
. "$(dirname "$0")/lib/common.sh"
gen_data "$T/data" 2 2 2MiB
write_config "$T/c.conf" "$T/data" "$T/store"
mkfifo "$T/data/siem-01/$DATE/acme/pipe.log"
echo stray >"$T/data/siem-01/$DATE/stray.log"
set +e; "$COLDPACK" -c "$T/c.conf" run --date "$DATE" >"$T/out" 2>&1; rc=$?; set -e
cat "$T/out"
[ $rc -eq 3 ] || die "expected exit 3 (warnings), got $rc"
grep -q "acme/pipe.log is not a regular file" "$T/out" || die "FIFO not named"
grep -q "stray.log is not inside a tenant directory" "$T/out" || die "stray file not named"
grep -q "2 warning(s)" "$T/out" || die "warnings not counted in the summary"
# one source's day directory missing: partial
rm -rf "$T/data/siem-02/2026-11-24"
"$LOGGEN" --out "$T/data" --date 2026-11-24 --sources 1 --tenants 1 --size 1MiB >/dev/null
set +e; "$COLDPACK" -c "$T/c.conf" run --date 2026-11-24 >"$T/out2" 2>&1; rc=$?; set -e
cat "$T/out2"
[ $rc -eq 4 ] || die "expected exit 4 (partial), got $rc"
grep -q "source siem-02: FAILED: source siem-02: day directory .*2026-11-24" "$T/out2" || die "failed source not named with its reason"
# nothing at all for that date: failure
set +e; "$COLDPACK" -c "$T/c.conf" run --date 2026-11-20 >"$T/out3" 2>&1; rc=$?; set -e
[ $rc -eq 1 ] || die "expected exit 1 when every source fails, got $rc"
echo "warnings ok"
