#!/usr/bin/env bash
# gen.sh — regenerate coldpack's own age v1 test vectors with the Debian
# `age` and `age-keygen` CLIs (age 1.1.1 when these were made). Run from
# anywhere: tests/vectors/age/gen.sh. See README.md for the file format and
# the list; tests/unit/test_age.c replays every file here without a dot in
# its name.
#
# The identities in keys/ are fixed: made once by age-keygen, kept when they
# exist (delete keys/ to make new ones). age draws a fresh file key, nonce and
# ephemeral share on every run, so the .age bytes change each time the script
# runs, but every vector's expected result and payload hash do not.
set -euo pipefail
cd "$(dirname "$0")"
command -v age >/dev/null && command -v age-keygen >/dev/null || {
  echo "gen.sh: needs age and age-keygen (apt-get install age)" >&2; exit 1; }
mkdir -p keys
for k in alice bob carol; do
  [ -f keys/$k.key ] || age-keygen -o keys/$k.key 2>/dev/null
done
pub() { age-keygen -y keys/$1.key; }
idline() { grep '^AGE-SECRET-KEY-1' keys/$1.key; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Deterministic plaintexts: the decimal numbers 1, 2, ... one per line, cut
# to the size (no SIGPIPE from seq | head under pipefail: seq writes a file).
seq 1 20000 >"$tmp/numbers"
mk() { head -c "$2" "$tmp/numbers" >"$tmp/$1"; }
mk empty 0
mk small 100
mk 64k 65536
mk 64k1 65537
[ "$(wc -c <"$tmp/64k1")" -eq 65537 ]

# vector NAME EXPECT RELEASED_PLAINTEXT AGE_FILE COMMENT IDENTITY...
# RELEASED_PLAINTEXT: what a reader releases before it stops (CCTV rule:
# chunks are released as each one verifies).
vector() {
  local name=$1 expect=$2 plain=$3 file=$4 comment=$5
  shift 5
  {
    echo "expect: $expect"
    echo "payload: $(sha256sum <"$plain" | cut -d' ' -f1)"
    for k in "$@"; do echo "identity: $(idline "$k")"; done
    echo "comment: $comment"
    echo
    cat "$file"
  } >"$name"
}
enc() { # OUT PLAIN RECIPIENT-NAMES...
  local out=$1 in=$2
  shift 2
  local args=()
  for k in "$@"; do args+=(-r "$(pub "$k")"); done
  age -e "${args[@]}" -o "$out" "$in"
}
# flip OFFSET-FROM-END FILE: xor one byte with 0x01 (a negative offset counts
# from the end of the file)
flip() { python3 -c 'import sys
p, off = sys.argv[1], int(sys.argv[2])
b = bytearray(open(p, "rb").read()); b[off] ^= 1; open(p, "wb").write(b)' "$2" "$1"; }
# macflip OFFSET FILE: replace one base64 character with the next one in the
# alphabet (stays canonical away from the last character)
macflip() { python3 -c 'import sys
a = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
p, off = sys.argv[1], int(sys.argv[2])
b = bytearray(open(p, "rb").read()); b[off] = a[(a.index(b[off]) + 1) % 64]; open(p, "wb").write(b)' "$2" "$1"; }
hdrlen() { python3 -c 'import sys
b = open(sys.argv[1], "rb").read(); i = b.index(b"\n---"); print(b.index(b"\n", i + 1) + 1)' "$1"; }

: >"$tmp/none"
head -c 65536 "$tmp/64k1" >"$tmp/first"

enc "$tmp/e0" "$tmp/empty" alice
vector x25519_empty success "$tmp/empty" "$tmp/e0" "empty plaintext: one empty final chunk" alice
enc "$tmp/e1" "$tmp/small" alice
vector x25519_small success "$tmp/small" "$tmp/e1" "100 bytes, one short final chunk" alice
enc "$tmp/e2" "$tmp/64k" alice
vector x25519_64k success "$tmp/64k" "$tmp/e2" "exactly 64 KiB: one full chunk flagged final" alice
enc "$tmp/e3" "$tmp/64k1" alice
vector x25519_64k_plus_1 success "$tmp/64k1" "$tmp/e3" "64 KiB + 1: a full chunk, then a 1-byte final chunk" alice
enc "$tmp/e4" "$tmp/small" alice bob carol
vector multi_recipient success "$tmp/small" "$tmp/e4" "three X25519 stanzas, the identity matches the third" carol
enc "$tmp/e5" "$tmp/empty" alice bob
vector multi_recipient_empty success "$tmp/empty" "$tmp/e5" "two recipients, empty plaintext" bob
vector wrong_key "no match" "$tmp/none" "$tmp/e1" "encrypted to alice; tried with bob's and carol's identities" bob carol

h=$(hdrlen "$tmp/e3")
head -c $((h + 16 + 65552)) "$tmp/e3" >"$tmp/t1"
vector truncated_no_final "payload failure" "$tmp/first" "$tmp/t1" "64 KiB + 1 cut after the first chunk: no final chunk; the first is released" alice
head -c -10 "$tmp/e3" >"$tmp/t2"
vector truncated_mid_chunk "payload failure" "$tmp/first" "$tmp/t2" "64 KiB + 1 missing its last 10 bytes: the final chunk is shorter than a tag" alice
head -c 40 "$tmp/e1" >"$tmp/t3"
vector truncated_header "header failure" "$tmp/none" "$tmp/t3" "only the first 40 bytes" alice
cp "$tmp/e1" "$tmp/f1"
macflip $(($(hdrlen "$tmp/e1") - 20)) "$tmp/f1"
vector hmac_flipped "HMAC failure" "$tmp/none" "$tmp/f1" "one character of the header MAC's base64 changed (still canonical)" alice
cp "$tmp/e3" "$tmp/f2"
flip -5 "$tmp/f2"
vector last_chunk_flipped "payload failure" "$tmp/first" "$tmp/f2" "one bit flipped in the last chunk's tag; the first chunk is released" alice
cp "$tmp/e2" "$tmp/f3"
printf 'x' >>"$tmp/f3"
vector trailing_data "payload failure" "$tmp/64k" "$tmp/f3" "a byte after the full final chunk; that chunk is released" alice

# Sanity: the success vectors decrypt with age itself.
for v in e0:empty:alice e1:small:alice e2:64k:alice e3:64k1:alice e4:small:carol e5:empty:bob; do
  IFS=: read -r f p k <<<"$v"
  age -d -i keys/$k.key "$tmp/$f" | cmp - "$tmp/$p"
done
echo "gen.sh: vectors written to $(pwd)"
