#pragma once
// Predicted FPGA cycles and DRAM traffic of one frame of the Edge-MoE kernel (hls/src/kernel.h).
//
// The prediction walks the kernel's loop nests in the order run_kernel executes them and charges
// each pipelined loop its trip count x II (all II = 1 in the kernel's pragmas), using the real
// routing of the frame for the MoE layers (which experts are active and how many tokens each one
// gets). Memory: every loop that moves data to or from DRAM is also bounded by its AXI port. The
// kernel's bundles map to the ZCU102's four 128-bit HP ports as hls/scripts/zcu102.cfg says; a port
// moves 16 bytes a cycle at the kernel clock (4.8 GB/s at 300 MHz), so a loop costs
// max(trip count, bytes on its busiest port / 16). The four ports together (19.2 GB/s at 300 MHz)
// stay below the PS DDR4-2666's 21.3 GB/s peak; the estimate reports each stage's demand against it.
// Two overlaps of the design are assumed, both stated in the kernel's comments:
//  - linear unit: a layer's weights load into the idle ping/pong buffer while the unit computes, so
//    a layer costs max(weight load, row work); per row, the source's load loop, the MAC tiles and
//    the sink's store loop stream into each other, so a row costs the longest of the three;
//  - attention: kAttentionUnits query blocks run side by side (their port traffic adds up).
// Everything else runs in sequence.
// No synthesis has been run: this is a model of the source's loop structure, not a timing report.
#include <array>
#include <map>
#include <string>
#include <vector>

#include "edgemoe/model.h"
#include "edgemoe/result.h"

namespace edgemoe {

// The parallelism and memory system the models assume. kernel_design() returns the constants the
// kernel is built with (hls/src/design.h) and the ZCU102's memory; tests vary them to see the
// cycles and the resources move.
struct KernelDesign {
    int lanes = 0;               // linear unit: lanes x lanes MACs
    int row_lanes = 0;           // values a source loads / a sink stores per cycle
    int norm_lanes = 0;          // LayerNorm lanes
    int attention_queries = 0;   // queries per block (fixed at 4 by the arithmetic)
    int attention_lanes = 0;     // head columns per query per cycle
    int attention_units = 0;     // query blocks side by side
    int upsample_lanes = 0;      // channels interpolated per cycle
    int conv1x1_lanes = 0;       // the fused 1x1 conv's MACs per cycle
    double port_bytes_per_cycle = 0;   // one 128-bit HP port at the kernel clock
    double ddr_peak_gb_s = 0;          // PS DDR4-2666, 64 bit
    double clock_mhz = 0;              // the design point the DDR limit is converted at
};
KernelDesign kernel_design();

// The ZCU102's HP ports the kernel's bundles use (hls/scripts/zcu102.cfg).
constexpr int kHpPorts = 4;
using PortBytes = std::array<double, kHpPorts>;
// bundle (e.g. "gmem_x") -> HP port ("HP1"): the mapping the model charges, which
// tests/fpga/test_cycle_model.cpp checks against zcu102.cfg.
std::map<std::string, std::string> zcu102_bundle_ports();

struct StageCycles {
    std::string name;      // e.g. "block 3 attention", "head conv_2"
    double cycles = 0;
    double dram_bytes = 0;
    PortBytes port_bytes{};
    bool head = false;     // part of the task head (else of the backbone)
};

struct CycleEstimate {
    std::vector<StageCycles> stages;
    double backbone_cycles = 0, head_cycles = 0;
    double backbone_bytes = 0, head_bytes = 0;
    double attention_cycles = 0;   // all blocks' attention, part of backbone_cycles
    // Linear unit totals over every layer run (backbone and head): iterations of the k_tiles loop
    // (rows x OUT16/16 x IN16/16), of load_weights (OUT16 x IN16/16 beats), of the sources' load
    // loops and the sinks' store loops; the tests count the same numbers inside the kernel itself.
    double linear_tile_steps = 0, weight_beats = 0, source_beats = 0, sink_beats = 0;
    // Trip totals of the other pipelined loops, by the kernel's loop names (hls/src/design.h).
    std::map<std::string, double> loop_trips;
    // DRAM demand: the busiest stage's bytes per second at the design clock, against the DDR peak.
    double peak_stage_gb_s = 0;
    std::string peak_stage;
    double ddr_peak_gb_s = 0;

    double ms(double cycles, double clock_mhz) const { return cycles / (clock_mhz * 1e3); }
    // Sum of the backbone stages whose name contains `part` (e.g. "attention", "qkv", "experts").
    double cycles_of(const std::string& part) const;
    // The same over the head's stages.
    double head_cycles_of(const std::string& part) const;
};

// routing: the frame's per-MoE-block routing (NetworkOutput::routing); empty = every token's top-k
// spread evenly over all experts. out_channels = 0 leaves the head out (backbone only).
CycleEstimate estimate_kernel_cycles(const ModelConfig& config, const std::vector<ExpertRouting>& routing,
                                     int out_channels, const KernelDesign& design = kernel_design());

}  // namespace edgemoe
