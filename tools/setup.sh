#!/usr/bin/env bash
# tools/setup.sh - install what building Nostos needs (Debian 12) and build it.
#
#   bash tools/setup.sh            # packages (if missing) + Release build in build/
#   NOSTOS_BUILD_TYPE=Debug bash tools/setup.sh
#
# Idempotent: packages already installed are not reinstalled, the build is incremental.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(
  build-essential cmake pkg-config python3
  llvm-19-dev clang-19 lld-19 libzstd-dev
  libgc-dev libuv1-dev libcurl4-openssl-dev libpq-dev libhttp-parser-dev
  postgresql curl
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

BUILD_TYPE=${NOSTOS_BUILD_TYPE:-Release}
cmake -S . -B build -DCMAKE_BUILD_TYPE="$BUILD_TYPE" -DNOSTOS_WERROR="${NOSTOS_WERROR:-OFF}" >/dev/null
cmake --build build -j"$(nproc)" 2>&1 | grep -E "error:|warning:|Error [0-9]" || true
test -x build/nostos || { echo "setup: build failed" >&2; exit 1; }
echo "setup: build/nostos ready"
