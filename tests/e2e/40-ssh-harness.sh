#!/usr/bin/env bash
# 40-ssh-harness.sh — the sshd harness itself (tests/e2e/lib/sshd.sh): three
# real OpenSSH hosts on 127.0.0.2-4, each reachable in batch mode with strict
# host key checking and serving a remote GNU tar; a changed host key is
# refused; a stopped host refuses connections; a cut session truncates output.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=lib/sshd.sh
. tests/e2e/lib/sshd.sh

sshd_available || exit 77
sshd_setup 3
for i in 1 2 3; do sshd_start "$i"; done

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# each host answers as itself (its own host key) and runs commands
for i in 1 2 3; do
    out=$("$SSHD_SSH" "${SSHD_ADDR[$i]}" 'echo hello-$((40 + 2))')
    [ "$out" = hello-42 ] || fail "host $i: unexpected output '$out'"
    fp_known=$(ssh-keygen -lf "$SSHD_DIR/host$i/ssh_host_ed25519_key.pub" | cut -d' ' -f2)
    fp_seen=$(ssh-keyscan -p "$SSHD_PORT" -t ed25519 "${SSHD_ADDR[$i]}" 2>/dev/null |
        ssh-keygen -lf - | cut -d' ' -f2)
    [ "$fp_known" = "$fp_seen" ] || fail "host $i: serves a host key not its own"
done
# distinct host keys
[ "$(cut -d' ' -f3 "$SSHD_KNOWN_HOSTS" | sort -u | wc -l)" = 3 ] || fail "host keys are not distinct"

# the remote end has GNU tar with the options coldpack uses
mkdir -p "$SSHD_DIR/data/acme/fw"
head -c 100000 /dev/urandom >"$SSHD_DIR/data/acme/fw/x.log"
"$SSHD_SSH" "${SSHD_ADDR[2]}" "cd -- '$SSHD_DIR/data' && tar --format=pax --sort=name -cf - ." |
    tar -tf - | grep -qx './acme/fw/x.log' || fail "remote tar stream"

# three hosts in parallel
pids=()
for i in 1 2 3; do
    "$SSHD_SSH" "${SSHD_ADDR[$i]}" "head -c 5000000 /dev/zero" >"$SSHD_DIR/par$i" &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "parallel session failed"; done
for i in 1 2 3; do
    [ "$(stat -c %s "$SSHD_DIR/par$i")" = 5000000 ] || fail "parallel output $i"
done

# unknown key: the client key is not authorized -> permission denied
ssh-keygen -q -t ed25519 -N '' -f "$SSHD_DIR/other_key"
if err=$(ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=yes \
    -o UserKnownHostsFile="$SSHD_KNOWN_HOSTS" -o IdentitiesOnly=yes -i "$SSHD_DIR/other_key" \
    -p "$SSHD_PORT" -l root "${SSHD_ADDR[1]}" true 2>&1); then
    fail "an unauthorized key was accepted"
fi
grep -q 'Permission denied' <<<"$err" || fail "unauthorized key: unexpected error: $err"

# changed host key -> refused
sshd_rekey 2
if err=$("$SSHD_SSH" "${SSHD_ADDR[2]}" true 2>&1); then
    fail "a changed host key was accepted"
fi
grep -q 'Host key verification failed' <<<"$err" || fail "rekeyed host: unexpected error: $err"
# ... while the others still work
"$SSHD_SSH" "${SSHD_ADDR[1]}" true || fail "host 1 broken by host 2's rekey"

# stopped host -> connection refused
sshd_stop 3
if err=$("$SSHD_SSH" "${SSHD_ADDR[3]}" true 2>&1); then
    fail "a stopped host answered"
fi
grep -q 'Connection refused' <<<"$err" || fail "stopped host: unexpected error: $err"

# cut session: output truncated, ssh exits non-zero
sshd_cut_after 1 300000
rc=0
"$SSHD_SSH" "${SSHD_ADDR[1]}" "head -c 5000000 /dev/zero" >"$SSHD_DIR/cut" 2>"$SSHD_DIR/cut.err" || rc=$?
[ "$rc" != 0 ] || fail "cut session exited 0"
# (at most the first 300000 bytes: the kill may drop what sshd had not sent yet)
got=$(stat -c %s "$SSHD_DIR/cut")
[ "$got" -gt 0 ] && [ "$got" -le 300000 ] || fail "cut session: $got bytes"
sshd_cut_after 1 0
"$SSHD_SSH" "${SSHD_ADDR[1]}" true || fail "host 1 after clearing the cut"

echo "40-ssh-harness: 1 passed, 0 failed"
