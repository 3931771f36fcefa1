#!/usr/bin/env bash
# tools/vitis_flow.sh without Vitis: its argument checks, its errors when the tools are missing, and,
# with stand-in tools that record their arguments and make the files each step should produce, the
# commands it chains per board and target. The real edgemoe-xclbin-keys makes the stamp.
# Usage: test_vitis_flow.sh SOURCE_DIR EDGEMOE_XCLBIN_KEYS
set -uo pipefail
src=$1
keys=$(realpath "$2")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A copy of the parts of the tree the script uses: it works from the tree it lives in.
mkdir -p "$tmp/repo/tools" "$tmp/repo/hls/scripts" "$tmp/bin" "$tmp/image"
cp "$src/tools/vitis_flow.sh" "$tmp/repo/tools/"
cp "$src"/hls/scripts/*.cfg "$tmp/repo/hls/scripts/"
touch "$tmp/image/rootfs.ext4" "$tmp/image/Image" "$tmp/pl.dtbo"
log=$tmp/log
passed=0 failed=0
check() {   # check NAME CONDITION...
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $name"; echo "--- output:"; cat "$tmp/out"; echo "--- tool log:"; cat "$log" 2>/dev/null; fi
}
has() { grep -qF -- "$1" "$2"; }
lacks() { ! grep -qF -- "$1" "$2"; }
flow() {   # flow [PATH] ARGS...: runs the copy; rc in $rc, stdout+stderr in $tmp/out
  : > "$log"
  (cd "$tmp" && PATH="$path" bash "$tmp/repo/tools/vitis_flow.sh" "$@") > "$tmp/out" 2>&1
  rc=$?
}

# Stand-ins: each logs its command line and creates what the real tool would write.
stand_in() { printf '#!/usr/bin/env bash\necho "%s $*" >> %s\n%s\n' "$1" "$log" "$2" > "$tmp/bin/$1"; chmod +x "$tmp/bin/$1"; }
stand_in vitis_hls 'mkdir -p build_hls && touch build_hls/edgemoe_top.xo'
cat > "$tmp/bin/v++" <<STANDIN
#!/usr/bin/env bash
if [ "\$1" = --version ]; then echo "v++ v\${FAKE_VITIS:-2022.1} (64-bit)"; exit 0; fi
echo "v++ \$*" >> $log
prev=""; for a in "\$@"; do [ "\$prev" = -o ] && touch "\$a"; [ "\$prev" = --package.out_dir ] && mkdir -p "\$a"; prev=\$a; done; true
STANDIN
chmod +x "$tmp/bin/v++"
stand_in xclbinutil 'prev=""; for a in "$@"; do [ "$prev" = --output ] && touch "$a"; case "$a" in BITSTREAM:RAW:*) touch "${a#BITSTREAM:RAW:}";; esac; prev=$a; done; true'
stand_in bootgen 'bit=$(sed -n "s/.*\] //p" "$2"); touch "$bit.bin"'
stand_in emconfigutil 'prev=""; for a in "$@"; do [ "$prev" = --od ] && touch "$a/emconfig.json"; prev=$a; done; true'
base=/usr/bin:/bin
path=$base

# Arguments.
flow
check "no arguments" [ $rc = 2 ]
check "no arguments says --board" has "--board is required" "$tmp/out"
flow --board zcu104 --target hw
check "unknown board" has "unknown board 'zcu104' (known: zcu102, kv260, u50)" "$tmp/out"
flow --board u50 --target hardware
check "unknown target" has "unknown target 'hardware'" "$tmp/out"
flow --board u50 --target hw --frobnicate
check "unknown option" [ $rc = 2 ]
flow --board zcu102 --target hw
check "zcu102 needs the common image" has "--common-image DIR is required for zcu102 hw" "$tmp/out"
flow --board kv260 --target hw
check "kv260 needs the overlay" has "--dtbo FILE is required for kv260 hw" "$tmp/out"
flow --board zcu102 --target hw --common-image "$tmp"
check "common image without its files" has "has no rootfs.ext4" "$tmp/out"

# Missing tools: a clear error before anything runs (exit 3).
flow --board u50 --target hw --keys "$keys"
check "no Vitis: exit 3" [ $rc = 3 ]
check "no Vitis: names the tool and the fix" has "v++ not found: install Vitis 2022.1 and source its settings64.sh" "$tmp/out"
path=$tmp/bin:$base
flow --board u50 --target hw --keys "$tmp/nowhere"
check "keys program missing" has "--keys $tmp/nowhere is not an executable" "$tmp/out"

# The chain, with stand-ins.
sig=$("$keys" --shape c64 | sed -n 's/.*USER:edgemoe_signature:\(0x[0-9a-f]*\).*/\1/p')
check "keys tool prints a signature" [ -n "$sig" ]
flow --board u50 --target hw --keys "$keys" --out "$tmp/u50"
check "u50 hw runs" [ $rc = 0 ]
check "u50 part by board name" has "vitis_hls -f hls/scripts/run_hls.tcl -tclargs xcu50-fsvh2104-2-e 300 vitis" "$log"
check "u50 link" has "v++ -l -t hw --platform xilinx_u50_gen3x16_xdma_5_202210_1 --config hls/scripts/u50.cfg" "$log"
check "u50 stamp" has "USER:edgemoe_signature:$sig --key-value USER:edgemoe_shape:img128x256-p16-d192-l12-h3-mlp768-e16x384-k2-c64-t2-o7 --key-value USER:edgemoe_platform:xilinx_u50_gen3x16_xdma_5_202210_1 --key-value USER:edgemoe_xrt:2.13" "$log"
check "u50 xclbin made" [ -e "$tmp/u50/edgemoe_u50_hw.xclbin" ]
check "u50 hw: no package step" lacks "v++ -p" "$log"

flow --board zcu102 --target hw --keys "$keys" --out "$tmp/zcu" --common-image "$tmp/image"
check "zcu102 hw runs" [ $rc = 0 ]
check "zcu102 part" has "-tclargs xczu9eg-ffvb1156-2-e 300 vitis" "$log"
check "zcu102 package" has "v++ -p -t hw --platform xilinx_zcu102_base_202210_1 --package.out_dir $tmp/zcu/package --package.rootfs $tmp/image/rootfs.ext4" "$log"
check "zcu102 order: link, stamp, package" [ "$(cut -d' ' -f1-2 "$log" | tr '\n' ' ')" = "vitis_hls -f v++ -l xclbinutil --input v++ -p " ]

flow --board kv260 --target hw --keys "$keys" --out "$tmp/kv" --dtbo "$tmp/pl.dtbo"
check "kv260 hw runs" [ $rc = 0 ]
check "kv260 part" has "-tclargs xck26-sfvc784-2LV-c 300 vitis" "$log"
check "kv260 link config" has "--config hls/scripts/kv260.cfg" "$log"
check "kv260 firmware folder" [ -e "$tmp/kv/firmware/edgemoe/edgemoe.bin" ] && [ -e "$tmp/kv/firmware/edgemoe/edgemoe.dtbo" ]
check "kv260 shell.json" has '"shell_type" : "XRT_FLAT"' "$tmp/kv/firmware/edgemoe/shell.json"

flow --board u50 --target sw_emu --keys "$keys" --out "$tmp/u50sw"
check "u50 sw_emu runs" [ $rc = 0 ]
check "sw_emu compiles the C++, no HLS" has "v++ -c -t sw_emu --platform xilinx_u50_gen3x16_xdma_5_202210_1 -k edgemoe_top" "$log"
check "sw_emu: no HLS" lacks "vitis_hls" "$log"
check "u50 emulation config" has "emconfigutil --platform xilinx_u50_gen3x16_xdma_5_202210_1" "$log"

flow --board kv260 --target hw_emu --keys "$keys" --out "$tmp/kvemu" --common-image "$tmp/image"
check "kv260 hw_emu packages for QEMU" has "v++ -p -t hw_emu --platform xilinx_kv260_base_202210_1" "$log"

# Another Vitis release: a warning, and that release's XRT in the stamp.
FAKE_VITIS=2023.2 flow --board u50 --target hw --keys "$keys" --out "$tmp/new" --platform xilinx_u50_gen3x16_xdma_5_202320_1
check "other Vitis runs" [ $rc = 0 ]
check "other Vitis warns" has "written for Vitis 2022.1 (XRT 2.13), found Vitis 2023.2" "$tmp/out"
check "other Vitis stamps its XRT" has "USER:edgemoe_xrt:2.16" "$log"

# --dry-run prints and runs nothing.
flow --board u50 --target hw --keys "$keys" --out "$tmp/dry" --dry-run
check "dry run prints the link" has "+ v++ -l -t hw" "$tmp/out"
check "dry run runs nothing" [ ! -s "$log" ]

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
