#!/usr/bin/env bash
# tools/setup-aarch64.sh - install what cross-building Nostos programs for 64-bit Arm Linux
# (aarch64-linux-gnu) needs on Debian 12 (amd64), then build the aarch64 runtime archive next
# to the compiler:
#
#   bash tools/setup-aarch64.sh                  # packages (if missing) + build/aarch64-linux-gnu/
#   BUILD=build-x bash tools/setup-aarch64.sh    # the compiler lives in build-x/ instead
#   NOSTOS_SKIP_PACKAGES=1 bash tools/setup-aarch64.sh   # only (re)build the runtime
#
# What it installs (docs/cross.md says why):
#   - the arm64 architecture for dpkg (multiarch) and the :arm64 packages of the libraries
#     every Nostos program links: libgc, libuv, libcurl (-dev), libpq5, libhttp-parser2.9
#     (libssl-dev: libpq.pc requires it)
#   - libpq-dev and libhttp-parser-dev for arm64 are NOT installed with apt: they are not
#     "Multi-Arch: same", so apt would remove their amd64 versions (which the compiler's own
#     build needs). Their .deb files are downloaded and unpacked into
#     $BUILD/aarch64-linux-gnu/deps/ instead (headers, libpq.a, libhttp_parser.a, .so links).
#   - a C cross toolchain and the arm64 C library (gcc-aarch64-linux-gnu; clang-19 and lld-19
#     from tools/setup.sh compile and link, gcc's cross libgcc is what they link with)
#   - qemu-user-static, which runs aarch64 binaries on this machine (test/cross/run.sh)
#
# Idempotent: packages already installed are not reinstalled; the runtime build is
# incremental. Needs the host build (tools/setup.sh) for LLVM and clang-19.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
TRIPLE=aarch64-linux-gnu
TDIR="$BUILD/$TRIPLE"
MA=/usr/lib/aarch64-linux-gnu

PKGS=(
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static
  libgc-dev:arm64 libuv1-dev:arm64 libcurl4-openssl-dev:arm64 libpq5:arm64
  libhttp-parser2.9:arm64 libssl-dev:arm64
)
# Unpacked into deps/ (see above).
DEBS=(libpq-dev:arm64 libhttp-parser-dev:arm64)

SUDO=""
[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && SUDO=sudo

if [ -z "${NOSTOS_SKIP_PACKAGES:-}" ]; then
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    echo "setup-aarch64: adding the arm64 architecture to dpkg"
    $SUDO dpkg --add-architecture arm64
    $SUDO apt-get update -qq
  fi
  missing=()
  for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup-aarch64: installing ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null
  fi
fi

mkdir -p "$TDIR"
TDIR=$(cd "$TDIR" && pwd)
if [ ! -f "$TDIR/deps/.done" ]; then
  echo "setup-aarch64: unpacking ${DEBS[*]} into $TDIR/deps"
  tmp=$(mktemp -d)
  chmod 755 "$tmp"   # apt's _apt user downloads into it
  (cd "$tmp" && apt-get download -qq "${DEBS[@]}" 2>/dev/null) ||
    { echo "setup-aarch64: apt-get download ${DEBS[*]} failed" >&2; exit 1; }
  rm -rf "$TDIR/deps"
  for d in "$tmp"/*.deb; do dpkg-deb -x "$d" "$TDIR/deps"; done
  rm -rf "$tmp" "$TDIR/deps/usr/share" "$TDIR/deps/usr/bin"
  # The development links point at the shared libraries of libpq5:arm64 and
  # libhttp-parser2.9:arm64 in the multiarch directory.
  for l in libpq.so libhttp_parser.so; do
    f=$(readlink "$TDIR/deps$MA/$l")
    ln -sf "$MA/$f" "$TDIR/deps$MA/$l"
  done
  sed -i "s|^prefix=/usr\$|prefix=$TDIR/deps/usr|" "$TDIR/deps$MA/pkgconfig/libpq.pc"
  touch "$TDIR/deps/.done"
fi

# The runtime archive for aarch64, where `nostos build --target aarch64-linux-gnu` looks for
# it: <directory of the nostos binary>/aarch64-linux-gnu/libnostos_rt.a.
cmake -S . -B "$TDIR" -DCMAKE_TOOLCHAIN_FILE="$PWD/cmake/Toolchain-aarch64.cmake" \
  -DCMAKE_BUILD_TYPE="${NOSTOS_BUILD_TYPE:-Release}" -DNOSTOS_RUNTIME_ONLY=ON \
  -DNOSTOS_WERROR="${NOSTOS_WERROR:-OFF}" >/dev/null
cmake --build "$TDIR" --target nostos_rt -j"$(nproc)" 2>&1 |
  grep -E "error:|warning:|Error [0-9]" || true
test -f "$TDIR/libnostos_rt.a" || { echo "setup-aarch64: runtime build failed" >&2; exit 1; }
echo "setup-aarch64: $TDIR/libnostos_rt.a ready"
