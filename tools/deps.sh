#!/usr/bin/env bash
# Install every Debian package coldpack's build, tests, demo and benchmarks
# need. Idempotent: installs only what is missing; runs apt-get update only
# when something must be installed.
set -euo pipefail
pkgs=(
  # build
  gcc make pkg-config libc6-dev
  libcurl4-openssl-dev libarchive-dev libssl-dev libzstd-dev libdeflate-dev
  libsqlite3-dev libinih-dev libexpat1-dev libjansson-dev zlib1g-dev libcmocka-dev
  clang-format clang
  # tests: real peers
  tar gzip zstd sqlite3 python3 curl age awscli openssh-server openssh-client iproute2
  python3-botocore  # regenerates tests/vectors/sigv4 (make-vectors.py)
  radosgw ceph-mon ceph-osd ceph-common uuid-runtime
  # benchmarks
  pigz restic hyperfine time linux-perf
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#pkgs[@]} Debian packages present"
else
  echo "deps: installing ${missing[*]}"
  SUDO=
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# s3rver (npm): a second S3 implementation for tests/e2e/36; optional — the
# test skips without it, so a failure here is only a warning.
NPM_PREFIX=${COLDPACK_NPM_PREFIX:-$HOME/.cache/coldpack-npm}
if [ ! -x "$NPM_PREFIX/node_modules/.bin/s3rver" ]; then
  if command -v npm >/dev/null 2>&1; then
    npm install --silent --no-audit --no-fund --prefix "$NPM_PREFIX" s3rver@3.7.1 >/dev/null 2>&1 &&
      echo "deps: s3rver installed in $NPM_PREFIX" ||
      echo "deps: warning: npm install s3rver failed; tests/e2e/36 will be skipped"
  else
    echo "deps: warning: npm not found; tests/e2e/36 (s3rver) will be skipped"
  fi
fi
