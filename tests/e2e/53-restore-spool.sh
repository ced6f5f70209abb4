#!/usr/bin/env bash
# Attack: symlinks planted in the target at the old predictable spool name
# (.coldpack-spool.<pid>, for the next pids) pointing at a file outside. The restore spools inside its own
# mkdtemp staging directory: the links and the file are untouched.
. "$(dirname "$0")/lib/common.sh"
gen_data "$T/data" 1 1 1MiB
write_config "$T/c.conf" "$T/data" "$T/store"
sed -i 's|^\[store\]|[store]\nstorage_class = STANDARD|' "$T/c.conf"
"$COLDPACK" -q -c "$T/c.conf" run --date "$DATE" >/dev/null
key="tenant=acme/date=$DATE/source=siem-01/vol-0001.tar.gz"
recatalog() { sqlite3 "$T/catalog.db" "UPDATE objects SET sha256='$(sha256sum "$T/store/$1" | cut -d' ' -f1)', size=$(stat -c %s "$T/store/$1") WHERE key='$1'"; }
mkdir -p "$T/target" "$T/outside"; echo secret >"$T/outside/victim"
python3 - "$T" <<'PY'
import os, sys
t = sys.argv[1]
last = int(open("/proc/sys/kernel/ns_last_pid").read())
for p in range(last + 1, last + 401):
    os.symlink(t + "/outside/victim", "%s/target/.coldpack-spool.%d" % (t, p))
PY
"$COLDPACK" -c "$T/c.conf" restore --tenant acme --date "$DATE" --to "$T/target" --yes >"$T/out" 2>&1 || { cat "$T/out"; die "restore failed"; }
[ "$(cat "$T/outside/victim")" = secret ] || die "the file outside was overwritten through a planted spool link"
[ "$(ls "$T/outside")" = victim ] || die "something was created outside: $(ls "$T/outside")"
[ "$(find "$T/target" -maxdepth 1 -name '.coldpack-spool.*' -type l | wc -l)" = 400 ] || die "planted links changed"
check_restored "$T/target" "$T/data" acme
echo "spool ok"
