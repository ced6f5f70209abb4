#!/usr/bin/env bash
# 20-walk-swap.sh — whoever writes a source cannot make coldpack read outside
# it. A root-only 0600 secret lies outside the export; while 20 runs (one per
# date) walk a tenant, a loop keeps swapping (renameat2 RENAME_EXCHANGE) a
# tenant subdirectory with a symlink to the secret's directory, and a tenant
# file with a symlink to the secret file. Every run finishes (0, or 3 when it
# noticed a swap); then everything is restored, and the secret's content is in
# no restored file, no volume's tar stream, and no index lists it. The walk's
# ordinary files are backed up every time.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/walk.sh"
command -v python3 >/dev/null || exit 77

secret="SECRET-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')" # 31 bytes
mark=${secret:0:13} # what any read of it, however truncated, shows
mkdir -m 700 "$T/secret"
for k in 0 1 2 3 4 5 6 7 8 9; do
    printf '%s\n' "$secret" >"$T/secret/secret-$k.log"
    chmod 600 "$T/secret/secret-$k.log"
done

dates=()
for i in $(seq 1 20); do dates+=("$(printf '2026-10-%02d' "$i")"); done
for d in "${dates[@]}"; do
    t="$T/data/siem-01/$d/acme"
    mkdir -p "$t/sub/deeper" "$T/swap/$d"
    echo "ordinary a $d" >"$t/a.log"
    echo "ordinary b $d" >"$t/sub/b.log"
    echo "ordinary c $d" >"$t/sub/deeper/c.log"
    for k in 0 1 2 3 4 5 6 7 8 9; do # the secret files' names and size
        printf 'decoy %-25s\n' "$d" >"$t/sub/secret-$k.log"
    done
    echo "ordinary file $d" >"$t/file.log"
    echo "ordinary z $d" >"$t/z.log"
    ln -s "$T/secret" "$T/swap/$d/sub"
    ln -s "$T/secret/secret-0.log" "$T/swap/$d/file.log"
done
walk_setup

# each run under a swapping loop; each must end within 60 s
noticed=0
for d in "${dates[@]}"; do
    walk_swap_run "$d" acme sub file.log
    [ $RC -eq 0 ] || [ $RC -eq 3 ] || { cat "$T/run-$d.log"; die "run $d: exit $RC"; }
    [ $RC -eq 0 ] || noticed=$((noticed + 1))
    [ -d "$T/data/siem-01/$d/acme/sub" ] && [ ! -L "$T/data/siem-01/$d/acme/sub" ] || die "swap not undone"
done
echo "20 runs under swaps, $noticed noticed one"

# no volume's tar stream and no index holds the secret
n=0
for v in "$T"/store/tenant=*/date=*/source=*/vol-*.tar.gz; do
    n=$((n + 1))
    ! zcat "$v" | grep -aq "$mark" || die "$v holds the secret"
done
[ "$n" -ge 20 ] || die "expected a volume per run, found $n"
python3 - "$T/store" "$secret" "$mark" <<'PY'
import glob, gzip, hashlib, json, sys
store, secret, mark = sys.argv[1:4]
h = hashlib.sha256((secret + "\n").encode()).hexdigest()
for idx in glob.glob(f"{store}/tenant=*/date=*/source=*/vol-*.index.json.gz"):
    raw = gzip.open(idx).read().decode()
    assert mark not in raw, idx
    for f in json.loads(raw)["files"]:
        assert f.get("sha256") != h, f"{idx} lists the secret as {f['path']}"
        if f["type"] == "file":
            assert f["path"] in ("a.log", "file.log", "z.log", "sub/b.log", "sub/deeper/c.log") or \
                f["path"].startswith("sub/secret-"), f
print("indexes clean")
PY

# restore everything: the secret is nowhere, the ordinary files are there
set +e
"$COLDPACK" -c "$T/c.conf" restore --tenant acme --from "${dates[0]}" --until "${dates[19]}" \
    --to "$T/restore" --yes >"$T/restore.out" 2>&1
rc=$?
set -e
[ $rc -eq 0 ] || [ $rc -eq 3 ] || { cat "$T/restore.out"; die "restore exit $rc"; }
! grep -rqa "$mark" "$T/restore" || die "a restored file holds the secret: $(grep -rla "$mark" "$T/restore")"
for d in "${dates[@]}"; do
    [ "$(cat "$T/restore/acme/$d/siem-01/a.log")" = "ordinary a $d" ] || die "$d: a.log not restored"
    [ "$(cat "$T/restore/acme/$d/siem-01/z.log")" = "ordinary z $d" ] || die "$d: z.log not restored"
done
echo "20-walk-swap: secret never read"
