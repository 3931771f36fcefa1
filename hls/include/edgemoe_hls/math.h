#pragma once
// Fixed-point exp, reciprocal and reciprocal square root: our own, synthesizable (a small ROM, a
// leading-one search over a fixed number of bits, integer multiplies), no hls_math. They work on
// raw two's-complement bits, which is how these units are built in hardware: the normalisation
// steps are bit-field selections. Error bounds, checked against double precision by
// tests/hls/test_hls_math.cpp, are stated with each function.
#include <cstdint>

#include "edgemoe_hls/tables.h"
#include "edgemoe_hls/types.h"

namespace edgemoe_hls {

// e^x for x <= 0, x an fm_t (22 fractional bits); returns a prob_t raw value (23 fractional bits).
// e^x = 2^t with t = x * log2(e) = n + f, n = floor(t), f in [0, 1); 2^f comes from a 65-entry ROM
// with linear interpolation (relative error < 1.5e-5 at step 1/64); the shift by -n is exact.
// Below 2^-24 the result is 0. Absolute error < 2e-5 over the whole range.
inline int64_t exp_neg_raw(int64_t x22) {
    constexpr int64_t kLog2e24 = 24204406;             // floor(log2(e) * 2^24): |x22| * this < 2^56
    const int64_t t = (x22 * kLog2e24) >> 24;          // 22 fractional bits, floor
    if (t <= -(int64_t(24) << 22)) return 0;
    const int64_t n = t >> 22;                         // floor(t) <= 0
    const int64_t f = t - (n << 22);                   // [0, 2^22)
    const int idx = int(f >> 16);                      // top 6 bits of f
    const int64_t r = f & 0xffff;                      // the 16 bits below
    const int64_t y = kExp2[idx] + (((int64_t(kExp2[idx + 1]) - kExp2[idx]) * r) >> 16);   // 2^f, 22 frac bits
    return (y << 1) >> (-n);                           // to 23 fractional bits, times 2^n
}

// Position of the highest set bit of v > 0 (a priority encoder over 64 bits in hardware).
inline int highest_bit(uint64_t v) {
    int h = 0;
    for (int i = 1; i < 64; ++i) {
#pragma HLS UNROLL
        if ((v >> i) != 0) h = i;
    }
    return h;
}

// 1/s for s >= 1, s a sum_t raw value (24 fractional bits); returns a prob_t raw (23 fractional bits).
// s = m * 2^p with m in [1, 2); 1/m from a 65-entry ROM with interpolation, then one Newton-Raphson
// step y' = y (2 - m y). Relative error < 4e-7 before the final truncation.
inline int64_t recip_raw(int64_t s24) {
    const int p = highest_bit(uint64_t(s24)) - 24;             // s in [2^p, 2^(p+1)), p >= 0
    const int64_t m = s24 >> (p + 2);                          // [2^22, 2^23): m with 22 fractional bits
    const int idx = int((m - (int64_t(1) << 22)) >> 16);
    const int64_t r = m & 0xffff;
    int64_t y = kRecip[idx] + (((int64_t(kRecip[idx + 1]) - kRecip[idx]) * r) >> 16);
    const int64_t my = (m * y) >> 22;                          // ~1, 22 fractional bits
    y = (y * ((int64_t(2) << 22) - my)) >> 22;                 // Newton-Raphson
    return (y << 1) >> p;
}

// 1/sqrt(v) for v > 0, v raw with 40 fractional bits; returns raw with 30 fractional bits
// (ufixed<42,12>: up to 4096, i.e. v >= 2^-24; 30 bits keep large variances' small results precise). v = m * 4^q with m in [1, 4); 1/sqrt(m) from a
// 97-entry ROM with interpolation, then one Newton-Raphson step y' = y (3 - m y^2) / 2.
// Relative error < 1e-6 before the final truncation.
inline int64_t rsqrt_raw(uint64_t v40) {
    const int e = highest_bit(v40) - 40;               // v in [2^e, 2^(e+1))
    const int q = e >= 0 ? e / 2 : -((1 - e) / 2);     // floor(e / 2)
    const int shift = 18 + 2 * q;                      // m (22 fractional bits) = v / 4^q
    const int64_t m = shift >= 0 ? int64_t(v40 >> shift) : int64_t(v40 << -shift);
    const int idx = int((m - (int64_t(1) << 22)) >> 17);
    const int64_t r = m & 0x1ffff;
    int64_t y = kRsqrt[idx] + (((int64_t(kRsqrt[idx + 1]) - kRsqrt[idx]) * r) >> 17);
    const int64_t y2 = (y * y) >> 22;
    const int64_t my2 = (m * y2) >> 22;
    y = (y * ((int64_t(3) << 22) - my2)) >> 23;        // Newton-Raphson, 22 fractional bits
    const int out_shift = q - 8;                       // 22 -> 30 fractional bits, times 2^-q
    return out_shift >= 0 ? y >> out_shift : y << -out_shift;
}

}  // namespace edgemoe_hls
