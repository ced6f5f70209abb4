#!/usr/bin/env bash
# check-docs.sh — the "Layers and modules" table of docs/design.md names every
# src/*.c exactly once, and names no .c file that does not exist.
# Prints each problem; exits 1 on any, 0 otherwise. Run by `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."

# the table: the first ``` block after the "## Layers and modules" heading
table=$(awk '/^## Layers and modules/ {s = 1; next}
             s && /^```/ {if (in_block) exit; in_block = 1; next}
             in_block {print}' docs/design.md)
if [ -z "$table" ]; then
    echo "check-docs: no table under \"## Layers and modules\" in docs/design.md"
    exit 1
fi

bad=0
for f in src/*.c; do
    b=$(basename "$f")
    n=$(grep -oE "(^|[^A-Za-z0-9_])${b//./\\.}([^A-Za-z0-9_]|$)" <<<"$table" | wc -l || true)
    if [ "$n" -ne 1 ]; then
        echo "check-docs: docs/design.md table names $b $n times (expected once)"
        bad=1
    fi
done
for b in $(grep -oE '[A-Za-z0-9_*]+\.c([^A-Za-z0-9_]|$)' <<<"$table" | grep -oE '^[A-Za-z0-9_*]+\.c' | sort -u); do
    if [ ! -e "src/$b" ]; then
        echo "check-docs: docs/design.md table names $b, which is not in src/"
        bad=1
    fi
done
[ "$bad" -eq 0 ] && echo "check-docs: ok"
exit "$bad"
