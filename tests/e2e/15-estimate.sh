#!/usr/bin/env bash
# `coldpack estimate`: the flag mode's figures for --daily 1.5TB --ratio 5
# --days 365 (8 MiB parts: requests warned; 64 MiB, what part_size = auto
# picks for 4 GiB volumes: not) equal a hand
# computation done here in python3; [prices] overrides a price; the catalog
# mode after a tiny run takes the catalog's real ratio and volumes.
. "$(dirname "$0")/lib/common.sh"
gen_data "$T/data" 2 2 4MiB
write_config "$T/c.conf" "$T/data" "$T/store"
CP=("$COLDPACK" -c "$T/c.conf")

"${CP[@]}" estimate --daily 1.5TB --ratio 5 --days 365 --volume-size 4GiB --part-size 8MiB --json >"$T/e8.json"
"${CP[@]}" estimate --daily 1.5TB --ratio 5 --days 365 --volume-size 4GiB --part-size 64MiB --json >"$T/e64.json"
"${CP[@]}" estimate --daily 1.5TB --ratio 5 --days 365 --volume-size 4GiB --part-size 8MiB >"$T/e8.txt"
grep -q "^warning: PUT/part requests cost 54% of the storage bill" "$T/e8.txt" || die "no request warning: $(cat "$T/e8.txt")"
grep -q "part_size = 64.0 MiB would cost \$7.01" "$T/e8.txt" || die "no part size suggestion"
"${CP[@]}" estimate --daily 1.5TB --ratio 5 --days 365 --volume-size 4GiB --part-size 64MiB | grep -q "^warning" && die "64 MiB parts warned"
# part_size = auto (the default): 64 MiB parts for 4 GiB volumes, not warned
"${CP[@]}" estimate --daily 1.5TB --ratio 5 --days 365 --volume-size 4GiB --json >"$T/eauto.json"
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["input"]["part_size"] == 64 << 20 and not j["requests_warning"], j' "$T/eauto.json" ||
  die "auto part size: $(cat "$T/eauto.json")"

python3 - "$T/e8.json" "$T/e64.json" <<'PY'
import json, math, sys
GB, MONTH = 2**30, 730 / 24
def hand(part):
    daily, ratio, days, vol = 1.5e12, 5, 365, 4 * 2**30   # --volume-size 4GiB
    stored = daily / ratio * days                           # steady state, bytes
    vols_day = daily / ratio / vol
    req_vol = math.ceil(vol / part) + 2                    # parts + initiate + complete
    storage = stored / GB * 0.00099
    requests = vols_day * MONTH * req_vol / 1000 * 0.05
    overhead = vols_day * days * (8192 / GB * 0.023 + 32768 / GB * 0.00099)
    index = (vols_day * days * 65536 + days * 16384) / GB * 0.023
    index_put = (vols_day + 1) * MONTH / 1000 * 0.005
    # restore: one tenant (--tenants 1: the whole night) for 7 nights
    r_bytes = daily / ratio * 7
    r_objs = math.ceil(daily / ratio / vol) * 7
    return dict(stored=stored, storage=storage, requests=requests, overhead=overhead,
                index=index, index_put=index_put,
                total=storage + requests + overhead + index + index_put,
                bulk=r_bytes / GB * 0.0025 + r_objs / 1000 * 0.025,
                standard=r_bytes / GB * 0.02 + r_objs / 1000 * 0.10,
                transfer=r_bytes / GB * 0.09, req_vol=req_vol)
def close(a, b, what):
    assert abs(a - b) <= 1e-6 * max(1, abs(b)), f"{what}: coldpack {a} != hand {b}"
for path, part in ((sys.argv[1], 8 << 20), (sys.argv[2], 64 << 20)):
    j, h = json.load(open(path)), hand(part)
    s, m, r = j["steady_state"], j["monthly_usd"], j["restore"]
    close(s["stored_bytes"], h["stored"], "stored")
    close(s["requests_per_volume"], h["req_vol"], "requests/volume")
    close(m["storage"], h["storage"], "storage")
    close(m["requests"], h["requests"], "requests")
    close(m["overhead"], h["overhead"], "overhead")
    close(m["index_storage"], h["index"], "index storage")
    close(m["index_requests"], h["index_put"], "index requests")
    close(m["total"], h["total"], "total")
    close(r["bulk_usd"], h["bulk"], "bulk")
    close(r["standard_usd"], h["standard"], "standard")
    close(r["transfer_out_usd"], h["transfer"], "transfer")
    assert j["requests_warning"] == (h["requests"] > 0.1 * (h["storage"] + h["overhead"] + h["index"])), path
    print(f"part {part >> 20} MiB: storage ${m['storage']:.2f} requests ${m['requests']:.2f} total ${m['total']:.2f}")
j8 = json.load(open(sys.argv[1]))
assert round(j8["monthly_usd"]["storage"], 2) == 100.96 and round(j8["monthly_usd"]["requests"], 2) == 54.60, j8["monthly_usd"]
assert j8["suggested_part_size"] == 64 << 20
PY

# [prices] overrides, and a bad one is refused at load (exit 2)
cp "$T/c.conf" "$T/p.conf"; printf '[prices]\nstorage_gb_month = 0.002\ntransfer_out_gb = 0\n' >>"$T/p.conf"
"$COLDPACK" -c "$T/p.conf" estimate --daily 1.5TB --ratio 5 --json | python3 -c '
import json, sys; j = json.load(sys.stdin)
assert j["prices"]["storage_gb_month"] == 0.002 and j["restore"]["transfer_out_usd"] == 0, j["prices"]'
cp "$T/c.conf" "$T/bad.conf"; printf '[prices]\nstorage_gb_month = cheap\n' >>"$T/bad.conf"
expect_rc 2 "$COLDPACK" -c "$T/bad.conf" estimate --daily 1TB --ratio 5
expect_rc 2 "${CP[@]}" estimate --daily 1.5TB          # no --ratio
expect_rc 2 "${CP[@]}" estimate --daily lots --ratio 5

# catalog mode: nothing yet -> exit 1; after a run, the real figures
expect_rc 1 "${CP[@]}" estimate
"${CP[@]}" init >/dev/null
"${CP[@]}" -q run --date "$DATE"
"${CP[@]}" estimate --json >"$T/cat.json"
"${CP[@]}" estimate | tee "$T/cat.txt" | grep -q "^estimate from the catalog" || die "catalog mode text"
sqlite3 "$T/catalog.db" "SELECT (SELECT sum(bytes_in) FROM units WHERE status='complete'),
  (SELECT sum(size) FROM objects WHERE kind='data'), (SELECT count(*) FROM objects WHERE kind='data')" >"$T/db.txt"
python3 - "$T/cat.json" "$T/db.txt" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
bytes_in, data, nvol = map(int, open(sys.argv[2]).read().strip().split("|"))
i = j["input"]
assert j["mode"] == "catalog", j["mode"]
assert abs(i["daily_bytes_in"] - bytes_in) < 1, (i["daily_bytes_in"], bytes_in)   # one night
assert abs(i["ratio"] - bytes_in / data) < 1e-9, (i["ratio"], bytes_in / data)
assert abs(i["volume_bytes"] - data / nvol) < 1e-6, (i["volume_bytes"], data / nvol)
assert abs(j["steady_state"]["stored_bytes"] - data * i["days"]) < 1, "steady state"
print(f"catalog: ratio {i['ratio']:.2f}, {nvol} volumes, {data} bytes stored")
PY
echo "estimate ok"
