#!/usr/bin/env bash
# 22-private.sh — what coldpack creates is owner-only whatever the umask.
# Under `umask 022`, on source data that is 0644/0755, init + two runs +
# verify + a crash-interrupted run leave every file under the store and the
# catalog's directory 0600 and every directory 0700 (`find -perm /077` finds
# nothing): objects, indexes, manifests, sidecar metadata, temp files, the
# catalog and its -wal/-shm, the lock. (The catalog's directory is made by the
# operator here, 0700, as /var/lib/coldpack is by the package.)
. "$(dirname "$0")/lib/common.sh"
umask 022
gen_data "$T/data" 2 2 4MiB
chmod -R u+rwX,go+rX "$T/data"
[ -n "$(find "$T/data" -type f -perm -044)" ] || die "test data is not world-readable"
mkdir -m 700 "$T/cat"
write_config "$T/c.conf" "$T/data" "$T/store/deep/er"
sed -i "s|path = $T/catalog.db|path = $T/cat/catalog.db|" "$T/c.conf"

private() { # every file 0600, every directory 0700 under each argument
    local bad
    bad=$(find "$@" \( -type f ! -perm 0600 \) -o \( -type d ! -perm 0700 \) -o -perm /077)
    [ -z "$bad" ] || die "not owner-only: $(for f in $bad; do stat -c '%a %n' "$f"; done | head -20)"
}
"$COLDPACK" -c "$T/c.conf" init >/dev/null
"$COLDPACK" -c "$T/c.conf" run --date "$DATE" >/dev/null
# the catalog's -wal and -shm, while a reader holds it open
python3 - "$T/cat/catalog.db" <<'PY'
import os, sqlite3, stat, sys
db = sqlite3.connect(sys.argv[1]); db.execute("select count(*) from units").fetchall()
for ext in ("-wal", "-shm"):
    p = sys.argv[1] + ext
    if os.path.exists(p):
        m = stat.S_IMODE(os.stat(p).st_mode)
        assert m == 0o600, f"{p}: {m:o}"
        print(p, "0600")
PY
"$COLDPACK" -c "$T/c.conf" verify >/dev/null
# an interrupted run leaves temp files: private too
"$COLDPACK" -c "$T/c.conf" run --date 2026-11-24 >/dev/null 2>&1 || true
"$LOGGEN" --out "$T/data" --date 2026-11-25 --sources 2 --tenants 2 --size 8MiB >/dev/null
"$COLDPACK" -c "$T/c.conf" run --date 2026-11-25 >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 200); do
    [ -n "$(ls "$T/store/deep/er/.coldpack/tmp" 2>/dev/null)" ] && break
    sleep 0.02
done
kill -9 $pid 2>/dev/null || true
wait $pid 2>/dev/null || true
private "$T/store" "$T/cat"
[ "$(stat -c %a "$T/store")" = 700 ] || die "store's parent directory made $(stat -c %a "$T/store")"
n=$(find "$T/store" "$T/cat" -type f | wc -l)
[ "$n" -gt 20 ] || die "only $n files checked"
echo "22-private: $n files and their directories owner-only"
