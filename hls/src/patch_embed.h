#pragma once
// Patch embedding: each 16x16 RGB patch (flattened channel, row, column, as the conv weight) is one
// input row of a linear layer with D outputs; pixels are bytes read as b/256 (pixel_t), weights are
// wt_patch_t, so this layer gets its own small MAC loop with a 24-fractional-bit accumulator. Then
// the class token and the position embedding (the class token gets pos_embed[0] as well).
#include <cstdint>

#include "edgemoe_hls/shape.h"
#include "edgemoe_hls/types.h"

namespace edgemoe_hls {

template <class S>
void patch_embed(const uint8_t* image, const int16_t* weights, int32_t* x) {
    using L = WeightLayout<S>;
    constexpr int P = S::PATCH, D = S::D, IN = S::PATCH_IN;
    pixel_t row[IN];
patches:
    for (int pi = 0; pi < S::PATCHES; ++pi) {
        const int gy = pi / S::GW, gx = pi % S::GW;
        for (int k = 0; k < IN; ++k) {
#pragma HLS PIPELINE II = 1
            const int c = k / (P * P), ky = (k / P) % P, kx = k % P;
            row[k] = from_bits<pixel_t>(image[(size_t(gy * P + ky) * S::IMG_W + gx * P + kx) * 3 + c]);
        }
        for (int o = 0; o < D; ++o) {
            acc_patch_t acc = acc_patch_t(from_bits<wt_bias_t>(weights[L::patch_b + o]));
            for (int k = 0; k < IN; ++k) {
#pragma HLS PIPELINE II = 1
                mac(acc, row[k], from_bits<wt_patch_t>(weights[L::patch_w + size_t(o) * IN + k]));
            }
            const fm_t v = fm_t(acc) + from_bits<wt_bias_t>(weights[L::pos + size_t(pi + 1) * D + o]);
            x[size_t(pi + 1) * D + o] = int32_t(to_bits(v));
        }
    }
    for (int o = 0; o < D; ++o) {
        const fm_t v = from_bits<wt_bias_t>(weights[L::cls + o]) + from_bits<wt_bias_t>(weights[L::pos + o]);
        x[o] = int32_t(to_bits(v));
    }
}

}  // namespace edgemoe_hls
