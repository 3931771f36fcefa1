#!/usr/bin/env bash
# Builds and runs every test (C++ Qt Test suites, the parser fuzz replay, the Python tool tests)
# through ctest, then the arm64 cross build: the engine's tests under qemu-user and the arm64 .deb
# (tools/build_arm64.sh; EDGEMOE_SKIP_ARM64=1 leaves it out).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/deps.sh
bash tools/build.sh
(cd build && ctest --output-on-failure -j 2)
if [ "${EDGEMOE_SKIP_ARM64:-0}" != 1 ]; then
  bash tools/build_arm64.sh
fi
