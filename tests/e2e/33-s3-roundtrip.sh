#!/bin/bash
# 33-s3-roundtrip: `coldpack init` puts the prefix's lifecycle rule; a day of
# 3 sources x 4 tenants through `coldpack run` into
# s3:// on Ceph RGW (DEEP_ARCHIVE, 5 MiB parts so volumes go multipart), then
# aws cli reads back what coldpack wrote (storage class, SHA-256 metadata or
# tag, bytes that GNU tar extracts), `restore` brings every tenant back
# byte-identical (RGW has no RestoreObject: named, then read directly), a
# second run writes nothing, no multipart upload is left open, and no secret
# appears in any output or in the catalog.
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/rgw.sh"
RGW_NO_TRAP=1
on_exit e2e_cleanup
rgw_start
rgw_aws s3api create-bucket --bucket e2e33 >/dev/null

gen_data "$T/data" 3 4 24MiB
# an incompressible file makes acme's siem-01 volume span several 5 MiB parts
head -c 13000000 /dev/urandom >"$T/data/siem-01/$DATE/acme/capture.pcap"
write_config "$T/c.conf" "$T/data" "unused"
python3 - "$T/c.conf" "$RGW_ENDPOINT" <<'PY'
import sys, re
path, ep = sys.argv[1:]
text = open(path).read()
s3 = ("[store]\nurl = s3://e2e33/coldpack\nregion = us-east-1\nendpoint = %s\npath_style = true\n"
      "storage_class = DEEP_ARCHIVE\npart_size = 5MiB\nconcurrency = 4\n" % ep)
text = re.sub(r"\[store\]\nurl = [^\n]*\n", s3, text)
open(path, "w").write(text.replace("volume_size = 2MiB", "volume_size = 12MiB"))
PY
"$COLDPACK" -c "$T/c.conf" init >"$T/init.out" 2>&1 || { cat "$T/init.out"; die "init"; }
rgw_aws s3api get-bucket-lifecycle-configuration --bucket e2e33 >"$T/lc.json" || die "init put no lifecycle"
grep -q '"ID": "coldpack:coldpack/"' "$T/lc.json" && grep -q '"DaysAfterInitiation": 7' "$T/lc.json" \
    || { cat "$T/lc.json"; die "init's lifecycle rule"; }
"$COLDPACK" -c "$T/c.conf" run --date "$DATE" >"$T/run1.out" 2>&1 || { cat "$T/run1.out"; die "run"; }
cat "$T/run1.out" | tail -5
grep -q "15 unit(s) done" "$T/run1.out" || die "expected 15 units"

# aws cli reads what coldpack wrote
rgw_aws s3api list-objects-v2 --bucket e2e33 --prefix coldpack/ --query 'Contents[].[Key,Size,StorageClass]' \
    --output text >"$T/list.txt"
grep -q "coldpack/tenant=acme/date=$DATE/source=siem-01/vol-0001.tar.gz" "$T/list.txt" || die "object layout"
grep -q "coldpack/runs/$DATE/" "$T/list.txt" || die "no run manifest"
grep "\.tar\.gz	" "$T/list.txt" | grep -vq DEEP_ARCHIVE && die "a volume is not DEEP_ARCHIVE"
grep -q "\.coldpack/" "$T/list.txt" && die "upload markers left in the bucket"
big=$(awk '$1 ~ /\.tar\.gz$/ && $2 > 5242880 {print $1; exit}' "$T/list.txt")
[ -n "$big" ] || die "no volume large enough to be multipart"
rgw_aws s3api head-object --bucket e2e33 --key "$big" >"$T/head.json"
grep -q '"StorageClass": "DEEP_ARCHIVE"' "$T/head.json" || die "storage class of $big"
rgw_aws s3api get-object --bucket e2e33 --key "$big" "$T/big.tar.gz" >/dev/null
sha=$(sha256sum <"$T/big.tar.gz" | cut -d' ' -f1)
rgw_aws s3api get-object-tagging --bucket e2e33 --key "$big" | grep -q "$sha" \
    || die "multipart volume's SHA-256 tag does not match its bytes"
mkdir -p "$T/gnutar" && tar -xzf "$T/big.tar.gz" -C "$T/gnutar" || die "GNU tar cannot extract $big"
small=$(awk '$1 ~ /\.index\.json\.gz$/ {print $1; exit}' "$T/list.txt")
rgw_aws s3api get-object --bucket e2e33 --key "$small" "$T/idx.gz" >"$T/idx.head"
grep -q "$(sha256sum <"$T/idx.gz" | cut -d' ' -f1)" "$T/idx.head" || die "x-amz-meta-sha256 of $small"
[ "$(rgw_open_uploads e2e33)" = 0 ] || die "multipart uploads left open"

# restore every tenant
for tenant in $(tenants_of "$T/data/siem-01/$DATE"); do
  "$COLDPACK" -c "$T/c.conf" restore --tenant "$tenant" --date "$DATE" --to "$T/restore" --yes \
      >"$T/restore-$tenant.out" 2>&1 || { tail -20 "$T/restore-$tenant.out"; die "restore $tenant"; }
  check_restored "$T/restore" "$T/data" "$tenant"
done
grep -q "does not support RestoreObject (HTTP 501" "$T"/restore-*.out || die "RGW's missing RestoreObject not named"

# second run: nothing new
n1=$(wc -l <"$T/list.txt")
"$COLDPACK" -c "$T/c.conf" run --date "$DATE" >"$T/run2.out" 2>&1 || { cat "$T/run2.out"; die "run 2"; }
grep -q "0 unit(s) done, 15 already complete" "$T/run2.out" || { cat "$T/run2.out"; die "second run did work"; }
n2=$(rgw_aws s3api list-objects-v2 --bucket e2e33 --prefix coldpack/ --query 'length(Contents)' --output text)
[ "$n1" = "$n2" ] || die "second run changed the object count ($n1 -> $n2)"
"$COLDPACK" -c "$T/c.conf" verify >"$T/verify.out" 2>&1 || { cat "$T/verify.out"; die verify; }

# no secret anywhere
if grep -rqa "$AWS_SECRET_ACCESS_KEY" "$T"/*.out "$T/catalog.db"; then die "secret key leaked"; fi
echo "s3 roundtrip ok"
