#!/usr/bin/env bash
# Cold semantics on the file:// store: a DEEP_ARCHIVE object cannot be read
# before its thaw completes. restore requests the thaw, records it, returns
# "pending" (exit 6) without writing anything; a later identical call
# continues; once thawed, the restore completes.
. "$(dirname "$0")/lib/common.sh"
gen_data "$T/data" 1 2 4MiB
THAW_DELAY=1h write_config "$T/c.conf" "$T/data" "$T/store"
"$COLDPACK" -q -c "$T/c.conf" run --date "$DATE" >/dev/null
expect_rc 6 "$COLDPACK" -c "$T/c.conf" restore --tenant acme --date "$DATE" --to "$T/restore" --yes
[ ! -e "$T/restore/acme" ] || die "files written before the thaw completed"
n=$(sqlite3 "$T/catalog.db" "SELECT count(*) FROM restore_requests WHERE status='requested'")
[ "$n" -gt 0 ] || die "thaw requests not recorded in the catalog"
# the same call again: still pending, no new request time
before=$(cat "$T"/store/.coldpack/meta/tenant=acme/date=$DATE/source=siem-01/vol-0001.tar.gz.json)
expect_rc 6 "$COLDPACK" -q -c "$T/c.conf" restore --tenant acme --date "$DATE" --to "$T/restore" --yes
after=$(cat "$T"/store/.coldpack/meta/tenant=acme/date=$DATE/source=siem-01/vol-0001.tar.gz.json)
[ "$before" = "$after" ] || die "a pending thaw was requested again"
# non-interactive without --yes: refused, nothing requested
expect_rc 2 "$COLDPACK" -q -c "$T/c.conf" restore --tenant globex --date "$DATE" --to "$T/r2" </dev/null
# --dry-run prints the plan and cost and changes nothing
"$COLDPACK" -c "$T/c.conf" restore --tenant globex --date "$DATE" --to "$T/r2" --dry-run | grep -q "estimated retrieval cost" || die "no cost estimate"
grep -rq '"restore_requested":[1-9]' "$T/store/.coldpack/meta/tenant=globex" && die "dry run requested a thaw"
# time passes: move the request back beyond the thaw delay
for m in "$T"/store/.coldpack/meta/tenant=acme/date=$DATE/source=*/vol-*.tar.gz.json; do
  python3 - "$m" <<'PY'
import json, sys
p = sys.argv[1]; j = json.load(open(p)); j["restore_requested"] -= 7200; json.dump(j, open(p, "w"))
PY
done
"$COLDPACK" -c "$T/c.conf" restore --tenant acme --date "$DATE" --to "$T/restore" --yes
check_restored "$T/restore" "$T/data" acme
echo "cold ok"
