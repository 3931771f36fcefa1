#include "fpga/packing.h"

#include <cmath>
#include <map>

#include "edgemoe_hls/shape.h"
#include "edgemoe_hls/types.h"

namespace edgemoe::fpga {

using namespace edgemoe_hls;

int16_t quantize16(float v, int frac, size_t& saturated) {
    const double scaled = std::floor(double(v) * std::ldexp(1.0, frac));
    if (scaled > 32767.0) { ++saturated; return 32767; }
    if (scaled < -32768.0) { ++saturated; return -32768; }
    return int16_t(scaled);
}

namespace {

template <class T>
constexpr int frac_of() { return T::width - T::int_bits; }

// Writes tensors into a buffer while tracking which tensor clips the most.
class Packer {
public:
    Packer(std::vector<int16_t>& buf, PackedWeights& stats) : buf_(buf), stats_(stats) {}

    template <class T>
    void put(size_t at, float v, const char* what) {
        size_t before = stats_.saturated;
        buf_.at(at) = quantize16(v, frac_of<T>(), stats_.saturated);
        if (stats_.saturated != before && ++clipped_[what] > worst_count_) {
            worst_count_ = clipped_[what];
            stats_.worst = what;
        }
    }
    template <class T>
    void vec(size_t at, const Tensor& t, const char* what) {
        for (size_t i = 0; i < t.data.size(); ++i) put<T>(at + i, t.data[i], what);
    }
    // A PyTorch [out][in] linear weight into [out16][in16] (padding stays zero).
    template <class T>
    void linear(size_t at, const float* w, int out, int in, int in16, const char* what) {
        for (int o = 0; o < out; ++o)
            for (int i = 0; i < in; ++i) put<T>(at + size_t(o) * in16 + i, w[size_t(o) * in + i], what);
    }

private:
    std::vector<int16_t>& buf_;
    PackedWeights& stats_;
    std::map<std::string, size_t> clipped_;
    size_t worst_count_ = 0;
};

}  // namespace

template <class S>
bool matches_shape(const ModelConfig& c) {
    if (c.image_h != S::IMG_H || c.image_w != S::IMG_W || c.patch != S::PATCH || c.embed_dim != S::D ||
        c.depth != S::DEPTH || c.num_heads != S::HEADS || c.mlp_hidden != S::MLP || c.num_experts != S::E ||
        c.expert_hidden != S::HE || c.top_k != S::TOPK || c.head_channels != S::HEAD_C ||
        int(c.tasks.size()) > S::TASKS)
        return false;
    for (const TaskInfo& t : c.tasks)
        if (t.channels > S::MAX_OUT) return false;
    if (int(c.moe_blocks.size()) != S::MOE_BLOCKS) return false;
    for (int i = 0; i < S::MOE_BLOCKS; ++i)
        if (c.moe_blocks[size_t(i)] != 2 * i + 1) return false;
    return true;
}

template <class S>
PackedWeights pack(const Model& model) {
    using L = WeightLayout<S>;
    const ModelConfig& c = model.config();
    const ModelWeights& w = model.weights();
    constexpr int D = S::D, P = S::PATCH, E16 = ceil16(S::E), HE16 = ceil16(S::HE);
    PackedWeights out;
    out.weights.assign(L::weights_size, 0);
    Packer p(out.weights, out);

    // Patch embedding with the input normalisation folded in: the kernel reads byte b as b/256,
    // the model wants (b * scale - mean_c) / std_c, so w' = w * 256 * scale / std_c and
    // bias' = bias - sum(w * mean_c / std_c).
    const InputNorm& in = c.input;
    for (int o = 0; o < D; ++o) {
        double bias = w.patch_b.data[size_t(o)];
        for (int ch = 0; ch < 3; ++ch)
            for (int k = 0; k < P * P; ++k) {
                const size_t idx = (size_t(o) * 3 + ch) * P * P + k;
                const float wv = w.patch_w.data[idx];
                p.put<wt_patch_t>(L::patch_w + idx, float(wv * 256.0 * in.scale / in.std[size_t(ch)]), "patch_embed.weight");
                bias -= double(wv) * in.mean[size_t(ch)] / in.std[size_t(ch)];
            }
        p.put<wt_bias_t>(L::patch_b + size_t(o), float(bias), "patch_embed.bias");
    }
    p.vec<wt_bias_t>(L::cls, w.cls_token, "cls_token");
    p.vec<wt_bias_t>(L::pos, w.pos_embed, "pos_embed");

    for (int b = 0; b < S::DEPTH; ++b) {
        const BlockWeights& bw = w.blocks[size_t(b)];
        const typename L::Block k = L::block(b);
        p.vec<wt_norm_t>(k.ln1_g, bw.norm1_w, "norm1.weight");
        p.vec<wt_bias_t>(k.ln1_b, bw.norm1_b, "norm1.bias");
        p.linear<wt_t>(k.qkv_w, bw.qkv_w.ptr(), 3 * D, D, D, "attn.qkv.weight");
        p.vec<wt_attn_bias_t>(k.qkv_b, bw.qkv_b, "attn.qkv.bias");
        p.linear<wt_t>(k.proj_w, bw.proj_w.ptr(), D, D, D, "attn.proj.weight");
        p.vec<wt_attn_bias_t>(k.proj_b, bw.proj_b, "attn.proj.bias");
        p.vec<wt_norm_t>(k.ln2_g, bw.norm2_w, "norm2.weight");
        p.vec<wt_bias_t>(k.ln2_b, bw.norm2_b, "norm2.bias");
        if (b % 2 == 0) {
            p.linear<wt_t>(k.fc1_w, bw.fc1_w.ptr(), S::MLP, D, D, "mlp.fc1.weight");
            p.vec<wt_bias_t>(k.fc1_b, bw.fc1_b, "mlp.fc1.bias");
            p.linear<wt_t>(k.fc2_w, bw.fc2_w.ptr(), D, S::MLP, S::MLP, "mlp.fc2.weight");
            p.vec<wt_bias_t>(k.fc2_b, bw.fc2_b, "mlp.fc2.bias");
        } else {
            for (int e = 0; e < S::E; ++e) {
                p.linear<wt_t>(k.w1 + size_t(e) * HE16 * D, bw.w1.ptr() + size_t(e) * S::HE * D, S::HE, D, D,
                               "experts.htoh4.weight");
                for (int i = 0; i < S::HE; ++i)
                    p.put<wt_bias_t>(k.b1 + size_t(e) * HE16 + i, bw.b1.data[size_t(e) * S::HE + i], "experts.htoh4.bias");
                p.linear<wt_t>(k.w2 + size_t(e) * D * HE16, bw.w2.ptr() + size_t(e) * D * S::HE, D, S::HE, HE16,
                               "experts.h4toh.weight");
                for (int i = 0; i < D; ++i)
                    p.put<wt_bias_t>(k.b2 + size_t(e) * D + i, bw.b2.data[size_t(e) * D + i], "experts.h4toh.bias");
            }
        }
    }

    for (size_t t = 0; t < c.tasks.size(); ++t) {
        // Gates: w_gate is [D][E]; the kernel wants [E16][D] (a linear layer with E outputs).
        std::vector<int16_t> gates(L::gates_size, 0);
        Packer g(gates, out);
        for (int m = 0; m < S::MOE_BLOCKS; ++m) {
            const Tensor& wg = w.blocks[size_t(2 * m + 1)].gate[t];
            for (int d = 0; d < D; ++d)
                for (int e = 0; e < S::E; ++e)
                    g.put<wt_t>(L::gate(m) + size_t(e) * D + d, wg.data[size_t(d) * S::E + e], "mlp.gate.w_gate");
        }
        out.gates.push_back(std::move(gates));

        // Head: LayerNorm, 3x3 convs as [out][tap][in], the 1x1 conv padded to 16 outputs.
        const HeadWeights& hw = w.heads[t];
        std::vector<int16_t> head(L::head_size, 0);
        Packer h(head, out);
        h.vec<wt_norm_t>(L::head_ln_g, hw.norm_w, "decoder.norm.weight");
        h.vec<wt_bias_t>(L::head_ln_b, hw.norm_b, "decoder.norm.bias");
        for (int k = 0; k < 4; ++k) {
            const Tensor& cw = hw.conv_w[size_t(k)];
            const int cout = int(cw.dim(0)), cin = int(cw.dim(1));
            for (int o = 0; o < cout; ++o)
                for (int i = 0; i < cin; ++i)
                    for (int tap = 0; tap < 9; ++tap)
                        h.put<wt_head_t>(L::conv_w(k) + (size_t(o) * 9 + tap) * cin + i,
                                         cw.data[(size_t(o) * cin + i) * 9 + tap], "decoder.conv (BatchNorm folded)");
            h.vec<wt_bias_t>(L::conv_b(k), hw.conv_b[size_t(k)], "decoder.conv bias (BatchNorm folded)");
        }
        const int ch = c.tasks[t].channels, C = S::HEAD_C;
        for (int o = 0; o < ch; ++o)
            for (int i = 0; i < C; ++i)
                h.put<wt_head_out_t>(L::conv4_w + size_t(o) * C + i, hw.conv_w[4].data[size_t(o) * C + i], "decoder.conv_4");
        for (int o = 0; o < ch; ++o)
            h.put<wt_attn_bias_t>(L::conv4_b + size_t(o), hw.conv_b[4].data[size_t(o)], "decoder.conv_4 bias");
        out.heads.push_back(std::move(head));
        (void)E16;
    }
    return out;
}

template bool matches_shape<EdgeMoeShape>(const ModelConfig&);
template bool matches_shape<EdgeMoeShapeC256>(const ModelConfig&);
template bool matches_shape<TinyShape>(const ModelConfig&);
template PackedWeights pack<EdgeMoeShape>(const Model&);
template PackedWeights pack<EdgeMoeShapeC256>(const Model&);
template PackedWeights pack<TinyShape>(const Model&);

}  // namespace edgemoe::fpga
