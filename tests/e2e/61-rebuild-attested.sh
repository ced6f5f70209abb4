#!/usr/bin/env bash
# catalog rebuild trusts only what the verified manifest chain attests:
#  - run history (start, end, outcome) comes back from the manifests;
#  - a forged index (and a copy of a victim's volume) under another tenant's
#    prefix is reported UNATTESTED; the victim restores complete, the
#    attacker's tenant gets nothing;
#  - a store read error (not "not found") aborts the rebuild: non-zero exit
#    (8, store error), the catalog exactly as it was.
. "$(dirname "$0")/lib/common.sh"
gen_data "$T/data" 1 2 3MiB
write_config "$T/c.conf" "$T/data" "$T/store"
sed -i 's|^\[store\]|[store]\nstorage_class = STANDARD|' "$T/c.conf"
CP=("$COLDPACK" -c "$T/c.conf")
set +e; "${CP[@]}" -q run --date "$DATE" >/dev/null 2>&1; set -e
src=$(ls "$T/data"); victim=$(ls "$T/data/$src/$DATE" | head -1)
hist() { sqlite3 "$T/catalog.db" "SELECT run_id, date, started, status, manifest_key FROM runs ORDER BY run_id"; }
hist >"$T/h0"
fin0=$(sqlite3 "$T/catalog.db" "SELECT finished FROM runs")

# history survives a rebuild
rm -f "$T"/catalog.db*
"${CP[@]}" catalog rebuild >"$T/rb0" || die "clean rebuild failed: $(cat "$T/rb0")"
hist >"$T/h1"
diff "$T/h0" "$T/h1" || die "run history lost by rebuild"
fin1=$(sqlite3 "$T/catalog.db" "SELECT finished FROM runs")
[ -n "$fin1" ] && [ $((fin1 - fin0)) -le 2 ] && [ $((fin0 - fin1)) -le 2 ] || die "end time lost: $fin0 vs $fin1"

# forged: mallory copies the victim's volume and writes an index claiming it
u="tenant=$victim/date=$DATE/source=$src"; f="tenant=mallory/date=$DATE/source=$src"
mkdir -p "$T/store/$f"
cp "$T/store/$u/vol-0001.tar.gz" "$T/store/$f/vol-0001.tar.gz"
python3 - "$T/store/$u/vol-0001.index.json.gz" "$T/store/$f/vol-0001.index.json.gz" "$victim" <<'PY'
import gzip, json, sys
src, dst, victim = sys.argv[1:]
j = json.loads(gzip.open(src).read())
for k in ("key",):
    j[k] = j[k].replace(f"tenant={victim}/", "tenant=mallory/")
j["object"]["key"] = j["key"]; j["tenant"] = "mallory"; j["last"] = True
gzip.open(dst, "wb").write(json.dumps(j).encode())
PY
rm -f "$T"/catalog.db*
set +e; "${CP[@]}" catalog rebuild >"$T/rb1" 2>"$T/rbe1"; rc=$?; set -e
[ $rc -eq 3 ] || die "rebuild with forged objects: exit $rc (want 3): $(cat "$T/rb1" "$T/rbe1")"
grep -q "UNATTESTED $f/vol-0001.index.json.gz" "$T/rb1" || die "forged index not reported: $(cat "$T/rb1")"
grep -q "UNATTESTED $f/vol-0001.tar.gz" "$T/rb1" || die "forged volume not reported"
[ "$(sqlite3 "$T/catalog.db" "SELECT count(*) FROM objects WHERE tenant='mallory'")" = 0 ] || die "mallory catalogued"
"${CP[@]}" -q restore --tenant "$victim" --date "$DATE" --to "$T/r" --yes >/dev/null
check_restored "$T/r" "$T/data" "$victim"
expect_rc 1 "${CP[@]}" -q restore --tenant mallory --date "$DATE" --to "$T/r2" --yes
[ ! -e "$T/r2/mallory" ] || die "the attacker's tenant got data"
rm -rf "$T/store/tenant=mallory"

# a store read error aborts the rebuild; the catalog is unchanged
"${CP[@]}" catalog rebuild >/dev/null
sqlite3 "$T/catalog.db" .dump >"$T/d0"
other=$(ls "$T/data/$src/$DATE" | tail -1)
idx="$T/store/tenant=$other/date=$DATE/source=$src/vol-0001.index.json.gz"
n=$(ls "$T/store/tenant=$other/date=$DATE/source=$src/"*.index.json.gz | wc -l)
idx="$T/store/tenant=$other/date=$DATE/source=$src/vol-$(printf %04d "$n").index.json.gz"
mv "$idx" "$idx.saved"; ln -s "$(basename "$idx")" "$idx"   # a symlink loop: ELOOP, an I/O error
set +e; "${CP[@]}" catalog rebuild >"$T/rb2" 2>"$T/rbe2"; rc=$?; set -e
[ $rc -eq 8 ] || die "rebuild on a store read error: exit $rc (want 8): $(cat "$T/rb2" "$T/rbe2")"
grep -q "catalog unchanged" "$T/rbe2" || die "no abort message: $(cat "$T/rbe2")"
sqlite3 "$T/catalog.db" .dump >"$T/d1"
diff "$T/d0" "$T/d1" >/dev/null || die "the catalog changed: $(diff "$T/d0" "$T/d1" | head)"
rm "$idx"; mv "$idx.saved" "$idx"
"${CP[@]}" catalog rebuild >/dev/null || die "rebuild after repair"
echo "rebuild attested ok"
