#pragma once
// ONE-PASS LAYERNORM.
//
// One read of the row accumulates sum(x) and sum(x^2) exactly (22 and 44 fractional bits); then
// mean = sum / D and E[x^2] = sumsq / D by multiplication with a constant 1/D (45 fractional bits),
// var = E[x^2] - mean^2 + eps, and 1/sqrt(var) by rsqrt_raw (math.h). A second, streaming pass
// writes (x - mean) * rstd * gamma + beta. Negative variances from truncation are clamped to eps.
// The wide sums are 64/128-bit integers (in hardware: one DSP cascade each).
#include <cstdint>

#include "edgemoe_hls/math.h"
#include "edgemoe_hls/types.h"

namespace edgemoe_hls {

template <int D>
void layer_norm_row(const int32_t* x, const int16_t* gamma, const int16_t* beta, int32_t* y) {
    constexpr int128_t kRecipD45 = (int128_t(1) << 45) / D;           // floor(2^45 / D)
    constexpr int64_t kEps40 = 1099511;                                // floor(1e-6 * 2^40)
    int64_t sum = 0;                                                   // 22 fractional bits
    int128_t sumsq = 0;                                                // 44 fractional bits
    for (int i = 0; i < D; ++i) {
#pragma HLS PIPELINE II = 1
        const int64_t v = x[i];
        sum += v;
        sumsq += int128_t(v * v);
    }
    const int64_t mean = int64_t((int128_t(sum) * kRecipD45) >> 45);  // 22 fractional bits
    const int128_t ex2 = (sumsq * kRecipD45) >> 49;                    // 40 fractional bits
    const int128_t mean2 = int128_t(mean * mean) >> 4;                 // 40 fractional bits
    int128_t var = ex2 - mean2 + kEps40;
    if (var < kEps40) var = kEps40;
    const int64_t rstd = rsqrt_raw(uint64_t(var));                     // 30 fractional bits
    for (int i = 0; i < D; ++i) {
#pragma HLS PIPELINE II = 1
        const int64_t centred = int64_t(x[i]) - mean;                  // 22 fractional bits
        const int64_t normed = int64_t((int128_t(centred) * rstd) >> 30);   // 22 fractional bits
        const int64_t scaled = (normed * gamma[i]) >> 11;              // gamma: wt_norm_t, 11 fractional bits
        const fm_t out = from_bits<fm_t>(scaled + (int64_t(beta[i]) << 11));   // beta: wt_bias_t
        y[i] = int32_t(to_bits(out));
    }
}

template <int D>
void layer_norm(const int32_t* x, int rows, int x_stride, const int16_t* gamma, const int16_t* beta, int32_t* y,
                int y_stride) {
    for (int r = 0; r < rows; ++r) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 129
        layer_norm_row<D>(x + size_t(r) * x_stride, gamma, beta, y + size_t(r) * y_stride);
    }
}

}  // namespace edgemoe_hls
