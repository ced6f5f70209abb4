#!/usr/bin/env bash
# `run` without --date backs up yesterday and first completes, oldest first,
# every day of the last [run] catch_up_days whose run was left incomplete
# (here: killed), each named in the summary; complete days are not redone.
# `run --from D --until D` backfills a range. A range is --from with --until.
. "$(dirname "$0")/lib/common.sh"
Y1=$(date -d yesterday +%F); Y2=$(date -d '2 days ago' +%F)
Y3=$(date -d '3 days ago' +%F); Y4=$(date -d '4 days ago' +%F)
for d in $Y1 $Y2 $Y3 $Y4; do "$LOGGEN" --out "$T/data" --date $d --sources 1 --tenants 2 --size 16MiB --seed 9 >/dev/null; done
write_config "$T/c.conf" "$T/data" "$T/store"
sed -i 's|^\[store\]|[store]\nstorage_class = STANDARD|' "$T/c.conf"
printf '[run]\nbandwidth = 8MB/s\n' >>"$T/c.conf"
CP=("$COLDPACK" -c "$T/c.conf")
set +e
"${CP[@]}" -q run --date $Y3 >/dev/null 2>&1
"${CP[@]}" -q run --date $Y2 >/dev/null 2>&1 &
pid=$!; sleep 0.8; kill -9 $pid; wait $pid 2>/dev/null
set -e
[ "$(sqlite3 "$T/catalog.db" "SELECT status FROM runs WHERE date='$Y2'")" = running ] || die "setup: $Y2 not left running"
set +e; "${CP[@]}" run >"$T/o" 2>"$T/e"; rc=$?; set -e
[ $rc -eq 0 ] || [ $rc -eq 3 ] || die "catch-up run: exit $rc: $(cat "$T/o" "$T/e")"
grep -q "^day $Y2: " "$T/o" || die "the incomplete day $Y2 was not completed: $(cat "$T/o")"
grep -q "^day $Y1: " "$T/o" || die "yesterday not named"
! grep -q "^day $Y3: " "$T/o" || die "the complete day $Y3 was redone"
! grep -q "^day $Y4: " "$T/o" || die "a never attempted day was guessed at"
[ "$(grep -n "^day $Y2: " "$T/o" | cut -d: -f1)" -lt "$(grep -n "^day $Y1: " "$T/o" | cut -d: -f1)" ] || die "not oldest first"
for d in $Y1 $Y2 $Y3; do
  "${CP[@]}" run --date $d | grep -q "0 unit(s) done, 2 already complete" || die "$d not complete"
done
# a range backfills the never attempted day, skipping the complete one
set +e; "${CP[@]}" run --from $Y4 --until $Y3 >"$T/o2" 2>"$T/e2"; rc=$?; set -e
[ $rc -eq 0 ] || [ $rc -eq 3 ] || die "range run: exit $rc: $(cat "$T/o2" "$T/e2")"
grep -q "^day $Y4: " "$T/o2" && grep -q "^day $Y3: " "$T/o2" || die "range days not named: $(cat "$T/o2")"
grep -q "date $Y3: 0 unit(s) done, 2 already complete" "$T/o2" || die "$Y3 redone in the range"
"${CP[@]}" run --date $Y4 | grep -q "0 unit(s) done, 2 already complete" || die "$Y4 not backfilled"
expect_rc 2 "${CP[@]}" run --from $Y3 --until $Y4
expect_rc 2 "${CP[@]}" run --from $Y4
expect_rc 2 "${CP[@]}" run --date $Y4 --until $Y3
"${CP[@]}" verify | grep -q "all good" || die "verify"
echo "catch-up ok"
