#pragma once
// Row sources and sinks of the linear unit: where a layer's input rows come from and what happens
// to its outputs. Each is a tiny inline functor; in hardware each is a small address generator or
// epilogue stage in front of / behind the 16x16 array.
#include <cstddef>
#include <cstdint>

#include "edgemoe_hls/types.h"
#include "gelu.h"

namespace edgemoe_hls {

// Input rows: `count` fm_t values at in[row * stride], zero-padded to the unit's 16-wide tiles.
template <int IN>
struct RowSource {
    const int32_t* in;
    int stride;
    const int32_t* gather = nullptr;   // optional: row r reads source row gather[r] (MoE queues)
    template <class In, int N>
    void load(int r, In (&row)[N]) const {
        const int32_t* p = in + size_t(gather ? gather[r] : r) * stride;
        for (int k = 0; k < N; ++k) {
#pragma HLS PIPELINE II = 1
            row[k] = k < IN ? from_bits<In>(p[k]) : In(0);
        }
    }
};

// 3x3 neighbourhood of pixel r of an h x w map with CIN channels (channels last): the row of a
// 3x3 convolution seen as a linear layer, tap-major ([ky][kx][cin]); outside the map reads zero
// (the conv's zero padding).
template <int CIN>
struct NeighbourhoodSource {
    const int32_t* map;
    int h, w;
    template <class In, int N>
    void load(int r, In (&row)[N]) const {
        const int y = r / w, x = r % w;
        for (int tap = 0; tap < 9; ++tap) {
            const int yy = y + tap / 3 - 1, xx = x + tap % 3 - 1;
            const bool inside = yy >= 0 && yy < h && xx >= 0 && xx < w;
            const int32_t* p = map + (size_t(inside ? yy : 0) * w + (inside ? xx : 0)) * CIN;
            for (int c = 0; c < CIN; ++c) {
#pragma HLS PIPELINE II = 1
                row[tap * CIN + c] = inside ? from_bits<In>(p[c]) : In(0);
            }
        }
        for (int k = 9 * CIN; k < N; ++k) row[k] = In(0);
    }
};

// A 16x16 RGB patch of the image as one row (channel, row, column: the conv weight's order).
template <class S>
struct PatchSource {
    const uint8_t* image;
    template <class In, int N>
    void load(int r, In (&row)[N]) const {
        constexpr int P = S::PATCH;
        const int gy = r / S::GW, gx = r % S::GW;
        for (int c = 0; c < 3; ++c)
            for (int ky = 0; ky < P; ++ky) {
                const uint8_t* px = image + (size_t(gy * P + ky) * S::IMG_W + gx * P) * 3 + c;
                for (int kx = 0; kx < P; ++kx) {
#pragma HLS PIPELINE II = 1
                    row[(c * P + ky) * P + kx] = from_bits<In>(px[3 * kx]);
                }
            }
        for (int k = 3 * P * P; k < N; ++k) row[k] = In(0);
    }
};

enum class Epilogue { None, Gelu, Relu };

// Writes fm_t(acc) (optionally through GELU or ReLU) to out[row * stride].
template <int OUT, Epilogue EP = Epilogue::None>
struct WriteSink {
    int32_t* out;
    int stride;
    template <class Acc, int N>
    void store(int r, const Acc (&acc)[N]) const {
        for (int o = 0; o < OUT; ++o) {
#pragma HLS PIPELINE II = 1
            fm_t y = acc[o];   // the one quantisation of the dot product: floor to 22 fractional bits
            if (EP == Epilogue::Gelu) y = gelu(y);
            if (EP == Epilogue::Relu && y < fm_t(0)) y = 0;
            out[size_t(r) * stride + o] = int32_t(to_bits(y));
        }
    }
};

// Patch tokens: x[1 + row] = fm_t(acc) + pos[1 + row] (pos: wt_bias_t raw).
template <int OUT>
struct PatchTokenSink {
    int32_t* x;
    const int16_t* pos;
    template <class Acc, int N>
    void store(int r, const Acc (&acc)[N]) const {
        for (int o = 0; o < OUT; ++o) {
#pragma HLS PIPELINE II = 1
            const fm_t v = fm_t(acc[o]) + from_bits<wt_bias_t>(pos[size_t(r + 1) * OUT + o]);
            x[size_t(r + 1) * OUT + o] = int32_t(to_bits(v));
        }
    }
};

// Residual: x[row] += fm_t(acc).
template <int OUT>
struct ResidualSink {
    int32_t* x;
    int stride;
    template <class Acc, int N>
    void store(int r, const Acc (&acc)[N]) const {
        for (int o = 0; o < OUT; ++o) {
#pragma HLS PIPELINE II = 1
            const fm_t y = acc[o];
            const fm_t sum = from_bits<fm_t>(x[size_t(r) * stride + o]) + y;
            x[size_t(r) * stride + o] = int32_t(to_bits(sum));
        }
    }
};

// MoE output: x[token[r]] += fm_t(score[r] * fm_t(acc)), the linear unit's "dst += score * out" mode.
// Each term is quantised before the add, so the order in which experts arrive does not matter.
template <int OUT>
struct ScatterScoreSink {
    int32_t* x;
    int stride;
    const int32_t* token;   // destination row per input row
    const int32_t* score;   // prob_t raw per input row
    template <class Acc, int N>
    void store(int r, const Acc (&acc)[N]) const {
        const prob_t p = from_bits<prob_t>(score[r]);
        int32_t* dst = x + size_t(token[r]) * stride;
        for (int o = 0; o < OUT; ++o) {
#pragma HLS PIPELINE II = 1
            const fm_t y = acc[o];
            const fm_t term = p * y;
            dst[o] = int32_t(to_bits(fm_t(from_bits<fm_t>(dst[o]) + term)));
        }
    }
};

}  // namespace edgemoe_hls
