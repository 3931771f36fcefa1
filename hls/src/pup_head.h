#pragma once
// The SETR-PUP task head in hardware (beyond the paper, which left heads to the host: with
// 256-channel heads they are ~8x the backbone's work). LayerNorm over the patch tokens gives a
// GH x GW x D map; each 3x3 conv (BatchNorm folded in by the host) runs on the SAME linear unit as a
// linear layer over 3x3 neighbourhoods (NeighbourhoodSource), with ReLU in the sink; bilinear x2
// upsampling between convs is exact fixed-point arithmetic (weights 1/4 and 3/4, PyTorch's
// align_corners=False rule with clamped edges); the 1x1 conv is one more linear layer; the final
// resize writes the task's channels planar (C x H x W) for the host.
#include <cstdint>

#include "edgemoe_hls/shape.h"
#include "edgemoe_hls/types.h"
#include "layernorm.h"
#include "linear_unit.h"
#include "rows.h"

namespace edgemoe_hls {

// x2 bilinear (align_corners=False): output 2i+a samples source i - 0.25 (a = 0) or i + 0.25
// (a = 1), clamped to the map. Weights in quarters; the 2-D weight products are sixteenths, so the
// sum is exact and is floored once.
inline void up2_taps(int o, int n, int& i0, int& i1, int& w1) {   // w1: weight of i1 in quarters
    const int i = o / 2;
    if (o % 2 == 0) {
        i0 = i > 0 ? i - 1 : 0;
        i1 = i;
        w1 = i > 0 ? 3 : 4;
    } else {
        i0 = i;
        i1 = i + 1 < n ? i + 1 : n - 1;
        w1 = i + 1 < n ? 1 : 0;
    }
}

// src: h x w pixels of C channels (channels last). Writes the first `channels` channels at 2h x 2w,
// channels last (planar = false) or planar channels x 2h x 2w (planar = true). With `copy` (x1
// resize) it only re-lays the map out.
template <int C>
void upsample2(const int32_t* src, int h, int w, int32_t* dst, int channels, bool planar, bool copy) {
    const int src_px = w;
    const int oh = copy ? h : 2 * h, ow = copy ? w : 2 * w;
    for (int y = 0; y < oh; ++y)
        for (int x = 0; x < ow; ++x) {
#pragma HLS PIPELINE II = 1
            int y0 = y, y1 = y, wy = 0, x0 = x, x1 = x, wx = 0;
            if (!copy) {
                up2_taps(y, h, y0, y1, wy);
                up2_taps(x, w, x0, x1, wx);
            }
            for (int c = 0; c < C; ++c) {
                if (c >= channels) break;
                const int64_t a = src[(size_t(y0) * src_px + x0) * C + c], b = src[(size_t(y0) * src_px + x1) * C + c];
                const int64_t d = src[(size_t(y1) * src_px + x0) * C + c], e = src[(size_t(y1) * src_px + x1) * C + c];
                const int64_t s16 = (4 - wy) * ((4 - wx) * a + wx * b) + wy * ((4 - wx) * d + wx * e);
                const fm_t v = from_bits<fm_t>(s16 >> 4);
                const size_t at = planar ? (size_t(c) * oh + y) * ow + x : (size_t(y) * ow + x) * channels + c;
                dst[at] = int32_t(to_bits(v));
            }
        }
}

// x: backbone tokens [N][D]; head: the task's head weights; map_a, map_b: scratch maps;
// out: [out_channels][IMG_H][IMG_W].
template <class S, class LU>
void pup_head(LU& lu, const int32_t* x, const int16_t* head, int out_channels, int32_t* map_a, int32_t* map_b,
              int32_t* out) {
    using L = WeightLayout<S>;
    constexpr int D = S::D, C = S::HEAD_C;
    // LayerNorm of the patch tokens = the GH x GW x D input map (tokens are row-major patches).
    layer_norm<D>(x + D, S::PATCHES, D, head + L::head_ln_g, head + L::head_ln_b, map_a, D);

    int h = S::GH, w = S::GW;
    using Conv0 = LinearLayer<fm_t, wt_head_t, wt_bias_t, acc_t, 9 * D, C>;
    using ConvK = LinearLayer<fm_t, wt_head_t, wt_bias_t, acc_t, 9 * C, C>;
    {
        NeighbourhoodSource<D> src{map_a, h, w};
        WriteSink<C, Epilogue::Relu> sink{map_b, C};
        lu.run(Conv0{head + L::conv_w(0), head + L::conv_b(0)}, h * w, src, sink);
    }
    for (int k = 1; k < 4; ++k) {
        upsample2<C>(map_b, h, w, map_a, C, false, false);
        h *= 2;
        w *= 2;
        NeighbourhoodSource<C> src{map_a, h, w};
        WriteSink<C, Epilogue::Relu> sink{map_b, C};
        lu.run(ConvK{head + L::conv_w(k), head + L::conv_b(k)}, h * w, src, sink);
    }
    // 1x1 conv to the task's channels (padded to 16 outputs), then the final resize, planar.
    using Conv4 = LinearLayer<fm_t, wt_head_out_t, wt_attn_bias_t, acc_head_t, C, S::MAX_OUT>;
    constexpr int O16 = ceil16(S::MAX_OUT);
    RowSource<C> src{map_b, C};
    WriteSink<S::MAX_OUT> sink{map_a, O16};
    lu.run(Conv4{head + L::conv4_w, head + L::conv4_b}, h * w, src, sink);
    upsample2<O16>(map_a, h, w, out, out_channels, true, S::FINAL_UP == 1);
}

}  // namespace edgemoe_hls
