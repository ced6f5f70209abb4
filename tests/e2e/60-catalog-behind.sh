#!/usr/bin/env bash
# The store is the truth, the catalog a cache of it. A run never deletes or
# re-uploads a committed backup because the catalog does not know it:
#  (a) catalog deleted, or a new catalog: the next run syncs it from the
#      store's manifests ("catalog behind the store") and skips the day;
#  (d) `init` on a store with backups adopts them;
#  (e) a unit the catalog forgot whose objects a manifest names: the run
#      fails the unit and deletes nothing;
#  (b) a relative [catalog] path is refused (exit 2, file:line);
#  (c) a SQLite file that is not a coldpack catalog is refused (exit 2),
#      untouched.
. "$(dirname "$0")/lib/common.sh"
gen_data "$T/data" 2 3 3MiB
write_config "$T/c.conf" "$T/data" "$T/store"
sed -i 's|^\[store\]|[store]\nstorage_class = STANDARD|' "$T/c.conf"
CP=("$COLDPACK" -c "$T/c.conf")
"${CP[@]}" -q run --date "$DATE" >/dev/null
snap() { (cd "$T/store" && find . -path ./.coldpack -prune -o -type f -printf '%P %i %s %T@\n' | sort); }
snap >"$T/s0"
units=$(sqlite3 "$T/catalog.db" "SELECT count(*) FROM units WHERE status='complete'")
[ "$units" -gt 0 ] || die "no units backed up"

# (a) the catalog is lost
rm -f "$T"/catalog.db*
"${CP[@]}" run --date "$DATE" >"$T/o1" 2>"$T/e1" || die "run after losing the catalog failed: $(cat "$T/e1")"
! grep -q "removing" "$T/e1" || die "run deleted objects: $(grep removing "$T/e1")"
snap >"$T/s1"
diff "$T/s0" "$T/s1" >/dev/null || die "the store changed: $(diff "$T/s0" "$T/s1" | head)"
grep -q "catalog behind the store: synced $units unit(s) from 1 manifest(s)" "$T/e1" || die "no sync message: $(cat "$T/e1")"
grep -q "0 unit(s) done, $units already complete" "$T/o1" || die "units not recognised complete: $(cat "$T/o1")"
"${CP[@]}" verify | grep -q "all good" || die "verify after sync"

# (a') a new, empty catalog elsewhere (init of a new catalog) + (d) init adopts
sed -i "s|^path = $T/catalog.db|path = $T/new/catalog.db|" "$T/c.conf"
"${CP[@]}" init >"$T/o2" || die "init failed"
grep -q "adopted the backups already in the store: $units unit(s) from 1 manifest(s)" "$T/o2" || die "init did not adopt: $(cat "$T/o2")"
[ "$(sqlite3 "$T/new/catalog.db" "SELECT count(*) FROM units WHERE status='complete'")" = "$units" ] || die "adopted catalog lacks units"
"${CP[@]}" run --date "$DATE" >"$T/o3" 2>"$T/e3"
grep -q "0 unit(s) done, $units already complete" "$T/o3" || die "new catalog: units redone: $(cat "$T/o3")"
snap >"$T/s2"
diff "$T/s0" "$T/s2" >/dev/null || die "the store changed after init: $(diff "$T/s0" "$T/s2" | head)"

# (e) the catalog forgets a unit whose objects a manifest names: not deleted
sqlite3 "$T/new/catalog.db" "DELETE FROM units WHERE tenant = (SELECT tenant FROM units ORDER BY tenant LIMIT 1) AND source = (SELECT source FROM units ORDER BY source LIMIT 1)"
expect_rc 4 "${CP[@]}" run --date "$DATE" >"$T/o4" 2>"$T/e4"
grep -q "is named by the manifest" "$T/e4" || die "no refusal named: $(cat "$T/e4")"
snap >"$T/s3"
for k in $(cut -d' ' -f1 "$T/s0"); do [ -f "$T/store/$k" ] || die "$k was deleted"; done
[ "$(grep -v '^runs/' "$T/s0")" = "$(grep -v '^runs/' "$T/s3")" ] || die "a committed object was deleted or rewritten"

# (b) relative catalog path: exit 2 naming file:line
sed "s|^path = $T/new/catalog.db|path = catalog.db|" "$T/c.conf" >"$T/rel.conf"
line=$(grep -n '^path = catalog.db' "$T/rel.conf" | cut -d: -f1)
mkdir "$T/cwd"
set +e; (cd "$T/cwd" && "$COLDPACK" -c "$T/rel.conf" run --date "$DATE") >"$T/o5" 2>"$T/e5"; rc=$?; set -e
[ $rc -eq 2 ] || die "relative catalog path: exit $rc"
grep -q "rel.conf:$line:.*absolute" "$T/e5" || die "relative path not named with file:line: $(cat "$T/e5")"
[ -z "$(ls -A "$T/cwd")" ] || die "a relative catalog was created"

# (c) a foreign SQLite database is refused and left as it was
sqlite3 "$T/foreign.db" "CREATE TABLE invoices (id INTEGER, amount REAL); INSERT INTO invoices VALUES (1, 9.5);"
cp "$T/foreign.db" "$T/foreign.orig"
sed "s|^path = $T/new/catalog.db|path = $T/foreign.db|" "$T/c.conf" >"$T/f.conf"
for cmd in "run --date $DATE" "verify" "catalog rebuild" "status" "init"; do
  set +e; "$COLDPACK" -c "$T/f.conf" $cmd >"$T/o6" 2>"$T/e6"; rc=$?; set -e
  [ $rc -eq 2 ] || die "foreign catalog, $cmd: exit $rc: $(cat "$T/e6")"
  grep -q "not a coldpack catalog" "$T/e6" || die "foreign catalog, $cmd: not named: $(cat "$T/e6")"
done
cmp -s "$T/foreign.db" "$T/foreign.orig" || die "the foreign database was modified"
# a coldpack catalog is stamped with its application_id
[ "$(sqlite3 "$T/new/catalog.db" 'PRAGMA application_id')" = "$((0x43504b31))" ] || die "catalog not stamped"
echo "catalog behind the store ok"
