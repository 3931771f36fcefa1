// The kernel's cycle model (see edgemoe/cycle_model.h for the rules). Each function below mirrors one
// unit of hls/src and names the loop it charges; when the kernel's loops change, change them here.
#include "edgemoe/cycle_model.h"

#include <algorithm>
#include <cmath>

#include "design.h"   // the kernel's parallelism constants and loop names

namespace edgemoe {

KernelDesign kernel_design() {
    KernelDesign d;
    d.lanes = edgemoe_hls::kLanes;
    d.row_lanes = edgemoe_hls::kRowLanes;
    d.norm_lanes = edgemoe_hls::kNormLanes;
    d.attention_queries = edgemoe_hls::kAttentionQueries;
    d.attention_lanes = edgemoe_hls::kAttentionLanes;
    d.attention_units = edgemoe_hls::kAttentionUnits;
    d.upsample_lanes = edgemoe_hls::kUpsampleLanes;
    d.conv1x1_lanes = edgemoe_hls::kConv1x1Lanes;
    d.port_bytes_per_cycle = 16;   // S_AXI_HPx_FPD: 128 bits, clocked with the kernel (<= 333 MHz)
    d.ddr_peak_gb_s = 21.3;        // DDR4-2666 x 64 bit = 21.33 GB/s
    d.clock_mhz = 300;
    return d;
}

namespace {

using edgemoe_hls::kLoopNames;
namespace hls = edgemoe_hls;

// Bundles to HP ports, as hls/scripts/zcu102.cfg connects them.
enum Hp { kWeightsPort = 0, kXPort = 1, kS0Port = 2, kS1Port = 3 };
constexpr int kImage = kXPort, kX = kXPort, kOut = kXPort;             // gmem_image, gmem_x
constexpr int kLn = kS0Port, kMapA = kS0Port, kHidden = kS0Port;       // gmem_s0, gmem_hidden
constexpr int kQkv = kS1Port, kMapB = kS1Port, kAttn = kS1Port;        // gmem_s1, gmem_s2
constexpr int kScratch = kS1Port, kScores = kS1Port;                   // gmem_s3, gmem_scores, gmem_stats
constexpr int kWeights = kWeightsPort;

int ceil16(int v) { return (v + 15) / 16 * 16; }
int ceil_div(int a, int b) { return (a + b - 1) / b; }

PortBytes on(int port, double bytes) {
    PortBytes p{};
    p[size_t(port)] = bytes;
    return p;
}
PortBytes operator+(PortBytes a, const PortBytes& b) {
    for (size_t i = 0; i < a.size(); ++i) a[i] += b[i];
    return a;
}
PortBytes operator*(PortBytes a, double k) {
    for (double& v : a) v *= k;
    return a;
}
double total(const PortBytes& p) {
    double s = 0;
    for (double v : p) s += v;
    return s;
}

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

// One side of a linear layer's row: its loop's trips per row and the bytes it moves per row.
struct RowSide {
    int beats;
    PortBytes bytes;
};

class Walker {
public:
    Walker(const KernelDesign& d) : d_(d) {}
    CycleEstimate result;

    // A loop of `trips` iterations moving `bytes`: max(trips, its busiest port's beats).
    double loop(double trips, const PortBytes& bytes) const {
        double c = trips;
        for (double b : bytes) c = std::max(c, std::ceil(b / d_.port_bytes_per_cycle));
        return c;
    }
    void trips(hls::Loop l, double n) { result.loop_trips[kLoopNames[l]] += n; }

    // HlsLinearUnit::run: load_weights (16 weights an iteration), then per row the source's load loop,
    // the k_tiles loop (OUT16/16 x IN16/16) and the sink's store loop, streamed into each other; the
    // weight load hides behind the previous layer's rows (ping/pong).
    void linear(const std::string& name, int rows, int in, int out, const RowSide& src, const RowSide& sink) {
        const int in16 = ceil16(in), out16 = ceil16(out);
        const double weight_trips = double(out16) * in16 / 16;
        const PortBytes weight_bytes = on(kWeights, double(out16) * in16 * 2 + out16 * 2);
        const double tiles = double(out16 / d_.lanes) * (in16 / d_.lanes);
        const double row = std::max({double(src.beats), tiles, double(sink.beats), loop(0, src.bytes + sink.bytes)});
        const double cycles = std::max(loop(weight_trips, weight_bytes), rows * row);
        result.linear_tile_steps += rows * tiles;
        result.weight_beats += weight_trips;
        result.source_beats += double(rows) * src.beats;
        result.sink_beats += double(rows) * sink.beats;
        add(name, cycles, weight_bytes + (src.bytes + sink.bytes) * rows);
    }

    // Row sides of the kernel's sources and sinks (rows.h): beats per row and bytes per row.
    RowSide row_source(int in, int port, double extra_port_bytes = 0) const {
        return {ceil16(in) / d_.row_lanes, on(port, in * 4.0) + on(kScratch, extra_port_bytes)};
    }
    RowSide row_sink(int out, int port, bool residual) const {
        return {ceil_div(out, d_.row_lanes), on(port, out * 4.0 * (residual ? 2 : 1))};
    }

    // layer_norm: gamma and beta on chip, then per row the stats loop (reads x) and the apply loop
    // (writes y), D / norm_lanes iterations each, in sequence.
    void layer_norm(const std::string& name, int rows, int d, int x_port, int y_port) {
        const double beats = d / d_.norm_lanes;
        const double per_row = loop(beats, on(x_port, d * 4.0)) + loop(beats, on(y_port, d * 4.0));
        trips(hls::kLoopNormStats, rows * beats);
        trips(hls::kLoopNormApply, rows * beats);
        add(name, loop(d, on(kWeights, d * 4.0)) + rows * per_row,
            on(kWeights, d * 4.0) + on(x_port, double(rows) * d * 4) + on(y_port, double(rows) * d * 4));
    }

    // attention: load_kv (N x D/16 iterations, K and V rows), then per group of attention_units
    // blocks: load_q, qk_steps, av_steps, write_out, each block's loops side by side.
    void attention(const std::string& name, const Sizes& s) {
        const int qb = d_.attention_queries, lanes = d_.attention_lanes, units = d_.attention_units;
        const int blocks = ceil_div(s.n, qb), groups = ceil_div(blocks, units), ch = s.hd / lanes;
        const double kv_trips = double(s.n) * (s.d / d_.row_lanes);
        const PortBytes kv_bytes = on(kQkv, 2.0 * s.n * s.d * 4);
        const double q_trips = qb * ch, step_trips = double(s.n) * ch;
        const PortBytes q_bytes = on(kQkv, qb * s.hd * 4.0), scores = on(kScores, qb * (s.n + 2) * 4.0),
                        out_bytes = on(kAttn, qb * s.hd * 4.0);
        // + the key and value windows' fill before each pass ((QB - 1) rows of HD/lanes beats).
        const double window_fill = 2.0 * (qb - 1) * ch;
        const double per_group = loop(q_trips, q_bytes * units) + loop(step_trips, scores * units) + step_trips +
                                 loop(q_trips, out_bytes * units) + window_fill;
        const double items = double(s.heads) * blocks;
        trips(hls::kLoopKvLoad, kv_trips);
        trips(hls::kLoopQLoad, items * q_trips);
        trips(hls::kLoopQk, items * step_trips);
        trips(hls::kLoopAv, items * step_trips);
        trips(hls::kLoopAttnOut, items * q_trips);
        const double cycles = loop(kv_trips, kv_bytes) + double(s.heads) * groups * per_group;
        add(name, cycles, kv_bytes + (q_bytes + scores + out_bytes) * items);
        result.attention_cycles += cycles;
    }

    // moe_layer's route loop: per token E pushes into the online softmax, E probabilities, E top-k steps.
    void routing(const std::string& name, const Sizes& s) {
        trips(hls::kLoopRoute, s.n);
        const PortBytes bytes = on(kScratch, double(s.n) * (ceil16(s.experts) * 4 + s.top_k * 4 * 4));
        add(name, loop(double(s.n) * 3 * s.experts, bytes), bytes);
    }

    // upsample2: each source row into the line buffer once (w x C/lanes iterations), then per output
    // row ow x C/lanes iterations writing `channels` values a pixel.
    void upsample(const std::string& name, int h, int w, int c, int channels, bool copy, int src_port, int dst_port) {
        const int cb = ceil_div(c, d_.upsample_lanes), oh = copy ? h : 2 * h, ow = copy ? w : 2 * w;
        const double line = loop(double(w) * cb, on(src_port, double(w) * c * 4));
        const double row = loop(double(ow) * cb, on(dst_port, double(ow) * channels * 4));
        trips(hls::kLoopLineLoad, double(h) * w * cb);
        trips(hls::kLoopUpsample, double(oh) * ow * cb);
        add(name, h * line + oh * row, on(src_port, double(h) * w * c * 4) + on(dst_port, double(oh) * ow * channels * 4));
    }

    void add(const std::string& name, double cycles, const PortBytes& bytes) {
        StageCycles st;
        st.name = name;
        st.cycles = cycles;
        st.port_bytes = bytes;
        st.dram_bytes = total(bytes);
        result.stages.push_back(st);
    }

private:
    KernelDesign d_;
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

std::map<std::string, std::string> zcu102_bundle_ports() {
    const auto hp = [](int p) { return "HP" + std::to_string(p); };
    return {{"gmem_weights", hp(kWeights)}, {"gmem_image", hp(kImage)}, {"gmem_x", hp(kX)},
            {"gmem_s0", hp(kLn)},           {"gmem_hidden", hp(kHidden)}, {"gmem_s1", hp(kQkv)},
            {"gmem_s2", hp(kAttn)},         {"gmem_s3", hp(kScratch)},  {"gmem_scores", hp(kScores)},
            {"gmem_stats", hp(kScores)}};
}

double CycleEstimate::cycles_of(const std::string& part) const {
    double sum = 0;
    for (const auto& st : stages)
        if (!st.head && st.name.find(part) != std::string::npos) sum += st.cycles;
    return sum;
}

double CycleEstimate::head_cycles_of(const std::string& part) const {
    double sum = 0;
    for (const auto& st : stages)
        if (st.head && st.name.find(part) != std::string::npos) sum += st.cycles;
    return sum;
}

CycleEstimate estimate_kernel_cycles(const ModelConfig& config, const std::vector<ExpertRouting>& routing,
                                     int out_channels, const KernelDesign& design) {
    const Sizes s(config);
    Walker w(design);
    const int rl = design.row_lanes;
    // patch_embed: PatchSource reads the 3 x P x P pixel bytes of a patch; PatchTokenSink adds the
    // position embedding (read from the weights) and writes the token; the class token is D writes.
    w.linear("patch embedding", s.patches, s.patch_in, s.d, {s.patch_in / rl, on(kImage, s.patch_in)},
             {ceil_div(s.d, rl), on(kX, s.d * 4.0) + on(kWeights, s.d * 2.0)});
    w.add("class token", s.d, on(kX, s.d * 4.0));
    size_t moe_index = 0;
    for (int b = 0; b < s.depth; ++b) {
        const std::string p = "block " + std::to_string(b) + " ";
        w.layer_norm(p + "norm1", s.n, s.d, kX, kLn);
        w.linear(p + "qkv", s.n, s.d, 3 * s.d, w.row_source(s.d, kLn), w.row_sink(3 * s.d, kQkv, false));
        w.attention(p + "attention", s);
        w.linear(p + "proj", s.n, s.d, s.d, w.row_source(s.d, kAttn), w.row_sink(s.d, kX, true));
        w.layer_norm(p + "norm2", s.n, s.d, kX, kLn);
        if (!config.is_moe(b)) {
            w.linear(p + "fc1", s.n, s.d, s.mlp, w.row_source(s.d, kLn), w.row_sink(s.mlp, kHidden, false));
            w.linear(p + "fc2", s.n, s.mlp, s.d, w.row_source(s.mlp, kHidden), w.row_sink(s.d, kX, true));
            continue;
        }
        w.linear(p + "gate", s.n, s.d, s.experts, w.row_source(s.d, kLn), w.row_sink(s.experts, kScratch, false));
        w.routing(p + "routing", s);
        const std::vector<int> rows = expert_rows(s, routing, moe_index++);
        const int he16 = ceil16(s.expert_hidden);
        for (int e = 0; e < s.experts; ++e) {
            if (rows[size_t(e)] == 0) continue;   // inactive: no fetch, no compute
            const std::string q = p + "experts e" + std::to_string(e) + " ";
            // FC1 gathers its tokens through the queue (a token id a row); FC2 scatters with the score.
            w.linear(q + "fc1", rows[size_t(e)], s.d, s.expert_hidden, w.row_source(s.d, kLn, 4),
                     {ceil_div(s.expert_hidden, rl), on(kHidden, he16 * 4.0)});
            RowSide scatter = w.row_sink(s.d, kX, true);
            scatter.bytes = scatter.bytes + on(kScratch, 8);
            w.linear(q + "fc2", rows[size_t(e)], s.expert_hidden, s.d, w.row_source(he16, kHidden), scatter);
        }
    }
    for (const auto& st : w.result.stages) {
        w.result.backbone_cycles += st.cycles;
        w.result.backbone_bytes += st.dram_bytes;
    }
    if (out_channels > 0) {
        const size_t first = w.result.stages.size();
        const int o16 = ceil16(s.max_out);
        int h = s.gh, wd = s.gw;
        w.layer_norm("head norm", s.patches, s.d, kX, kMapA);
        // 3x3 convs: NeighbourhoodSource gathers 9 taps x CIN from map_a; ReLU sink to map_b.
        auto conv_source = [&](int cin) { return RowSide{9 * cin / rl, on(kMapA, 9.0 * cin * 4)}; };
        w.linear("head conv_0", h * wd, 9 * s.d, s.head_c, conv_source(s.d), w.row_sink(s.head_c, kMapB, false));
        for (int k = 1; k < 4; ++k) {
            w.upsample("head upsample " + std::to_string(k), h, wd, s.head_c, s.head_c, false, kMapB, kMapA);
            h *= 2;
            wd *= 2;
            // conv_3's sink is ReluConv1x1Sink: conv_4 (1x1) on the row, its outputs to map_b.
            const RowSide sink = k < 3 ? w.row_sink(s.head_c, kMapB, false)
                                       : RowSide{s.max_out * (s.head_c / design.conv1x1_lanes), on(kMapB, s.max_out * 4.0)};
            w.linear(k < 3 ? "head conv_" + std::to_string(k) : std::string("head conv_3 + conv_4"), h * wd,
                     9 * s.head_c, s.head_c, conv_source(s.head_c), sink);
        }
        w.add("head conv_4 weights", s.max_out * s.head_c, on(kWeights, double(s.max_out) * s.head_c * 2));
        const bool copy = config.patch == 8;   // FINAL_UP: x1 for patch 8
        w.upsample("head final resize", h, wd, o16, out_channels, copy, kMapB, kOut);
        for (size_t i = first; i < w.result.stages.size(); ++i) {
            w.result.stages[i].head = true;
            w.result.head_cycles += w.result.stages[i].cycles;
            w.result.head_bytes += w.result.stages[i].dram_bytes;
        }
    }
    // DRAM demand per stage against the DDR's peak.
    w.result.ddr_peak_gb_s = design.ddr_peak_gb_s;
    for (const auto& st : w.result.stages) {
        const double gb_s = st.dram_bytes / st.cycles * design.clock_mhz * 1e6 / 1e9;
        if (st.cycles > 0 && gb_s > w.result.peak_stage_gb_s) {
            w.result.peak_stage_gb_s = gb_s;
            w.result.peak_stage = st.name;
        }
    }
    return w.result;
}

}  // namespace edgemoe
