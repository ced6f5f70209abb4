#!/usr/bin/env bash
# Attack: volume entries with mode 04755 (uid 0), 02755 and a 01777
# directory. Restored without setuid, setgid or sticky, owned by the
# restoring user, modes masked by the umask; --same-owner restores owners
# (root only; refused otherwise).
. "$(dirname "$0")/lib/common.sh"
gen_data "$T/data" 1 1 1MiB
write_config "$T/c.conf" "$T/data" "$T/store"
sed -i 's|^\[store\]|[store]\nstorage_class = STANDARD|' "$T/c.conf"
"$COLDPACK" -q -c "$T/c.conf" run --date "$DATE" >/dev/null
key="tenant=acme/date=$DATE/source=siem-01/vol-0001.tar.gz"
recatalog() { sqlite3 "$T/catalog.db" "UPDATE objects SET sha256='$(sha256sum "$T/store/$1" | cut -d' ' -f1)', size=$(stat -c %s "$T/store/$1") WHERE key='$1'"; }
python3 - "$T/store/$key" <<'PY'
import io, sys, tarfile, gzip
buf = io.BytesIO()
tf = tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT)
def add(name, mode, type=tarfile.REGTYPE, uid=0):
    ti = tarfile.TarInfo(name); ti.type = type; ti.mode = mode; ti.uid = uid; ti.gid = uid
    data = b"#!/bin/sh\n"; ti.size = len(data) if type == tarfile.REGTYPE else 0
    tf.addfile(ti, io.BytesIO(data) if type == tarfile.REGTYPE else None)
add("suid", 0o4755); add("sgid", 0o2755, uid=1234); add("tmp", 0o1777, tarfile.DIRTYPE)
add("tmp/open", 0o0777, uid=1234)
tf.close()
open(sys.argv[1], "wb").write(gzip.compress(buf.getvalue()))
PY
recatalog "$key"
umask 022
"$COLDPACK" -c "$T/c.conf" restore --tenant acme --date "$DATE" --to "$T/t1" --yes >"$T/out" 2>&1 || { cat "$T/out"; die "restore failed"; }
r="$T/t1/acme/$DATE/siem-01"
[ -z "$(find "$T/t1" -perm /7000)" ] || die "setuid/setgid/sticky restored: $(find "$T/t1" -perm /7000)"
[ "$(stat -c %a "$r/suid")" = 755 ] || die "suid: mode $(stat -c %a "$r/suid")"
[ "$(stat -c %a "$r/tmp")" = 755 ] || die "tmp: mode $(stat -c %a "$r/tmp")"
[ "$(stat -c %a "$r/tmp/open")" = 755 ] || die "0777 not masked by the umask"
[ -z "$(find "$T/t1" ! -uid "$(id -u)")" ] || die "not owned by the restoring user: $(find "$T/t1" ! -uid "$(id -u)")"
if [ "$(id -u)" = 0 ]; then
  "$COLDPACK" -c "$T/c.conf" restore --tenant acme --date "$DATE" --to "$T/t2" --yes --same-owner >/dev/null 2>&1 || die "--same-owner restore failed"
  [ "$(stat -c %u "$T/t2/acme/$DATE/siem-01/sgid")" = 1234 ] || die "--same-owner did not restore the owner"
  [ -z "$(find "$T/t2" -perm /7000)" ] || die "--same-owner kept setuid/setgid/sticky"
  if command -v setpriv >/dev/null; then
    chmod 755 "$T"; chmod 644 "$T/c.conf"
    expect_rc 2 setpriv --reuid=65534 --regid=65534 --clear-groups "$COLDPACK" -c "$T/c.conf" restore --tenant acme --date "$DATE" --to /tmp/x --yes --same-owner >"$T/o3" 2>&1
    grep -q "same-owner needs root" "$T/o3" || die "--same-owner as non-root not refused clearly"
  fi
fi
echo "modes ok"
