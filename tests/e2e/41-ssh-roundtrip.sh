#!/usr/bin/env bash
# 41-ssh-roundtrip.sh — three sources pulled from three real sshd hosts
# (127.0.0.2-4, own host keys, strict checking) pack into exactly the objects
# a local run of the same files makes: same keys, same volume bytes (SHA-256),
# same index file lists (path, size, mtime, mode, SHA-256, offsets); every
# tenant restored from the remote-made store is identical to the source; a
# second run pulls nothing.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/sshd.sh"
sshd_available || exit 77

gen_data "$T/data" 3 4 64MiB
sshd_setup 3
for i in 1 2 3; do sshd_start "$i"; done

# local reference run
write_config "$T/local.conf" "$T/data" "$T/store-local"
sed -i "s|path = $T/catalog.db|path = $T/catalog-local.db|" "$T/local.conf"
"$COLDPACK" -c "$T/local.conf" init >/dev/null
"$COLDPACK" -c "$T/local.conf" run --date "$DATE" >"$T/local.out"

# remote run: siem-0N is served by host N
{
    echo "[store]"; echo "url = file://$T/store-remote"
    echo "[catalog]"; echo "path = $T/catalog-remote.db"
    echo "[pack]"; echo "volume_size = ${VOLUME_SIZE:-2MiB}"; echo "block_size = ${BLOCK_SIZE:-256KiB}"
    echo "[run]"; echo "parallel_sources = 3"
    for i in 1 2 3; do
        echo "[source \"siem-0$i\"]"
        echo "host = ${SSHD_ADDR[$i]}"
        echo "port = $SSHD_PORT"
        echo "user = root"
        echo "identity = $SSHD_KEY"
        echo "ssh_command = $SSHD_SSH"
        echo "path = $T/data/siem-0$i/{date}"
        echo "tenant = dir:1"
    done
} >"$T/remote.conf"
"$COLDPACK" -c "$T/remote.conf" init >/dev/null
"$COLDPACK" -c "$T/remote.conf" run --date "$DATE" | tee "$T/remote.out"
grep -q "15 unit(s) done, 0 already complete, 0 failed" "$T/remote.out" || die "remote run: expected 15 units done"
# each host really served its source
for i in 1 2 3; do
    grep -q "Accepted publickey for root" "$SSHD_DIR/host$i/sshd.log" || die "host $i served no session"
done

# same objects, same volume bytes, same index file lists
python3 - "$T/store-local" "$T/store-remote" "$DATE" <<'PY'
import glob, gzip, hashlib, json, os, sys
local, remote, date = sys.argv[1:]
def objects(root):
    out = {}
    for p in glob.glob(f"{root}/tenant=*/date={date}/source=*/vol-*"):
        out[os.path.relpath(p, root)] = p
    return out
lo, ro = objects(local), objects(remote)
assert sorted(lo) == sorted(ro), ("different object keys", sorted(set(lo) ^ set(ro))[:10])
nvol = nfiles = 0
for k in sorted(lo):
    if k.endswith(".tar.gz"):
        a = hashlib.sha256(open(lo[k], "rb").read()).hexdigest()
        b = hashlib.sha256(open(ro[k], "rb").read()).hexdigest()
        assert a == b, f"volume {k} differs: local {a} remote {b}"
        nvol += 1
    elif k.endswith(".index.json.gz"):
        a, b = json.load(gzip.open(lo[k])), json.load(gzip.open(ro[k]))
        assert a["files"] == b["files"], f"index {k}: file lists differ"
        assert a["object"]["sha256"] == b["object"]["sha256"], f"index {k}: object sha256 differs"
        assert a["blocks"] == b["blocks"], f"index {k}: block tables differ"
        nfiles += sum(1 for f in a["files"] if f["type"] == "file")
assert nvol >= 15 and nfiles > 100, (nvol, nfiles)
print(f"identical: {nvol} volumes, {nfiles} files")
PY

# restore every tenant from the remote-made store
for tenant in $(tenants_of "$T/data/siem-01/$DATE"); do
    "$COLDPACK" -c "$T/remote.conf" restore --tenant "$tenant" --date "$DATE" --to "$T/restore" --yes >/dev/null
    check_restored "$T/restore" "$T/data" "$tenant"
done

# a second run connects but packs nothing, and complete tenants are excluded
# at the remote end: only an empty tar (a few KiB) crosses the link
cat >"$T/count-ssh" <<EOC
#!/bin/bash
set -o pipefail
"$SSHD_SSH" "\$@" | dd bs=64k 2>>"$T/ssh-bytes"
EOC
chmod +x "$T/count-ssh"
sed "s|^ssh_command = .*|ssh_command = $T/count-ssh|" "$T/remote.conf" >"$T/remote2.conf"
"$COLDPACK" -c "$T/remote2.conf" run --date "$DATE" | tee "$T/remote2.out"
grep -q "0 unit(s) done, 15 already complete" "$T/remote2.out" || die "second remote run did work"
total=$(grep -Eo '^[0-9]+ bytes' "$T/ssh-bytes" | awk '{s += $1} END {print s + 0}')
echo "bytes over ssh on the rerun: $total"
[ "$(grep -c 'bytes' "$T/ssh-bytes")" -eq 3 ] || die "expected 3 ssh sessions: $(cat "$T/ssh-bytes")"
[ "$total" -lt 65536 ] || die "the rerun transferred $total bytes of already complete tenants"
echo "41-ssh-roundtrip: 1 passed, 0 failed"
