#!/usr/bin/env bash
# `prune`: --dry-run changes nothing; prune deletes only the days past
# [retention] days (date + days < today, today from COLDPACK_TODAY), records
# them as tombstones in a manifest of the chain, verify stays green and says
# which days expired, restore of an expired day says "expired" (exit 1, not
# 7); a day within retention still restores byte-identical. An object whose
# delete the store refuses (Object Lock; emulated with chattr +i on the file
# store) is kept, reported, and deleted by a later prune.
. "$(dirname "$0")/lib/common.sh"
DAYS=(2026-01-01 2026-01-02 2026-01-03 2026-01-04 2026-01-05)
for d in "${DAYS[@]}"; do "$LOGGEN" --out "$T/data" --date $d --sources 1 --tenants 2 --size 2MiB --seed 5 >/dev/null; done
write_config "$T/c.conf" "$T/data" "$T/store"
sed -i 's|^\[store\]|[store]\nstorage_class = STANDARD|' "$T/c.conf"
printf '[retention]\ndays = 2\n' >>"$T/c.conf"
CP=("$COLDPACK" -c "$T/c.conf")
set +e; "${CP[@]}" -q run --from ${DAYS[0]} --until ${DAYS[4]} >/dev/null 2>"$T/e"; rc=$?; set -e
[ $rc -eq 0 ] || [ $rc -eq 3 ] || die "setup run: exit $rc: $(cat "$T/e")"
TEN=$(ls "$T/data/siem-01/${DAYS[0]}" | head -1)
export COLDPACK_TODAY=2026-01-06   # expired: date + 2 < 01-06, i.e. 01-01 .. 01-03

# dry run: lists, changes nothing
before=$(store_objects "$T/store" | md5sum); cat_before=$(sqlite3 "$T/catalog.db" .dump | md5sum)
"${CP[@]}" prune --dry-run >"$T/o" || die "dry run failed"
for d in 2026-01-01 2026-01-02 2026-01-03; do grep -q "^WOULD DELETE $d " "$T/o" || die "dry run does not name $d: $(cat "$T/o")"; done
! grep -q "^WOULD DELETE 2026-01-0[45] " "$T/o" || die "dry run would delete a day within retention"
[ "$(store_objects "$T/store" | md5sum)" = "$before" ] || die "dry run changed the store"
[ "$(sqlite3 "$T/catalog.db" .dump | md5sum)" = "$cat_before" ] || die "dry run changed the catalog"
# off a terminal, prune needs --yes
expect_rc 2 "${CP[@]}" prune </dev/null
[ "$(store_objects "$T/store" | md5sum)" = "$before" ] || die "prune without --yes deleted"

# emulate an Object Lock on one object of 01-03: the file store cannot delete it
LOCKED=tenant=$TEN/date=2026-01-03/source=siem-01/vol-0001.tar.gz
locked=0
if chattr +i "$T/store/$LOCKED" 2>/dev/null && ! rm -f "$T/store/$LOCKED" 2>/dev/null; then
  locked=1; on_exit "chattr -i '$T/store/$LOCKED' 2>/dev/null"
else
  chattr -i "$T/store/$LOCKED" 2>/dev/null || true
  echo "note: chattr +i does not stop deletes here (not root, or no support): lock emulation skipped"
fi
set +e; "${CP[@]}" prune --yes >"$T/o" 2>"$T/e"; rc=$?; set -e
if [ $locked = 1 ]; then
  [ $rc -eq 3 ] || die "prune with a locked object: exit $rc, want 3: $(cat "$T/o" "$T/e")"
  grep -q "^KEPT $LOCKED: .*locked until" "$T/o" || die "the locked object is not reported: $(cat "$T/o")"
  [ -f "$T/store/$LOCKED" ] || die "the locked object was deleted"
else
  [ $rc -eq 0 ] || die "prune: exit $rc: $(cat "$T/o" "$T/e")"
fi
for d in 2026-01-01 2026-01-02; do
  [ -z "$(cd "$T/store" && find . -path "*date=$d/*" -type f ! -path ./.coldpack/\*)" ] || die "$d not deleted"
done
for d in 2026-01-04 2026-01-05; do
  [ -n "$(cd "$T/store" && find . -path "*date=$d/*" -type f)" ] || die "$d (within retention) deleted"
done
# the tombstone manifest: keys with SHA-256 and reason, chained
python3 - "$T/store" <<'PY' || die "tombstone manifest"
import json, glob, sys, os
ms = [json.load(open(f)) for f in glob.glob(sys.argv[1] + "/runs/2026-01-06/*.json")]
ts = [t for m in ms for t in m.get("tombstones", [])]
assert ts, "no tombstones"
assert all(m["prev_manifest"] for m in ms)
for t in ts:
    assert t["reason"] == "retention", t
    assert len(t["sha256"]) == 64 and t["date"] <= "2026-01-03", t
    assert not os.path.exists(sys.argv[1] + "/" + t["key"]), t["key"] + " still there"
PY
sqlite3 "$T/catalog.db" "SELECT DISTINCT status FROM units WHERE date <= '2026-01-02'" | grep -qx expired || die "catalog: units not expired"
set +e; "${CP[@]}" verify >"$T/v" 2>&1; rc=$?; set -e
[ $rc -eq 0 ] || die "verify after prune: exit $rc: $(cat "$T/v")"
for d in 2026-01-01 2026-01-02; do grep -q "^EXPIRED $d: .*(retention)" "$T/v" || die "verify does not say $d expired: $(cat "$T/v")"; done
grep -q "expired (tombstoned" "$T/v" || die "verify summary: $(tail -1 "$T/v")"
# restore: expired day -> exit 1 "expired"; a day within retention byte-identical
set +e; "${CP[@]}" restore --tenant "$TEN" --date 2026-01-01 --to "$T/r1" --yes >"$T/o" 2>"$T/e"; rc=$?; set -e
[ $rc -eq 1 ] || die "restore of an expired day: exit $rc, want 1: $(cat "$T/e")"
grep -q "expired on 2026-01-06 (pruned by run" "$T/e" || die "restore does not say expired: $(cat "$T/e")"
"${CP[@]}" -q restore --tenant "$TEN" --date 2026-01-04 --to "$T/r4" --yes >/dev/null || die "restore 01-04"
diff -r "$T/r4/$TEN/2026-01-04/siem-01" "$T/data/siem-01/2026-01-04/$TEN" || die "01-04 differs"

# the lock expires: the next prune deletes the kept object
if [ $locked = 1 ]; then
  chattr -i "$T/store/$LOCKED"
  "${CP[@]}" prune --yes >"$T/o" || die "second prune: $(cat "$T/o")"
  [ ! -f "$T/store/$LOCKED" ] || die "the unlocked object was not deleted"
fi
"${CP[@]}" prune --yes | grep -q "nothing dated up to" || die "prune again is not a no-op"
# a rebuilt catalog knows the expiry from the chain alone
rm -f "$T/catalog.db"*
"${CP[@]}" catalog rebuild >/dev/null || die "rebuild"
"${CP[@]}" verify >"$T/v" || die "verify after rebuild: $(cat "$T/v")"
set +e; "${CP[@]}" restore --tenant "$TEN" --date 2026-01-03 --to "$T/r3" --yes >"$T/o" 2>"$T/e"; rc=$?; set -e
[ $rc -eq 1 ] && grep -q "expired on" "$T/e" || die "after rebuild, restore of 01-03: exit $rc: $(cat "$T/e")"
# catalog rows are not trusted: a row with terminal escapes in its run id
# (a tampered catalog) is shown escaped, never raw
sqlite3 "$T/catalog.db" "UPDATE expired SET run_id = 'r' || char(27) || '[31mred' || char(7)"
set +e; "${CP[@]}" restore --tenant "$TEN" --date 2026-01-03 --to "$T/r5" --yes >"$T/o" 2>"$T/e"; set -e
grep -q 'pruned by run r\\x1b\[31mred\\x07' "$T/e" || die "escaped run id not shown: $(cat "$T/e")"
! grep -q "$(printf '\033')" "$T/e" "$T/o" || die "a raw escape byte from the catalog reached the output"
echo "prune ok"
