#!/usr/bin/env bash
# 23-child-env.sh — secrets in coldpack's environment never reach a child.
# With AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
# AWS_PROFILE, COLDPACK_S3_* and an unrelated secret set, a run whose remote
# source's ssh_command is a script that dumps its environment and fails
# (exit 255, like ssh when the host is unreachable) and whose [notify]
# command dumps its environment: neither dump holds any AWS_* or
# COLDPACK_S3_* name or any secret value; ssh's holds exactly PATH, HOME,
# USER, LOGNAME, LANG, LC_*, TZ and SSH_AUTH_SOCK (those set); notify's the
# same without SSH_AUTH_SOCK plus its COLDPACK_<NAME> variables.
. "$(dirname "$0")/lib/common.sh"
mkdir -p "$T/data/local/$DATE/acme"
echo hello >"$T/data/local/$DATE/acme/a.log"
cat >"$T/fake-ssh" <<EOS
#!/bin/sh
env > "$T/ssh.env"
echo "ssh: connect to host \$0: Connection refused" >&2
exit 255
EOS
chmod +x "$T/fake-ssh"
{
    echo "[store]"; echo "url = file://$T/store"
    echo "[catalog]"; echo "path = $T/catalog.db"
    echo "[notify]"; echo "command = env > $T/notify.env"; echo "on = always"
    echo "[source \"local\"]"; echo "path = $T/data/local/{date}"; echo "tenant = dir:1"
    echo "[source \"remote\"]"; echo "host = siem-99.invalid"; echo "ssh_command = $T/fake-ssh"
    echo "path = /var/siem/{date}"; echo "tenant = dir:1"
} >"$T/c.conf"
"$COLDPACK" -c "$T/c.conf" init >/dev/null
secrets=(AKIAEXAMPLESECRET1 wJalrXUtnFEMIK7MDENGbPxRfiCYSECRET2 FwoGZXIvYXdzSESSIONSECRET3 s3-secret-4 prof-secret-5 other-secret-6)
set +e
env AWS_ACCESS_KEY_ID=${secrets[0]} AWS_SECRET_ACCESS_KEY=${secrets[1]} \
    AWS_SESSION_TOKEN=${secrets[2]} COLDPACK_S3_SECRET_ACCESS_KEY=${secrets[3]} \
    AWS_PROFILE=${secrets[4]} COLDPACK_S3_MAX_ATTEMPTS=2 MY_DB_PASSWORD=${secrets[5]} \
    SSH_AUTH_SOCK=/tmp/agent.sock LC_ALL=C.UTF-8 TZ=UTC \
    "$COLDPACK" -c "$T/c.conf" run --date "$DATE" >"$T/out" 2>&1
rc=$?
set -e
cat "$T/out"
[ $rc -eq 4 ] || die "expected exit 4 (the remote source failed), got $rc"
[ -s "$T/ssh.env" ] || die "ssh_command did not run"
[ -s "$T/notify.env" ] || die "notify command did not run"
for f in ssh.env notify.env; do
    ! grep -E '^(AWS_|COLDPACK_S3_|MY_DB_)' "$T/$f" || die "$f: a secret's name reached the child"
    for s in "${secrets[@]}"; do ! grep -q "$s" "$T/$f" || die "$f: secret value $s reached the child"; done
done
# exactly the allow-list (sh itself may add PWD, SHLVL, _)
names() { cut -d= -f1 "$1" | grep -vxE 'PWD|OLDPWD|SHLVL|_' | sort | tr '\n' ' '; }
for n in $(names "$T/ssh.env"); do
    case $n in PATH | HOME | USER | LOGNAME | LANG | LC_* | TZ | SSH_AUTH_SOCK) ;; *) die "ssh got $n" ;; esac
done
for n in $(names "$T/notify.env"); do
    case $n in PATH | HOME | USER | LOGNAME | LANG | LC_* | TZ | COLDPACK_STATUS | COLDPACK_FAILED | \
        COLDPACK_DATE | COLDPACK_RUN_ID | COLDPACK_EXIT_CODE | COLDPACK_CONFIG) ;;
    *) die "notify command got $n" ;;
    esac
done
grep -qx "SSH_AUTH_SOCK=/tmp/agent.sock" "$T/ssh.env" || die "ssh lost the agent socket"
! grep -q "^SSH_AUTH_SOCK=" "$T/notify.env" || die "notify got the agent socket"
grep -qx "TZ=UTC" "$T/notify.env" || die "notify lost TZ"
echo "23-child-env: ssh: $(names "$T/ssh.env"); notify: $(names "$T/notify.env")"
