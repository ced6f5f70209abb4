#!/usr/bin/env bash
# Hostile archives placed in the store (catalog updated so they pass the
# SHA-256 check, as an attacker with store and catalog access could):
# absolute paths, "..", a symlink escaping the target followed by a file
# written through it, a hardlink to outside. Each entry is refused and named;
# nothing lands outside the target; good entries still restore; exit 3.
. "$(dirname "$0")/lib/common.sh"
gen_data "$T/data" 1 1 1MiB
write_config "$T/c.conf" "$T/data" "$T/store"
sed -i 's|^\[store\]|[store]\nstorage_class = STANDARD|' "$T/c.conf"
"$COLDPACK" -q -c "$T/c.conf" run --date "$DATE" >/dev/null
key="tenant=acme/date=$DATE/source=siem-01/vol-0001.tar.gz"
mkdir -p "$T/outside"
echo secret >"$T/outside/victim"
python3 - "$T/store/$key" "$T" <<'PY'
import io, sys, tarfile, gzip
out, t = sys.argv[1], sys.argv[2]
buf = io.BytesIO()
tf = tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT)
def add(name, data=b"pwned\n", type=tarfile.REGTYPE, link=""):
    ti = tarfile.TarInfo(name); ti.type = type; ti.linkname = link; ti.mode = 0o644
    ti.size = len(data) if type == tarfile.REGTYPE else 0
    tf.addfile(ti, io.BytesIO(data) if type == tarfile.REGTYPE else None)
add("good/ok.log", b"fine\n")
add(t + "/outside/abs-pwned")                       # absolute path
add("../../../../../.." + t + "/outside/dotdot")    # .. traversal
add("good/../../escape-dotdot")                     # .. in the middle
add("evil-link", type=tarfile.SYMTYPE, link=t + "/outside")   # symlink to outside (absolute)
add("evil-link2", type=tarfile.SYMTYPE, link="../../../../outside")  # relative escape
add("evil-link/through-symlink")                    # write through the link
add("hard", type=tarfile.LNKTYPE, link=t + "/outside/victim") # hardlink to outside
add("hard2", type=tarfile.LNKTYPE, link="../../outside/victim")
add("good/inside-link", type=tarfile.SYMTYPE, link="ok.log")  # harmless symlink: allowed
add("dirlink", type=tarfile.SYMTYPE, link="good")   # inside, allowed ...
add("dirlink/via-link")                             # ... but never written through
tf.close()
open(out, "wb").write(gzip.compress(buf.getvalue()))
PY
sha=$(sha256sum "$T/store/$key" | cut -d' ' -f1); size=$(stat -c %s "$T/store/$key")
sqlite3 "$T/catalog.db" "UPDATE objects SET sha256='$sha', size=$size WHERE key='$key'"
mkdir -p "$T/target"
expect_rc 3 "$COLDPACK" -c "$T/c.conf" restore --tenant acme --date "$DATE" --to "$T/target" --yes >"$T/out" 2>&1
cat "$T/out"
for e in "$T/outside/abs-pwned" dotdot escape-dotdot evil-link evil-link2 hard hard2 dirlink/via-link; do
  grep -q "REFUSED .*\"[^\"]*${e##*/}\"" "$T/out" || die "entry $e not reported as refused"
done
[ "$(ls "$T/outside")" = "victim" ] || die "something was written outside the target: $(ls "$T/outside")"
[ "$(cat "$T/outside/victim")" = "secret" ] || die "victim modified"
[ -z "$(find "$T" -name '*pwned*' -o -name 'escape-dotdot' -o -name 'dotdot' | grep -v '^$')" ] || die "hostile file landed"
[ "$(cat "$T/target/acme/$DATE/siem-01/good/ok.log")" = "fine" ] || die "good entry not restored"
[ -L "$T/target/acme/$DATE/siem-01/good/inside-link" ] || die "harmless symlink not restored"
[ ! -L "$T/target/acme/$DATE/siem-01/evil-link" ] || die "escaping symlink created"
[ ! -e "$T/target/acme/$DATE/siem-01/good/via-link" ] || die "a file was written through a symlink"
# the escaping link is refused, and so is what the archive puts beneath it: the
# archive meant evil-link/through-symlink to be written through the link
grep -q 'REFUSED .*"evil-link/through-symlink": path goes through a symlink' "$T/out" ||
  die "evil-link/through-symlink not refused"
[ ! -e "$T/target/acme/$DATE/siem-01/evil-link" ] || die "something was created at evil-link"
ls -A "$T/target" | grep -q '^\.coldpack' && die "staging left behind"
echo "hostile ok"
