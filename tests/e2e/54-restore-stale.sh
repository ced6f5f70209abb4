#!/usr/bin/env bash
# kill -9 a restore midway (after its first volume is extracted), then restore another tenant into
# the same target: no file of the first tenant appears, the killed
# restore's staging is removed; a live one (marker of a running process) is
# left with a warning, one whose pid was reused (other start time) removed.
. "$(dirname "$0")/lib/common.sh"
gen_data "$T/data" 1 2 12MiB
VOLUME_SIZE=256KiB write_config "$T/c.conf" "$T/data" "$T/store"
sed -i 's|^\[store\]|[store]\nstorage_class = STANDARD|' "$T/c.conf"
"$COLDPACK" -q -c "$T/c.conf" run --date "$DATE" >/dev/null
mkdir -p "$T/target"
# Killed as soon as its staging directory holds extracted files of acme.
python3 - "$COLDPACK" "$T" "$DATE" <<'PY' || die "could not kill the first restore midway"
import glob, signal, subprocess, sys
cp, t, date = sys.argv[1:]
p = subprocess.Popen([cp, "-c", t + "/c.conf", "restore", "--tenant", "acme", "--date", date,
                      "--to", t + "/target", "--yes"], stdout=subprocess.DEVNULL,
                     stderr=open(t + "/o1", "w"))
while p.poll() is None:
    if glob.glob(t + "/target/.coldpack-*/tree/acme/*/*/*") or glob.glob(t + "/target/.coldpack-*/acme/*/*/*"):
        p.send_signal(signal.SIGKILL)
        break
p.wait()
sys.exit(0 if p.returncode == -signal.SIGKILL else 1)
PY
ls -d "$T/target"/.coldpack-staging.* >/dev/null 2>&1 || die "no staging left by the killed restore"
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
