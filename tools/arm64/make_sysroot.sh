#!/usr/bin/env bash
# Makes an arm64 sysroot from Debian 12's own arm64 packages, for the cross build
# (cmake/toolchain-aarch64-linux-gnu.cmake) and for running its tests under qemu-user.
#
# Usage: tools/arm64/make_sysroot.sh DIR
#
# Why a sysroot and not multiarch (dpkg --add-architecture arm64 + apt install X:arm64): on Debian
# 12, libopencv-imgcodecs406:arm64 depends on libgdal32:arm64, which needs gdal-plugins:arm64, and
# gdal-plugins is not Multi-Arch: it cannot be installed beside the amd64 gdal-plugins that the
# desktop build's libopencv-dev pulls in. apt resolves that by removing the amd64 OpenCV, Torch and
# python3-opencv (tried: `apt-get install -s libopencv-imgcodecs406:arm64` removes 25 packages).
# So the arm64 packages are resolved by apt as for an empty arm64 machine (its own package lists,
# an empty dpkg status) and unpacked into DIR; the machine's own dpkg database is not touched.
# The cross compiler and qemu are the build machine's (tools/deps.sh).
set -euo pipefail
dir=${1:?usage: make_sysroot.sh DIR}
# libc/libstdc++ development files, the engine's libraries (Eigen and nlohmann-json are headers, but
# the sysroot holds their CMake packages too), oneTBB (the backends' threads; its CMake package,
# lib/aarch64-linux-gnu/cmake/TBB, checks that all four of its libraries exist, so the runtime
# packages are named too, although apt would pull them in), XRT (the fpga backend), Qt Test (the
# engine's test suites). The four OpenCV modules, not libopencv-dev: cmake/EdgeMoeOpenCV.cmake.
packages=(
  libc6-dev libstdc++-12-dev
  libtbb-dev libtbb12 libtbbmalloc2 libtbbbind-2-5
  libeigen3-dev nlohmann-json3-dev
  libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev libopencv-videoio-dev
  libxrt-dev uuid-dev
  qt6-base-dev
)
stamp="$dir/.edgemoe-sysroot"
want="${packages[*]}"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "arm64 sysroot: $dir is up to date"
  exit 0
fi
apt_dir="$dir.apt"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/debs/partial" "$apt_dir/cache" "$dir"
: > "$apt_dir/status"
apt_opts=(
  -o APT::Architecture=arm64 -o APT::Architectures=arm64
  -o Dir::State::Lists="$apt_dir/lists" -o Dir::State::status="$apt_dir/status"
  -o Dir::Cache="$apt_dir/cache" -o Dir::Cache::archives="$apt_dir/debs"
  -o Debug::NoLocking=1 -o APT::Install-Recommends=false
)
echo "arm64 sysroot: resolving ${#packages[@]} packages for arm64"
apt-get "${apt_opts[@]}" update -qq
apt-get "${apt_opts[@]}" install --download-only -y -qq "${packages[@]}" >/dev/null
debs=("$apt_dir"/debs/*.deb)
echo "arm64 sysroot: unpacking ${#debs[@]} packages into $dir"
for f in "${debs[@]}"; do dpkg-deb -x "$f" "$dir"; done
# Absolute symbolic links (libz.so -> /lib/aarch64-linux-gnu/libz.so.1...) would point into the
# build machine's own tree: make them point inside the sysroot.
find "$dir" -type l -lname '/*' -print0 | while IFS= read -r -d '' link; do
  target=$(readlink "$link")
  ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" "$dir$target")" "$link"
done
# BLAS and LAPACK (OpenCV's core needs them) reach /usr/lib/<triplet> through update-alternatives
# links that the packages' install scripts make, which unpacking does not run: make them here.
lib="$dir/usr/lib/aarch64-linux-gnu"
for alt in blas lapack; do
  for so in "$lib/$alt"/lib*.so.3; do
    [ -e "$so" ] && [ ! -e "$lib/$(basename "$so")" ] && ln -s "$alt/$(basename "$so")" "$lib/$(basename "$so")"
  done
done
# Linker scripts (libc.so, libm.so) name absolute paths; ld prefixes them with the sysroot itself.
echo "$want" > "$stamp"
rm -rf "$apt_dir/debs" "$apt_dir/cache"
echo "arm64 sysroot: ready ($(du -sh "$dir" | cut -f1))"
