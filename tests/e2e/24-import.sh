#!/usr/bin/env bash
# import: legacy per-machine archives made by GNU tar (gzip, zstd, plain on
# stdin) are re-packed into the normal layout; restore gives every tenant back
# byte-identical (content, modes, mtimes); verify is green; the manifest
# records each archive's name, size and SHA-256; a second import writes
# nothing; a day past retention is refused (exit 2) unless --force; a hostile
# member ("../x", absolute) is refused by name and lands nowhere.
. "$(dirname "$0")/lib/common.sh"
command -v zstd >/dev/null || { echo "SKIP: zstd not installed"; exit 77; }
gen_data "$T/data" 3 3 8MiB
write_config "$T/c.conf" "$T/data" "$T/store"
# import never reads the sources' directories: prove it by moving them away
mv "$T/data" "$T/legacy-data"
CP=("$COLDPACK" -c "$T/c.conf")
"${CP[@]}" init >/dev/null

tar -C "$T/legacy-data/siem-01/$DATE" -czf "$T/legacy.tar.gz" .
tar -C "$T/legacy-data/siem-02/$DATE" -cf - . | zstd -q -o "$T/siem-02-legacy.tar.zst"
tar -C "$T/legacy-data/siem-03/$DATE" -cf "$T/siem-03.tar" .

# one archive, the plain form
"${CP[@]}" import --date "$DATE" --source siem-01 "$T/legacy.tar.gz" | tee "$T/imp1.out"
grep -q "4 unit(s) done" "$T/imp1.out" || die "expected 4 units (3 tenants + empty-tenant) from legacy.tar.gz"
sha=$(sha256sum "$T/legacy.tar.gz" | cut -d' ' -f1)
size=$(stat -c %s "$T/legacy.tar.gz")
grep -q "^import $DATE/siem-01: archive legacy.tar.gz, $size bytes, sha256 $sha\$" "$T/imp1.out" ||
  die "import did not print the archive's provenance"
ls "$T/store/tenant=acme/date=$DATE/source=siem-01/vol-0001.tar.gz" >/dev/null

# two machines at once: zstd from a file, plain tar on stdin
"${CP[@]}" import --date "$DATE" --jobs 2 siem-02="$T/siem-02-legacy.tar.zst" siem-03=- \
  <"$T/siem-03.tar" | tee "$T/imp2.out"
grep -q "8 unit(s) done" "$T/imp2.out" || die "expected 8 units from the zstd and the stdin archive"
grep -q "^import $DATE/siem-03: archive stdin, $(stat -c %s "$T/siem-03.tar") bytes, sha256 $(sha256sum <"$T/siem-03.tar" | cut -d' ' -f1)\$" "$T/imp2.out" ||
  die "stdin import: wrong provenance"

# the manifests hold the provenance
python3 - "$T/store" "$DATE" "$sha" "$size" "$(sha256sum "$T/siem-02-legacy.tar.zst" | cut -d' ' -f1)" <<'PY'
import json, glob, sys
store, date, sha1, size1, sha2 = sys.argv[1:]
seen = {}
for m in glob.glob(f"{store}/runs/{date}/*.json"):
    for p in json.load(open(m)).get("import", []):
        seen[p["source"]] = p
assert seen["siem-01"] == {"source": "siem-01", "archive": "legacy.tar.gz", "sha256": sha1, "bytes": int(size1)}, seen
assert seen["siem-02"]["archive"] == "siem-02-legacy.tar.zst" and seen["siem-02"]["sha256"] == sha2, seen
assert seen["siem-03"]["archive"] == "stdin", seen
print("provenance ok")
PY

# restore every tenant, compare with the trees the archives were made from
for tenant in $(tenants_of "$T/legacy-data/siem-01/$DATE"); do
  "${CP[@]}" restore --tenant "$tenant" --date "$DATE" --to "$T/restore" --yes >/dev/null
  check_restored "$T/restore" "$T/legacy-data" "$tenant"
done
"${CP[@]}" verify >/dev/null || die "verify after import is not green"

# a second import of the same archive writes nothing
before=$(find "$T/store" -path '*/.coldpack' -prune -o -type f -printf '%P %T@\n' | sort)
"${CP[@]}" import --date "$DATE" --source siem-01 "$T/legacy.tar.gz" | tee "$T/imp3.out"
grep -q "0 unit(s) done, 4 already complete" "$T/imp3.out" || die "second import did work"
after=$(find "$T/store" -path '*/.coldpack' -prune -o -type f -printf '%P %T@\n' | sort)
[ "$before" = "$after" ] || die "second import changed the store"

# usage errors: one source twice, unknown source, no --date
expect_rc 2 "${CP[@]}" import --date "$DATE" siem-01="$T/legacy.tar.gz" siem-01="$T/siem-03.tar"
expect_rc 2 "${CP[@]}" import --date "$DATE" --source nosuch "$T/legacy.tar.gz"
expect_rc 2 "${CP[@]}" import --source siem-01 "$T/legacy.tar.gz"

# past retention ([retention] days = 365 by default): refused, nothing written
set +e
"${CP[@]}" import --date 2020-01-01 --source siem-01 "$T/legacy.tar.gz" >"$T/old.out" 2>&1
rc=$?
set -e
[ $rc -eq 2 ] || die "a day past retention: expected exit 2, got $rc"
grep -q "past retention" "$T/old.out" || die "no clear message for a day past retention: $(cat "$T/old.out")"
[ ! -e "$T/store/tenant=acme/date=2020-01-01" ] || die "a refused import wrote data"
"${CP[@]}" import --force --date 2020-01-01 --source siem-01 "$T/legacy.tar.gz" >/dev/null 2>&1 ||
  die "--force did not import a day past retention"
ls "$T/store/tenant=acme/date=2020-01-01/source=siem-01/vol-0001.tar.gz" >/dev/null

# hostile members: refused by name (exit 3, warnings), nothing outside the units
D2=2026-11-24
python3 - "$T/hostile.tar.gz" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w:gz") as t:
    for name, data in [("./acme/ok.log", b"fine\n"), ("../x", b"escape\n"),
                       ("/abs-y", b"absolute\n"), ("./acme/../../z", b"climb\n")]:
        i = tarfile.TarInfo(name); i.size = len(data); i.mtime = 1763942399
        t.addfile(i, io.BytesIO(data))
PY
set +e
"${CP[@]}" import --date "$D2" --source siem-01 "$T/hostile.tar.gz" >"$T/hostile.out" 2>&1
rc=$?
set -e
[ $rc -eq 3 ] || die "hostile archive: expected exit 3 (warnings), got $rc: $(cat "$T/hostile.out")"
for n in "../x" "/abs-y" "./acme/../../z"; do
  grep -qF "member '$n' refused" "$T/hostile.out" || die "hostile member $n not refused by name"
done
[ "$(cd "$T/store" && ls -d tenant=*/date=$D2/*)" = "tenant=acme/date=$D2/source=siem-01" ] ||
  die "hostile archive: unexpected units: $(cd "$T/store" && ls -d tenant=*/date=$D2/*)"
"${CP[@]}" restore --tenant acme --date "$D2" --to "$T/hrestore" --yes >/dev/null
[ "$(cd "$T/hrestore" && find . -mindepth 1 | sort | tr '\n' ' ')" = "./acme ./acme/$D2 ./acme/$D2/siem-01 ./acme/$D2/siem-01/ok.log " ] ||
  die "hostile archive restored more than ok.log: $(cd "$T/hrestore" && find . | sort)"
[ ! -e "$T/x" ] && [ ! -e "$T/z" ] && [ ! -e /abs-y ] || die "a hostile member landed outside"
# an archive cut part-way: the source fails and none of its units is recorded
# (the cut may have hidden more of a tenant packed already); importing the
# whole archive again completes the day
D3=2026-11-22
head -c $((size / 2)) "$T/legacy.tar.gz" >"$T/cut.tar.gz"
set +e
"${CP[@]}" import --date "$D3" --source siem-01 "$T/cut.tar.gz" >"$T/cut.out" 2>&1
rc=$?
set -e
[ $rc -eq 4 ] || [ $rc -eq 1 ] || die "a cut archive: expected exit 4 or 1, got $rc: $(cat "$T/cut.out")"
grep -q "archive cut.tar.gz: NOT completely read" "$T/cut.out" || die "a cut archive was not reported"
"${CP[@]}" import --date "$D3" --source siem-01 "$T/legacy.tar.gz" >"$T/full.out"
grep -q " 0 failed" "$T/full.out" || die "re-importing the whole archive did not complete the day: $(cat "$T/full.out")"
for tenant in $(tenants_of "$T/legacy-data/siem-01/$DATE"); do
  "${CP[@]}" restore --tenant "$tenant" --date "$D3" --to "$T/restore3" --yes >/dev/null
  diff -r --no-dereference "$T/restore3/$tenant/$D3/siem-01" "$T/legacy-data/siem-01/$DATE/$tenant" ||
    die "after a cut import and a full one, $tenant differs"
done
# tenants not contiguous in the archive (acme, globex, then acme again): the
# scan fails and no unit of it is recorded, although acme's first part was
# packed before globex began
D4=2026-11-21
first=$(cd "$T/legacy-data/siem-01/$DATE" && find acme -type f | sort | head -1)
tar -C "$T/legacy-data/siem-01/$DATE" -czf "$T/interleaved.tar.gz" "./$first" ./globex ./acme
set +e
"${CP[@]}" import --date "$D4" --source siem-01 "$T/interleaved.tar.gz" >"$T/inter.out" 2>&1
rc=$?
set -e
[ $rc -eq 1 ] || die "interleaved tenants: expected exit 1, got $rc: $(cat "$T/inter.out")"
grep -q "entries of tenant acme are not contiguous" "$T/inter.out" || die "interleaving not named: $(cat "$T/inter.out")"
[ -z "$("${CP[@]}" ls --from "$D4" --until "$D4")" ] || die "units of an interleaved archive were recorded"
"${CP[@]}" import --date "$D4" --source siem-01 "$T/legacy.tar.gz" >"$T/inter2.out"
grep -q "4 unit(s) done, 0 already complete, 0 failed" "$T/inter2.out" ||
  die "after an interleaved archive, the whole one did not import every unit: $(cat "$T/inter2.out")"

# an empty file, and a tar with no member: the source fails, naming the archive
: >"$T/empty.tar.gz"
tar -cf "$T/nothing.tar" -T /dev/null
for f in empty.tar.gz nothing.tar; do
  set +e
  "${CP[@]}" import --date "$D3" --source siem-02 "$T/$f" >"$T/empty.out" 2>&1
  rc=$?
  set -e
  [ $rc -eq 1 ] || die "$f: expected exit 1, got $rc: $(cat "$T/empty.out")"
  grep -q "archive $T/$f: Unrecognized archive format\|archive $T/$f holds no member" "$T/empty.out" ||
    die "$f was not named: $(cat "$T/empty.out")"
done
"${CP[@]}" verify >/dev/null || die "verify after all imports is not green"
echo "import ok"
