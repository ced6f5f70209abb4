#!/usr/bin/env bash
# Late files: after day D (yesterday) is backed up complete, a new file and
# a grown file appear in a tenant's directory (one in a new subdirectory).
# `run` without --date backs them up (and a late file of an older complete
# day of the catch-up window, which it revisits for that) as
# vol-0002 of that unit ("last": true; vol-0001 is superseded), and names
# them in the summary; the unchanged tenant is not touched. Restore returns
# the union with the grown file's new content; verify is green; after
# `catalog rebuild` restore is still complete, and a further run finds
# nothing late.
. "$(dirname "$0")/lib/common.sh"
D=$(date -d yesterday +%F)
DIR="$T/data/s1/$D"
mkdir -p "$DIR/acme/fw" "$DIR/zeta"
for i in 1 2 3; do head -c 20000 /dev/urandom | base64 >"$DIR/acme/fw/log-$i.log"; done
echo "zeta stays" >"$DIR/zeta/z.log"
# an older complete day of the catch-up window: revisited only when late
D2=$(date -d '2 days ago' +%F)
mkdir -p "$T/data/s1/$D2/acme"
echo "old day" >"$T/data/s1/$D2/acme/a.log"
write_config "$T/c.conf" "$T/data" "$T/store"
CP=("$COLDPACK" -c "$T/c.conf")
"${CP[@]}" init >/dev/null
"${CP[@]}" run --date "$D2" >"$T/o1" 2>"$T/e1" || die "first run: $(cat "$T/o1" "$T/e1")"
"${CP[@]}" run --date "$D" >"$T/o1" 2>"$T/e1" || die "first run: $(cat "$T/o1" "$T/e1")"
U="$T/store/tenant=acme/date=$D/source=s1"
[ -f "$U/vol-0001.tar.gz" ] && [ ! -e "$U/vol-0002.tar.gz" ] || die "setup: expected one volume"
# a run now finds nothing late: D is not revisited
"${CP[@]}" run >"$T/o0" 2>"$T/e0" || true
! grep -q "late files" "$T/o0" || die "late files reported with nothing late: $(cat "$T/o0")"
! grep -q "^day $D2: " "$T/o0" || die "complete day revisited with nothing late"
# late: a new file, a new file in a new directory, one grown file
sleep 1.1
echo "appeared later" >"$DIR/acme/fw/log-4.log"
mkdir "$DIR/acme/new"
echo "in a new dir" >"$DIR/acme/new/n.log"
echo "appended line" >>"$DIR/acme/fw/log-2.log"
echo "late on the older day" >"$T/data/s1/$D2/acme/b.log"
set +e; "${CP[@]}" run >"$T/o2" 2>"$T/e2"; rc=$?; set -e
[ $rc -eq 0 ] || [ $rc -eq 3 ] || die "late run: exit $rc: $(cat "$T/o2" "$T/e2")"
grep -q "late files: 3 in tenant acme day $D" "$T/o2" || die "summary does not name the late files: $(cat "$T/o2" "$T/e2")"
! grep -q "tenant zeta" "$T/o2" || die "unchanged tenant repacked: $(cat "$T/o2")"
grep -q "^day $D2: " "$T/o2" && grep -q "late files: 1 in tenant acme day $D2" "$T/o2" ||
  die "the older complete day with a late file was not revisited: $(cat "$T/o2")"
[ -f "$T/store/tenant=acme/date=$D2/source=s1/vol-0002.tar.gz" ] || die "no vol-0002 on $D2"
[ -f "$U/vol-0002.tar.gz" ] && [ -f "$U/vol-0002.index.json.gz" ] || die "no vol-0002: $(ls "$U")"
python3 - "$U" <<'PY'
import gzip, json, sys
u = sys.argv[1]
i2 = json.load(gzip.open(f"{u}/vol-0002.index.json.gz"))
assert i2["last"] is True and i2["volume"] == 2, i2
files = sorted(f["path"] for f in i2["files"] if f["type"] == "file")
assert files == ["fw/log-2.log", "fw/log-4.log", "new/n.log"], files
PY
tar -tzf "$U/vol-0002.tar.gz" >/dev/null || die "GNU tar cannot list vol-0002"
"${CP[@]}" restore --tenant acme --date "$D" --to "$T/r" --yes >"$T/ro" 2>&1 || die "restore: $(cat "$T/ro")"
diff -r "$T/r/acme/$D/s1" "$DIR/acme" || die "restore is not the union with the newest copies"
"${CP[@]}" verify >"$T/v" 2>&1 || die "verify: $(cat "$T/v")"
grep -q "all good" "$T/v" || die "verify: $(cat "$T/v")"
"${CP[@]}" catalog rebuild >"$T/rb" 2>&1 || die "rebuild: $(cat "$T/rb")"
grep -q "3 complete unit" "$T/rb" || die "rebuild: $(cat "$T/rb")"
rm -rf "$T/r"
"${CP[@]}" restore --tenant acme --date "$D" --to "$T/r" --yes >"$T/ro" 2>&1 || die "restore after rebuild: $(cat "$T/ro")"
diff -r "$T/r/acme/$D/s1" "$DIR/acme" || die "restore after rebuild is not complete"
# nothing late any more (the rebuilt catalog has the file lists): no vol-0003
"${CP[@]}" run >"$T/o3" 2>"$T/e3" || true
! grep -q "no file list" "$T/e3" || die "rebuild lost the file lists: $(cat "$T/e3")"
# late again after the rebuild: noticed from the rebuilt lists
echo "even later" >>"$DIR/acme/new/n.log"
set +e; "${CP[@]}" run >"$T/o4" 2>"$T/e4"; rc=$?; set -e
[ $rc -eq 0 ] || [ $rc -eq 3 ] || die "second late run: exit $rc: $(cat "$T/o4" "$T/e4")"
grep -q "late files: 1 in tenant acme day $D" "$T/o4" || die "late file after rebuild not named: $(cat "$T/o4" "$T/e4")"
[ -f "$U/vol-0003.tar.gz" ] || die "no vol-0003"
rm -rf "$T/r"
"${CP[@]}" restore --tenant acme --date "$D" --to "$T/r" --yes >"$T/ro" 2>&1 || die "restore 3: $(cat "$T/ro")"
diff -r "$T/r/acme/$D/s1" "$DIR/acme" || die "restore of three volumes differs"
"${CP[@]}" verify 2>&1 | grep -q "all good" || die "verify after vol-0003"
"${CP[@]}" run >"$T/o3" 2>"$T/e3" || true
! grep -q "late files" "$T/o3" || die "late files reported twice: $(cat "$T/o3")"
[ ! -e "$U/vol-0004.tar.gz" ] || die "vol-0004 written with nothing late"
echo "late files ok"
