# Toolchain-aarch64.cmake - cross-compile the Nostos runtime (libnostos_rt.a) for 64-bit Arm
# Linux on a Debian 12 amd64 machine (docs/cross.md; tools/setup-aarch64.sh installs the
# packages and runs this):
#
#   cmake -S . -B build/aarch64-linux-gnu -DCMAKE_TOOLCHAIN_FILE=cmake/Toolchain-aarch64.cmake \
#         -DCMAKE_BUILD_TYPE=Release
#   cmake --build build/aarch64-linux-gnu --target nostos_rt
#
# A cross build configures the runtime only (NOSTOS_RUNTIME_ONLY). Its build directory is the
# per-target directory next to the compiler binary (build/nostos -> build/aarch64-linux-gnu/)
# where `nostos build --target aarch64-linux-gnu` looks for the runtime archive.
#
# Compiler: aarch64-linux-gnu-gcc (GCC 12: the compiler that builds the host's runtime, so
# what compiles there compiles here), or clang-19 --target=aarch64-linux-gnu with
# -DNOSTOS_CROSS_CC=clang. Libraries: Debian's arm64 multiarch packages in
# /usr/lib/aarch64-linux-gnu, plus the two -dev packages that cannot be installed next to
# their amd64 versions (libpq-dev, libhttp-parser-dev), which setup-aarch64.sh unpacks into
# <build dir>/deps (NOSTOS_TARGET_DEPS, laid out like /: deps/usr/include,
# deps/usr/lib/aarch64-linux-gnu).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(NOSTOS_CROSS_CC "gcc" CACHE STRING "C compiler for aarch64: gcc (aarch64-linux-gnu-gcc) or clang (clang-19)")
if(NOSTOS_CROSS_CC STREQUAL "clang")
  set(CMAKE_C_COMPILER clang-19)
  set(CMAKE_ASM_COMPILER clang-19)
  set(CMAKE_C_COMPILER_TARGET aarch64-linux-gnu)
  set(CMAKE_ASM_COMPILER_TARGET aarch64-linux-gnu)
  set(CMAKE_AR llvm-ar-19 CACHE FILEPATH "")
  set(CMAKE_RANLIB llvm-ranlib-19 CACHE FILEPATH "")
  # The compiler check links a test program: use lld, which needs no cross binutils.
  set(CMAKE_EXE_LINKER_FLAGS_INIT "-fuse-ld=lld")
else()
  set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
  set(CMAKE_ASM_COMPILER aarch64-linux-gnu-gcc)
endif()

# This file is read again for each try_compile, in a scratch project with another
# CMAKE_BINARY_DIR: pass the main build's value on so that the search paths stay the same.
if(NOT NOSTOS_TARGET_DEPS)
  set(NOSTOS_TARGET_DEPS "${CMAKE_BINARY_DIR}/deps" CACHE PATH
      "arm64 libraries and headers unpacked from packages that cannot be co-installed")
endif()
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES NOSTOS_TARGET_DEPS NOSTOS_CROSS_CC)

# Headers and libraries come from the target's multiarch directories (and deps/), never from
# the host's x86_64 ones; programs (pkg-config) come from the host. deps/ comes first, so its
# arm64 headers win over the host's copies of the same files in /usr/include.
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH "${NOSTOS_TARGET_DEPS}" /)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# pkg-config: only the arm64 .pc files (deps/ holds libpq.pc, rewritten to point into deps/).
set(ENV{PKG_CONFIG_LIBDIR} "${NOSTOS_TARGET_DEPS}/usr/lib/aarch64-linux-gnu/pkgconfig:\
/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")
