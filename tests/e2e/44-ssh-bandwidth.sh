#!/usr/bin/env bash
# 44-ssh-bandwidth.sh — the token buckets hold on real transfers of > 100 MiB
# from two sshd hosts: [run] bandwidth caps the sum of both sources, and a
# per-source bandwidth caps each. Measured as bytes over elapsed time of the
# whole run, so start-up and the final flush count against us: the rate may
# not exceed the limit by more than 10 %, and the run may not take longer
# than 110 % of bytes/limit plus the time the same run takes unlimited (its
# own start-up, compression and flush; on a loaded machine that grows too,
# which keeps this bound fair without a fixed duration).
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/sshd.sh"
sshd_available || exit 77

"$LOGGEN" --out "$T/data" --date "$DATE" --sources 2 --tenants 3 --size 110MiB --seed 5 >/dev/null
sshd_setup 2
sshd_start 1
sshd_start 2

config() { # config FILE STORE RUN_BW SOURCE_BW
    {
        echo "[store]"; echo "url = file://$2"
        echo "[catalog]"; echo "path = $2.db"
        echo "[pack]"; echo "volume_size = 64MiB"; echo "level = 1"
        echo "[run]"; echo "parallel_sources = 2"
        [ "$3" = 0 ] || echo "bandwidth = $3"
        for i in 1 2; do
            echo "[source \"siem-0$i\"]"
            echo "host = ${SSHD_ADDR[$i]}"; echo "port = $SSHD_PORT"; echo "user = root"
            echo "identity = $SSHD_KEY"; echo "ssh_command = $SSHD_SSH"
            echo "path = $T/data/siem-0$i/{date}"; echo "tenant = dir:1"
            [ "$4" = 0 ] || echo "bandwidth = $4"
        done
        echo "[notify]"; echo "command = cat > $2.summary.json"; echo "on = always"
    } >"$1"
}

# measure CONF LIMIT_BYTES_PER_S LABEL MODE — MODE run: all bytes of the run
# against the limit; source: the largest source's bytes (it finishes last)
measure() {
    "$COLDPACK" -c "$1" init >/dev/null
    local t0 t1
    t0=$(date +%s.%N)
    "$COLDPACK" -c "$1" run --date "$DATE" >/dev/null
    t1=$(date +%s.%N)
    python3 - "$1" "$t0" "$t1" "$2" "$3" "$4" "${5:-0}" <<'PY'
import json, re, sys
conf, t0, t1, limit, label, mode = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5], sys.argv[6]
t_free = float(sys.argv[7])
store = re.search(r"url = file://(\S+)", open(conf).read()).group(1)
s = json.load(open(store + ".summary.json"))
assert s["status"] == "ok", s["status"]
assert s["bytes_in"] >= 100 * 2**20, f"only {s['bytes_in']} bytes transferred"
n = s["bytes_in"] if mode == "run" else max(x["bytes_read"] for x in s["sources"])
rate = n / (t1 - t0)
print(f"{label}: {n / 2**20:.1f} MiB in {t1 - t0:.2f} s = {rate / 1e6:.2f} MB/s (limit {limit / 1e6:.2f} MB/s)")
if limit > 0:
    assert rate <= limit * 1.10, f"{label}: limit exceeded: {rate:.0f} > {limit:.0f} B/s"
    bound = n / limit * 1.10 + t_free
    assert t1 - t0 <= bound, f"{label}: too slow: {t1 - t0:.2f} s > {bound:.2f} s"
else:
    print(f"{t1 - t0:.3f}", file=open(conf + ".elapsed", "w"))
PY
}

config "$T/free.conf" "$T/store-free" 0 0
measure "$T/free.conf" 0 "unlimited" run
t_free=$(cat "$T/free.conf.elapsed")
config "$T/run.conf" "$T/store-run" 10MB/s 0
measure "$T/run.conf" 10000000 "run-wide 10MB/s over 2 sources" run "$t_free"
config "$T/src.conf" "$T/store-src" 0 5MB/s
measure "$T/src.conf" 5000000 "per-source 5MB/s, largest source" source "$t_free"
echo "44-ssh-bandwidth: 1 passed, 0 failed"
