#!/usr/bin/env bash
# Attack: a chain of symlinks, each harmless when judged alone by name
# (a/b/u -> ../.., a/b/e1 -> u/.., a/b/e2 -> e1/.., ..., etc -> a/b/eN/etc,
# shadow -> etc/shadow, out -> a/b/e4/outside/victim), placed in the store
# with the catalog updated. Followed on disk, the chain climbs out of the
# target to /etc/shadow and to a file beside the target. Restore must leave
# no link whose resolution leaves the target, name every refused one, keep
# the harmless ones, and exit 3.
. "$(dirname "$0")/lib/common.sh"
gen_data "$T/data" 1 1 1MiB
write_config "$T/c.conf" "$T/data" "$T/store"
sed -i 's|^\[store\]|[store]\nstorage_class = STANDARD|' "$T/c.conf"
"$COLDPACK" -q -c "$T/c.conf" run --date "$DATE" >/dev/null
key="tenant=acme/date=$DATE/source=siem-01/vol-0001.tar.gz"
mkdir -p "$T/outside"; echo secret >"$T/outside/victim"
python3 - "$T/store/$key" <<'PY'
import io, sys, tarfile, gzip
buf = io.BytesIO()
tf = tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT)
def add(name, type=tarfile.REGTYPE, link="", data=b"fine\n"):
    ti = tarfile.TarInfo(name); ti.type = type; ti.linkname = link; ti.mode = 0o755 if type == tarfile.DIRTYPE else 0o644
    ti.size = len(data) if type == tarfile.REGTYPE else 0
    tf.addfile(ti, io.BytesIO(data) if type == tarfile.REGTYPE else None)
S = tarfile.SYMTYPE
add("a", tarfile.DIRTYPE); add("a/b", tarfile.DIRTYPE); add("a/b/ok.log")
add("a/b/u", S, "../..")                 # the archive root: harmless alone
add("e1", S, "a/b/u/..")                 # lexically a/b; on disk the root's parent
add("a/b/e1", S, "u/..")
for i in range(2, 16):
    add("a/b/e%d" % i, S, "e%d/.." % (i - 1))   # one level further up each
add("etc", S, "a/b/e15/etc")             # /etc
add("shadow", S, "etc/shadow")           # /etc/shadow
add("out", S, "a/b/e4/outside/victim")   # beside the target
add("late", S, "x/y/..")                 # through a link created later ...
add("x", S, "a/b/u")                     # ... x -> root, so late -> root's parent
add("good-link", S, "a/b/ok.log")        # harmless: kept
tf.close()
open(sys.argv[1], "wb").write(gzip.compress(buf.getvalue()))
PY
sha=$(sha256sum "$T/store/$key" | cut -d' ' -f1); size=$(stat -c %s "$T/store/$key")
sqlite3 "$T/catalog.db" "UPDATE objects SET sha256='$sha', size=$size WHERE key='$key'"
expect_rc 3 "$COLDPACK" -c "$T/c.conf" restore --tenant acme --date "$DATE" --to "$T/target" --yes >"$T/out" 2>&1
cat "$T/out"
root="$T/target/acme/$DATE/siem-01"
# no link left in the tree may resolve outside the target
while IFS= read -r l; do
  r=$(realpath -m "$l")
  case "$r" in "$T/target"|"$T/target"/*) ;; *) die "link $l resolves outside the target: $r";; esac
done < <(find "$T/target" -type l)
for e in e1 a/b/e1 etc shadow out; do
  grep -q "REFUSED .*\"$e\"" "$T/out" || die "link $e not named as refused"
done
[ "$(cat "$T/outside/victim")" = secret ] || die "victim changed"
[ "$(cat "$root/good-link")" = fine ] || die "harmless link not restored"
[ -L "$root/a/b/u" ] || die "harmless a/b/u -> ../.. not restored"
[ "$(cat "$root/a/b/ok.log")" = fine ] || die "file not restored"
ls -A "$T/target" | grep -q '^\.coldpack' && die "staging left behind"
echo "symlink chain ok"
