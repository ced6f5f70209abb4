#!/usr/bin/env bash
# Attack: a small volume whose index (catalog updated) has a block table of
# 8 blocks each claiming and really holding 256 MiB of tar (zeros compress
# 1000:1). The table is refused (more than the index's block_size) and the
# volume decoded sequentially: peak RSS stays below 300 MiB.
. "$(dirname "$0")/lib/common.sh"
command -v /usr/bin/time >/dev/null || { echo "no /usr/bin/time"; exit 77; }
gen_data "$T/data" 1 1 1MiB
write_config "$T/c.conf" "$T/data" "$T/store"
sed -i 's|^\[store\]|[store]\nstorage_class = STANDARD|' "$T/c.conf"
"$COLDPACK" -q -c "$T/c.conf" run --date "$DATE" >/dev/null
key="tenant=acme/date=$DATE/source=siem-01/vol-0001.tar.gz"
ikey="tenant=acme/date=$DATE/source=siem-01/vol-0001.index.json.gz"
python3 - "$T/store/$key" "$T/store/$ikey" <<'PY'
import gzip, io, json, sys, tarfile, zlib
B = 256 << 20
def member(data):
    c = zlib.compressobj(1, zlib.DEFLATED, 31); return c.compress(data) + c.flush()
ti = tarfile.TarInfo("big.bin"); ti.size = 8 * B - 512 - 1024; ti.mode = 0o644
hdr = ti.tobuf(format=tarfile.USTAR_FORMAT)
zero = member(bytes(B))
first = member(hdr + bytes(B - len(hdr)))
blocks, obj, off = [], b"", 0
for i in range(8):
    m = first if i == 0 else zero
    blocks.append([i * B, B, off, len(m)]); off += len(m); obj += m
open(sys.argv[1], "wb").write(obj)
import hashlib
idx = json.load(gzip.open(sys.argv[2]))
idx["blocks"] = blocks
idx["object"].update(size=len(obj), sha256=hashlib.sha256(obj).hexdigest(), tar_size=8 * B)
# an index that does not account for the tar: --path is applied while extracting
idx["files"] = [{"path": "nothing.log", "type": "file", "size": 0, "mtime": 0, "mode": 420,
                 "tar_offset": 0, "data_offset": 512, "block": 0}]
open(sys.argv[2], "wb").write(gzip.compress(json.dumps(idx).encode()))
PY
for k in "$key" "$ikey"; do
  sqlite3 "$T/catalog.db" "UPDATE objects SET sha256='$(sha256sum "$T/store/$k" | cut -d' ' -f1)', size=$(stat -c %s "$T/store/$k") WHERE key='$k'"
done
/usr/bin/time -f %M -o "$T/rss" "$COLDPACK" -c "$T/c.conf" restore --tenant acme --date "$DATE" --to "$T/target" --path 'nothing*' --yes >"$T/out" 2>&1 || true
cat "$T/out"; rss=$(tail -1 "$T/rss")
echo "peak RSS ${rss} KiB"
[ "$rss" -lt $((300 * 1024)) ] || die "peak RSS $rss KiB is over 300 MiB"
echo "block bomb ok"
