#!/usr/bin/env bash
# Restoring one tenant reads only that tenant's objects: every other tenant's
# volumes are overwritten with garbage first, and the restore still succeeds;
# only the tenant's own objects get thaw requests.
. "$(dirname "$0")/lib/common.sh"
gen_data "$T/data" 3 4 12MiB
write_config "$T/c.conf" "$T/data" "$T/store"
"$COLDPACK" -q -c "$T/c.conf" run --date "$DATE" >/dev/null
for v in "$T"/store/tenant=*/date=*/source=*/vol-*.tar.gz; do
  case "$v" in */tenant=globex/*) ;; *) head -c 1000 /dev/urandom >"$v";; esac
done
"$COLDPACK" -c "$T/c.conf" restore --tenant globex --date "$DATE" --to "$T/restore" --yes >"$T/out"
check_restored "$T/restore" "$T/data" globex
[ "$(ls "$T/restore")" = "globex" ] || die "restore wrote other tenants: $(ls "$T/restore")"
grep -q "tenant=acme" "$T/out" && die "plan mentions another tenant"
requested=$(grep -l '"restore_requested":[1-9]' -r "$T/store/.coldpack/meta" | sed 's|.*/meta/||')
[ -n "$requested" ] || die "no thaw requests recorded"
echo "$requested" | grep -v '^tenant=globex/' && die "thaw requested for another tenant's object"
# a source filter narrows further
rm -rf "$T/restore"
"$COLDPACK" -q -c "$T/c.conf" restore --tenant globex --date "$DATE" --source siem-02 --to "$T/restore" --yes >/dev/null
[ "$(ls "$T/restore/globex/$DATE")" = "siem-02" ] || die "--source not honoured"
# a path glob restores only matching files
rm -rf "$T/restore"
"$COLDPACK" -q -c "$T/c.conf" restore --tenant globex --date "$DATE" --path 'fw/*.log' --to "$T/restore" --yes >/dev/null
files=$(cd "$T/restore" && find . -type f | sort)
[ -n "$files" ] || die "--path restored nothing"
echo "$files" | grep -v '/fw/fw-[^/]*\.log$' && die "--path restored non-matching files"
echo "isolation ok"
