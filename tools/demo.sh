#!/usr/bin/env bash
# make demo: generate a day of SIEM logs (3 sources x 4 tenants), back it up
# into a local file:// store with the embedded default config, restore one
# tenant and prove it byte-identical. Everything lives under ./demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
D=$PWD/demo
DATE=${DATE:-$(date -d yesterday +%F)}
SIZE=${SIZE:-256MiB}
rm -rf "$D"; mkdir -p "$D"
echo "== generating $SIZE of sample logs for $DATE in $D/data"
build/loggen --out "$D/data" --date "$DATE" --sources 3 --tenants 4 --size "$SIZE" --edge-cases
cat >"$D/coldpack.conf" <<EOC
; coldpack demo config: a local file:// store that behaves like Deep Archive
[store]
url = file://$D/store
storage_class = DEEP_ARCHIVE
[catalog]
path = $D/catalog.db
[pack]
compression = gzip
volume_size = 64MiB
[retention]
days = 365
[source "siem-01"]
path = $D/data/siem-01/{date}
tenant = dir:1
[source "siem-02"]
path = $D/data/siem-02/{date}
tenant = dir:1
[source "siem-03"]
path = $D/data/siem-03/{date}
tenant = dir:1
EOC
export COLDPACK_CONFIG=$D/coldpack.conf
echo "== coldpack init"; build/coldpack init
echo "== coldpack run --date $DATE"; build/coldpack run --date "$DATE"
echo "== coldpack run again (idempotent: writes nothing)"; build/coldpack run --date "$DATE" | tail -n1
echo "== coldpack status"; build/coldpack status
echo "== coldpack ls --tenant acme"; build/coldpack ls --tenant acme
echo "== coldpack restore --tenant acme --date $DATE --to $D/restore --yes"
build/coldpack restore --tenant acme --date "$DATE" --to "$D/restore" --yes
echo "== comparing with the source"
for s in siem-01 siem-02 siem-03; do
  diff -r "$D/restore/acme/$DATE/$s" "$D/data/$s/$DATE/acme"
done
echo "== coldpack verify"; build/coldpack verify
echo "== GNU tar reads a volume alone:"
tar -tzf "$D/store/tenant=acme/date=$DATE/source=siem-01/vol-0001.tar.gz" >"$D/vol-0001.list"
head -n 5 "$D/vol-0001.list"
echo
echo "demo OK: tenant acme restored byte-identical from $D/store"
