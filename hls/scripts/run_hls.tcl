# Vitis HLS (2021.1 or later): C-simulation-free synthesis and IP export of edgemoe_top.
#   vitis_hls -f hls/scripts/run_hls.tcl -tclargs [part] [clock_mhz] [flow]
# part defaults to the ZCU102's xczu9eg-ffvb1156-2-e, clock to 300 MHz, flow to "vitis" (an .xo
# for v++; use "vivado" for an IP-XACT core). Run from the repository root.
set part  [expr {[llength $argv] > 0 ? [lindex $argv 0] : "xczu9eg-ffvb1156-2-e"}]
set mhz   [expr {[llength $argv] > 1 ? [lindex $argv 1] : 300}]
set flow  [expr {[llength $argv] > 2 ? [lindex $argv 2] : "vitis"}]

open_project -reset build_hls
set_top edgemoe_top
# EDGEMOE_USE_AP_FIXED: the kernel's fixed<> types become Xilinx's ap_fixed<> (see fixed.h).
add_files hls/src/edgemoe_top.cpp -cflags "-Ihls/include -Ihls/src -std=c++14 -DEDGEMOE_USE_AP_FIXED"
open_solution -reset solution -flow_target $flow
set_part $part
create_clock -period [expr {1000.0 / $mhz}] -name default
# 256-bit bundles (the interconnect narrows them to the ZCU102's 128-bit HP ports, which the cycle
# model charges); the kernel's on-chip arrays (ping/pong weights 16x16 banks, 16-bank row and
# accumulator buffers, the attention's K/V memory and key windows, the upsamplers' line buffers) are
# partitioned by ARRAY_PARTITION pragmas in hls/src against the constants of hls/src/design.h.
config_interface -m_axi_alignment_byte_size 64 -m_axi_max_widen_bitwidth 256
csynth_design
if {$flow eq "vitis"} {
  export_design -format xo -output build_hls/edgemoe_top.xo
} else {
  export_design -format ip_catalog
}
exit
