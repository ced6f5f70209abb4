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
  radosgw ceph-mon ceph-osd ceph-common uuid-runtime
  # benchmarks
  pigz restic hyperfine time
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#pkgs[@]} packages present"
  exit 0
fi
echo "deps: installing ${missing[*]}"
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
