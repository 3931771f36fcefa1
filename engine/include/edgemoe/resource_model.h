#pragma once
// An ESTIMATE of the Edge-MoE kernel's FPGA resources, counted from the source's constants (no
// synthesis has been run here: there is no Vitis on these machines).
//
// How each resource is counted (engine/fpga/resource_model.cpp has the per-unit arithmetic):
//  - DSP48E2: one per 27 x 18 signed partial product. A W1 x W2-bit product is split into pieces of
//    at most 27 (one port) and 18 (the other) bits, the lower pieces unsigned (26 / 17 bits), in the
//    cheaper orientation: 32 x 16 (activation x weight) = 2, 32 x 32 (Q.K) = 4, 24 x 32 (p x V) = 2.
//    Products by the upsampler's quarter weights are shifts and adds (0 DSP).
//  - BRAM18K: every partitioned bank of an on-chip array rounds up on its own, in the narrowest
//    aspect that holds a word (1K x 18 for 16-bit words, 512 x 36 for 32-bit, two 36-bit halves for
//    64-bit); banks of 1 Kbit or less are taken as LUTRAM / registers (0 BRAM). The XCZU9EG has no
//    URAM, so nothing is counted there.
//  - LUT and FF: a range, from per-operator rules of thumb (adders 1 LUT per bit, multiplexers per
//    bank, an AXI master's adapter 1.5-3 k LUT), not from a netlist.
//  - The linear unit is counted once: the design time-shares one 16 x 16 array (see hls/README.md
//    for what that takes in synthesis).
#include <string>
#include <vector>

#include "edgemoe/cycle_model.h"
#include "edgemoe/model.h"

namespace edgemoe {

struct UnitResources {
    std::string unit;
    double dsp = 0, bram18k = 0;
    double lut_low = 0, lut_high = 0, ff_low = 0, ff_high = 0;
    std::string how;   // the count in words, e.g. "256 MACs x 2 DSP (32 x 16 bit)"
};

struct Device {
    std::string name;
    double dsp, bram18k, uram, lut, ff;   // ff = 0: not compared
};
Device zcu102_device();   // XCZU9EG: 2,520 DSP, 1,824 BRAM18K, no URAM, 274,080 LUT, 548,160 FF
Device u50_device();      // XCU50: 5,952 DSP, 2,688 BRAM18K, 640 URAM, 872,000 LUT

struct ResourceEstimate {
    std::vector<UnitResources> units;
    UnitResources total;
    // Share of a device's resources (0..1): DSP, BRAM18K, LUT (high end), FF (high end).
    double dsp_share(const Device& d) const { return total.dsp / d.dsp; }
    double bram_share(const Device& d) const { return total.bram18k / d.bram18k; }
    double lut_share(const Device& d) const { return total.lut_high / d.lut; }
    double ff_share(const Device& d) const { return d.ff > 0 ? total.ff_high / d.ff : 0; }
};

// DSP48E2 slices for one signed a_bits x b_bits product (see above).
int dsps_per_product(int a_bits, int b_bits);
// BRAM18K blocks for `banks` banks of `words` words of `bits` bits each (see above).
double bram18k_for(int banks, double words, int bits);

ResourceEstimate estimate_resources(const ModelConfig& config, const KernelDesign& design = kernel_design());

}  // namespace edgemoe
