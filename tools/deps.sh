#!/usr/bin/env bash
# Install the Debian packages coldpack needs, by group:
#   tools/deps.sh build   (make deps)      compiler, pkg-config, -dev libraries, what the
#                                          man pages and the runtime need (ssh, CA certs)
#   tools/deps.sh test    (make deps-test) the peers of make test, make bench and the e2e
#                                          scenarios, and the s3rver npm package
# Idempotent: installs only what is missing; runs apt-get update only when
# something must be installed.
set -euo pipefail
group=${1:-build}
case $group in
  build)
    pkgs=(
      gcc make pkg-config libc6-dev
      libcurl4-openssl-dev libarchive-dev libssl-dev libzstd-dev libdeflate-dev
      libsqlite3-dev libinih-dev libexpat1-dev libjansson-dev zlib1g-dev
      # man pages (man(7) roff, compressed at build time) and install
      sed gzip coreutils
      # runtime: remote sources run the system ssh; s3:// needs the CA bundle
      openssh-client ca-certificates
    )
    ;;
  test)
    pkgs=(
      # make test: unit tests, fuzz-regress, format-check
      libcmocka-dev clang clang-format
      # e2e: real peers
      tar gzip zstd sqlite3 python3 curl age awscli openssh-server openssh-client iproute2
      python3-botocore  # regenerates tests/vectors/sigv4 (make-vectors.py)
      radosgw ceph-mon ceph-osd ceph-common uuid-runtime
      # e2e 14-install: man -l rendering, systemd-analyze verify
      man-db groff-base systemd
      # e2e 16-report: render the HTML report headless
      chromium
      # benchmarks
      pigz restic hyperfine time linux-perf
    )
    ;;
  *)
    echo "usage: tools/deps.sh build|test" >&2
    exit 2
    ;;
esac
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "deps ($group): all ${#pkgs[@]} Debian packages present"
else
  echo "deps ($group): installing ${missing[*]}"
  SUDO=
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
[ "$group" = test ] || exit 0
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
