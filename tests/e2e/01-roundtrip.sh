#!/usr/bin/env bash
# A day of 3 sources x 4 tenants (+ edge cases: spaces, UTF-8, >100-byte
# paths, empty files, empty dirs, an empty tenant) goes in; GNU tar extracts
# every volume alone byte-identical; restore gives every tenant back
# identical (content, modes, mtimes); a second run writes nothing.
. "$(dirname "$0")/lib/common.sh"
gen_data "$T/data" 3 4 24MiB
write_config "$T/c.conf" "$T/data" "$T/store"
"$COLDPACK" -c "$T/c.conf" init
"$COLDPACK" -c "$T/c.conf" run --date "$DATE" | tee "$T/run1.out"
grep -q "15 unit(s) done" "$T/run1.out" || die "expected 15 units (3 sources x (4 tenants + empty-tenant))"

# Layout and at least one multi-volume unit
ls "$T/store/tenant=acme/date=$DATE/source=siem-01/vol-0001.tar.gz" >/dev/null
ls "$T/store/tenant=acme/date=$DATE/source=siem-01/vol-0001.index.json.gz" >/dev/null
ls "$T/store/runs/$DATE/"*.json >/dev/null
nvol=$(find "$T/store" -name 'vol-0002.tar.gz' | wc -l)
[ "$nvol" -gt 0 ] || die "volume_size=2MiB should have cut some units into several volumes"

# GNU tar extracts each volume alone; the union per unit equals the source tree
for unit in "$T"/store/tenant=*/date=*/source=*; do
  tenant=$(basename "$(dirname "$(dirname "$unit")")"); tenant=${tenant#tenant=}
  src=$(basename "$unit"); src=${src#source=}
  out="$T/gnutar/$tenant/$src"; mkdir -p "$out"
  for v in "$unit"/vol-*.tar.gz; do
    tar -xzf "$v" -C "$out" || die "GNU tar failed on $v"
  done
  diff -r --no-dereference "$out" "$T/data/$src/$DATE/$tenant" || die "GNU tar extraction of $unit differs"
done

# Index content: every regular file listed with its SHA-256
python3 - "$T/store" "$T/data" "$DATE" <<'PY'
import gzip, json, hashlib, sys, os, glob
store, data, date = sys.argv[1:]
n = 0
for idx in glob.glob(f"{store}/tenant=*/date={date}/source=*/vol-*.index.json.gz"):
    j = json.load(gzip.open(idx))
    obj = os.path.join(store, j["key"])
    body = open(obj, "rb").read()
    assert hashlib.sha256(body).hexdigest() == j["object"]["sha256"], idx
    assert len(body) == j["object"]["size"], idx
    # blocks tile the object and the tar stream exactly
    coff = toff = 0
    for t_off, t_len, c_off, c_len in j["blocks"]:
        assert (t_off, c_off) == (toff, coff), idx
        toff += t_len; coff += c_len
    assert coff == len(body) and toff == j["object"]["tar_size"], idx
    for f in j["files"]:
        if f["type"] != "file":
            continue
        p = os.path.join(data, j["source"], date, j["tenant"], f["path"])
        assert hashlib.sha256(open(p, "rb").read()).hexdigest() == f["sha256"], p
        assert os.path.getsize(p) == f["size"], p
        n += 1
assert n > 100, n
print("index ok:", n, "files")
PY

# Restore every tenant and compare
for tenant in $(tenants_of "$T/data/siem-01/$DATE"); do
  "$COLDPACK" -c "$T/c.conf" restore --tenant "$tenant" --date "$DATE" --to "$T/restore" --yes >/dev/null
  check_restored "$T/restore" "$T/data" "$tenant"
done
[ -d "$T/restore/empty-tenant/$DATE/siem-01" ] || die "empty tenant not restored as an empty directory"
[ -z "$(ls -A "$T/restore/empty-tenant/$DATE/siem-01")" ] || die "empty tenant restored with content"

# A second run writes nothing
before=$(store_objects "$T/store"; find "$T/store" -path '*/.coldpack' -prune -o -type f -printf '%P %T@\n' | sort)
"$COLDPACK" -c "$T/c.conf" run --date "$DATE" | tee "$T/run2.out"
grep -q "0 unit(s) done, 15 already complete" "$T/run2.out" || die "second run did work"
after=$(store_objects "$T/store"; find "$T/store" -path '*/.coldpack' -prune -o -type f -printf '%P %T@\n' | sort)
[ "$before" = "$after" ] || die "second run changed the store"

"$COLDPACK" -c "$T/c.conf" verify --deep >/dev/null 2>&1 || true  # cold objects: content skipped
"$COLDPACK" -c "$T/c.conf" verify
"$COLDPACK" -c "$T/c.conf" ls --tenant acme --from "$DATE" --until "$DATE" | grep -q "vol-0001.tar.gz" || die "ls lists nothing"
"$COLDPACK" -c "$T/c.conf" status | grep -q "$DATE" || die "status shows no run"
echo "roundtrip ok"
