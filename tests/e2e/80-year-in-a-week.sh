#!/usr/bin/env bash
# A year in a week: 40 simulated days (COLDPACK_TODAY) on the file store with
# [retention] days = 30 and [run] catch_up_days = 3. Each day: that day's
# logs ($LOGGEN --date), `run` (yesterday plus catch-up), `prune --yes`.
# Injected: a source down for two days (days 15 and 16: its directory renamed
# away, then back: catch-up completes both days), the catalog lost on day 12
# and day 36 (the next run syncs from the store, tombstones included), a
# clock step back on day 20 (a run with today one day
# earlier than the previous run's: nothing breaks), late files on day 25
# (after its run, a file of siem-01/acme grows and a new file appears; the
# next run, within catch_up_days, backs them up as vol-0002 and names them).
# After day 40: verify is green and names every expired day, every day within
# retention restores byte-identical (the late day with its late content), and
# restore says "expired" for every expired day.
. "$(dirname "$0")/lib/common.sh"
START=2026-03-01 NDAYS=40 KEEP_DAYS=30 LATE=24
day() { date -u -d "$START + $1 day" +%F; }   # day 0 = START
mkdir -p "$T/data"
for s in siem-01 siem-02; do mkdir -p "$T/data/$s"; done
write_config "$T/c.conf" "$T/data" "$T/store"
sed -i 's|^\[store\]|[store]\nstorage_class = STANDARD|' "$T/c.conf"
printf '[retention]\ndays = %d\n[run]\ncatch_up_days = 3\n' $KEEP_DAYS >>"$T/c.conf"
CP=("$COLDPACK" -c "$T/c.conf")
gen() { "$LOGGEN" --out "$T/data" --date "$1" --sources 2 --tenant-names acme,globex --size 1MiB --seed 11 >/dev/null; }
ok_rc() { [ "$1" -eq 0 ] || [ "$1" -eq 3 ]; }

for i in $(seq 0 $((NDAYS - 1))); do
  D=$(day $i); TODAY=$(day $((i + 1)))
  gen "$D"
  if [ $i = 14 ]; then mv "$T/data/siem-02" "$T/siem-02.down"; fi         # day 15: source down
  if [ $i = 15 ]; then mv "$T/data/siem-02/$D" "$T/siem-02.down/"; rm -rf "$T/data/siem-02"; fi
  if [ $i = 16 ]; then                                                      # day 17: back
    mv "$T/data/siem-02/$D" "$T/siem-02.down/"; rm -rf "$T/data/siem-02"; mv "$T/siem-02.down" "$T/data/siem-02"
  fi
  # day 12: catalog lost (again on day 36, when prunes have left tombstones)
  if [ $i = 11 ] || [ $i = 35 ]; then rm -f "$T/catalog.db" "$T/catalog.db-wal" "$T/catalog.db-shm"; fi
  set +e; COLDPACK_TODAY=$TODAY "${CP[@]}" run >"$T/o" 2>"$T/e"; rc=$?; set -e
  case $i in
    14|15) [ $rc -eq 4 ] || die "day $D with a source down: exit $rc, want 4 (partial): $(cat "$T/o" "$T/e")";;
    *) ok_rc $rc || die "day $D: run exit $rc: $(cat "$T/o" "$T/e")";;
  esac
  if [ $i = 16 ]; then
    grep -q "^day $(day 14): " "$T/o" && grep -q "^day $(day 15): " "$T/o" || die "catch-up did not redo the down days: $(cat "$T/o")"
  fi
  if [ $i = 11 ] || [ $i = 35 ]; then grep -q "catalog behind the store: synced" "$T/e" || die "day 12: no sync from the store: $(cat "$T/e")"; fi
  if [ $i = $LATE ]; then   # late files: after the day's run, one grows, one appears
    LD="$T/data/siem-01/$D/acme"
    GROWN=$(cd "$LD" && find . -type f | sort | head -n 1)
    [ -n "$GROWN" ] || die "late files: no file in $LD"
    sleep 1.1
    echo "appended after the run of $D" >>"$LD/$GROWN"
    echo "appeared after the run of $D" >"$LD/late-new.log"
    cp "$LD/$GROWN" "$T/late-grown.expect"
  fi
  if [ $i = $((LATE + 1)) ]; then   # the next run (catch-up window) backs them up
    LDATE=$(day $LATE)
    grep -q "late files: 2 in tenant acme day $LDATE" "$T/o" || die "late files of $LDATE not named: $(cat "$T/o" "$T/e")"
    ! grep -q "late files: .* in tenant globex day $LDATE" "$T/o" || die "unchanged tenant globex repacked: $(cat "$T/o")"
    LU="$T/store/tenant=acme/date=$LDATE/source=siem-01"
    [ -f "$LU/vol-0002.tar.gz" ] || die "late files of $LDATE: no extra volume: $(ls "$LU")"
  fi
  if [ $i = 19 ]; then   # clock step back: today one day earlier than the run before
    set +e; COLDPACK_TODAY=$D "${CP[@]}" run >"$T/o" 2>"$T/e"; rc=$?; set -e
    ok_rc $rc || die "clock step back: run exit $rc: $(cat "$T/o" "$T/e")"
    set +e; COLDPACK_TODAY=$D "${CP[@]}" prune --yes >"$T/o" 2>"$T/e"; rc=$?; set -e
    [ $rc -eq 0 ] || die "clock step back: prune exit $rc: $(cat "$T/o" "$T/e")"
  fi
  set +e; COLDPACK_TODAY=$TODAY "${CP[@]}" prune --yes >"$T/o" 2>"$T/e"; rc=$?; set -e
  [ $rc -eq 0 ] || die "day $D: prune exit $rc: $(cat "$T/o" "$T/e")"
done

export COLDPACK_TODAY=$(day $NDAYS)
# expired: date + 30 < today
FIRST_KEPT=$(date -u -d "$COLDPACK_TODAY - $KEEP_DAYS day" +%F)
set +e; "${CP[@]}" verify >"$T/v" 2>&1; rc=$?; set -e
[ $rc -eq 0 ] || die "verify after 40 days: exit $rc: $(cat "$T/v")"
n_exp=0
for i in $(seq 0 $((NDAYS - 1))); do
  D=$(day $i)
  if [[ $D < $FIRST_KEPT ]]; then
    n_exp=$((n_exp + 1))
    grep -q "^EXPIRED $D: .*(retention)" "$T/v" || die "verify does not name expired day $D: $(cat "$T/v")"
    [ -z "$(cd "$T/store" && find . -path "*date=$D/*" -type f)" ] || die "expired day $D still in the store"
    for t in acme globex; do
      set +e; "${CP[@]}" restore --tenant $t --date $D --to "$T/rx" --yes >/dev/null 2>"$T/e"; rc=$?; set -e
      [ $rc -eq 1 ] && grep -q "day $D, source .*: expired on " "$T/e" || die "restore $t $D: exit $rc: $(cat "$T/e")"
    done
  else
    ! grep -q "^EXPIRED $D:" "$T/v" || die "verify says $D (within retention) expired"
  fi
done
[ $n_exp -eq 10 ] || die "expected 10 expired days, got $n_exp"
LAST=$(day $((NDAYS - 1)))
for t in acme globex; do
  "${CP[@]}" -q restore --tenant $t --from "$FIRST_KEPT" --until "$LAST" --to "$T/r" --yes >/dev/null 2>"$T/e" || die "restore $t: $(cat "$T/e")"
  for i in $(seq 0 $((NDAYS - 1))); do
    D=$(day $i); [[ $D < $FIRST_KEPT ]] && continue
    for s in siem-01 siem-02; do
      diff -r "$T/r/$t/$D/$s" "$T/data/$s/$D/$t" >/dev/null || die "restored $t $D $s differs from the source"
    done
  done
done
LDATE=$(day $LATE)
cmp "$T/r/acme/$LDATE/siem-01/$GROWN" "$T/late-grown.expect" || die "late day $LDATE: grown file not restored with its late content"
grep -qx "appeared after the run of $LDATE" "$T/r/acme/$LDATE/siem-01/late-new.log" || die "late day $LDATE: late new file not restored"
echo "year in a week ok"
