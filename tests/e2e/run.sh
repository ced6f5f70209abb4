#!/usr/bin/env bash
# Run the end-to-end scenarios tests/e2e/NN-*.sh (or those named as args).
# Each exits 0 (pass), 77 (skip: a peer is unavailable) or anything else (fail).
set -u
cd "$(dirname "$0")/../.."
export COLDPACK=${COLDPACK:-$PWD/build/coldpack} LOGGEN=${LOGGEN:-$PWD/build/loggen}
pass=0; fail=0; skip=0; failed=()
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(tests/e2e/[0-9][0-9]-*.sh)
for t in "${tests[@]}"; do
  log=$(mktemp)
  start=$(date +%s)
  bash "$t" >"$log" 2>&1
  rc=$?
  secs=$(( $(date +%s) - start ))
  case $rc in
    0) pass=$((pass+1)); echo "PASS $t (${secs}s)";;
    77) skip=$((skip+1)); echo "SKIP $t: $(tail -n1 "$log")";;
    *) fail=$((fail+1)); failed+=("$t"); echo "FAIL $t (exit $rc, ${secs}s); last lines:"; tail -n 30 "$log" | sed 's/^/    /';;
  esac
  rm -f "$log"
done
echo "e2e: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
