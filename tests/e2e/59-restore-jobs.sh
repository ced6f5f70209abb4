#!/usr/bin/env bash
# Restore operations (costs, checks before a thaw, tracked jobs, --partial), on the file:// store
# with cold (DEEP_ARCHIVE) objects and a thaw delay:
#   - --tier expedited is refused for DEEP_ARCHIVE (exit 2, the tiers it has),
#     still planned for GLACIER;
#   - the plan shows the data-transfer-out cost ([prices] transfer_out_gb,
#     --transfer private is free);
#   - a target without room (a 64 KiB tmpfs; root only) is refused with
#     both numbers (exit 1) before any thaw is requested;
#   - a day of the range with no backup is named in a warning;
#   - a restore that requests thaws is a job: `restore list` shows it
#     pending, then done after a later identical run completes it, which
#     sends "thaw complete" to the [notify] command;
#   - --partial with one corrupt volume restores the others and names the
#     bad one (exit 3); without it, all-or-nothing (exit 7).
. "$(dirname "$0")/lib/common.sh"
command -v python3 >/dev/null || { echo "no python3"; exit 77; }
gen_data "$T/data" 2 2 2MiB
THAW_DELAY=1h write_config "$T/c.conf" "$T/data" "$T/store" \
  "[notify]" "command = cat >> $T/notified; echo >> $T/notified; echo \"status=\$COLDPACK_STATUS\" >> $T/notified"
"$COLDPACK" -q -c "$T/c.conf" run --date "$DATE" >/dev/null
CP=("$COLDPACK" -c "$T/c.conf" restore)
no_thaw() { # $1: case, $2: tenant
  ! grep -rqs '"restore_requested":[1-9]' "$T/store/.coldpack/meta/tenant=$2" || die "$1: a thaw was requested from the store"
  [ "$(sqlite3 "$T/catalog.db" "SELECT count(*) FROM restore_requests WHERE key LIKE 'tenant=$2/%'")" = 0 ] || die "$1: a thaw was recorded in the catalog"
}

# expedited: not a Deep Archive tier
set +e; "${CP[@]}" --tenant acme --date "$DATE" --to "$T/r-exp" --tier expedited --yes >"$T/o" 2>&1; rc=$?; set -e
cat "$T/o"
[ $rc -eq 2 ] || die "expedited on DEEP_ARCHIVE: expected exit 2, got $rc"
grep -q "expedited is not available for DEEP_ARCHIVE" "$T/o" || die "expedited: no reason given"
grep -q "tier standard (ready within 12 hours) or --tier bulk (within 48 hours)" "$T/o" || die "expedited: the class's tiers not named"
no_thaw expedited acme

# GLACIER (Flexible Retrieval) still has the expedited tier
THAW_DELAY=1h write_config "$T/g.conf" "$T/data" "$T/gstore"
sed -i "s|^\[store\]|[store]\nstorage_class = GLACIER|; s|^path = $T/catalog.db|path = $T/g.db|" "$T/g.conf"
"$COLDPACK" -q -c "$T/g.conf" run --date "$DATE" >/dev/null
"$COLDPACK" -c "$T/g.conf" restore --tenant acme --date "$DATE" --to "$T/r-g" --tier expedited --dry-run >"$T/o" 2>&1 || { cat "$T/o"; die "expedited on GLACIER refused"; }
grep -q "cold object(s) in GLACIER, tier Expedited: ready within 1-5 minutes" "$T/o" || { cat "$T/o"; die "expedited on GLACIER: no plan"; }

# transfer out: list price by default, [prices] overrides, private is free
"${CP[@]}" --tenant acme --date "$DATE" --to "$T/r-x" --dry-run >"$T/o" 2>&1
cat "$T/o"
grep -q 'transfer out: .* to the internet at \$0.0900/GB' "$T/o" || die "no transfer-out cost in the plan"
grep -q 'estimated total: \$' "$T/o" || die "no total in the plan"
"${CP[@]}" --tenant acme --date "$DATE" --to "$T/r-x" --dry-run --transfer private >"$T/o"
grep -q 'within the region (--transfer private) at \$0.0000/GB: \$0.00' "$T/o" || die "--transfer private not free"
sed 's|^\[store\]|[prices]\ntransfer_out_gb = 0.5\n[store]|' "$T/c.conf" >"$T/p.conf"
"$COLDPACK" -c "$T/p.conf" restore --tenant acme --date "$DATE" --to "$T/r-x" --dry-run >"$T/o"
grep -q 'to the internet at \$0.5000/GB' "$T/o" || die "[prices] transfer_out_gb not used"
no_thaw dry-run acme

# a target too small: refused with both numbers, before any thaw request
if [ "$(id -u)" = 0 ] && mkdir "$T/tiny" && mount -t tmpfs -o size=64k tmpfs "$T/tiny" 2>/dev/null; then
  on_exit "umount '$T/tiny'"
  set +e; "${CP[@]}" --tenant globex --date "$DATE" --to "$T/tiny/r" --yes >"$T/o" 2>&1; rc=$?; set -e
  cat "$T/o"
  [ $rc -eq 1 ] || die "tiny target: expected exit 1, got $rc"
  grep -Eq "not enough space at $T/tiny/r: the restore needs [0-9]+ bytes .* only [0-9]+ bytes .* are free" "$T/o" || die "tiny target: the numbers not named"
  grep -q "requested restore of" "$T/o" && die "tiny target: a thaw was requested"
  [ ! -e "$T/tiny/r" ] || die "tiny target: the target was created"
  no_thaw "tiny target" globex
else
  echo "(not root or no tmpfs: the tiny-target case is skipped)"
fi

# a range with a day without backup: named; the thaw is requested, a job recorded
prev=$(date -u -d "$DATE - 1 day" +%F)
set +e; "${CP[@]}" --tenant acme --from "$prev" --until "$DATE" --to "$T/r" --yes >"$T/o" 2>&1; rc=$?; set -e
cat "$T/o"
[ $rc -eq 6 ] || die "first restore: expected exit 6 (pending), got $rc"
grep -q "no backup of tenant acme on $prev" "$T/o" || die "the day without backup ($prev) not named"
grep -q "no backup of tenant acme on $DATE" "$T/o" && die "a day with a backup named as missing"
grep -q "restore job 1 recorded" "$T/o" || die "no restore job recorded"
"${CP[@]}" list >"$T/l"
cat "$T/l"
grep -Eq "^1 +.* acme +$prev\.\.$DATE +Bulk +0/2 +.* pending +$T/r" "$T/l" || die "restore list: the pending job not shown"
# the same command again (cron): still pending, no second job
expect_rc 6 "${CP[@]}" --tenant acme --from "$prev" --until "$DATE" --to "$T/r" --yes >/dev/null 2>&1
[ "$(sqlite3 "$T/catalog.db" "SELECT count(*) FROM restore_jobs")" = 1 ] || die "a second job was recorded for the same restore"
[ ! -e "$T/notified" ] || die "notified before the thaw completed"
# time passes: move the requests back beyond the thaw delay
for m in "$T"/store/.coldpack/meta/tenant=acme/date=$DATE/source=*/vol-*.tar.gz.json; do
  python3 - "$m" <<'PY'
import json, sys
p = sys.argv[1]; j = json.load(open(p)); j["restore_requested"] -= 7200; json.dump(j, open(p, "w"))
PY
done
"${CP[@]}" --tenant acme --from "$prev" --until "$DATE" --to "$T/r" --yes >"$T/o" 2>&1 || { cat "$T/o"; die "the later restore failed"; }
cat "$T/o"
check_restored "$T/r" "$T/data" acme
"${CP[@]}" --list >"$T/l"
cat "$T/l"
grep -Eq "^1 +.* acme +$prev\.\.$DATE +Bulk +2/2 +.* done +$T/r" "$T/l" || die "restore list: the job not shown done"
grep -q "thaw complete, restore done" "$T/notified" || die "the notify command did not get 'thaw complete'"
grep -q '"event":"restore"' "$T/notified" || die "notify: no restore event"
grep -q "status=done" "$T/notified" || die "notify: COLDPACK_STATUS not done"

# --partial: one corrupt volume (store in STANDARD: no thaw)
write_config "$T/h.conf" "$T/data" "$T/hstore"
sed -i "s|^\[store\]|[store]\nstorage_class = STANDARD|; s|^path = $T/catalog.db|path = $T/h.db|" "$T/h.conf"
"$COLDPACK" -q -c "$T/h.conf" run --date "$DATE" >/dev/null
k1="tenant=globex/date=$DATE/source=siem-01/vol-0001.tar.gz"
[ -f "$T/hstore/$k1" ] || die "no $k1"
ls "$T/hstore/tenant=globex/date=$DATE/source=siem-02/" | grep -q vol- || die "globex has no siem-02 volume"
python3 - "$T/hstore/$k1" <<'PY'
import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[len(b) // 2] ^= 0x10; open(p, "wb").write(bytes(b))
PY
# without --partial: all or nothing
expect_rc 7 "$COLDPACK" -c "$T/h.conf" restore --tenant globex --date "$DATE" --to "$T/p0" --yes >"$T/o" 2>&1
[ ! -e "$T/p0/globex" ] || die "without --partial: files moved despite corruption"
set +e; "$COLDPACK" -c "$T/h.conf" restore --tenant globex --date "$DATE" --to "$T/p" --yes --partial >"$T/o" 2>&1; rc=$?; set -e
cat "$T/o"
[ $rc -eq 3 ] || die "--partial: expected exit 3, got $rc"
grep -q "NOT RESTORED $k1" "$T/o" || die "--partial: the bad volume not named"
grep -q "restore partial: $T/p: " "$T/o" || die "--partial: no summary"
diff -r --no-dereference "$T/p/globex/$DATE/siem-02" "$T/data/siem-02/$DATE/globex" || die "--partial: the good volume not restored"
[ ! -e "$T/p/globex/$DATE/siem-01" ] || die "--partial: files of the bad volume restored"
ls -A "$T/p" | grep -q '^\.coldpack' && die "--partial: staging left behind"
echo "restore jobs ok"
