#pragma once
// The SETR-PUP task head in hardware (beyond the paper, which left heads to the host: with
// 256-channel heads they are ~8x the backbone's work). LayerNorm over the patch tokens gives a
// GH x GW x D map; each 3x3 conv (BatchNorm folded in by the host) runs on the SAME linear unit as a
// linear layer over 3x3 neighbourhoods (NeighbourhoodSource), with ReLU in the sink; bilinear x2
// upsampling between convs is exact fixed-point arithmetic (weights 1/4 and 3/4, PyTorch's
// align_corners=False rule with clamped edges), through a line buffer; the 1x1 conv runs in conv_3's sink
// (ReluConv1x1Sink, rows.h); the final
// resize writes the task's channels planar (C x H x W) for the host.
#include <cstdint>

#include "edgemoe_hls/shape.h"
#include "edgemoe_hls/types.h"
#include "layernorm.h"
#include "linear_unit.h"
#include "design.h"
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
//
// LINE BUFFER. An output row needs two source rows (i-1 and i, or i and i+1), and consecutive output
// rows share them, so the source rows pass through a 3-row line buffer on chip, each read from DRAM
// once (kRowLanes values per cycle) when the first output row needs it. Reading the 4 taps of every
// output pixel from DRAM instead, as the first design did, moved 4 x C values per pixel: 64 cycles a
// pixel at C = 64 on a 128-bit port. Each output pixel then takes C / kUpsampleLanes cycles (16
// channels interpolated per cycle), which the write of its C values bounds on the port.
// MAX_W: the widest source row.
template <int C, int MAX_W, class Units>
void upsample2(Units& units, const int32_t* src, int h, int w, int32_t* dst, int channels, bool planar, bool copy) {
    constexpr int UL = kUpsampleLanes, CB = (C + UL - 1) / UL;   // channel beats per pixel
    int32_t lines[3][MAX_W * C];
#pragma HLS ARRAY_PARTITION variable = lines complete dim = 1
#pragma HLS ARRAY_PARTITION variable = lines cyclic factor = 16 dim = 2
    const int oh = copy ? h : 2 * h, ow = copy ? w : 2 * w;
    int loaded = -1;   // source rows 0..loaded are in the line buffer (row i in slot i % 3)
    for (int y = 0; y < oh; ++y) {
        int y0 = y, y1 = y, wy = 0;
        if (!copy) up2_taps(y, h, y0, y1, wy);
    fill:
        while (loaded < y1) {
            ++loaded;
            for (int i = 0; i < w * CB; ++i) {
#pragma HLS PIPELINE II = 1
                probe(units, kLoopLineLoad);
                const int px = i / CB, c0 = (i % CB) * UL;
                for (int l = 0; l < UL; ++l) {
#pragma HLS UNROLL
                    if (c0 + l < C) lines[loaded % 3][px * C + c0 + l] = src[(size_t(loaded) * w + px) * C + c0 + l];
                }
            }
        }
        const int32_t* r0 = lines[y0 % 3];
        const int32_t* r1 = lines[y1 % 3];
    pixels:
        for (int i = 0; i < ow * CB; ++i) {
#pragma HLS PIPELINE II = 1
            probe(units, kLoopUpsample);
            const int x = i / CB, c0 = (i % CB) * UL;
            int x0 = x, x1 = x, wx = 0;
            if (!copy) up2_taps(x, w, x0, x1, wx);
            for (int l = 0; l < UL; ++l) {
#pragma HLS UNROLL
                const int c = c0 + l;
                if (c >= C || c >= channels) continue;
                const int64_t a = r0[x0 * C + c], b = r0[x1 * C + c];
                const int64_t d = r1[x0 * C + c], e = r1[x1 * C + c];
                const int64_t s16 = (4 - wy) * ((4 - wx) * a + wx * b) + wy * ((4 - wx) * d + wx * e);
                const fm_t v = from_bits<fm_t>(s16 >> 4);
                const size_t at = planar ? (size_t(c) * oh + y) * ow + x : (size_t(y) * ow + x) * channels + c;
                dst[at] = int32_t(to_bits(v));
            }
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
    layer_norm<D>(lu, x + D, S::PATCHES, D, head + L::head_ln_g, head + L::head_ln_b, map_a, D);

    int h = S::GH, w = S::GW;
    using Conv0 = LinearLayer<fm_t, wt_head_t, wt_bias_t, acc_t, 9 * D, C>;
    using ConvK = LinearLayer<fm_t, wt_head_t, wt_bias_t, acc_t, 9 * C, C>;
    {
        NeighbourhoodSource<D> src{map_a, h, w};
        WriteSink<C, Epilogue::Relu> sink{map_b, C};
        lu.run(Conv0{head + L::conv_w(0), head + L::conv_b(0)}, h * w, src, sink);
    }
    constexpr int O16 = ceil16(S::MAX_OUT);
    for (int k = 1; k < 4; ++k) {
        upsample2<C, S::GW * 4>(lu, map_b, h, w, map_a, C, false, false);
        h *= 2;
        w *= 2;
        NeighbourhoodSource<C> src{map_a, h, w};
        if (k < 3) {
            WriteSink<C, Epilogue::Relu> sink{map_b, C};
            lu.run(ConvK{head + L::conv_w(k), head + L::conv_b(k)}, h * w, src, sink);
        } else {
            // conv_3 with the 1x1 conv_4 in its sink (the task's channels, padded to 16 a pixel).
            ReluConv1x1Sink<C, S::MAX_OUT, O16> sink;
            sink.out = map_b;
            sink.load_weights(head + L::conv4_w, head + L::conv4_b);
            lu.run(ConvK{head + L::conv_w(k), head + L::conv_b(k)}, h * w, src, sink);
        }
    }
    // The final resize, planar.
    upsample2<O16, S::GW * 8>(lu, map_b, h, w, out, out_channels, true, S::FINAL_UP == 1);
}

}  // namespace edgemoe_hls
