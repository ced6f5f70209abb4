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
# every command that writes the catalog or the chain takes the lock in one
# place (the command table's CMD_LOCK): each is refused with exit 5 while a
# holder has it, and read-only commands are not
python3 - "$T/catalog.db.lock" <<'PY' &
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
open(sys.argv[1] + ".held", "w").close()
time.sleep(60)
PY
holder=$!
on_exit "kill $holder 2>/dev/null"
for _ in $(seq 100); do [ -e "$T/catalog.db.lock.held" ] && break; sleep 0.05; done
tar -C "$T/data/siem-01/$DATE" -czf "$T/legacy.tar.gz" .
for cmd in "init" "run --date $DATE" "catalog rebuild" "prune --yes" "tenant offboard acme --yes --out $T" \
           "import --date $DATE --source siem-01 $T/legacy.tar.gz"; do
  set +e; out=$("$COLDPACK" -c "$T/c.conf" $cmd 2>&1); rc=$?; set -e
  [ $rc -eq 5 ] || die "$cmd while the lock is held: expected exit 5, got $rc: $out"
done
"$COLDPACK" -c "$T/c.conf" status >/dev/null || die "status must not need the lock"
"$COLDPACK" -c "$T/c.conf" verify >/dev/null || die "verify must not need the lock"
kill $holder; wait $holder 2>/dev/null || true
echo "lock ok"
