// The kernel's cycle model (see edgemoe/cycle_model.h for the rules). Each function below mirrors one
// unit of hls/src and names the loop it charges; when the kernel's loops change, change them here.
#include "edgemoe/cycle_model.h"

#include <algorithm>
#include <cmath>

#include "attention.h"   // kAttentionQueries: the cycle model follows the kernel's own block size

namespace edgemoe {
namespace {

constexpr double kBeatBytes = 32;    // one 256-bit AXI beat per cycle per port
using edgemoe_hls::kAttentionQueries;

int ceil16(int v) { return (v + 15) / 16 * 16; }
double beats(double bytes) { return std::ceil(bytes / kBeatBytes); }

// The kernel's sizes, read from the model the way hls/include/edgemoe_hls/shape.h defines them.
struct Sizes {
    int n, d, heads, hd, mlp, experts, expert_hidden, top_k, depth, patch_in, patches, gh, gw, head_c, max_out;
    explicit Sizes(const ModelConfig& c)
        : n(c.num_tokens()),
          d(c.embed_dim),
          heads(c.num_heads),
          hd(c.head_dim()),
          mlp(c.mlp_hidden),
          experts(c.num_experts),
          expert_hidden(c.expert_hidden),
          top_k(c.top_k),
          depth(c.depth),
          patch_in(3 * c.patch * c.patch),
          patches(c.num_patches()),
          gh(c.grid_h()),
          gw(c.grid_w()),
          head_c(c.head_channels),
          max_out(1) {
        for (const auto& t : c.tasks) max_out = std::max(max_out, t.channels);
    }
};

class Walker {
public:
    CycleEstimate result;

    // HlsLinearUnit::run: load_weights (one 16-weight beat per cycle), then per row the source's
    // load loop (`load` iterations), the k_tiles loop (OUT16/16 x IN16/16) and the sink's store loop
    // (`out` iterations), streamed into each other; the weight load hides behind the previous
    // layer's rows (ping/pong). `residual`: the sink reads the destination before writing it.
    void linear(const std::string& name, int rows, int in, int out, int load, double in_bytes, bool residual) {
        const int in16 = ceil16(in), out16 = ceil16(out);
        const double weight_cycles = double(out16) * in16 / 16;
        const double tiles = double(out16 / 16) * (in16 / 16);
        const double row_cycles = std::max({double(load), tiles, double(out), beats(in * in_bytes),
                                            beats(out * 4.0 * (residual ? 2 : 1))});
        const double cycles = std::max(weight_cycles, rows * row_cycles);
        result.linear_tile_steps += rows * tiles;
        result.weight_beats += weight_cycles;
        const double bytes = double(out16) * in16 * 2 + out16 * 2 + rows * (in * in_bytes + out * 4.0 * (residual ? 2 : 1));
        add(name, cycles, bytes);
    }

    // layer_norm_row: two pipelined passes over D per row (statistics, then normalise), x read twice.
    void layer_norm(const std::string& name, int rows, int d) {
        add(name, double(rows) * 2 * std::max(double(d), beats(d * 4.0)), double(rows) * d * 4 * 3 + d * 4.0);
    }

    // attention_block per head and query block: qk_steps and av_steps, N steps each; a step streams one
    // key (or value) row of HD activations, so it costs max(HD/16 unrolled MAC steps, the row's beats);
    // then the block's QB x HD outputs are written one per cycle.
    void attention(const std::string& name, const Sizes& s) {
        const int blocks = (s.n + kAttentionQueries - 1) / kAttentionQueries;
        const double step = std::max(double((s.hd + 15) / 16), beats(s.hd * 4.0));
        const double per_block = 2.0 * s.n * step + double(kAttentionQueries) * s.hd + 2 * kAttentionQueries;
        const double bytes_per_block = 2.0 * s.n * s.hd * 4                    // K rows, then V rows
                                       + 2.0 * s.n * kAttentionQueries * 4     // scores written, read back
                                       + 2.0 * kAttentionQueries * s.hd * 4;  // Q rows in, outputs out
        const double items = double(s.heads) * blocks;
        add(name, items * per_block, items * bytes_per_block);
        result.attention_cycles += items * per_block;
    }

    // moe_layer's route loop: per token E pushes into the online softmax, E probabilities, E top-k steps.
    void routing(const std::string& name, const Sizes& s) {
        add(name, double(s.n) * 3 * s.experts, double(s.n) * (ceil16(s.experts) * 4 + s.top_k * 4 * 4));
    }

    // upsample2: one output pixel per cycle (channels unrolled), bounded by its 4 taps' reads and its write.
    void upsample(const std::string& name, int oh, int ow, int channels) {
        const double px_bytes = 5.0 * channels * 4;
        add(name, double(oh) * ow * std::max(1.0, beats(px_bytes)), double(oh) * ow * px_bytes);
    }

    void add(const std::string& name, double cycles, double bytes) { result.stages.push_back({name, cycles, bytes}); }
};

std::vector<int> expert_rows(const Sizes& s, const std::vector<ExpertRouting>& routing, size_t moe_index) {
    std::vector<int> rows(size_t(s.experts), 0);
    if (moe_index < routing.size()) {
        for (int16_t e : routing[moe_index].expert)
            if (e >= 0 && e < s.experts) ++rows[size_t(e)];
        return rows;
    }
    const int total = s.n * s.top_k;   // no routing known: spread evenly
    for (int e = 0; e < s.experts; ++e) rows[size_t(e)] = total / s.experts + (e < total % s.experts ? 1 : 0);
    return rows;
}

}  // namespace

double CycleEstimate::cycles_of(const std::string& part) const {
    double sum = 0;
    for (const auto& st : stages)
        if (!st.head && st.name.find(part) != std::string::npos) sum += st.cycles;
    return sum;
}

CycleEstimate estimate_kernel_cycles(const ModelConfig& config, const std::vector<ExpertRouting>& routing,
                                     int out_channels) {
    const Sizes s(config);
    Walker w;
    // patch_embed: PatchSource reads 3 x P x P pixel bytes per patch; the class token row is D writes.
    w.linear("patch embedding", s.patches, s.patch_in, s.d, s.patch_in, 1.0, false);
    w.add("class token", s.d, s.d * 4.0);
    size_t moe_index = 0;
    for (int b = 0; b < s.depth; ++b) {
        const std::string p = "block " + std::to_string(b) + " ";
        w.layer_norm(p + "norm1", s.n, s.d);
        w.linear(p + "qkv", s.n, s.d, 3 * s.d, ceil16(s.d), 4, false);
        w.attention(p + "attention", s);
        w.linear(p + "proj", s.n, s.d, s.d, ceil16(s.d), 4, true);
        w.layer_norm(p + "norm2", s.n, s.d);
        if (!config.is_moe(b)) {
            w.linear(p + "fc1", s.n, s.d, s.mlp, ceil16(s.d), 4, false);
            w.linear(p + "fc2", s.n, s.mlp, s.d, ceil16(s.mlp), 4, true);
            continue;
        }
        w.linear(p + "gate", s.n, s.d, s.experts, ceil16(s.d), 4, false);
        w.routing(p + "routing", s);
        const std::vector<int> rows = expert_rows(s, routing, moe_index++);
        for (int e = 0; e < s.experts; ++e) {
            if (rows[size_t(e)] == 0) continue;   // inactive: no fetch, no compute
            const std::string q = p + "experts e" + std::to_string(e) + " ";
            w.linear(q + "fc1", rows[size_t(e)], s.d, s.expert_hidden, ceil16(s.d), 4, false);
            w.linear(q + "fc2", rows[size_t(e)], s.expert_hidden, s.d, ceil16(s.expert_hidden), 4, true);
        }
    }
    for (const auto& st : w.result.stages) {
        w.result.backbone_cycles += st.cycles;
        w.result.backbone_bytes += st.dram_bytes;
    }
    if (out_channels > 0) {
        const size_t first = w.result.stages.size();
        int h = s.gh, wd = s.gw;
        w.layer_norm("head norm", s.patches, s.d);
        w.linear("head conv_0", h * wd, 9 * s.d, s.head_c, 9 * s.d, 4, false);
        for (int k = 1; k < 4; ++k) {
            w.upsample("head upsample " + std::to_string(k), 2 * h, 2 * wd, s.head_c);
            h *= 2;
            wd *= 2;
            w.linear("head conv_" + std::to_string(k), h * wd, 9 * s.head_c, s.head_c, 9 * s.head_c, 4, false);
        }
        w.linear("head conv_4", h * wd, s.head_c, s.max_out, ceil16(s.head_c), 4, false);
        w.upsample("head final resize", config.image_h, config.image_w, out_channels);
        for (size_t i = first; i < w.result.stages.size(); ++i) {
            w.result.stages[i].head = true;
            w.result.head_cycles += w.result.stages[i].cycles;
            w.result.head_bytes += w.result.stages[i].dram_bytes;
        }
    }
    return w.result;
}

}  // namespace edgemoe
