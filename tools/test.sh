#!/usr/bin/env bash
# Builds and runs every test (C++ Qt Test suites, the parser fuzz replay, the Python tool tests)
# through ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/deps.sh
bash tools/build.sh
cd build
ctest --output-on-failure -j 2
