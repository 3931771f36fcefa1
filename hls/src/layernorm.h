#pragma once
// ONE-PASS LAYERNORM, 16 LANES.
//
// One read of the row accumulates sum(x) and sum(x^2) exactly (22 and 44 fractional bits); then
// mean = sum / D and E[x^2] = sumsq / D by multiplication with a constant 1/D (45 fractional bits),
// var = E[x^2] - mean^2 + eps, and 1/sqrt(var) by rsqrt_raw (math.h). A second, streaming pass
// writes (x - mean) * rstd * gamma + beta. Negative variances from truncation are clamped to eps.
// The wide sums are 64/128-bit integers (in hardware: one DSP cascade each).
//
// The first design read the row twice from DRAM at one element per cycle: 2 x 192 cycles a token,
// 1.19 M cycles a frame for the 24 norms. Now the statistics pass reads kNormLanes (16) elements per
// cycle into 16 partial sums and keeps the row in a small on-chip buffer (partitioned 16 ways), and
// the apply pass normalises 16 elements per cycle from that buffer: x crosses the bus once, and a
// token costs 2 x D/16 = 24 cycles of logic, which the 128-bit port's 48 beats per row (768 bytes
// in, 768 out on another port) now bound. The partial sums are exact integers, so their order does
// not change a bit.
#include <cstdint>

#include "design.h"
#include "edgemoe_hls/math.h"
#include "edgemoe_hls/types.h"

namespace edgemoe_hls {

template <int D, class Units>
void layer_norm_row(Units& units, const int32_t* x, const int16_t* gamma, const int16_t* beta, int32_t* y) {
    constexpr int L = kNormLanes;
    static_assert(D % L == 0, "LayerNorm takes whole 16-element beats");
    constexpr int128_t kRecipD45 = (int128_t(1) << 45) / D;           // floor(2^45 / D)
    constexpr int64_t kEps40 = 1099511;                                // floor(1e-6 * 2^40)
    int32_t row[D];                                                    // the row, on chip
#pragma HLS ARRAY_PARTITION variable = row cyclic factor = 16
    int64_t part[L];                                                   // 22 fractional bits
    int128_t partsq[L];                                                // 44 fractional bits
#pragma HLS ARRAY_PARTITION variable = part complete
#pragma HLS ARRAY_PARTITION variable = partsq complete
    for (int l = 0; l < L; ++l) part[l] = partsq[l] = 0;
stats:
    for (int b = 0; b < D / L; ++b) {
#pragma HLS PIPELINE II = 1
        probe(units, kLoopNormStats);
        for (int l = 0; l < L; ++l) {
#pragma HLS UNROLL
            const int64_t v = x[b * L + l];
            row[b * L + l] = int32_t(v);
            part[l] += v;
            partsq[l] += int128_t(v * v);
        }
    }
    int64_t sum = 0;
    int128_t sumsq = 0;
    for (int l = 0; l < L; ++l) {   // adder tree
#pragma HLS UNROLL
        sum += part[l];
        sumsq += partsq[l];
    }
    const int64_t mean = int64_t((int128_t(sum) * kRecipD45) >> 45);  // 22 fractional bits
    const int128_t ex2 = (sumsq * kRecipD45) >> 49;                    // 40 fractional bits
    const int128_t mean2 = int128_t(mean * mean) >> 4;                 // 40 fractional bits
    int128_t var = ex2 - mean2 + kEps40;
    if (var < kEps40) var = kEps40;
    const int64_t rstd = rsqrt_raw(uint64_t(var));                     // 30 fractional bits
apply:
    for (int b = 0; b < D / L; ++b) {
#pragma HLS PIPELINE II = 1
        probe(units, kLoopNormApply);
        for (int l = 0; l < L; ++l) {
#pragma HLS UNROLL
            const int i = b * L + l;
            const int64_t centred = int64_t(row[i]) - mean;                // 22 fractional bits
            const int64_t normed = int64_t((int128_t(centred) * rstd) >> 30);   // 22 fractional bits
            const int64_t scaled = (normed * gamma[i]) >> 11;              // gamma: wt_norm_t, 11 fractional bits
            const fm_t out = from_bits<fm_t>(scaled + (int64_t(beta[i]) << 11));   // beta: wt_bias_t
            y[i] = int32_t(to_bits(out));
        }
    }
}

// Without a probe (the unit tests of the arithmetic).
struct NoProbe {};
template <int D>
void layer_norm_row(const int32_t* x, const int16_t* gamma, const int16_t* beta, int32_t* y) {
    NoProbe none;
    layer_norm_row<D>(none, x, gamma, beta, y);
}

template <int D, class Units>
void layer_norm(Units& units, const int32_t* x, int rows, int x_stride, const int16_t* gamma, const int16_t* beta, int32_t* y,
                int y_stride) {
    // gamma and beta on chip once per norm, not re-read for every row.
    int16_t g[D], bt[D];
#pragma HLS ARRAY_PARTITION variable = g cyclic factor = 16
#pragma HLS ARRAY_PARTITION variable = bt cyclic factor = 16
    for (int i = 0; i < D; ++i) {
        g[i] = gamma[i];
        bt[i] = beta[i];
    }
    for (int r = 0; r < rows; ++r) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 129
        layer_norm_row<D>(units, x + size_t(r) * x_stride, g, bt, y + size_t(r) * y_stride);
    }
}

}  // namespace edgemoe_hls
