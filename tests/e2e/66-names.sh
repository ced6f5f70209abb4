#!/usr/bin/env bash
# Names are bytes: files whose names are not UTF-8 (\xff\xfe), hold control
# characters (newline, ESC) or are 250 bytes long, and tenant directories
# named with a non-UTF-8 byte, a newline, a '%', or 250 bytes, are backed up
# (exit 0), listed by GNU tar, and restored byte-identical (diff -r and a
# bytes-level os.listdir comparison); the store's keys stay printable UTF-8
# with no path component over 255 bytes; `catalog rebuild` keeps them; an
# empty day directory is a warning (exit 3), not "ok", and so is each
# tenant backed up the day before that is gone. restore --path globs match
# the raw name bytes.
. "$(dirname "$0")/lib/common.sh"
D="$T/data/s1/$DATE"
long=$(printf 'L%.0s' $(seq 250))
tlong=$(printf 'T%.0s' $(seq 250))
mkdir -p "$D/acme/sub"
printf 'one\n' >"$D/acme/$(printf 'bad\xff\xfe')"
printf 'two\n' >"$D/acme/$(printf 'nl\nin-name')"
printf 'three\n' >"$D/acme/$(printf 'esc\x1b[31m')"
printf 'four\n' >"$D/acme/sub/$long"
ln -s "$(printf 'bad\xff\xfe')" "$D/acme/$(printf 'link\xfe')"
for t in "$(printf 'ten\xff')" "$(printf 'ten\nnl')" "50%off" "$tlong"; do
  mkdir -p "$D/$t/d"
  printf 'data of %s\n' "$t" >"$D/$t/d/$(printf 'f\xe9')"
done
write_config "$T/c.conf" "$T/data" "$T/store"
CP=("$COLDPACK" -c "$T/c.conf")
"${CP[@]}" init >/dev/null
set +e; "${CP[@]}" run --date "$DATE" >"$T/o" 2>"$T/e"; rc=$?; set -e
[ $rc -eq 0 ] || die "run: exit $rc: $(cat "$T/o" "$T/e")"
grep -q "5 unit(s) done" "$T/o" || die "expected 5 units: $(cat "$T/o")"
# the output names tenants escaped, never raw bytes
grep -q "^unit $DATE/s1/ten%FF: " "$T/o" && grep -q "^unit $DATE/s1/ten%0Anl: " "$T/o" &&
  grep -q "^unit $DATE/s1/50%25off: " "$T/o" || die "tenants not named escaped: $(cat "$T/o")"
LC_ALL=C grep -q $'[\x80-\xff\x1b]' "$T/o" && die "raw bytes in the run output"
# keys: printable, valid UTF-8, components <= 255 bytes
python3 - "$T/store" <<'PY'
import os, sys
for dp, dn, fn in os.walk(sys.argv[1].encode()):
    for n in dn + fn:
        assert len(n) <= 255, n
        n.decode("utf-8")
        assert all(0x20 <= c < 0x7f for c in n), n
PY
# GNU tar lists (and extracts) every volume
for v in $(find "$T/store" -name 'vol-*.tar.gz'); do
  tar -tzf "$v" >/dev/null 2>&1 || die "GNU tar cannot list $v"
done
tar -tzf "$T/store/tenant=acme/date=$DATE/source=s1/vol-0001.tar.gz" 2>/dev/null | grep -q "^sub/$long\$" ||
  die "GNU tar does not list the 250-byte name"
# restore every tenant
for t in acme "$(printf 'ten\xff')" "$(printf 'ten\nnl')" "50%off" "$tlong"; do
  set +e; "${CP[@]}" restore --tenant "$t" --date "$DATE" --to "$T/r" --yes >"$T/ro" 2>&1; rc=$?; set -e
  [ $rc -eq 0 ] || die "restore of tenant $(printf %q "$t"): exit $rc: $(cat "$T/ro")"
  diff -r --no-dereference "$T/r/$t/$DATE/s1" "$D/$t" || die "restored $(printf %q "$t") differs"
done
python3 - "$D" "$T/r" "$DATE" <<'PY'
import os, sys
src, r, date = (a.encode() for a in sys.argv[1:])
def tree(root):
    out = {}
    for dp, dn, fn in os.walk(root):
        for n in dn + fn:
            p = os.path.join(dp, n)
            rel = os.path.relpath(p, root)
            out[rel] = os.readlink(p) if os.path.islink(p) else (open(p, "rb").read() if os.path.isfile(p) else b"<dir>")
    return out
want = {t: tree(os.path.join(src, t)) for t in os.listdir(src)}
got = {t: tree(os.path.join(r, t, date, b"s1")) for t in os.listdir(r) if not t.startswith(b".coldpack")}
assert sorted(os.listdir(src)) == sorted(got), (sorted(os.listdir(src)), sorted(got))
assert want == got, "restored bytes differ"
PY
# restore --path matches raw name bytes (the index's path_b64), not the
# display form: a glob with the raw byte \xff, and one with '?' per byte
for g in "$(printf 'bad\xff')*" 'bad??'; do
  rm -rf "$T/rp"
  set +e; "${CP[@]}" restore --tenant acme --date "$DATE" --path "$g" --to "$T/rp" --yes >"$T/ro" 2>&1; rc=$?; set -e
  [ $rc -eq 0 ] || die "restore --path $(printf %q "$g"): exit $rc: $(cat "$T/ro")"
  cmp "$T/rp/acme/$DATE/s1/$(printf 'bad\xff\xfe')" "$D/acme/$(printf 'bad\xff\xfe')" ||
    die "restore --path $(printf %q "$g") did not restore the non-UTF-8 name"
  [ ! -e "$T/rp/acme/$DATE/s1/$(printf 'nl\nin-name')" ] || die "restore --path $(printf %q "$g") restored more"
done
"${CP[@]}" verify | grep -q "all good" || die "verify"
"${CP[@]}" catalog rebuild >"$T/rb" || die "rebuild: $(cat "$T/rb")"
grep -q "5 complete unit" "$T/rb" || die "rebuild lost units: $(cat "$T/rb")"
rm -rf "$T/r"
"${CP[@]}" restore --tenant "$(printf 'ten\xff')" --date "$DATE" --to "$T/r" --yes >/dev/null 2>&1 ||
  die "restore after rebuild"
diff -r "$T/r/$(printf 'ten\xff')/$DATE/s1" "$D/$(printf 'ten\xff')" || die "restore after rebuild differs"
# an empty day directory: a warning naming it, exit 3
D2=$(date -d "$DATE + 1 day" +%F)
mkdir -p "$T/data/s1/$D2"
set +e; "${CP[@]}" run --date "$D2" >"$T/o2" 2>"$T/e2"; rc=$?; set -e
[ $rc -eq 3 ] || die "empty day dir: exit $rc (want 3): $(cat "$T/o2" "$T/e2")"
grep -q "no tenants" "$T/e2" || die "empty day dir not named: $(cat "$T/e2")"
# tenants backed up the day before and absent now are named (escaped)
grep -q "tenant ten%FF was backed up for $DATE but is absent on $D2" "$T/e2" ||
  die "vanished tenant not named: $(cat "$T/e2")"
grep -q "tenant acme was backed up for $DATE but is absent on $D2" "$T/e2" || die "vanished acme not named"
echo "names ok"
