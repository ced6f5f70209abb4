#!/usr/bin/env bash
# Two runs never overlap: the second exits 5 naming the holder's pid; a lock
# left by a dead process is taken over.
. "$(dirname "$0")/lib/common.sh"
gen_data "$T/data" 1 2 8MiB
write_config "$T/c.conf" "$T/data" "$T/store"
printf '[run]\nbandwidth = 4MB/s\n' >>"$T/c.conf"
"$COLDPACK" -q -c "$T/c.conf" run --date "$DATE" >/dev/null 2>&1 &
pid=$!
for i in $(seq 50); do [ -s "$T/catalog.db.lock" ] && break; sleep 0.1; done
set +e; out=$("$COLDPACK" -c "$T/c.conf" run --date "$DATE" 2>&1); rc=$?; set -e
[ $rc -eq 5 ] || die "second run: expected exit 5, got $rc: $out"
echo "$out" | grep -q "another coldpack run holds the lock .* (pid $pid)" || die "holder pid not named: $out"
kill -9 $pid; wait $pid 2>/dev/null || true
# the dead run's lock file still names it, but the lock is free
grep -q "$pid" "$T/catalog.db.lock" || die "test premise: lock file should still name the dead pid"
sed -i 's/^bandwidth = .*/bandwidth = 0/' "$T/c.conf"
"$COLDPACK" -c "$T/c.conf" run --date "$DATE" | grep -q "already complete, 0 failed" || die "run after a dead holder did not complete"
echo "lock ok"
