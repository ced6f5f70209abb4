#!/usr/bin/env bash
# [encryption] and a lost catalog: the backup host has only public
# recipients, so `catalog rebuild` cannot open the encrypted indexes; the
# manifest entries say what attestation needs ("last", "unit_files_count",
# "encrypted"). After deleting catalog.db: rebuild exits 0 with every unit
# complete, the next run of the day writes nothing (store listing unchanged,
# no late files looked for: an info line says why), restore with the
# identity is byte-identical, verify is green. Manifests without those
# fields (an older coldpack) leave encrypted units incomplete, as before.
. "$(dirname "$0")/lib/common.sh"
gen_data "$T/data" 2 2 6MiB
mkdir -p "$T/keys" "$T/recipients"
for t in $(tenants_of "$T/data/siem-01/$DATE"); do
  "$COLDPACK" keygen --tenant "$t" --out "$T/keys" >/dev/null
  cp "$T/keys/$t.txt" "$T/recipients/"
done
VOLUME_SIZE=512KiB write_config "$T/c.conf" "$T/data" "$T/store" "[encryption]" "recipients_dir = $T/recipients" "unknown_tenant = fail"
CP=("$COLDPACK" -c "$T/c.conf")
"${CP[@]}" init >/dev/null
"${CP[@]}" run --date "$DATE" >"$T/run.out" || die "run failed: $(cat "$T/run.out")"
grep -q "6 unit(s) done" "$T/run.out" || die "expected 6 units done: $(cat "$T/run.out")"
[ "$(find "$T/store" -name 'vol-0002.tar.gz.age' | wc -l)" -ge 1 ] || die "no unit has two volumes: the test needs one"

# the manifest entries carry what attestation needs
python3 - "$T/store/runs" <<'PY' || die "manifest entries lack the attestation fields"
import glob, json, re, sys
objs = [o for f in glob.glob(sys.argv[1] + "/*/*.json") for o in json.load(open(f))["objects"]]
assert objs
last = {}
for o in objs:
    assert o.get("encrypted") is True, o
    if o["kind"] == "index":
        unit, vol = re.match(r"(.*)/vol-(\d+)\.index", o["key"]).groups()
        assert isinstance(o["last"], bool), o
        last.setdefault(unit, []).append((int(vol), o["last"], o.get("unit_files_count")))
    else:
        assert "last" not in o, o
for unit, vs in last.items():
    vs.sort()
    assert [v[1] for v in vs] == [False] * (len(vs) - 1) + [True], (unit, vs)
    assert isinstance(vs[-1][2], int), (unit, vs)
PY
files0=$(sqlite3 "$T/catalog.db" "SELECT date, source, tenant, volumes, files FROM units WHERE status = 'complete' ORDER BY 1, 2, 3")

listing() { (cd "$T/store" && find . -path ./.coldpack -prune -o -type f -printf '%P %s\n' | sort); }
listing >"$T/l0"
rm -f "$T"/catalog.db*
"${CP[@]}" catalog rebuild >"$T/rb" 2>&1 || die "rebuild failed: $(cat "$T/rb")"
grep -q "6 complete unit(s)" "$T/rb" || die "rebuild did not find the 6 units complete: $(cat "$T/rb")"
grep -q PROBLEM "$T/rb" && die "rebuild reported problems: $(cat "$T/rb")"
files1=$(sqlite3 "$T/catalog.db" "SELECT date, source, tenant, volumes, files FROM units WHERE status = 'complete' ORDER BY 1, 2, 3")
[ "$files0" = "$files1" ] || die "rebuilt units differ: $files0 vs $files1"

# the next run of that day writes nothing, and says why late files are not looked for
"${CP[@]}" -v run --date "$DATE" >"$T/run2.out" 2>&1 || die "second run failed: $(cat "$T/run2.out")"
grep -q "unit(s) done" "$T/run2.out" && ! grep -q "0 unit(s) done" "$T/run2.out" && die "second run packed units: $(cat "$T/run2.out")"
grep -q "no file list in the catalog.*late files are not looked for" "$T/run2.out" ||
  die "no info line about the unknown file lists: $(cat "$T/run2.out")"
listing >"$T/l1"
diff "$T/l0" "$T/l1" >/dev/null || die "the run after the rebuild wrote to the store: $(diff "$T/l0" "$T/l1" | head)"

# restore with the identity; verify
for t in acme globex; do
  "${CP[@]}" restore --tenant "$t" --date "$DATE" --to "$T/r-$t" --yes --identity "$T/keys/$t.key" >/dev/null ||
    die "restore of $t after rebuild failed"
  check_restored "$T/r-$t" "$T/data" "$t"
done
"${CP[@]}" verify >"$T/v.out" 2>&1 || die "verify after rebuild failed: $(cat "$T/v.out")"

# manifests of an older coldpack (no "last", "unit_files_count", "encrypted";
# the chain re-hashed): encrypted units cannot be attested, as before
python3 - "$T/store/runs" <<'PY' || die "cannot rewrite the chain"
import glob, hashlib, json, os, sys
docs = {os.path.relpath(f, os.path.dirname(sys.argv[1])): f for f in glob.glob(sys.argv[1] + "/*/*.json")}
js = {k: json.load(open(f)) for k, f in docs.items()}
done, sha = set(), {}
while len(done) < len(js):
    for k, j in js.items():
        if k in done or (j["prev_manifest"] and j["prev_manifest"] not in done):
            continue
        if j["prev_manifest"]:
            j["prev_sha256"] = sha[j["prev_manifest"]]
        for o in j["objects"]:
            for f in ("last", "unit_files_count", "encrypted"):
                o.pop(f, None)
        b = json.dumps(j, indent=1, sort_keys=True).encode()
        open(docs[k], "wb").write(b)
        sha[k] = hashlib.sha256(b).hexdigest()
        done.add(k)
PY
rm -f "$T"/catalog.db*
expect_rc 3 "${CP[@]}" catalog rebuild >"$T/rb-old" 2>&1
grep -q 'does not record "last" (an older coldpack)' "$T/rb-old" || die "old manifests: no problem named: $(cat "$T/rb-old")"
grep -q " 0 complete unit(s)" "$T/rb-old" || die "old manifests: encrypted units attested without \"last\": $(cat "$T/rb-old")"
echo "encrypt rebuild ok"
