#!/usr/bin/env bash
# The emulator's speed per vector width (README, "The FPGA kernel in emulation"): builds the engine's
# benchmark three ways and times the float engine against fpga-emu with each GEMM kernel, in one run
# per build so that each ratio is measured under one set of conditions.
#   build-emu-native/      -march=native (this machine's widest vectors)
#   build-emu-x86-64-v3/   -march=x86-64-v3: AVX2+FMA and no AVX-512, as on most laptops
#   build-emu-portable/    -DEDGEMOE_NATIVE=OFF, as the .deb is built (SSE2 baseline + run-time GEMM choice)
# Usage: tools/bench/emu_isa.sh [FRAMES]   (an x86-64 CPU with AVX2; each extra build takes minutes)
set -euo pipefail
cd "$(dirname "$0")/../.."
frames=${1:-10}
configure() {   # dir, cmake args...
  local dir=$1; shift
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DEDGEMOE_BUILD_APP=OFF "$@" >/dev/null
  cmake --build "$dir" -j "$(nproc)" --target edgemoe-bench >/dev/null
}
configure build-emu-native
configure build-emu-x86-64-v3 -DEDGEMOE_NATIVE=OFF -DCMAKE_CXX_FLAGS=-march=x86-64-v3
configure build-emu-portable -DEDGEMOE_NATIVE=OFF
run() {   # dir, backend list
  echo "=== $1: $2"
  "$1/engine/cli/edgemoe-bench" --backend "$2" --frames "$frames" --warmup 2 --json "$1/emu_isa.json" |
    grep -E "^backend|^peak|  backbone |  head |effective|^ratio|exact integer"
}
run build-emu-native cpu,fpga-emu
run build-emu-x86-64-v3 cpu,fpga-emu@avx2
run build-emu-portable cpu,fpga-emu@avx2,fpga-emu@baseline
