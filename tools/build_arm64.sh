#!/usr/bin/env bash
# Cross-builds the engine, the CLIs and the engine's tests for arm64 (ZCU102 / KV260: Cortex-A53)
# into build-arm64/, runs the tests under qemu-user, and makes the arm64 .deb.
#
# Usage: tools/build_arm64.sh [--no-tests] [--no-package]
#   EDGEMOE_ARM64_SYSROOT  where the arm64 sysroot is made (default: build-arm64-sysroot/)
#   EDGEMOE_ARM64_JOBS     parallel compile jobs (default 2)
#   EDGEMOE_ARM64_BUILD_DIR the build folder (default build-arm64/)
#
# Needs the build machine's crossbuild-essential-arm64 and qemu-user (tools/deps.sh installs them);
# the arm64 libraries come from Debian's arm64 packages, unpacked into a sysroot by
# tools/arm64/make_sysroot.sh (why not multiarch: see that script). Prints how long each step took.
set -euo pipefail
cd "$(dirname "$0")/.."
tests=1
package=1
for a in "$@"; do
  case "$a" in
    --no-tests) tests=0 ;;
    --no-package) package=0 ;;
    *) echo "build_arm64.sh: unknown argument '$a' (known: --no-tests, --no-package)" >&2; exit 2 ;;
  esac
done
for tool in aarch64-linux-gnu-g++ qemu-aarch64 cmake ninja; do
  command -v "$tool" >/dev/null || { echo "build_arm64.sh: $tool not found: run tools/deps.sh" >&2; exit 1; }
done
sysroot=${EDGEMOE_ARM64_SYSROOT:-$PWD/build-arm64-sysroot}
jobs=${EDGEMOE_ARM64_JOBS:-2}
build=${EDGEMOE_ARM64_BUILD_DIR:-build-arm64}
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi

t0=$SECONDS
bash tools/arm64/make_sysroot.sh "$sysroot"
t_sysroot=$((SECONDS - t0))

t0=$SECONDS
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_TOOLCHAIN_FILE="$PWD/cmake/toolchain-aarch64-linux-gnu.cmake" -DEDGEMOE_ARM64_SYSROOT="$sysroot" \
  -DEDGEMOE_BUILD_APP=OFF -DEDGEMOE_NATIVE=OFF -DEDGEMOE_BUILD_TESTS=$([ $tests = 1 ] && echo ON || echo OFF) \
  "${launcher[@]}"
nice -n 10 cmake --build "$build" -j "$jobs"
t_build=$((SECONDS - t0))

t_tests=0
if [ $tests = 1 ]; then
  t0=$SECONDS
  # ctest starts each test through qemu-aarch64 (the toolchain's CMAKE_CROSSCOMPILING_EMULATOR).
  (cd "$build" && nice -n 10 ctest --output-on-failure -j 2 --timeout 1500)
  t_tests=$((SECONDS - t0))
fi

t_package=0
if [ $package = 1 ]; then
  t0=$SECONDS
  (cd "$build" && cpack -G DEB >/dev/null && ls -1 ./*.deb)
  t_package=$((SECONDS - t0))
fi
echo "arm64: sysroot ${t_sysroot} s, configure+build ${t_build} s, tests under qemu ${t_tests} s, package ${t_package} s"
