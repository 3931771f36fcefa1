#pragma once
// Predicted FPGA cycles and DRAM traffic of one frame of the Edge-MoE kernel (hls/src/kernel.h).
//
// The prediction walks the kernel's loop nests in the order run_kernel executes them and charges
// each pipelined loop its trip count x II (all II = 1 in the kernel's pragmas), using the real
// routing of the frame for the MoE layers (which experts are active and how many tokens each one
// gets). Two overlaps of the design are assumed, both stated in the kernel's comments:
//  - linear unit: a layer's weights load into the idle ping/pong buffer while the unit computes, so
//    a layer costs max(weight load, row work); per row, the source's load loop, the MAC tiles and
//    the sink's store loop stream into each other, so a row costs the longest of the three;
//  - every loop that reads or writes DRAM is also bounded by one 256-bit beat per cycle per port,
//    and costs max(its trip count, its beats).
// Everything else (LayerNorm's two passes, routing, attention, upsampling) runs in sequence.
// No synthesis has been run: this is a model of the source's loop structure, not a timing report.
#include <string>
#include <vector>

#include "edgemoe/model.h"
#include "edgemoe/result.h"

namespace edgemoe {

struct StageCycles {
    std::string name;      // e.g. "block 3 attention", "head conv_2"
    double cycles = 0;
    double dram_bytes = 0;
    bool head = false;     // part of the task head (else of the backbone)
};

struct CycleEstimate {
    std::vector<StageCycles> stages;
    double backbone_cycles = 0, head_cycles = 0;
    double backbone_bytes = 0, head_bytes = 0;
    double attention_cycles = 0;   // all blocks' attention, part of backbone_cycles
    // Linear unit totals over every layer run (backbone and head): iterations of the k_tiles loop
    // (rows x OUT16/16 x IN16/16) and of load_weights (OUT16 x IN16/16 beats); the tests count the
    // same two numbers inside the kernel itself.
    double linear_tile_steps = 0, weight_beats = 0;

    double ms(double cycles, double clock_mhz) const { return cycles / (clock_mhz * 1e3); }
    // Sum of the backbone stages whose name contains `part` (e.g. "attention", "qkv", "experts").
    double cycles_of(const std::string& part) const;
};

// routing: the frame's per-MoE-block routing (NetworkOutput::routing); empty = every token's top-k
// spread evenly over all experts. out_channels = 0 leaves the head out (backbone only).
CycleEstimate estimate_kernel_cycles(const ModelConfig& config, const std::vector<ExpertRouting>& routing,
                                     int out_channels);

}  // namespace edgemoe
