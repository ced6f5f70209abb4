# shellcheck shell=bash
# tests/e2e/lib/sshd.sh — real OpenSSH servers for the e2e tests of remote
# sources. Source it from a bash test script, then:
#
#   sshd_setup N            N hosts on 127.0.0.2 .. 127.0.0.(N+1), one free port
#                           shared by all, each with its own ed25519 host key;
#                           one client key authorized on all; a known_hosts
#                           holding every host key; an ssh wrapper using them.
#                           Installs an EXIT trap that stops every sshd it
#                           started and removes its temp dir (a trap the
#                           caller set before is chained; with
#                           tests/e2e/lib/common.sh sourced first, its
#                           on_exit hook is used instead).
#   sshd_start I            start host I (1-based); waits until it accepts
#   sshd_stop I             stop host I (its listener and every session)
#   sshd_rekey I            give host I a new host key (known_hosts keeps the
#                           old one, so clients must refuse it); restarts it
#   sshd_cut_after I BYTES  host I passes the first BYTES of any command's
#                           output to its session, then the session is killed
#                           (kill -9): a stream cut mid-file (the client gets
#                           at most BYTES: sshd may not have sent them all);
#                           restarts it. BYTES=0 clears.
#   sshd_throttle I BPS     host I paces any command's output to BPS bytes/s
#                           (needs python3); 0 clears; restarts it.
#   sshd_kill_sessions I    kill -9 every session process of host I now (the
#                           listener stays)
#
# After sshd_setup:
#   SSHD_DIR               the temp dir (mktemp -d)
#   SSHD_PORT              the port every host listens on
#   SSHD_ADDR[I]           127.0.0.(I+1)
#   SSHD_SSH               a wrapper: `$SSHD_SSH [ssh options] ADDR cmd` logs in as
#                          root with the test key and the test known_hosts,
#                          batch mode, strict host key checking
#   SSHD_KEY               the client's private key
#   SSHD_KNOWN_HOSTS       the client's known_hosts
#
# sshd needs root here (it changes to the user it authenticates); the caller
# should `exit 77` (skip) when sshd_available fails.

SSHD_BIN=${SSHD_BIN:-/usr/sbin/sshd}
declare -a SSHD_ADDR=() SSHD_PID=()
SSHD_N=0
SSHD_DIR=
SSHD_PORT=
SSHD_SSH=
SSHD_KEY=
SSHD_KNOWN_HOSTS=

# 0 when this machine can run the harness, else prints why.
sshd_available() {
    if [ "$(id -u)" != 0 ]; then
        echo "sshd harness: needs root" >&2
        return 1
    fi
    local b
    for b in "$SSHD_BIN" ssh ssh-keygen; do
        if ! command -v "$b" >/dev/null 2>&1; then
            echo "sshd harness: $b not found (Debian: openssh-server, openssh-client)" >&2
            return 1
        fi
    done
}

_sshd_cleanup() {
    local i
    for ((i = 1; i <= SSHD_N; i++)); do
        _sshd_kill_host "$i"
    done
    if [ -n "$SSHD_DIR" ] && [ -d "$SSHD_DIR" ]; then
        rm -rf -- "$SSHD_DIR"
    fi
}

_sshd_on_exit() {
    local rc=$?
    _sshd_cleanup
    if [ -n "${_SSHD_PREV_TRAP:-}" ]; then
        # the chained trap must see the script's status in $?
        if (exit "$rc"); then eval "$_SSHD_PREV_TRAP"; else eval "$_SSHD_PREV_TRAP"; fi
    fi
    exit "$rc"
}

# A port free on every address (nothing answers a connect).
_sshd_pick_port() {
    local p i try busy
    for try in $(seq 1 50); do
        p=$((20000 + (RANDOM * 7 + $$ + try * 131) % 30000))
        busy=0
        for ((i = 1; i <= SSHD_N; i++)); do
            if (exec 3<>"/dev/tcp/${SSHD_ADDR[$i]}/$p") 2>/dev/null; then
                busy=1
                break
            fi
        done
        if [ "$busy" = 0 ] && ! ss -Hltn "sport = :$p" 2>/dev/null | grep -q .; then
            echo "$p"
            return 0
        fi
    done
    echo "sshd harness: no free port found" >&2
    return 1
}

_sshd_write_config() {
    local i=$1 h="$SSHD_DIR/host$1"
    local force=""
    if [ -f "$h/cut_bytes" ]; then
        force="ForceCommand $SSHD_DIR/cut.sh $(cat "$h/cut_bytes")"
    elif [ -f "$h/throttle_bps" ]; then
        force="ForceCommand $SSHD_DIR/throttle.sh $(cat "$h/throttle_bps")"
    fi
    cat >"$h/sshd_config" <<EOF
ListenAddress ${SSHD_ADDR[$i]}:$SSHD_PORT
HostKey $h/ssh_host_ed25519_key
PidFile $h/sshd.pid
AuthorizedKeysFile $SSHD_DIR/authorized_keys
StrictModes no
UsePAM no
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
AllowTcpForwarding no
X11Forwarding no
PrintMotd no
PrintLastLog no
UseDNS no
MaxStartups 64
MaxSessions 64
LogLevel VERBOSE
$force
EOF
}

sshd_setup() {
    local n=$1 i
    sshd_available || return 1
    SSHD_N=$n
    SSHD_DIR=$(mktemp -d "${TMPDIR:-/tmp}/coldpack-sshd.XXXXXX")
    if declare -F on_exit >/dev/null; then
        on_exit _sshd_cleanup # tests/e2e/lib/common.sh runs it from its own EXIT trap
    else
        _SSHD_PREV_TRAP=$(trap -p EXIT | sed -e "s/^trap -- '//" -e "s/' EXIT\$//")
        trap _sshd_on_exit EXIT
    fi
    trap 'exit 130' INT TERM
    mkdir -p /run/sshd
    chmod 0755 /run/sshd
    for ((i = 1; i <= n; i++)); do
        SSHD_ADDR[$i]="127.0.0.$((i + 1))"
    done
    SSHD_PORT=$(_sshd_pick_port) || return 1
    SSHD_KEY="$SSHD_DIR/client/id_ed25519"
    SSHD_KNOWN_HOSTS="$SSHD_DIR/client/known_hosts"
    mkdir -p "$SSHD_DIR/client"
    ssh-keygen -q -t ed25519 -N '' -C coldpack-test-client -f "$SSHD_KEY"
    cp "$SSHD_KEY.pub" "$SSHD_DIR/authorized_keys"
    : >"$SSHD_KNOWN_HOSTS"
    for ((i = 1; i <= n; i++)); do
        mkdir -p "$SSHD_DIR/host$i"
        ssh-keygen -q -t ed25519 -N '' -C "coldpack-test-host$i" \
            -f "$SSHD_DIR/host$i/ssh_host_ed25519_key"
        echo "[${SSHD_ADDR[$i]}]:$SSHD_PORT $(cut -d' ' -f1,2 "$SSHD_DIR/host$i/ssh_host_ed25519_key.pub")" \
            >>"$SSHD_KNOWN_HOSTS"
    done
    cat >"$SSHD_DIR/client/ssh_config" <<EOF
Host *
    User root
    Port $SSHD_PORT
    IdentityFile $SSHD_KEY
    IdentitiesOnly yes
    UserKnownHostsFile $SSHD_KNOWN_HOSTS
    GlobalKnownHostsFile /dev/null
    StrictHostKeyChecking yes
    CheckHostIP no
    UpdateHostKeys no
    BatchMode yes
    ConnectTimeout 10
EOF
    SSHD_SSH="$SSHD_DIR/client/ssh"
    cat >"$SSHD_SSH" <<EOF
#!/bin/sh
exec ssh -F '$SSHD_DIR/client/ssh_config' "\$@"
EOF
    chmod 0755 "$SSHD_SSH"
    # ForceCommand helpers (run on the "remote", i.e. here, as the session user)
    cat >"$SSHD_DIR/cut.sh" <<'EOF'
#!/bin/sh
# Serve the first $1 bytes of the real command's output, then kill -9 this
# ssh session: the client sees the stream cut mid-file.
sh -c "$SSH_ORIGINAL_COMMAND" | head -c "$1"
kill -9 "$PPID"
EOF
    cat >"$SSHD_DIR/throttle.sh" <<'EOF'
#!/bin/sh
# Pace the real command's output to $1 bytes per second.
sh -c "$SSH_ORIGINAL_COMMAND" | python3 -c '
import sys, time
rate = float(sys.argv[1]); out = sys.stdout.buffer; inp = sys.stdin.buffer
t0 = time.monotonic(); sent = 0
while True:
    b = inp.read1(65536) if hasattr(inp, "read1") else inp.read(65536)
    if not b:
        break
    out.write(b); out.flush(); sent += len(b)
    ahead = sent / rate - (time.monotonic() - t0)
    if ahead > 0:
        time.sleep(ahead)
' "$1"
EOF
    chmod 0755 "$SSHD_DIR/cut.sh" "$SSHD_DIR/throttle.sh"
}

_sshd_kill_host() {
    local i=$1 pid
    pid=${SSHD_PID[$i]:-}
    [ -n "$pid" ] || return 0
    sshd_kill_sessions "$i"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    SSHD_PID[$i]=
}

# Every descendant of pid (depth first), one per line; reads /proc only.
_sshd_descendants() {
    local c st rest
    for st in /proc/[0-9]*/stat; do
        rest=$(cat "$st" 2>/dev/null) || continue
        rest=${rest##*) } # past "pid (comm) ": "state ppid ..."
        rest=${rest#* }
        if [ "${rest%% *}" = "$1" ]; then
            c=${st#/proc/}
            c=${c%/stat}
            echo "$c"
            _sshd_descendants "$c"
        fi
    done
}

sshd_kill_sessions() {
    local i=$1 pid
    pid=${SSHD_PID[$i]:-}
    [ -n "$pid" ] || return 0
    # shellcheck disable=SC2046
    kill -9 $(_sshd_descendants "$pid") 2>/dev/null || true
}

sshd_start() {
    local i=$1 h="$SSHD_DIR/host$1"
    _sshd_write_config "$i"
    "$SSHD_BIN" -t -f "$h/sshd_config" || {
        echo "sshd harness: bad config for host $i" >&2
        return 1
    }
    "$SSHD_BIN" -D -e -f "$h/sshd_config" >>"$h/sshd.log" 2>&1 &
    SSHD_PID[$i]=$!
    for _ in $(seq 1 100); do
        if (exec 3<>"/dev/tcp/${SSHD_ADDR[$i]}/$SSHD_PORT") 2>/dev/null; then
            return 0
        fi
        if ! kill -0 "${SSHD_PID[$i]}" 2>/dev/null; then
            break
        fi
        sleep 0.05
    done
    echo "sshd harness: host $i (${SSHD_ADDR[$i]}:$SSHD_PORT) did not start:" >&2
    tail -n 20 "$h/sshd.log" >&2
    return 1
}

sshd_stop() {
    _sshd_kill_host "$1"
}

sshd_rekey() {
    local i=$1 h="$SSHD_DIR/host$1"
    _sshd_kill_host "$i"
    rm -f "$h/ssh_host_ed25519_key" "$h/ssh_host_ed25519_key.pub"
    ssh-keygen -q -t ed25519 -N '' -C "coldpack-test-host$i-rekeyed" -f "$h/ssh_host_ed25519_key"
    sshd_start "$i"
}

sshd_cut_after() {
    local i=$1 bytes=$2 h="$SSHD_DIR/host$1"
    rm -f "$h/cut_bytes"
    if [ "$bytes" != 0 ]; then echo "$bytes" >"$h/cut_bytes"; fi
    _sshd_kill_host "$i"
    sshd_start "$i"
}

sshd_throttle() {
    local i=$1 bps=$2 h="$SSHD_DIR/host$1"
    rm -f "$h/throttle_bps"
    if [ "$bps" != 0 ]; then echo "$bps" >"$h/throttle_bps"; fi
    _sshd_kill_host "$i"
    sshd_start "$i"
}
