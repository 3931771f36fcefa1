#!/usr/bin/env bash
# A newcomer's first command: installs what is missing, builds, and runs the main job on the bundled
# model and sample video (headless; the desktop program is build/app/edgemoe-live).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/deps.sh
bash tools/build.sh
./build/engine/cli/edgemoe-run --task all --frames 30 --out edgemoe-out
echo "outputs: edgemoe-out/ (PNG per frame and task, metrics.json)"
