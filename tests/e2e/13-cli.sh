#!/usr/bin/env bash
# The command line: every command's --help (and `help CMD`) prints its usage
# on stdout and exits 0; an unknown option exits 2 with the usage on stderr;
# `-q run` prints nothing when the run succeeds; restore takes the range as
# --from/--until and the target as --to, and still accepts the deprecated
# `--from D --to D --to DIR` with a warning naming --until; declining the
# restore prompt exits 1 ("restore cancelled"), off a terminal without --yes 2.
. "$(dirname "$0")/lib/common.sh"
gen_data "$T/data" 2 2 2MiB
write_config "$T/c.conf" "$T/data" "$T/store"
CP=("$COLDPACK" -c "$T/c.conf")

# --help / -h / help CMD: usage on stdout, nothing on stderr, exit 0, no config needed
for cmd in init check run status ls restore verify audit catalog import prune tenant help; do
  for form in "$cmd --help" "$cmd -h" "help $cmd"; do
    set +e; COLDPACK_CONFIG=$T/missing.conf "$COLDPACK" $form >"$T/o" 2>"$T/e"; rc=$?; set -e
    [ $rc -eq 0 ] || die "'$form': exit $rc"
    grep -q "^usage: coldpack .*$cmd" "$T/o" || die "'$form': no usage on stdout: $(cat "$T/o")"
    [ ! -s "$T/e" ] || die "'$form': wrote to stderr: $(cat "$T/e")"
  done
done
"$COLDPACK" --help | grep -q "^  restore " || die "--help does not list the commands"
"$COLDPACK" help | grep -q "docs/exit-codes.md" || die "help does not point to docs/exit-codes.md"

# usage errors: exit 2, usage on stderr, nothing on stdout
usage_error() {
  set +e; "$@" >"$T/o" 2>"$T/e"; local rc=$?; set -e
  [ $rc -eq 2 ] || die "'$*': expected exit 2, got $rc"
  grep -q "^usage: coldpack" "$T/e" || die "'$*': no usage on stderr: $(cat "$T/e")"
  [ ! -s "$T/o" ] || die "'$*': wrote to stdout: $(cat "$T/o")"
}
for cmd in init check run status ls restore verify audit catalog import prune tenant help; do
  usage_error "${CP[@]}" $cmd --no-such-option
done
usage_error "$COLDPACK" --no-such-option
usage_error "$COLDPACK"
usage_error "${CP[@]}" frobnicate
usage_error "${CP[@]}" help frobnicate
usage_error "${CP[@]}" run --date 2026-02-30
usage_error "${CP[@]}" run extra-argument
usage_error "${CP[@]}" status extra-argument
usage_error "${CP[@]}" catalog
usage_error "${CP[@]}" catalog frob
usage_error "${CP[@]}" audit --date "$DATE"                                      # no --out
usage_error "${CP[@]}" audit --date 2026-02-30 --out "$T/b"
usage_error "${CP[@]}" verify --bundle "$T/b" --deep
usage_error "${CP[@]}" restore --tenant acme --date "$DATE"                      # no target
usage_error "${CP[@]}" restore --tenant acme --date "$DATE" --to "$T/a" --to "$T/b"
usage_error "${CP[@]}" restore --tenant acme --from "$DATE" --until 2026-11-01 --to "$T/r"
usage_error "${CP[@]}" restore --tenant acme --from "$DATE" --until "$DATE" --to "$DATE" --to "$T/r"

# -q: a successful run prints nothing at all, on either stream
"${CP[@]}" init >/dev/null
set +e; "${CP[@]}" -q run --date "$DATE" >"$T/o" 2>"$T/e"; rc=$?; set -e
[ $rc -eq 0 ] || die "-q run: exit $rc: $(cat "$T/e")"
[ ! -s "$T/o" ] || die "-q run wrote to stdout: $(cat "$T/o")"
[ ! -s "$T/e" ] || die "-q run wrote to stderr: $(cat "$T/e")"
"${CP[@]}" ls --tenant acme --date "$DATE" | grep -q "vol-0001.tar.gz" || die "-q run backed nothing up"
set +e; "$COLDPACK" -q -c "$T/c.conf" run --date "$DATE" >"$T/o" 2>&1; rc=$?; set -e
[ $rc -eq 0 ] && [ ! -s "$T/o" ] || die "-q rerun: exit $rc, output: $(cat "$T/o")"
# without -q the run still reports
"${CP[@]}" run --date "$DATE" | grep -q "0 unit(s) done, [1-9][0-9]* already complete" || die "run summary gone without -q"
# ls: --from/--until, and --to as the older spelling of --until
"${CP[@]}" ls --tenant acme --from 2026-11-01 --until "$DATE" | grep -q "vol-0001" || die "ls --until"
"${CP[@]}" ls --tenant acme --from 2026-11-01 --to "$DATE" | grep -q "vol-0001" || die "ls --to"

# restore --to DIR --from D --until D
"${CP[@]}" restore --tenant acme --from 2026-11-20 --until "$DATE" --to "$T/r1" --yes >"$T/o" 2>"$T/e"
check_restored "$T/r1" "$T/data" acme
grep -q "deprecated" "$T/e" && die "new spelling warned: $(cat "$T/e")"
# a date-looking --to alone is the target directory
(cd "$T" && "${CP[@]}" restore --tenant acme --date "$DATE" --to 2026-01-01 --yes >/dev/null)
check_restored "$T/2026-01-01" "$T/data" acme
# the deprecated spelling: still works, warns naming --until
"${CP[@]}" restore --tenant acme --from 2026-11-20 --to "$DATE" --to "$T/r2" --yes >"$T/o" 2>"$T/e"
check_restored "$T/r2" "$T/data" acme
grep -q "warning: restore: --to $DATE as the range end is deprecated.*use --until $DATE" "$T/e" ||
  die "deprecated --to DATE did not warn: $(cat "$T/e")"
"${CP[@]}" restore --tenant acme --from 2026-11-20 --to "$DATE" --target "$T/r3" --yes >/dev/null 2>"$T/e"
check_restored "$T/r3" "$T/data" acme
grep -q "use --until" "$T/e" || die "deprecated --to DATE with --target did not warn"

# the prompt: off a terminal without --yes is a usage error (2); declined on a terminal: 1
expect_rc 2 "${CP[@]}" restore --tenant globex --date "$DATE" --to "$T/r4" </dev/null >/dev/null 2>&1
set +e
python3 - "${CP[@]}" restore --tenant globex --date "$DATE" --to "$T/r4" >"$T/o" 2>&1 <<'PY'
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
out = b""
def read():
    global out
    try:
        d = os.read(fd, 4096)
    except OSError:
        return False
    out += d
    return bool(d)
while b"Proceed? [y/N]" not in out and read():
    pass
os.write(fd, b"n\n")
while read():
    pass
_, st = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(st))
PY
rc=$?; set -e
[ $rc -eq 1 ] || die "declined prompt: expected exit 1, got $rc: $(cat "$T/o")"
grep -q "restore cancelled" "$T/o" || die "declined prompt: no 'restore cancelled': $(cat "$T/o")"
[ ! -e "$T/r4" ] || die "declined restore wrote the target"
echo "cli ok"
