#pragma once
// Row sources and sinks of the linear unit: where a layer's input rows come from and what happens
// to its outputs. Each is a tiny inline functor; in hardware each is a small address generator or
// epilogue stage in front of / behind the 16x16 array.
//
// WIDE ROWS. Every source loads and every sink stores kRowLanes (16) values per cycle: the loops
// below step over 16-value beats with the 16 lanes unrolled, and the unit's row and accumulator
// buffers are partitioned 16 ways to match. With one value per cycle (the first design) a sink
// needed OUT cycles per row, more than the 16x16 array's OUT/16 x IN/16 tiles for every layer whose
// input is narrower than 256 (QKV: 576 stores against 432 tiles, FC1 768 against 576, the gate 16
// against 12, every head conv's 9 x CIN gathers against its tiles); now the array is the bound and
// the source and sink hide behind it. `kBeats` is each loop's trip count per row: the cycle model
// charges it and the tests count it.
#include <cstddef>
#include <cstdint>

#include "edgemoe_hls/types.h"
#include "design.h"
#include "edgemoe_hls/shape.h"
#include "gelu.h"

namespace edgemoe_hls {

// Input rows: `count` fm_t values at in[row * stride], zero-padded to the unit's 16-wide tiles.
template <int IN>
struct RowSource {
    static constexpr int kBeats = ceil16(IN) / kRowLanes;
    const int32_t* in;
    int stride;
    const int32_t* gather = nullptr;   // optional: row r reads source row gather[r] (MoE queues)
    template <class In, int N>
    void load(int r, In (&row)[N]) const {
        const int32_t* p = in + size_t(gather ? gather[r] : r) * stride;
        for (int b = 0; b < N / kRowLanes; ++b) {
#pragma HLS PIPELINE II = 1
            for (int l = 0; l < kRowLanes; ++l) {
#pragma HLS UNROLL
                const int k = b * kRowLanes + l;
                row[k] = k < IN ? from_bits<In>(p[k]) : In(0);
            }
        }
    }
};

// 3x3 neighbourhood of pixel r of an h x w map with CIN channels (channels last): the row of a
// 3x3 convolution seen as a linear layer, tap-major ([ky][kx][cin]); outside the map reads zero
// (the conv's zero padding). One beat = 16 channels of one tap.
template <int CIN>
struct NeighbourhoodSource {
    static_assert(CIN % kRowLanes == 0, "a 3x3 source gathers whole 16-channel beats");
    static constexpr int kBeats = 9 * CIN / kRowLanes;
    const int32_t* map;
    int h, w;
    template <class In, int N>
    void load(int r, In (&row)[N]) const {
        const int y = r / w, x = r % w;
        for (int b = 0; b < kBeats; ++b) {
#pragma HLS PIPELINE II = 1
            const int tap = b / (CIN / kRowLanes), c0 = (b % (CIN / kRowLanes)) * kRowLanes;
            const int yy = y + tap / 3 - 1, xx = x + tap % 3 - 1;
            const bool inside = yy >= 0 && yy < h && xx >= 0 && xx < w;
            const int32_t* p = map + (size_t(inside ? yy : 0) * w + (inside ? xx : 0)) * CIN + c0;
            for (int l = 0; l < kRowLanes; ++l) {
#pragma HLS UNROLL
                row[tap * CIN + c0 + l] = inside ? from_bits<In>(p[l]) : In(0);
            }
        }
        for (int k = 9 * CIN; k < N; ++k) row[k] = In(0);
    }
};

// A PxP RGB patch of the image as one row (channel, row, column: the conv weight's order). A beat is
// 16 consecutive row entries: for P = 16 one patch row of one channel (16 bytes at stride 3 in the
// interleaved image, inside one 48-byte burst).
template <class S>
struct PatchSource {
    static constexpr int P = S::PATCH, kIn = 3 * P * P;
    static_assert(kIn % kRowLanes == 0, "a patch row is whole beats");
    static constexpr int kBeats = kIn / kRowLanes;
    const uint8_t* image;
    template <class In, int N>
    void load(int r, In (&row)[N]) const {
        const int gy = r / S::GW, gx = r % S::GW;
        for (int b = 0; b < kBeats; ++b) {
#pragma HLS PIPELINE II = 1
            for (int l = 0; l < kRowLanes; ++l) {
#pragma HLS UNROLL
                const int k = b * kRowLanes + l;
                const int c = k / (P * P), ky = (k / P) % P, kx = k % P;
                row[k] = from_bits<In>(image[(size_t(gy * P + ky) * S::IMG_W + gx * P + kx) * 3 + c]);
            }
        }
        for (int k = kIn; k < N; ++k) row[k] = In(0);
    }
};

enum class Epilogue { None, Gelu, Relu };

// Writes fm_t(acc) (optionally through GELU or ReLU) to out[row * stride].
template <int OUT, Epilogue EP = Epilogue::None>
struct WriteSink {
    static constexpr int kBeats = ceil16(OUT) / kRowLanes;
    int32_t* out;
    int stride;
    template <class Acc, int N>
    void store(int r, const Acc (&acc)[N]) const {
        for (int b = 0; b < kBeats; ++b) {
#pragma HLS PIPELINE II = 1
            for (int l = 0; l < kRowLanes; ++l) {
#pragma HLS UNROLL
                const int o = b * kRowLanes + l;
                if (o >= OUT) continue;
                fm_t y = acc[o];   // the one quantisation of the dot product: floor to 22 fractional bits
                if (EP == Epilogue::Gelu) y = gelu(y);
                if (EP == Epilogue::Relu && y < fm_t(0)) y = 0;
                out[size_t(r) * stride + o] = int32_t(to_bits(y));
            }
        }
    }
};

// Patch tokens: x[1 + row] = fm_t(acc) + pos[1 + row] (pos: wt_bias_t raw).
template <int OUT>
struct PatchTokenSink {
    static constexpr int kBeats = ceil16(OUT) / kRowLanes;
    int32_t* x;
    const int16_t* pos;
    template <class Acc, int N>
    void store(int r, const Acc (&acc)[N]) const {
        for (int b = 0; b < kBeats; ++b) {
#pragma HLS PIPELINE II = 1
            for (int l = 0; l < kRowLanes; ++l) {
#pragma HLS UNROLL
                const int o = b * kRowLanes + l;
                if (o >= OUT) continue;
                const fm_t v = fm_t(acc[o]) + from_bits<wt_bias_t>(pos[size_t(r + 1) * OUT + o]);
                x[size_t(r + 1) * OUT + o] = int32_t(to_bits(v));
            }
        }
    }
};

// Residual: x[row] += fm_t(acc).
template <int OUT>
struct ResidualSink {
    static constexpr int kBeats = ceil16(OUT) / kRowLanes;
    int32_t* x;
    int stride;
    template <class Acc, int N>
    void store(int r, const Acc (&acc)[N]) const {
        for (int b = 0; b < kBeats; ++b) {
#pragma HLS PIPELINE II = 1
            for (int l = 0; l < kRowLanes; ++l) {
#pragma HLS UNROLL
                const int o = b * kRowLanes + l;
                if (o >= OUT) continue;
                const fm_t y = acc[o];
                const fm_t sum = from_bits<fm_t>(x[size_t(r) * stride + o]) + y;
                x[size_t(r) * stride + o] = int32_t(to_bits(sum));
            }
        }
    }
};

// MoE output: x[token[r]] += fm_t(score[r] * fm_t(acc)), the linear unit's "dst += score * out" mode.
// Each term is quantised before the add, so the order in which experts arrive does not matter.
template <int OUT>
struct ScatterScoreSink {
    static constexpr int kBeats = ceil16(OUT) / kRowLanes;
    int32_t* x;
    int stride;
    const int32_t* token;   // destination row per input row
    const int32_t* score;   // prob_t raw per input row
    template <class Acc, int N>
    void store(int r, const Acc (&acc)[N]) const {
        const prob_t p = from_bits<prob_t>(score[r]);
        int32_t* dst = x + size_t(token[r]) * stride;
        for (int b = 0; b < kBeats; ++b) {
#pragma HLS PIPELINE II = 1
            for (int l = 0; l < kRowLanes; ++l) {
#pragma HLS UNROLL
                const int o = b * kRowLanes + l;
                if (o >= OUT) continue;
                const fm_t y = acc[o];
                const fm_t term = p * y;
                dst[o] = int32_t(to_bits(fm_t(from_bits<fm_t>(dst[o]) + term)));
            }
        }
    }
};

// THE HEAD'S LAST TWO CONVS IN ONE PASS. conv_3 (3x3, C -> C, ReLU) is followed by conv_4 (1x1,
// C -> the task's channels). Run as its own layer, conv_4 re-read conv_3's whole 64 x 128 x C map
// from DRAM (256 bytes a pixel, 16 cycles on a 128-bit port, 131 k cycles at C = 64) to do 1/9 of a
// 3x3 conv's work per pixel. Here conv_3's sink applies the ReLU and then the 1x1 conv to the row it
// already holds: OUTC x C products per pixel on kConv1x1Lanes multipliers, OUTC x C/16 cycles (28 at
// C = 64, 7 outputs), well inside conv_3's 144 cycles of array time per pixel. Its weights sit in
// the sink (loaded once per head); the sum is exact in acc_head_t and floored once, as the linear
// unit's, so the bits are those of the two separate layers.
template <int C, int OUTC, int O16>
struct ReluConv1x1Sink {
    static_assert(C % kConv1x1Lanes == 0, "the 1x1 conv's inputs come in whole beats");
    static constexpr int kBeats = OUTC * (C / kConv1x1Lanes);
    int32_t* out;            // [pixels][O16], the first OUTC channels written
    wt_head_out_t w[OUTC][C];
    acc_head_t bias[OUTC];

    // w4: [>= OUTC][C] raw wt_head_out_t; b4: raw wt_attn_bias_t.
    void load_weights(const int16_t* w4, const int16_t* b4) {
        for (int k = 0; k < OUTC; ++k) {
            bias[k] = acc_head_t(from_bits<wt_attn_bias_t>(b4[k]));
            for (int c = 0; c < C; ++c) {
#pragma HLS PIPELINE II = 1
                w[k][c] = from_bits<wt_head_out_t>(w4[size_t(k) * C + c]);
            }
        }
    }

    template <class Acc, int N>
    void store(int r, const Acc (&acc)[N]) const {
        fm_t y[C];
#pragma HLS ARRAY_PARTITION variable = y cyclic factor = 16
        for (int c = 0; c < C; ++c) {
#pragma HLS UNROLL
            const fm_t v = acc[c];
            y[c] = v < fm_t(0) ? fm_t(0) : v;
        }
        for (int k = 0; k < OUTC; ++k) {
            acc_head_t s = bias[k];
            for (int c0 = 0; c0 < C; c0 += kConv1x1Lanes) {
#pragma HLS PIPELINE II = 1
                for (int l = 0; l < kConv1x1Lanes; ++l) {
#pragma HLS UNROLL
                    mac(s, y[c0 + l], w[k][c0 + l]);
                }
            }
            out[size_t(r) * O16 + k] = int32_t(to_bits(fm_t(s)));
        }
    }
};

}  // namespace edgemoe_hls
