#!/usr/bin/env bash
# make install DESTDIR=... PREFIX=/usr puts exactly the expected files in
# place with explicit modes (nothing world-writable); the installed binary
# runs; the installed example config loads as shipped, with every commented
# key enabled, and (adapted to a temp file:// store) backs up and restores a
# small day; both man pages render without a warning and document every
# config key; systemd-analyze accepts the units; make uninstall removes
# everything it installed.
. "$(dirname "$0")/lib/common.sh"
R=$T/root
# -s: no recipe echo; MAKEFLAGS from an outer make (make test) would pass its
# variables, but only the install variables matter here.
make -s -C "$ROOT" install DESTDIR="$R" PREFIX=/usr >"$T/install.out"

# The file list and modes, exactly (directories included)
expected=$(
  {
    for d in etc etc/coldpack usr usr/bin usr/lib usr/lib/systemd usr/lib/systemd/system \
      usr/share usr/share/doc usr/share/doc/coldpack usr/share/man usr/share/man/man1 \
      usr/share/man/man5; do echo "d 755 $d"; done
    echo "f 755 usr/bin/coldpack"
    echo "f 644 etc/coldpack/coldpack.conf.example"
    echo "f 644 usr/share/man/man1/coldpack.1.gz"
    echo "f 644 usr/share/man/man5/coldpack.conf.5.gz"
    echo "f 644 usr/lib/systemd/system/coldpack.service"
    echo "f 644 usr/lib/systemd/system/coldpack.timer"
    for f in README.md "$ROOT"/docs/*.md coldpack.conf.example coldpack.cron.d; do
      echo "f 644 usr/share/doc/coldpack/$(basename "$f")"
    done
  } | sort
)
actual=$(cd "$R" && find . -mindepth 1 -printf '%y %m %P\n' | sort)
[ "$actual" = "$expected" ] || die "installed files differ (< expected, > actual):
$(diff <(echo "$expected") <(echo "$actual"))"
[ -z "$(find "$R" -perm -o+w)" ] || die "world-writable: $(find "$R" -perm -o+w)"
cmp -s "$ROOT/build/coldpack" "$R/usr/bin/coldpack" || die "installed binary is not build/coldpack"
cmp -s "$ROOT/etc/coldpack.conf.example" "$R/usr/share/doc/coldpack/coldpack.conf.example" ||
  die "doc copy of the example config differs"

# The service runs the installed binary with the configured prefix
grep -qx 'ExecStart=/usr/bin/coldpack -q run' "$R/usr/lib/systemd/system/coldpack.service" ||
  die "coldpack.service: ExecStart is not /usr/bin/coldpack -q run"
! grep -n '@[A-Z]*@' "$R/usr/lib/systemd/system/coldpack.service" || die "unsubstituted @VAR@ in the unit"
! zgrep -n '@[A-Z]*@' "$R"/usr/share/man/man*/*.gz || die "unsubstituted @VAR@ in a man page"
grep -qx '30 1 \* \* \* root coldpack -q run' "$R/usr/share/doc/coldpack/coldpack.cron.d" ||
  die "cron example has no 01:30 line"

# The installed binary runs
BIN=$R/usr/bin/coldpack
"$BIN" --version | grep -q '^coldpack [0-9]' || die "--version"
"$BIN" --help | grep -q 'restore' || die "--help does not list the commands"

# The example config loads as shipped (config show parses and expands it
# without contacting anything; check would contact the example's store)
EX=$R/etc/coldpack/coldpack.conf.example
"$BIN" -c "$EX" config show >"$T/show1.out" 2>&1 || die "example config: $(cat "$T/show1.out")"
grep -q '^\[source ' "$T/show1.out" || die "example config shows no source: $(cat "$T/show1.out")"
# ... and with every commented-out key and section enabled: each documented
# default or example value is accepted
sed -e 's/^;\([a-z_]* = \)/\1/' -e 's/^;\[/[/' "$EX" >"$T/all.conf"
"$BIN" -c "$T/all.conf" config show >"$T/show2.out" 2>&1 || die "example with all keys: $(cat "$T/show2.out")"
[ "$(grep -c '^\[source ' "$T/show2.out")" -gt 1 ] || die "example with all keys: $(cat "$T/show2.out")"

# Every key config.c accepts is in the example and in coldpack.conf(5)
keys=$(grep -ho 'strcmp(key, "[a-z_]*")' "$ROOT"/src/*.c | sed 's/.*"\(.*\)".*/\1/' | sort -u)
if [ -z "$keys" ]; then
  echo "note: no strcmp(key, ...) in src/: key coverage not checked"
else
  man5=$(zcat "$R/usr/share/man/man5/coldpack.conf.5.gz")
  for k in $keys; do
    grep -Eq "^;?$k = " "$EX" || die "key $k missing from coldpack.conf.example"
    grep -q "^\.BI $k " <<<"$man5" || die "key $k not documented in coldpack.conf(5)"
  done
fi

# The example adapted to a temp file:// store backs up and restores a small day
"$LOGGEN" --out "$T/data" --date "$DATE" --sources 1 --tenants 2 --size 2MiB --seed 14 >/dev/null
sed -e "s|^url = .*|url = file://$T/store|" \
  -e "s|^path = /var/lib/coldpack/catalog.db|path = $T/catalog.db|" \
  -e "s|^path = /srv/siem/export/{date}|path = $T/data/siem-01/{date}|" "$EX" >"$T/c.conf"
grep -q "^path = $T/catalog.db" "$T/c.conf" || die "example has no catalog path line to adapt"
grep -q "^path = $T/data/siem-01" "$T/c.conf" || die "example has no source path line to adapt"
# before init the catalog does not exist yet: check warns (exit 3), then passes
expect_rc 3 "$BIN" -c "$T/c.conf" check --date "$DATE" >/dev/null
"$BIN" -c "$T/c.conf" init >/dev/null
"$BIN" -c "$T/c.conf" check --date "$DATE" >/dev/null || die "check after init"
"$BIN" -q -c "$T/c.conf" run --date "$DATE" >"$T/run.out"
for tenant in $(tenants_of "$T/data/siem-01/$DATE"); do
  "$BIN" -c "$T/c.conf" restore --tenant "$tenant" --date "$DATE" --to "$T/restore" --yes >/dev/null
  check_restored "$T/restore" "$T/data" "$tenant"
done
[ "$(ls "$T/restore" | wc -l)" -ge 2 ] || die "restored fewer than 2 tenants"

# Man pages render without a warning
if command -v man >/dev/null 2>&1; then
  for m in "$R/usr/share/man/man1/coldpack.1.gz" "$R/usr/share/man/man5/coldpack.conf.5.gz"; do
    err=$(MANWIDTH=80 man -l --warnings=all "$m" 2>&1 >/dev/null)
    [ -z "$err" ] || die "man -l $m warns: $err"
    MANWIDTH=80 man -l "$m" 2>/dev/null | grep -q '^SEE ALSO' || die "man -l $m renders nothing"
  done
  MANWIDTH=80 man -l "$R/usr/share/man/man1/coldpack.1.gz" 2>/dev/null >"$T/man1.txt"
  for w in init check run status ls restore verify 'catalog rebuild' COLDPACK_CONFIG \
    AWS_ACCESS_KEY_ID 'EXIT STATUS' --until --deep --dry-run; do
    grep -q -e "$w" "$T/man1.txt" || die "coldpack(1) does not mention $w"
  done
else
  echo "note: man not installed: man page rendering not checked"
fi

# systemd-analyze accepts the units (ExecStart points into DESTDIR for the check;
# MANPATH lets it resolve Documentation=man:...)
if command -v systemd-analyze >/dev/null 2>&1; then
  mkdir -p "$T/units"
  sed "s|^ExecStart=/usr/bin/coldpack|ExecStart=$BIN|" "$R/usr/lib/systemd/system/coldpack.service" \
    >"$T/units/coldpack.service"
  cp "$R/usr/lib/systemd/system/coldpack.timer" "$T/units/"
  out=$(MANPATH="$R/usr/share/man" \
    systemd-analyze verify "$T/units/coldpack.service" "$T/units/coldpack.timer" 2>&1) ||
    die "systemd-analyze verify: $out"
  [ -z "$out" ] || die "systemd-analyze verify warns: $out"
else
  echo "note: systemd-analyze not installed: units not verified"
fi

# make uninstall removes all of it
make -s -C "$ROOT" uninstall DESTDIR="$R" PREFIX=/usr >/dev/null
left=$(cd "$R" && find . -type f)
[ -z "$left" ] || die "uninstall left: $left"
echo "install ok"
