#!/usr/bin/env bash
# tests/e2e/lib/rgw-launch.sh — coldpack's own throwaway Ceph RADOS Gateway:
# one monitor, one in-memory (memstore) OSD and radosgw, all on 127.0.0.1,
# everything (config, keys, pid files, logs, sockets) under one directory.
#
#   rgw-launch.sh start DIR PORT   create the cluster in DIR (must be empty or
#                                  absent) and serve S3 on http://127.0.0.1:PORT
#   rgw-launch.sh stop DIR [wipe]  stop exactly the daemons started in DIR (by
#                                  their pid files, only when the process's
#                                  command line names DIR/ceph.conf); "wipe"
#                                  then deletes DIR
#
# The monitor listens on two ports derived from PORT (msgr2 10000 + PORT %
# 10000, msgr1 20000 + PORT % 10000: below the kernel's ephemeral range, so
# randomly chosen RGW ports do not collide with them), so clusters with
# different PORTs run side by side. S3 user "coldpack-test" has the fixed
# keys below; storage classes STANDARD_IA, GLACIER and DEEP_ARCHIVE are
# registered in default-placement (labels only: the data goes to the same
# pool and GETs work at once). Data lives in memory and is gone after stop.
#
# Needs (Debian): radosgw ceph-mon ceph-osd ceph-common uuid-runtime curl.
set -euo pipefail

RGW_ACCESS_KEY=TESTACCESSKEY0000001
RGW_SECRET_KEY=testsecretkey0000000000000000000000000001
RGW_STORAGE_CLASSES="STANDARD_IA GLACIER DEEP_ARCHIVE"
DAEMONS="client.rgw.gw osd.0 mon.a" # stop order: gateway first, monitor last

say() { echo "rgw-launch: $*"; }
die() {
    echo "rgw-launch: error: $*" >&2
    exit 1
}

# until_ok SECONDS cmd...: retry cmd every 0.2 s until it succeeds
until_ok() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@" >/dev/null 2>&1; do
        [ $SECONDS -lt "$deadline" ] || return 1
        sleep 0.2
    done
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# pid of daemon NAME in DIR if it is alive and really ours, else nothing
our_pid() {
    local dir=$1 name=$2 pid
    [ -s "$dir/run/$name.pid" ] || return 0
    pid=$(cat "$dir/run/$name.pid")
    [ -r "/proc/$pid/cmdline" ] || return 0
    if tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "-c $dir/ceph.conf "; then
        echo "$pid"
    else
        say "$name: pid $pid is not ours, left alone" >&2
    fi
}

write_conf() {
    local dir=$1 port=$2 mon2=$3 mon1=$4
    cat >"$dir/ceph.conf" <<EOF
[global]
fsid = $(uuidgen)
mon host = [v2:127.0.0.1:$mon2,v1:127.0.0.1:$mon1]
public addr = 127.0.0.1
ms bind ipv6 = false
keyring = $dir/keys/\$name.keyring
run dir = $dir/run
pid file = $dir/run/\$name.pid
admin socket = $dir/run/\$name.asok
log file = $dir/log/\$name.log
mon cluster log file = $dir/log/cluster.log
crash dir = $dir/crash
log to stderr = false
err to stderr = true
; a single OSD: one replica, few placement groups, no full-disk alarms
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon max pg per osd = 1000
mon warn on pool no redundancy = false
mon data avail warn = 1
mon data avail crit = 0
mon osd full ratio = .99
mon osd nearfull ratio = .99
mon osd backfillfull ratio = .99
osd failsafe full ratio = .99
auth allow insecure global id reclaim = false
; commit monitor changes at once instead of every second
paxos propose interval = 0.05

[mon]
mon data = $dir/mon
mon initial members = a

[osd]
osd data = $dir/osd
osd objectstore = memstore
memstore device bytes = 4294967296
osd class load list = *
osd class default list = *

[client.rgw.gw]
rgw frontends = beast endpoint=127.0.0.1:$port
rgw data = $dir/rgw
EOF
}

start() {
    local dir=$1 port=$2
    if ! [[ $port =~ ^[0-9]+$ ]] || [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then
        die "bad port '$port'"
    fi
    [ ! -e "$dir" ] || [ -z "$(ls -A "$dir")" ] || die "$dir is not empty"
    local b
    for b in ceph-mon ceph-osd radosgw radosgw-admin ceph ceph-authtool monmaptool uuidgen curl; do
        command -v "$b" >/dev/null || die "$b not found (Debian: radosgw ceph-mon ceph-osd ceph-common uuid-runtime curl)"
    done
    local mon2=$((10000 + port % 10000)) mon1=$((20000 + port % 10000)) p
    for p in "$port" "$mon2" "$mon1"; do
        ! port_busy "$p" || die "port $p on 127.0.0.1 is already in use"
    done
    dir=$(mkdir -p "$dir" && cd "$dir" && pwd)
    mkdir -p "$dir"/{keys,run,log,crash,mon,osd,rgw}
    write_conf "$dir" "$port" "$mon2" "$mon1"
    # every daemon gets -c on its command line: stop recognises its own by it
    export CEPH_CONF=$dir/ceph.conf
    local ceph=(ceph --connect-timeout 15)

    # monitor: its key and the admin's, one-member map, mkfs, run
    {
        ceph-authtool --create-keyring "$dir/keys/client.admin.keyring" --gen-key -n client.admin \
            --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *'
        ceph-authtool --create-keyring "$dir/keys/mon.a.keyring" --gen-key -n mon. --cap mon 'allow *'
        ceph-authtool "$dir/keys/mon.a.keyring" --import-keyring "$dir/keys/client.admin.keyring"
        monmaptool --create --fsid "$(sed -n 's/^fsid = //p' "$dir/ceph.conf")" \
            --addv a "[v2:127.0.0.1:$mon2,v1:127.0.0.1:$mon1]" "$dir/monmap"
    } >>"$dir/log/mkfs.log"
    ceph-mon -c "$CEPH_CONF" --mkfs -i a --monmap "$dir/monmap" --keyring "$dir/keys/mon.a.keyring" \
        >>"$dir/log/mkfs.log" 2>&1 || die "mon mkfs failed: $(tail -3 "$dir/log/mkfs.log")"
    ceph-mon -c "$CEPH_CONF" -i a 2>>"$dir/log/mon.a.err"
    until_ok 60 "${ceph[@]}" mon stat || die "monitor not up (see $dir/log/mon.a.log)"
    say "mon.a up on 127.0.0.1:$mon2 (v2), :$mon1 (v1)"

    # OSD 0 on memstore
    local uuid key
    uuid=$(uuidgen)
    key=$(ceph-authtool --gen-print-key)
    printf '{"cephx_secret": "%s"}\n' "$key" >"$dir/osd-secret.json"
    [ "$("${ceph[@]}" osd new "$uuid" -i "$dir/osd-secret.json")" = 0 ] || die "osd id is not 0"
    rm -f "$dir/osd-secret.json"
    ceph-authtool --create-keyring "$dir/keys/osd.0.keyring" -n osd.0 --add-key "$key" >>"$dir/log/mkfs.log"
    ceph-osd -c "$CEPH_CONF" -i 0 --mkfs --osd-uuid "$uuid" >>"$dir/log/mkfs.log" 2>&1 ||
        die "osd mkfs failed: $(tail -3 "$dir/log/mkfs.log")"
    ceph-osd -c "$CEPH_CONF" -i 0 2>>"$dir/log/osd.0.err"
    until_ok 60 sh -c "ceph --connect-timeout 15 osd dump --format json | grep -q '\"up\":1'" ||
        die "osd.0 not up (see $dir/log/osd.0.log)"
    say "osd.0 up (memstore)"

    # gateway: key, S3 user, storage classes, then radosgw itself
    "${ceph[@]}" auth get-or-create client.rgw.gw mon 'allow rw' osd 'allow rwx' \
        -o "$dir/keys/client.rgw.gw.keyring"
    radosgw-admin user create --uid=coldpack-test --display-name="coldpack e2e" \
        --access-key="$RGW_ACCESS_KEY" --secret-key="$RGW_SECRET_KEY" >/dev/null
    local sc
    for sc in $RGW_STORAGE_CLASSES; do
        radosgw-admin zonegroup placement add --rgw-zonegroup default \
            --placement-id default-placement --storage-class "$sc" >/dev/null
        radosgw-admin zone placement add --rgw-zone default --placement-id default-placement \
            --storage-class "$sc" --data-pool default.rgw.buckets.data >/dev/null
    done
    radosgw -c "$CEPH_CONF" -n client.rgw.gw 2>>"$dir/log/client.rgw.gw.err"
    until_ok 120 curl -sf -o /dev/null "http://127.0.0.1:$port/" ||
        die "radosgw not answering on 127.0.0.1:$port (see $dir/log/client.rgw.gw.log)"
    say "radosgw up: http://127.0.0.1:$port (keys $RGW_ACCESS_KEY; classes STANDARD $RGW_STORAGE_CLASSES)"
}

stop() {
    local dir=$1 wipe=${2:-} name pid
    [ -d "$dir" ] || return 0
    dir=$(cd "$dir" && pwd)
    for name in $DAEMONS; do
        pid=$(our_pid "$dir" "$name")
        [ -n "$pid" ] || continue
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 100); do
            [ -d "/proc/$pid" ] || break
            sleep 0.1
        done
        if [ -d "/proc/$pid" ]; then
            say "$name (pid $pid) ignored SIGTERM for 10 s: SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
        fi
        rm -f "$dir/run/$name.pid"
        say "$name stopped (pid $pid)"
    done
    if [ "$wipe" = wipe ]; then rm -rf -- "$dir"; fi
}

case "${1:-}" in
start)
    if [ $# -ne 3 ]; then die "usage: $0 start DIR PORT"; fi
    start "$2" "$3"
    ;;
stop)
    if [ $# -lt 2 ] || [ $# -gt 3 ]; then die "usage: $0 stop DIR [wipe]"; fi
    stop "$2" "${3:-}"
    ;;
*) die "usage: $0 start DIR PORT | stop DIR [wipe]" ;;
esac
