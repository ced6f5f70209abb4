# Shared helpers for e2e scenarios. Source it first thing:
#   . "$(dirname "$0")/lib/common.sh"
# Gives: $T (a fresh temp dir removed on exit), $COLDPACK, $LOGGEN, and
# helpers below. Every helper fails the test (exit 1) with a message.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
COLDPACK=${COLDPACK:-$ROOT/build/coldpack}
LOGGEN=${LOGGEN:-$ROOT/build/loggen}
T=$(mktemp -d /tmp/coldpack-e2e.XXXXXX)
_cleanup_fns=()
on_exit() { _cleanup_fns+=("$1"); }
_run_cleanup() {
  local rc=$?
  for f in "${_cleanup_fns[@]}"; do eval "$f" || true; done
  if [ $rc -eq 0 ] || [ -z "${KEEP:-}" ]; then rm -rf "$T"; else echo "kept $T"; fi
  exit $rc
}
trap _run_cleanup EXIT
DATE=${DATE:-2026-11-23}

die() { echo "FAIL: $*" >&2; exit 1; }
# expect_rc CODE cmd...  — run cmd, require its exit code
expect_rc() {
  local want=$1; shift
  set +e; "$@"; local got=$?; set -e
  [ "$got" -eq "$want" ] || die "expected exit $want, got $got: $*"
}
# gen_data DIR [sources tenants size] — realistic logs plus edge cases
gen_data() {
  "$LOGGEN" --out "$1" --date "$DATE" --sources "${2:-3}" --tenants "${3:-4}" --size "${4:-24MiB}" --seed "${5:-7}" --edge-cases >/dev/null
}
# write_config FILE DATADIR STORE [extra ini lines for [pack]] — config for all sources in DATADIR
write_config() {
  local f=$1 data=$2 store=$3; shift 3
  {
    echo "[store]"; echo "url = file://$store"
    [ -n "${THAW_DELAY:-}" ] && echo "thaw_delay = $THAW_DELAY"
    echo "[catalog]"; echo "path = $T/catalog.db"
    echo "[pack]"; echo "volume_size = ${VOLUME_SIZE:-2MiB}"; echo "block_size = ${BLOCK_SIZE:-256KiB}"
    for l in "$@"; do echo "$l"; done
    for s in "$data"/*/; do
      s=$(basename "$s")
      echo "[source \"$s\"]"; echo "path = $data/$s/{date}"; echo "tenant = dir:1"
    done
  } >"$f"
}
tenants_of() { ls "$1"; }
# diff a restored tenant tree against the source: restore layout is
# TARGET/<tenant>/<date>/<source>/...
check_restored() {
  local target=$1 data=$2 tenant=$3 s
  for s in "$data"/*/; do
    s=$(basename "$s")
    [ -d "$data/$s/$DATE/$tenant" ] || continue
    diff -r --no-dereference "$target/$tenant/$DATE/$s" "$data/$s/$DATE/$tenant" || die "restored $tenant/$s differs from the source"
    [ "$(meta_listing "$target/$tenant/$DATE/$s")" = "$(meta_listing "$data/$s/$DATE/$tenant")" ] ||
      die "restored $tenant/$s: modes or mtimes differ: $(diff <(meta_listing "$target/$tenant/$DATE/$s") <(meta_listing "$data/$s/$DATE/$tenant") | head -5)"
  done
}
# path, type, mode, size, mtime (whole seconds) of regular files and dirs
meta_listing() { (cd "$1" && find . -mindepth 1 \( -type f -o -type d \) -printf '%P %y %m %s %TY%Tm%Td%TH%TM%TS\n' | sed 's/\.[0-9]*$//' | sort); }
# count files in the store that are objects (not under .coldpack)
store_objects() { (cd "$1" && find . -path ./.coldpack -prune -o -type f -print | sort); }
# httprec_start DIR — a loopback listener recording each POST as DIR/reqN.json
# (lib/httprec.py); sets $port. Stopped at exit.
httprec_start() {
  python3 "$ROOT/tests/e2e/lib/httprec.py" "$1" &
  local pid=$!
  on_exit "kill $pid 2>/dev/null; wait $pid 2>/dev/null"
  for _ in $(seq 100); do [ -f "$1.port" ] && break; sleep 0.05; done
  [ -f "$1.port" ] || die "http listener did not start"
  port=$(cat "$1.port")
}
