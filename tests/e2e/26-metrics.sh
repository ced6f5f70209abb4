#!/usr/bin/env bash
# 26-metrics.sh — [run] metrics_file: after a good run, a run with a failing
# source, and a run that fails before its first unit, the Prometheus
# textfile is valid text exposition format (HELP/TYPE before the samples,
# every sample `name{labels} value` with a numeric value),
# replaced atomically (no temporary file left), mode 0644, and says what
# happened: exit code, per-source bytes and units, last success kept across
# a failed run, days_incomplete from the catalog.
. "$(dirname "$0")/lib/common.sh"
command -v python3 >/dev/null || exit 77

gen_data "$T/data" 2 2 2MiB
mkdir -p "$T/prom"
write_config "$T/c.conf" "$T/data" "$T/store" "[run]" "metrics_file = $T/prom/coldpack.prom" \
    "catch_up_days = 7"
"$COLDPACK" -q -c "$T/c.conf" init >/dev/null

check() { # check PYTHON-ASSERTIONS (m = {(name, frozenset(labels)): value})
    python3 - "$T/prom/coldpack.prom" "$1" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
assert text.endswith("\n"), "no final newline"
helped, typed, m = set(), {}, {}
name_re = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
label_re = r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"'
for line in text.splitlines():
    if line.startswith("# HELP "):
        name = line.split()[2]
        assert re.fullmatch(name_re, name), line
        assert name not in helped, f"HELP twice: {line}"
        helped.add(name)
        continue
    if line.startswith("# TYPE "):
        _, _, name, typ = line.split(" ", 3)
        assert typ in ("gauge", "counter", "untyped"), line
        assert name not in typed, f"TYPE twice: {line}"
        typed[name] = typ
        continue
    assert not line.startswith("#") and line.strip(), f"stray line: {line!r}"
    g = re.fullmatch(rf"({name_re})(?:\{{((?:{label_re},?)*)\}})? (\S+)", line)
    assert g, f"not a sample: {line!r}"
    name, labels, value = g.group(1), g.group(2) or "", g.group(g.lastindex)
    float(value)  # numeric
    assert name in helped and name in typed, f"sample before its HELP/TYPE: {line}"
    key = (name, frozenset(re.findall(label_re, labels)))
    assert key not in m, f"duplicate sample: {line}"
    m[key] = float(value)
def v(name, **labels):
    return m.get((name, frozenset(labels.items())))
exec(sys.argv[2])
print("metrics ok:", len(m), "samples")
PY
}

# 1. a good run
expect_rc 0 "$COLDPACK" -q -c "$T/c.conf" run --date "$DATE"
[ "$(stat -c %a "$T/prom/coldpack.prom")" = 644 ] || die "metrics mode $(stat -c %a "$T/prom/coldpack.prom")"
[ "$(ls "$T/prom")" = coldpack.prom ] || die "leftover files: $(ls "$T/prom")"
srcs=$(ls "$T/data")
check '
import time
now = time.time()
assert v("coldpack_last_exit_code") == 0
assert abs(v("coldpack_last_run_timestamp_seconds") - now) < 120
assert v("coldpack_last_success_timestamp_seconds") == v("coldpack_last_run_timestamp_seconds")
assert v("coldpack_run_duration_seconds") >= 0
for s in """'"$srcs"'""".split():
    assert v("coldpack_bytes_read_total", source=s) > 0, s
    assert v("coldpack_bytes_stored_total", source=s) > 0, s
    assert v("coldpack_units", source=s, outcome="done") >= 1, s
    assert v("coldpack_units", source=s, outcome="failed") == 0, s
assert v("coldpack_days_incomplete") == 0, v("coldpack_days_incomplete")
'
good=$(grep '^coldpack_last_success_timestamp_seconds ' "$T/prom/coldpack.prom" | cut -d' ' -f2)
echo "1. good run: metrics ok"

# 2. a run where a source fails (source names are [A-Za-z0-9._-], so label
# escaping is covered by tests/unit/test_metrics.c)
cat >>"$T/c.conf" <<EOF
[source "gone.1"]
path = $T/nowhere/{date}
tenant = dir:1
EOF
sleep 1
expect_rc 4 "$COLDPACK" -q -c "$T/c.conf" run --date "$DATE"
check '
assert v("coldpack_last_exit_code") == 4
assert v("coldpack_last_success_timestamp_seconds") == '"$good"', "last success moved"
assert v("coldpack_units", source="gone.1", outcome="failed") == 1, m
assert v("coldpack_bytes_read_total", source="gone.1") == 0
assert v("coldpack_days_incomplete") == 1, v("coldpack_days_incomplete")
'
echo "2. failing source: metrics ok"

# 3. failed before the first unit (store under a regular file)
touch "$T/afile"
sed -i "s|^url = .*|url = file://$T/afile/store|" "$T/c.conf"
expect_rc 1 "$COLDPACK" -q -c "$T/c.conf" run --date "$DATE"
check '
assert v("coldpack_last_exit_code") == 1
assert v("coldpack_last_success_timestamp_seconds") == '"$good"'
assert not any(k[0] == "coldpack_units" for k in m), "units of a run that did not start"
'
[ "$(ls "$T/prom")" = coldpack.prom ] || die "leftover files: $(ls "$T/prom")"
echo "3. failed before its first unit: metrics ok"
echo "26-metrics: 1 passed, 0 failed"
