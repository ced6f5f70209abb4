#!/usr/bin/env bash
# The hostile-archive corpus (tests/hostile/): for every case, forge a whole
# tenant-day into a copy of a real store (volume, index, manifest chained to
# the last real one: the attacker can write the store and recompute every
# hash), `catalog rebuild`, then restore it into a fresh target that has an
# outside/ sibling holding a victim file. The case's expectation is checked
# (tests/hostile/cases.py), and for every case: nothing new exists next to
# the target, nothing under /tmp carries the case's names, no file in the
# target is setuid/setgid, restore's peak RSS stays under 512 MiB.
# Cases listed in tests/hostile/known-failing.txt are expected to fail today;
# the script fails if any other case fails, or if a listed one now passes.
# Args: case names to run only those (default: all).
. "$(dirname "$0")/lib/common.sh"
H=$ROOT/tests/hostile
FDATE=2026-11-24                     # the forged day, after the real one ($DATE)
TMPP=/tmp/cpk-hostile-pwned-$$       # {TMP} in case names
KNOWN=$H/known-failing.txt
command -v /usr/bin/time >/dev/null || die "/usr/bin/time (package time) is needed"
# the interpreter itself, -S: stdlib only, and no (slow) site or pyenv shim per call
export PYTHONDONTWRITEBYTECODE=1
PY=("$(python3 -c 'import sys; print(sys.executable)')" -S)

# one real first run on tiny data: the forged day is chained onto it
gen_data "$T/data" 1 1 64KiB
write_config "$T/base.conf" "$T/data" "$T/store" "threads = 2"
sed -i 's|^\[store\]|[store]\nstorage_class = STANDARD|' "$T/base.conf"
"$COLDPACK" -q -c "$T/base.conf" run --date "$DATE" >/dev/null

if [ $# -gt 0 ]; then cases=("$@"); else mapfile -t cases < <("${PY[@]}" "$H/cases.py" list); fi
declare -A known=()
while IFS= read -r line; do
  line=${line%%#*}; n=${line%%:*}; n=${n//[[:space:]]/}
  [ -n "$n" ] && known[$n]=1
done <"$KNOWN"

listing() {  # everything under $T but the case's target, logs and catalog
  local w=$1
  find "$T" \( -path "$w/target" -o -path "$w/log" -o -path "$w/catalog.db*" \) -prune \
    -o -printf '%y %m %n %p\n' | sort
}

pass=0; fail=0; unexpected=0; fixed=0
for name in "${cases[@]}"; do
  W=$T/case
  rm -rf "$W" "$TMPP"*
  mkdir -p "$W/outside" "$W/log" "$W/target"
  cp -a "$T/store" "$W/store"
  sed -e "s|file://$T/store|file://$W/store|" -e "s|$T/catalog.db|$W/catalog.db|" "$T/base.conf" >"$W/c.conf"
  printf 'secret\n' >"$W/outside/victim"; chmod 644 "$W/outside/victim"
  reason=""
  fargs=(--store "$W/store" --case "$name" --outside "$W/outside" --tmp-prefix "$TMPP")
  if ! "${PY[@]}" "$H/forge.py" "${fargs[@]}" >"$W/log/forge.out" 2>&1; then
    reason="forge failed: $(tail -n1 "$W/log/forge.out")"
  else
    "$COLDPACK" -c "$W/c.conf" catalog rebuild >"$W/log/rebuild.out" 2>&1 || true
    # a store-only attacker may change objects after the catalog was built
    if grep -qx 'post=1' "$W/log/forge.out"; then "${PY[@]}" "$H/forge.py" "${fargs[@]}" --post-rebuild; fi
    tenant=$(sed -n 's/^tenant=//p' "$W/log/forge.out")
    before=$(listing "$W")
    set +e
    /usr/bin/time -f %M -o "$W/log/rss" timeout 120 "$COLDPACK" -c "$W/c.conf" restore \
      --tenant "$tenant" --date "$FDATE" --to "$W/target" --yes >"$W/log/restore.out" 2>&1
    rc=$?
    set -e
    rss=$(tail -n1 "$W/log/rss" 2>/dev/null | grep -Eo '^[0-9]+$' || echo 0)
    cat "$W/log/rebuild.out" "$W/log/restore.out" >"$W/log/all.out"
    after=$(listing "$W")
    if [ "$before" != "$after" ]; then
      reason="something changed outside the target: $(diff <(echo "$before") <(echo "$after") | grep '^[<>]' | head -3 | tr '\n' ' ')"
    elif compgen -G "$TMPP*" >/dev/null; then
      reason="written under /tmp: $(ls -d "$TMPP"* | head -3 | tr '\n' ' ')"
    elif [ -n "$(find "$W/target" -perm /6000 -print -quit)" ]; then
      reason="setuid/setgid file in the target: $(find "$W/target" -perm /6000 | head -1 | sed "s|$W/target/||")"
    else
      reason=$("${PY[@]}" "$H/cases.py" check "$name" --target "$W/target" --outside "$W/outside" \
        --tmp-prefix "$TMPP" --out "$W/log/all.out" --restore-out "$W/log/restore.out" \
        --rc "$rc" --rss-kb "$rss" --date "$FDATE" 2>&1) && reason=""
    fi
  fi
  if [ -z "$reason" ]; then
    if [ -n "${known[$name]:-}" ]; then
      echo "FAIL $name: now passes: remove it from known-failing.txt"; fixed=$((fixed+1))
    else
      echo "PASS $name"
    fi
    pass=$((pass+1))
  else
    fail=$((fail+1))
    if [ -n "${known[$name]:-}" ]; then
      echo "FAIL $name: $reason (known)"
    else
      echo "FAIL $name: $reason"; unexpected=$((unexpected+1))
      if [ -n "${VERBOSE:-}" ]; then sed 's/^/    /' "$W/log/all.out" | head -20; fi
    fi
  fi
  if [ -n "${KEEP_CASES:-}" ]; then mkdir -p "$T/kept"; mv "$W" "$T/kept/$name"; else rm -rf "$W"; fi
  rm -rf "$TMPP"*
done
echo "$pass passed, $fail failed ($((fail - unexpected)) known-failing, $unexpected unexpected, $fixed listed but now passing)"
[ $unexpected -eq 0 ] && [ $fixed -eq 0 ]
