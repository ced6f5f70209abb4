#!/usr/bin/env bash
# An index is hot and anyone who can write the store can replace it: restore
# must never let one cost correctness (only speed) nor name a path.
#  (a) a damaged index for an intact volume: the volume is decoded
#      sequentially, restored byte-identical, with a warning naming the index.
#      a1 truncated gz, full restore; a2 a flipped byte in the gz with
#      --path; a3 an index re-gzipped with a block's tar length off by one
#      (valid gzip and JSON, catalog not updated: the bytes no longer match).
#  (b) an index with the fw/ entries dropped (catalog SHA-256 and size
#      updated, so only the completeness check can tell) and --path 'fw/**':
#      every fw/ file is still restored, nothing else.
#  (c) a forged index (catalog updated) whose "source" is
#      ../../../../tmp/x: a warning naming the index, nothing outside the
#      target, the volume still restored from the catalog's names.
#  (d) a catalog row with NULL source: an error naming the field, no crash,
#      nothing extracted; d2: the same row on the second day of a range
#      (rows of the first day come before it), still nothing extracted.
# Against the code before hardening (351df8a): a2, a3, b, c, d and d2 fail
# (a2/b: "cannot read index needed for --path" / "no file matches";
# a3: the lying block table makes the intact volume "corrupt", exit 7;
# c: the forged index is used silently; d: the error says only "bad tenant,
# source or date"; d2: day one is restored and the run exits 0).
# a1 passes on the old code too (it already fell back when an index did not
# parse, naming it): kept as a regression test. d2 also failed on the
# hardened code until plan() stopped on a rejected catalog row.
. "$(dirname "$0")/lib/common.sh"
DAY1=2026-11-22
gen_data "$T/data" 1 1 1MiB
DATE=$DAY1 gen_data "$T/data" 1 1 1MiB 8
write_config "$T/c.conf" "$T/data" "$T/store"
sed -i 's|^\[store\]|[store]\nstorage_class = STANDARD|' "$T/c.conf"
"$COLDPACK" -q -c "$T/c.conf" run --date "$DAY1" >/dev/null
"$COLDPACK" -q -c "$T/c.conf" run --date "$DATE" >/dev/null
cp -a "$T/store" "$T/store.orig"; cp "$T/catalog.db" "$T/catalog.orig"
dir="tenant=acme/date=$DATE/source=siem-01"
key="$dir/vol-0001.tar.gz"; ikey="$dir/vol-0001.index.json.gz"
src="$T/data/siem-01/$DATE/acme"

fresh() { rm -rf "$T/store" "$T/target" "$T/catalog.db"; cp -a "$T/store.orig" "$T/store"; cp "$T/catalog.orig" "$T/catalog.db"; }
recatalog() { sqlite3 "$T/catalog.db" "UPDATE objects SET sha256='$(sha256sum "$T/store/$1" | cut -d' ' -f1)', size=$(stat -c %s "$T/store/$1") WHERE key='$1'"; }
# rewrite the index JSON with python code acting on d, re-gzipped
edit_index() {
  python3 - "$T/store/$ikey" "$1" <<'PY'
import gzip, json, sys
d = json.load(gzip.open(sys.argv[1]))
exec(sys.argv[2])
open(sys.argv[1], "wb").write(gzip.compress(json.dumps(d).encode()))
PY
}
restore() { "$COLDPACK" -c "$T/c.conf" restore --tenant acme --to "$T/target" --yes "$@"; }
no_staging() { ! ls -A "$T/target" 2>/dev/null | grep -q '^\.coldpack' || die "$1: staging left behind"; }

# (a1) truncated index, full restore
case_a1() {
  head -c 40 "$T/store.orig/$ikey" >"$T/store/$ikey"
  restore --date "$DATE" >"$T/out" 2>&1 || { cat "$T/out"; die "a1: restore with a truncated index failed"; }
  check_restored "$T/target" "$T/data" acme
  grep -q "$ikey" "$T/out" || die "a1: no message naming the damaged index $ikey: $(cat "$T/out")"
  no_staging a1
}

# (a2) a flipped byte in the middle of the gz, with --path
case_a2() {
  python3 - "$T/store/$ikey" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read()); b[len(b) // 2] ^= 0xff
open(sys.argv[1], "wb").write(bytes(b))
PY
  restore --date "$DATE" --path '**' >"$T/out" 2>&1 || { cat "$T/out"; die "a2: restore --path with a damaged index failed"; }
  check_restored "$T/target" "$T/data" acme
  grep -q "warning: .*$ikey" "$T/out" || die "a2: no warning naming the damaged index: $(cat "$T/out")"
  no_staging a2
}

# (a3) an index that parses but whose bytes are not the catalog's: block 0 claims one tar byte less
case_a3() {
  edit_index 'd["blocks"][0][1] -= 1'
  restore --date "$DATE" >"$T/out" 2>&1 || { cat "$T/out"; die "a3: restore with an altered index failed"; }
  check_restored "$T/target" "$T/data" acme
  grep -q "warning: index $ikey failed verification" "$T/out" || die "a3: altered index not named: $(cat "$T/out")"
  grep -q "decoded sequentially" "$T/out" || die "a3: no word of the sequential fallback: $(cat "$T/out")"
  no_staging a3
}

# (b) entries removed from a verified index (catalog updated): --path must still find them all
case_b() {
  edit_index 'd["files"] = [f for f in d["files"] if not f["path"].startswith("fw/")]; d["files_count"] = sum(f["type"] == "file" for f in d["files"])'
  recatalog "$ikey"
  zcat "$T/store/$ikey" | grep -q '"fw/' && die "b: test setup: fw/ entries still in the index"
  restore --date "$DATE" --path 'fw/**' >"$T/out" 2>&1 || { cat "$T/out"; die "b: restore --path with an incomplete index failed"; }
  cat "$T/out"
  grep -q "warning: index $ikey does not account for the whole tar" "$T/out" || die "b: incomplete index not named"
  r="$T/target/acme/$DATE/siem-01"
  diff -r "$r/fw" "$src/fw" || die "b: fw/ not restored byte-identical"
  want=$(cd "$src" && find fw -type f | sort); got=$(cd "$r" && find . -type f -printf '%P\n' | sort)
  [ "$got" = "$want" ] || die "b: restored files other than fw/: $(diff <(echo "$want") <(echo "$got") | head)"
  no_staging b
}

# (c) forged index naming source ../../../../tmp/x, catalog updated to match it
case_c() {
  mkdir -p "$T/outside"; echo keep >"$T/outside/victim"
  before=$(cd "$T" && find . -path ./target -prune -o -path ./out -prune -o -print | sort)
  tmpx_before=$(ls -d /tmp/x /tmp/tmp/x 2>/dev/null || true)
  edit_index 'd["source"] = "../../../../tmp/x"'
  recatalog "$ikey"
  restore --date "$DATE" >"$T/out" 2>&1 || { cat "$T/out"; die "c: restore with a forged index failed"; }
  cat "$T/out"
  after=$(cd "$T" && find . -path ./target -prune -o -path ./out -prune -o -print | sort)
  [ "$before" = "$after" ] || die "c: something changed outside the target: $(diff <(echo "$before") <(echo "$after"))"
  [ "$(ls -d /tmp/x /tmp/tmp/x 2>/dev/null || true)" = "$tmpx_before" ] || die "c: /tmp/x created"
  [ "$(cat "$T/outside/victim")" = keep ] || die "c: victim changed"
  [ "$(ls -A "$T/target")" = acme ] || die "c: target holds more than acme/: $(ls -A "$T/target")"
  find "$T/target" -name x -o -name tmp | grep -q . && die "c: a path from the forged source was created"
  grep -q "warning: index $ikey does not describe volume $key" "$T/out" || die "c: forged index used without a warning"
  check_restored "$T/target" "$T/data" acme
  no_staging c
}

# (d) a catalog row with NULL source
case_d() {
  sqlite3 "$T/catalog.db" "UPDATE objects SET source=NULL WHERE key='$key'"
  set +e; restore --date "$DATE" >"$T/out" 2>&1; rc=$?; set -e
  cat "$T/out"
  [ $rc -ne 139 ] && [ $rc -ne 134 ] && [ $rc -lt 128 ] || die "d: restore crashed (exit $rc)"
  [ $rc -ne 0 ] && [ $rc -ne 3 ] || die "d: restore with a NULL source row succeeded (exit $rc)"
  grep -q "error: restore: catalog row for $key has no source" "$T/out" || die "d: the error does not name the missing field"
  [ -z "$(find "$T/target" -type f 2>/dev/null)" ] || die "d: files extracted: $(find "$T/target" -type f | head -3)"
}

# (d2) the same on day two of a range: day one's rows come first
case_d2() {
  sqlite3 "$T/catalog.db" "UPDATE objects SET source=NULL WHERE key='$key'"
  set +e; restore --from "$DAY1" --until "$DATE" >"$T/out" 2>&1; rc=$?; set -e
  cat "$T/out"
  [ $rc -ne 139 ] && [ $rc -ne 134 ] && [ $rc -lt 128 ] || die "d2: restore crashed (exit $rc)"
  [ $rc -ne 0 ] && [ $rc -ne 3 ] || die "d2: restore with a NULL source row succeeded (exit $rc)"
  grep -q "error: restore: catalog row for $key has no source" "$T/out" || die "d2: the error does not name the missing field"
  [ -z "$(find "$T/target" -type f 2>/dev/null)" ] || die "d2: files extracted: $(find "$T/target" -type f | head -3)"
}

# Each case in a subshell, set -e on again inside (a case stops at its first
# failure); every case runs, and the failed ones are named at the end.
failed=()
for c in a1 a2 a3 b c d d2; do
  set +e; ( set -e; fresh; "case_$c" ); rc=$?; set -e
  if [ $rc -eq 0 ]; then echo "case $c: ok"; else echo "case $c: FAILED"; failed+=("$c"); fi
done
[ ${#failed[@]} -eq 0 ] || die "cases failed: ${failed[*]}"
echo "index trust ok"
