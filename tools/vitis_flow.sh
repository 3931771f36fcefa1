#!/usr/bin/env bash
# The whole Vitis flow for one board and target, from hls/src to a stamped xclbin (and, for the
# embedded boards' hardware target, the boot files):
#   1. Vitis HLS: hls/scripts/run_hls.tcl with the board's part -> edgemoe_top.xo
#      (sw_emu: v++ -c -t sw_emu compiles the C++ instead; no synthesis needed)
#   2. v++ --link with hls/scripts/<board>.cfg -> edgemoe_<board>_<target>_unsigned.xclbin
#   3. stamping: xclbinutil adds the keys the fpga backend checks (edgemoe-xclbin-keys: signature,
#      shape, platform, XRT release) -> edgemoe_<board>_<target>.xclbin
#   4. packaging: ZCU102: v++ --package (sd_card/ with BOOT.BIN, boot.scr, the xclbin; sd_card.img);
#      KV260: the PL firmware folder xmutil loads (bitstream .bin, pl.dtbo, shell.json);
#      sw_emu/hw_emu on the embedded boards: v++ --package makes the QEMU launch script;
#      U50 emulation: emconfigutil writes emconfig.json.
#
# Usage: tools/vitis_flow.sh --board zcu102|kv260|u50 --target sw_emu|hw_emu|hw [options]
#   --platform NAME    the Vitis platform (default: the one below for the board)
#   --out DIR          where everything goes (default build-vitis/<board>_<target>)
#   --common-image DIR ZCU102/KV260 hw and emulation: Xilinx's common image (rootfs.ext4, Image) for
#                      v++ --package (xilinx-zynqmp-common-v2022.1)
#   --dtbo FILE        KV260 hw: the PL overlay for the platform (xsct createdts ... -overlay)
#   --keys PROGRAM     edgemoe-xclbin-keys to run (default: build/engine/cli/, then PATH)
#   --dry-run          check the arguments and print the commands, run nothing
#
# Written for Vitis 2022.1 (XRT 2.13, platforms *_202210_1); another release is run with a warning
# and the xclbin is stamped with that release's XRT, which the fpga backend compares with the
# board's XRT at load time (a clear warning when they differ). Not run end to end where it was written (no Vitis there);
# tests/tools/test_vitis_flow.sh checks the argument handling, the missing-tool errors and the
# order of the commands with stand-in tools.
set -euo pipefail
cd "$(dirname "$0")/.."

readonly WRITTEN_FOR_VITIS=2022.1
readonly WRITTEN_FOR_XRT=2.13

die() { echo "vitis_flow: $*" >&2; exit "${code:-2}"; }
usage() { sed -n '/^# Usage:/,/^# *--dry-run/p' "$0" | sed 's/^# \{0,1\}//'; }

board="" target="" platform="" out="" common_image="" dtbo="" keys="" dry=0
while [ $# -gt 0 ]; do
  case "$1" in
    --board|--target|--platform|--out|--common-image|--dtbo|--keys)
      [ $# -ge 2 ] || die "$1 needs a value"
      v=$2
      case "$1" in
        --board) board=$v ;; --target) target=$v ;; --platform) platform=$v ;;
        --out) out=$v ;; --common-image) common_image=$v ;; --dtbo) dtbo=$v ;; --keys) keys=$v ;;
      esac
      shift 2 ;;
    --dry-run) dry=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument '$1'" ;;
  esac
done

# Per board: the part Vitis HLS synthesises for, the platform, whether it is an embedded (zocl) board.
case "$board" in
  zcu102) part=xczu9eg-ffvb1156-2-e; default_platform=xilinx_zcu102_base_202210_1; embedded=1 ;;
  kv260)  part=xck26-sfvc784-2LV-c;  default_platform=xilinx_kv260_base_202210_1;  embedded=1 ;;
  u50)    part=xcu50-fsvh2104-2-e;   default_platform=xilinx_u50_gen3x16_xdma_5_202210_1; embedded=0 ;;
  "") die "--board is required (zcu102, kv260 or u50)" ;;
  *) die "unknown board '$board' (known: zcu102, kv260, u50)" ;;
esac
case "$target" in
  sw_emu|hw_emu|hw) ;;
  "") die "--target is required (sw_emu, hw_emu or hw)" ;;
  *) die "unknown target '$target' (known: sw_emu, hw_emu, hw)" ;;
esac
platform=${platform:-$default_platform}
out=${out:-build-vitis/${board}_${target}}
cfg=hls/scripts/$board.cfg
[ -f "$cfg" ] || die "$cfg is missing"
if [ "$embedded" = 1 ] && { [ "$target" != hw ] || [ "$board" = zcu102 ]; }; then
  [ -n "$common_image" ] || die "--common-image DIR is required for $board $target (v++ --package needs its rootfs.ext4 and Image)"
  for f in rootfs.ext4 Image; do [ -f "$common_image/$f" ] || die "--common-image $common_image has no $f"; done
fi
if [ "$board" = kv260 ] && [ "$target" = hw ]; then
  [ -n "$dtbo" ] || die "--dtbo FILE is required for kv260 hw (the platform's PL overlay, from xsct createdts ... -overlay)"
  [ -f "$dtbo" ] || die "--dtbo $dtbo does not exist"
fi

# The tools, before anything runs.
code=3
need=(v++ xclbinutil)
[ "$target" = sw_emu ] || need+=(vitis_hls)
[ "$board" = kv260 ] && [ "$target" = hw ] && need+=(bootgen)
[ "$embedded" = 0 ] && [ "$target" != hw ] && need+=(emconfigutil)
for t in "${need[@]}"; do
  command -v "$t" >/dev/null ||
    die "$t not found: install Vitis $WRITTEN_FOR_VITIS and source its settings64.sh (and XRT's setup.sh) first"
done
if [ -z "$keys" ]; then
  if [ -x build/engine/cli/edgemoe-xclbin-keys ]; then keys=build/engine/cli/edgemoe-xclbin-keys
  elif command -v edgemoe-xclbin-keys >/dev/null; then keys=$(command -v edgemoe-xclbin-keys)
  else die "edgemoe-xclbin-keys not found: build the host (tools/build.sh) or install the edgemoe package"; fi
fi
[ -x "$keys" ] || die "--keys $keys is not an executable"
code=2

# The release found against the one this was written for. Each Vitis release ships one XRT
# release; the xclbin is stamped with it so the board can say when its XRT differs.
vitis_release=$(v++ --version 2>/dev/null | sed -n 's/.*v\([0-9]\{4\}\.[0-9]\).*/\1/p' | head -n1)
case "${vitis_release:-$WRITTEN_FOR_VITIS}" in
  2022.1) xrt_release=2.13 ;; 2022.2) xrt_release=2.14 ;; 2023.1) xrt_release=2.15 ;;
  2023.2) xrt_release=2.16 ;; 2024.1) xrt_release=2.17 ;; 2024.2) xrt_release=2.18 ;;
  *) xrt_release="" ;;
esac
if [ -n "$vitis_release" ] && [ "$vitis_release" != "$WRITTEN_FOR_VITIS" ]; then
  echo "vitis_flow: warning: written for Vitis $WRITTEN_FOR_VITIS (XRT $WRITTEN_FOR_XRT), found Vitis $vitis_release:" \
       "platform names end in the release (pass --platform for yours), and the board needs that release's XRT" >&2
fi
[ -n "$xrt_release" ] || echo "vitis_flow: warning: no XRT release known for Vitis $vitis_release: the xclbin is not stamped with one" >&2

run() {
  echo "+ $*"
  [ "$dry" = 1 ] || "$@"
}
produced() { [ "$dry" = 1 ] || [ -e "$1" ] || { code=4; die "step did not produce $1"; }; }

mkdir -p "$out"
xo=$out/edgemoe_top.xo
# 1. The kernel object.
hls_flags=(-Ihls/include -Ihls/src)
if [ "$target" = sw_emu ]; then
  run v++ -c -t sw_emu --platform "$platform" -k edgemoe_top "${hls_flags[@]}" -o "$xo" hls/src/edgemoe_top.cpp
else
  run vitis_hls -f hls/scripts/run_hls.tcl -tclargs "$part" 300 vitis
  run cp build_hls/edgemoe_top.xo "$xo"
fi
produced "$xo"

# 2. Link.
unsigned=$out/edgemoe_${board}_${target}_unsigned.xclbin
run v++ -l -t "$target" --platform "$platform" --config "$cfg" --temp_dir "$out/link" -o "$unsigned" "$xo"
produced "$unsigned"

# 3. Stamp.
xclbin=$out/edgemoe_${board}_${target}.xclbin
# c64: the shape hls/src/edgemoe_top.cpp instantiates (EdgeMoeShape, the demo model's heads).
key_args=$("$keys" --shape c64 --platform "$platform" ${xrt_release:+--xrt "$xrt_release"})
# shellcheck disable=SC2086  # key_args is a list of words by design
run xclbinutil --input "$unsigned" $key_args --output "$xclbin" --force
produced "$xclbin"

# 4. Package.
if [ "$embedded" = 1 ] && { [ "$target" != hw ] || [ "$board" = zcu102 ]; }; then
  run v++ -p -t "$target" --platform "$platform" --package.out_dir "$out/package" \
      --package.rootfs "$common_image/rootfs.ext4" --package.kernel_image "$common_image/Image" \
      --package.sd_file "$xclbin" --package.boot_mode=sd "$xclbin"
  produced "$out/package"
elif [ "$board" = kv260 ]; then
  # Kria loads PL firmware with xmutil/dfx-mgr from /lib/firmware/xilinx/<name>/: the bitstream as
  # a .bin, the device-tree overlay that brings up zocl, and shell.json.
  fw=$out/firmware/edgemoe
  mkdir -p "$fw"
  run xclbinutil --input "$xclbin" --dump-section BITSTREAM:RAW:"$out/edgemoe.bit" --force
  printf 'all:\n{\n  [destination_device = pl] %s\n}\n' "$out/edgemoe.bit" > "$out/edgemoe.bif"
  run bootgen -image "$out/edgemoe.bif" -arch zynqmp -process_bitstream bin -w on
  run cp "$out/edgemoe.bit.bin" "$fw/edgemoe.bin"
  run cp "$dtbo" "$fw/edgemoe.dtbo"
  printf '{\n  "shell_type" : "XRT_FLAT",\n  "num_slots": "1"\n}\n' > "$fw/shell.json"
  run cp "$xclbin" "$fw/edgemoe.xclbin"
  produced "$fw/edgemoe.bin"
elif [ "$target" != hw ]; then
  run emconfigutil --platform "$platform" --od "$out"
  produced "$out/emconfig.json"
fi
echo "vitis_flow: $board $target done: $xclbin"
