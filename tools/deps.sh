#!/usr/bin/env bash
# Installs the Debian 12 packages EdgeMoE Live builds and tests with (needs root or sudo).
# The arm64 build's own libraries are not installed here: tools/arm64/make_sysroot.sh unpacks Debian's
# arm64 packages into a sysroot (they cannot all be installed beside the amd64 ones: see there).
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config
  qt6-base-dev qt6-multimedia-dev libgl-dev
  libopencv-dev libeigen3-dev nlohmann-json3-dev libtbb-dev
  libxrt-dev
  crossbuild-essential-arm64 qemu-user
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  python3-torch python3-numpy python3-opencv libopenblas0-pthread
  python3-matplotlib
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#packages[@]} packages present"
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
