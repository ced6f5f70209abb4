# shellcheck shell=bash
# tests/e2e/lib/walk.sh — helpers for the walk attack scenarios (20-, 21-),
# sourced after common.sh.
#   walk_setup              $T/c.conf: one source siem-01 at
#                           $T/data/siem-01/{date} (tenant = dir:1), store
#                           $T/store, catalog $T/catalog.db; init
#   walk_swap_run D TENANT [--procs N] NAME...
#                           `run --date D` (log in $T/run-D.log, exit code in
#                           RC) while tests/e2e/lib/swaprun.py swaps each
#                           $T/data/siem-01/D/TENANT/NAME with $T/swap/D/NAME;
#                           RC 124: killed after 60 s. Exits 77 when swaprun
#                           cannot swap here.
walk_setup() {
    {
        echo "[store]"; echo "url = file://$T/store"
        echo "[catalog]"; echo "path = $T/catalog.db"
        echo "[source \"siem-01\"]"; echo "path = $T/data/siem-01/{date}"; echo "tenant = dir:1"
    } >"$T/c.conf"
    "$COLDPACK" -c "$T/c.conf" init >/dev/null
}
walk_swap_run() {
    local d=$1 tenant=$2 args=() n
    shift 2
    if [ "${1:-}" = --procs ]; then args=(--procs "$2"); shift 2; fi
    for n in "$@"; do args+=(--pair "$T/data/siem-01/$d/$tenant/$n" "$T/swap/$d/$n"); done
    set +e
    python3 "$ROOT/tests/e2e/lib/swaprun.py" --timeout 60 "${args[@]}" \
        -- "$COLDPACK" -c "$T/c.conf" run --date "$d" >"$T/run-$d.log" 2>&1
    RC=$?
    set -e
    [ $RC -ne 77 ] || exit 77
}
