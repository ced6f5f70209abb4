#!/usr/bin/env bash
# The consent prompt of `restore` without --yes, on a real terminal (a pty
# from python3): answering "n", or end of input, exits 1 with "restore
# cancelled" and requests (thaw) and writes nothing; answering "y" restores.
# Off a terminal without --yes: exit 2, nothing requested or written.
# The volumes are cold (DEEP_ARCHIVE, thaw_delay 0), so a thaw request would
# show in the catalog and the store's metadata.
# The code before hardening (351df8a) passes every case too (cmd_restore
# turned job_restore's EXIT_USAGE on a terminal into exit 1 and "restore
# cancelled"; the decision now lives in job_restore's confirm()): this is a
# regression test of the prompt, not of a fixed bug. 13-cli.sh covers "n"
# once; this adds "no", end of input, "y", and that nothing is requested.
. "$(dirname "$0")/lib/common.sh"
command -v python3 >/dev/null || { echo "no python3"; exit 77; }
gen_data "$T/data" 1 2 1MiB
THAW_DELAY=0 write_config "$T/c.conf" "$T/data" "$T/store"
"$COLDPACK" -q -c "$T/c.conf" run --date "$DATE" >/dev/null
CP=("$COLDPACK" -c "$T/c.conf" restore --tenant acme --date "$DATE")

# on_tty.py ANSWER CMD...: run CMD on a new pty; once "Proceed? [y/N] " shows,
# type ANSWER ("EOF": end of input). Its output on stdout, its exit code ours.
cat >"$T/on_tty.py" <<'PY'
import os, pty, select, sys, time
answer, argv = sys.argv[1], sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(argv[0], argv)
out, sent, deadline = b"", False, time.time() + 60
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 1)
    if r:
        try:
            d = os.read(fd, 4096)
        except OSError:  # EIO: the child closed the terminal
            d = b""
        if not d:
            break
        out += d
    if not sent and b"Proceed? [y/N] " in out:
        os.write(fd, b"\x04" if answer == "EOF" else answer.encode() + b"\n")
        sent = True
else:
    os.kill(pid, 9)
    out += b"\n(on_tty.py: timed out)\n"
_, st = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
if not sent:
    sys.stdout.write("(on_tty.py: no prompt seen)\n")
sys.exit(os.waitstatus_to_exitcode(st))
PY

nothing_done() { # $1: case, $2: target
  [ ! -e "$2" ] || die "$1: the target was created: $(ls -A "$2")"
  [ "$(sqlite3 "$T/catalog.db" "SELECT count(*) FROM restore_requests")" = 0 ] || die "$1: a thaw was recorded in the catalog"
  ! grep -rqs '"restore_requested":[1-9]' "$T/store/.coldpack/meta" || die "$1: a thaw was requested from the store"
}

# off a terminal, without --yes: usage error, nothing done
set +e; "${CP[@]}" --to "$T/r-notty" </dev/null >"$T/o" 2>&1; rc=$?; set -e
cat "$T/o"
[ $rc -eq 2 ] || die "off a terminal: expected exit 2, got $rc"
grep -q "not on a terminal: add --yes" "$T/o" || die "off a terminal: no hint to add --yes"
grep -q "Proceed?" "$T/o" && die "off a terminal: prompted anyway"
nothing_done notty "$T/r-notty"

# on a terminal, declined: "n", "no", and end of input (Ctrl-D)
for a in n no EOF; do
  set +e; python3 "$T/on_tty.py" "$a" "${CP[@]}" --to "$T/r-$a" >"$T/o" 2>&1; rc=$?; set -e
  cat "$T/o"
  grep -q "no prompt seen\|timed out" "$T/o" && die "answer $a: $(tail -1 "$T/o")"
  [ $rc -eq 1 ] || die "answer $a: expected exit 1, got $rc"
  grep -q "restore cancelled" "$T/o" || die "answer $a: no 'restore cancelled'"
  grep -q "restore plan: tenant acme" "$T/o" || die "answer $a: the plan was not shown before asking"
  nothing_done "answer $a" "$T/r-$a"
done

# on a terminal, accepted: the thaw is requested and the tenant restored
set +e; python3 "$T/on_tty.py" y "${CP[@]}" --to "$T/r-y" >"$T/o" 2>&1; rc=$?; set -e
cat "$T/o"
[ $rc -eq 0 ] || die "answer y: expected exit 0, got $rc"
grep -q "restore complete" "$T/o" || die "answer y: no 'restore complete'"
check_restored "$T/r-y" "$T/data" acme
[ "$(sqlite3 "$T/catalog.db" "SELECT count(*) FROM restore_requests")" -gt 0 ] || die "answer y: no thaw recorded"
grep -rqs '"restore_requested":[1-9]' "$T/store/.coldpack/meta" || die "answer y: no thaw in the store's metadata (the check above sees nothing)"
ls -A "$T/r-y" | grep -q '^\.coldpack' && die "answer y: staging left behind"
echo "restore prompt ok"
