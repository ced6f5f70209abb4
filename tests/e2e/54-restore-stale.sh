#!/usr/bin/env bash
# kill -9 a restore midway (its second volume is a FIFO no one writes, so
# it blocks after extracting the first), then restore another tenant into
# the same target: no file of the first tenant appears, the killed
# restore's staging is removed; a live one (marker of a running process) is
# left with a warning, one whose pid was reused (other start time) removed.
. "$(dirname "$0")/lib/common.sh"
gen_data "$T/data" 1 2 12MiB
VOLUME_SIZE=1MiB write_config "$T/c.conf" "$T/data" "$T/store"
sed -i 's|^\[store\]|[store]\nstorage_class = STANDARD|' "$T/c.conf"
"$COLDPACK" -q -c "$T/c.conf" run --date "$DATE" >/dev/null
k2="tenant=acme/date=$DATE/source=siem-01/vol-0002.tar.gz"
[ -f "$T/store/$k2" ] || die "acme needs two volumes"
mv "$T/store/$k2" "$T/k2.saved"; mkfifo "$T/store/$k2"
mkdir -p "$T/target"
"$COLDPACK" -c "$T/c.conf" restore --tenant acme --date "$DATE" --to "$T/target" --yes >"$T/o1" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q "verified and extracted" "$T/o1" && break; sleep 0.1; done
grep -q "verified and extracted" "$T/o1" || { kill -9 $pid; die "first volume never extracted"; }
kill -9 $pid; wait $pid || true
ls -d "$T/target"/.coldpack-staging.* >/dev/null 2>&1 || die "no staging left by the killed restore"
rm "$T/store/$k2"; mv "$T/k2.saved" "$T/store/$k2"
boot=$(cat /proc/sys/kernel/random/boot_id); start=$(awk '{print $22}' /proc/$$/stat)
mkdir -m 700 "$T/target/.coldpack-staging.live1" "$T/target/.coldpack-staging.reuse1"
printf 'coldpack-staging-1\nhost=%s\npid=%d\nboot_id=%s\nstart=%s\n' "$(hostname)" $$ "$boot" "$start" >"$T/target/.coldpack-staging.live1/owner"
printf 'coldpack-staging-1\nhost=%s\npid=%d\nboot_id=%s\nstart=%s\n' "$(hostname)" $$ "$boot" 1 >"$T/target/.coldpack-staging.reuse1/owner"
"$COLDPACK" -c "$T/c.conf" restore --tenant globex --date "$DATE" --to "$T/target" --yes >"$T/o2" 2>&1 || { cat "$T/o2"; die "second restore failed"; }
cat "$T/o2"
[ ! -e "$T/target/acme" ] || die "files of the killed restore's tenant appeared"
[ -d "$T/target/.coldpack-staging.live1" ] || die "a live restore's staging was removed"
grep -q "staging directory .*live1 left alone" "$T/o2" || die "no warning for the live staging"
[ ! -e "$T/target/.coldpack-staging.reuse1" ] || die "staging of a reused pid not removed"
[ "$(ls -A "$T/target" | grep -c '^\.coldpack-staging')" = 1 ] || die "stale staging not cleaned: $(ls -A "$T/target")"
check_restored "$T/target" "$T/data" globex
echo "stale ok"
