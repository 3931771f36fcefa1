#pragma once
// Patch embedding: each 16x16 RGB patch (flattened channel, row, column, as the conv weight) is one
// input row of a linear layer with D outputs, run on the linear unit like every other layer: its
// operands are narrower (8-bit pixels read as b/256, wt_patch_t weights, a 24-fractional-bit
// accumulator), which the same DSPs take sign/zero-extended. The sink adds the position embedding;
// the class token gets pos_embed[0] as well.
#include <cstdint>

#include "edgemoe_hls/shape.h"
#include "edgemoe_hls/types.h"
#include "linear_unit.h"
#include "rows.h"

namespace edgemoe_hls {

template <class S, class LU>
void patch_embed(LU& lu, const uint8_t* image, const int16_t* weights, int32_t* x) {
    using L = WeightLayout<S>;
    constexpr int D = S::D;
    using Embed = LinearLayer<pixel_t, wt_patch_t, wt_bias_t, acc_patch_t, S::PATCH_IN, D>;
    PatchSource<S> src{image};
    PatchTokenSink<D> sink{x, weights + L::pos};
    lu.run(Embed{weights + L::patch_w, weights + L::patch_b}, S::PATCHES, src, sink);
    for (int o = 0; o < D; ++o) {
        const fm_t v = from_bits<wt_bias_t>(weights[L::cls + o]) + from_bits<wt_bias_t>(weights[L::pos + o]);
        x[o] = int32_t(to_bits(v));
    }
}

}  // namespace edgemoe_hls
