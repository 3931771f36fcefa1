// The kernel's resource estimate (rules in edgemoe/resource_model.h). One function per unit of
// hls/src, counted from the same constants the kernel's loops and partitions use (design.h, the
// shape's sizes, the fixed-point widths of types.h).
#include "edgemoe/resource_model.h"

#include <algorithm>
#include <cmath>

#include "edgemoe_hls/types.h"

namespace edgemoe {

Device zcu102_device() { return {"ZCU102 (XCZU9EG)", 2520, 1824, 0, 274080, 548160}; }
Device u50_device() { return {"Alveo U50 (XCU50)", 5952, 2688, 640, 872000, 0}; }

namespace {

int pieces(int bits, int port) { return bits <= port ? 1 : 1 + (bits - port + port - 2) / (port - 1); }
int ceil16(int v) { return (v + 15) / 16 * 16; }

// Operand widths, from the kernel's types.
constexpr int kFm = edgemoe_hls::fm_t::width;       // activations, 32
constexpr int kWt = edgemoe_hls::wt_t::width;       // weights, 16
constexpr int kProb = edgemoe_hls::prob_t::width + 1;   // unsigned 24 bits -> 25 signed
constexpr int kAcc = 64;                            // accumulators

UnitResources unit(std::string name, std::string how) {
    UnitResources u;
    u.unit = std::move(name);
    u.how = std::move(how);
    return u;
}

}  // namespace

int dsps_per_product(int a_bits, int b_bits) {
    return std::min(pieces(a_bits, 27) * pieces(b_bits, 18), pieces(b_bits, 27) * pieces(a_bits, 18));
}

double bram18k_for(int banks, double words, int bits) {
    if (words * bits <= 1024) return 0;   // LUTRAM / registers
    const double depth = bits <= 18 ? 1024 : 512;
    const double wide = bits <= 36 ? 1 : std::ceil(bits / 36.0);
    return banks * std::ceil(words / depth) * wide;
}

ResourceEstimate estimate_resources(const ModelConfig& c, const KernelDesign& d) {
    ResourceEstimate r;
    const int n = c.num_tokens(), dim = c.embed_dim, hd = c.head_dim(), hc = c.head_channels;
    const int he16 = ceil16(c.expert_hidden), patch_in = 3 * c.patch * c.patch;
    int max_out = 1;
    for (const auto& t : c.tasks) max_out = std::max(max_out, t.channels);

    // The linear unit: lanes x lanes MACs; ping/pong weight buffers for the largest layer, a 16 x 16
    // cyclic partition (one bank per MAC); the row buffer (16 banks); accumulators and biases.
    {
        const int l = d.lanes, macs = l * l;
        const double largest = std::max({double(3 * dim) * dim, double(c.mlp_hidden) * dim, double(he16) * dim,
                                         double(dim) * ceil16(patch_in), double(hc) * 9 * dim, double(hc) * 9 * hc});
        const int max_in = std::max({ceil16(patch_in), c.mlp_hidden, 9 * dim, 9 * hc});
        const int max_out16 = std::max({3 * dim, c.mlp_hidden, he16, hc});
        UnitResources u = unit("linear unit (16x16 array)",
                               std::to_string(macs) + " MACs x " + std::to_string(dsps_per_product(kFm, kWt)) +
                                   " DSP (32 x 16 bit); 2 x " + std::to_string(macs) + " weight banks of " +
                                   std::to_string(int(largest / macs)) + " words");
        u.dsp = macs * dsps_per_product(kFm, kWt);
        u.bram18k = 2 * bram18k_for(macs, largest / macs, kWt) + bram18k_for(d.row_lanes, double(max_in) / d.row_lanes, kFm) +
                    2 * bram18k_for(d.row_lanes, double(max_out16) / d.row_lanes, kAcc);
        // an adder tree of l products per output (~50 bits) and a 64-bit accumulator per output
        u.lut_low = l * (l * 50 + kAcc);
        u.lut_high = 1.6 * u.lut_low;
        u.ff_low = l * (l * 50 + kAcc);
        u.ff_high = 2 * u.ff_low;
        r.units.push_back(u);
    }
    // Sink epilogues, row_lanes wide: GELU (table + one interpolation product a lane), the MoE
    // scatter's score product (24 x 32 bit), residual and position adds (fabric).
    {
        const int l = d.row_lanes;
        UnitResources u = unit("sinks (GELU, scatter, residual), 16 lanes",
                               std::to_string(l) + " GELU lanes x 1 DSP + " + std::to_string(l) + " score products x " +
                                   std::to_string(dsps_per_product(kProb, kFm)) + " DSP; GELU ROM 177 x 20 bit, dual-port");
        u.dsp = l * 1 + l * dsps_per_product(kProb, kFm);
        u.bram18k = (l / 2) * bram18k_for(1, 177, 20);
        u.lut_low = l * 3 * 40;
        u.lut_high = l * 3 * 80;
        u.ff_low = l * 3 * 64;
        u.ff_high = l * 3 * 128;
        r.units.push_back(u);
    }
    // Sources: address generators and lane multiplexers only.
    {
        UnitResources u = unit("row sources (plain, gather, 3x3, patch)", "address generators, 16-lane muxes");
        u.lut_low = 2000;
        u.lut_high = 5000;
        u.ff_low = 2000;
        u.ff_high = 5000;
        r.units.push_back(u);
    }
    // LayerNorm: per lane x^2 (32 x 32), centred x rstd (33 x 40), normed x gamma (32 x 16); the
    // scalar path (mean, E[x^2], rsqrt's ROM and Newton step) ~40 DSP.
    {
        const int l = d.norm_lanes;
        const int per_lane = dsps_per_product(kFm, kFm) + dsps_per_product(33, 40) + dsps_per_product(kFm, kWt);
        UnitResources u = unit("LayerNorm, " + std::to_string(l) + " lanes",
                               std::to_string(l) + " lanes x " + std::to_string(per_lane) + " DSP + 40 scalar");
        u.dsp = l * per_lane + 40;
        u.bram18k = bram18k_for(l, double(dim) / l, kFm) + 2 * bram18k_for(l, double(dim) / l, kWt);
        u.lut_low = l * 200 + 3000;
        u.lut_high = l * 400 + 6000;
        u.ff_low = l * 300 + 3000;
        u.ff_high = l * 600 + 6000;
        r.units.push_back(u);
    }
    // Attention: per unit QB x lanes Q.K products (32 x 32) and as many p x V (24 x 32); per query
    // the online softmax (exp, rescale: ~6 DSP) and the probability (exp x 1/s: ~5 DSP). K/V memory
    // for all heads, partitioned row_lanes ways; per unit a QB x N score buffer.
    {
        const int qb = d.attention_queries, l = d.attention_lanes, units = d.attention_units;
        const int qk = dsps_per_product(kFm, kFm), av = dsps_per_product(kProb, kFm);
        const int per_unit = qb * l * qk + qb * l * av + qb * 11;
        UnitResources u = unit("attention, " + std::to_string(units) + " units x " + std::to_string(qb) +
                                   " queries x " + std::to_string(l) + " lanes",
                               std::to_string(units) + " x (" + std::to_string(qb * l) + " x " + std::to_string(qk) +
                                   " + " + std::to_string(qb * l) + " x " + std::to_string(av) + " + " +
                                   std::to_string(qb * 11) + " softmax) DSP; K, V: " + std::to_string(d.row_lanes) +
                                   " banks x " + std::to_string(n * dim / d.row_lanes) + " words each");
        u.dsp = units * per_unit;
        u.bram18k = 2 * bram18k_for(d.row_lanes, double(n) * dim / d.row_lanes, kFm) +
                    units * bram18k_for(qb, n, kFm);
        // accumulator adders (64 bit) per product lane, the key windows (QB x HD words, registers)
        u.lut_low = units * (2 * qb * l * kAcc + 2000);
        u.lut_high = units * (2 * qb * l * kAcc * 1.5 + 4000);
        u.ff_low = units * (2 * qb * l * kAcc + 2 * qb * hd * kFm);
        u.ff_high = 2 * u.ff_low;
        r.units.push_back(u);
    }
    // MoE routing: one online softmax over E, top-k compare chain.
    {
        UnitResources u = unit("MoE routing", "softmax over E (exp, 1/s, probability) ~10 DSP");
        u.dsp = 10;
        u.lut_low = 1500;
        u.lut_high = 3000;
        u.ff_low = 1500;
        u.ff_high = 3000;
        r.units.push_back(u);
    }
    // The head: two upsampler instances (C channels between convs, 16 before the final resize), each
    // a 3-row line buffer partitioned 3 x upsample_lanes ways; the fused 1x1 conv in conv_3's sink.
    {
        const int ul = d.upsample_lanes, gw = c.grid_w();
        const double between = bram18k_for(3 * ul, double(gw * 4) * hc / ul, kFm);
        const double final_resize = bram18k_for(3 * ul, double(gw * 8) * ceil16(max_out) / ul, kFm);
        UnitResources u = unit("head upsamplers (2 instances, line buffers)",
                               "quarter-weight interpolation: shifts and adds, 0 DSP; 3 x " + std::to_string(ul) +
                                   " line-buffer banks each");
        u.bram18k = between + final_resize;
        u.lut_low = 2 * ul * 4 * 40;
        u.lut_high = 2 * ul * 4 * 80;
        u.ff_low = 2 * ul * 4 * 40;
        u.ff_high = 2 * ul * 4 * 80;
        r.units.push_back(u);

        const int l = d.conv1x1_lanes;
        UnitResources f = unit("head 1x1 conv (in conv_3's sink)",
                               std::to_string(l) + " MACs x " + std::to_string(dsps_per_product(kFm, kWt)) +
                                   " DSP; weights " + std::to_string(max_out) + " x " + std::to_string(hc));
        f.dsp = l * dsps_per_product(kFm, kWt);
        f.bram18k = bram18k_for(l, double(max_out) * hc / l, kWt);
        f.lut_low = l * 60 + kAcc;
        f.lut_high = l * 120 + kAcc;
        f.ff_low = l * 64;
        f.ff_high = l * 128;
        r.units.push_back(f);
    }
    // AXI: 10 bundles, 8 with a read and 8 with a write channel; each channel's burst buffer is
    // 16 outstanding x 16 beats x 256 bit (Vitis' defaults): 256 words of 256 bits.
    {
        const int channels = 16;
        UnitResources u = unit("AXI masters (10 bundles) + control",
                               std::to_string(channels) + " burst buffers of 256 x 256 bit; AXI-Lite");
        u.bram18k = channels * bram18k_for(1, 256, 256);
        u.lut_low = 10 * 1500 + 5000;
        u.lut_high = 10 * 3000 + 15000;
        u.ff_low = 10 * 2000 + 5000;
        u.ff_high = 10 * 4000 + 15000;
        r.units.push_back(u);
    }
    r.total = unit("total", "");
    for (const auto& u : r.units) {
        r.total.dsp += u.dsp;
        r.total.bram18k += u.bram18k;
        r.total.lut_low += u.lut_low;
        r.total.lut_high += u.lut_high;
        r.total.ff_low += u.ff_low;
        r.total.ff_high += u.ff_high;
    }
    return r;
}

}  // namespace edgemoe
