#pragma once
// GELU APPROXIMATION (Edge-MoE idea 4).
//
// GELU(x) = x * Phi(x) = ReLU(x) - delta(|x|) with delta(u) = u * Phi(-u): a small, smooth bump
// (max 0.17 at u ~ 0.75) that vanishes quickly, so a 177-entry table at step 1/32 over [0, 5.5] with
// linear interpolation replaces erf; beyond 5.5 delta is taken as 0 (its true value there is < 1e-7).
// The table index and the interpolation fraction are bit fields of |x|: no multiplier for the index.
// Error against the exact GELU < 1e-4: linear interpolation at step h = 1/32 errs by at most
// h^2/8 * max|delta''| = (1/32)^2 / 8 * 2 phi(0) = 9.7e-5, at u near 0 (tests/hls/test_hls_math.cpp).
#include <cstdint>

#include "edgemoe_hls/tables.h"
#include "edgemoe_hls/types.h"

namespace edgemoe_hls {

inline fm_t gelu(fm_t x) {
    const int64_t xr = to_bits(x);
    const int64_t u = xr < 0 ? -xr : xr;                   // |x|, 22 fractional bits
    const int64_t idx = u >> 17;                           // floor(|x| * 32)
    int64_t delta20 = 0;                                   // delta(|x|), 20 fractional bits
    if (idx < 176) {
        const int64_t r = u & 0x1ffff;                     // position between entries, 17 bits
        delta20 = kGeluDelta[idx] + (((int64_t(kGeluDelta[idx + 1]) - kGeluDelta[idx]) * r) >> 17);
    }
    const int64_t relu = xr > 0 ? xr : 0;
    return from_bits<fm_t>(relu - (delta20 << 2));
}

}  // namespace edgemoe_hls
