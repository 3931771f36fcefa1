#pragma once
// Turning the kernel's raw output buffers into a NetworkOutput: head output and backbone tokens are
// fm_t (22 fractional bits), routing holds (expert, prob_t with 23 fractional bits) per token and
// slot. Shared by fpga-emu and the XRT backend, so both decode the same bits the same way.
#include <cmath>
#include <cstdint>

#include "edgemoe/result.h"

namespace edgemoe::fpga {

inline constexpr int kActivationFracBits = 22;   // fm_t
inline constexpr int kProbabilityFracBits = 23;  // prob_t

inline void dequantize(const int32_t* raw, size_t n, int frac, float* out) {
    const float scale = std::ldexp(1.0f, -frac);
    for (size_t i = 0; i < n; ++i) out[i] = float(raw[i]) * scale;
}

// Head output [channels][S::IMG_H][S::IMG_W].
template <class S>
void decode_head_output(const int32_t* raw, int task, int channels, NetworkOutput& out) {
    out.task = task;
    out.channels = channels;
    out.height = S::IMG_H;
    out.width = S::IMG_W;
    out.raw.resize(size_t(channels) * S::IMG_H * S::IMG_W);
    dequantize(raw, out.raw.size(), kActivationFracBits, out.raw.data());
}

// routing: [MOE_BLOCKS][N][TOPK][2]; MoE blocks are the odd ones.
template <class S>
void decode_routing(const int32_t* routing, NetworkOutput& out) {
    out.routing.resize(S::MOE_BLOCKS);
    for (int m = 0; m < S::MOE_BLOCKS; ++m) {
        ExpertRouting& r = out.routing[size_t(m)];
        r.block = 2 * m + 1;
        r.tokens = S::N;
        r.top_k = S::TOPK;
        r.expert.resize(size_t(S::N) * S::TOPK);
        r.weight.resize(size_t(S::N) * S::TOPK);
        const int32_t* src = routing + size_t(m) * S::N * S::TOPK * 2;
        for (size_t i = 0; i < r.expert.size(); ++i) {
            r.expert[i] = int16_t(src[2 * i]);
            r.weight[i] = float(std::ldexp(double(src[2 * i + 1]), -kProbabilityFracBits));
        }
    }
}

// Backbone tokens [N][D].
template <class S>
void decode_backbone(const int32_t* x, NetworkOutput& out) {
    out.backbone.resize(size_t(S::N) * S::D);
    dequantize(x, out.backbone.size(), kActivationFracBits, out.backbone.data());
}

}  // namespace edgemoe::fpga
