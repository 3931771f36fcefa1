#pragma once
// SINGLE-PASS SOFTMAX (Edge-MoE idea 3).
//
// A softmax normally needs three passes over a row: the maximum, the sum of exponentials, the
// normalisation. Here the maximum m and the sum s are kept online while scores stream past:
//     x > m:  s = s * e^(m - x) + 1,  m = x        (rescale the old sum to the new maximum)
//     else:   s = s + e^(x - m)
// so scores never have to be re-read to finish the statistics. Only m and 1/s are stored; the
// probabilities e^(x - m) / s are formed on the fly where they are consumed (A.V, or the MoE gate).
// Exact softmax up to the fixed-point exp and reciprocal (math.h). In fixed point the result depends
// on the order the scores arrive in; the kernel's order is fixed, and the emulation follows it.
#include <cstdint>

#include "edgemoe_hls/math.h"
#include "edgemoe_hls/types.h"

namespace edgemoe_hls {

struct OnlineSoftmax {
    int64_t m = 0;       // running maximum, fm_t raw (22 fractional bits)
    int64_t s = 0;       // running sum, sum_t raw (24 fractional bits)
    bool empty = true;

    void push(int64_t x) {
        if (empty) {
            m = x;
            s = int64_t(1) << 24;
            empty = false;
        } else if (x > m) {
            s = ((s * exp_neg_raw(m - x)) >> 23) + (int64_t(1) << 24);
            m = x;
        } else {
            s += exp_neg_raw(x - m) << 1;
        }
    }
    // 1/s as prob_t raw.
    int64_t inv_sum() const { return recip_raw(s); }
};

// Probability of score x given the row's statistics, prob_t raw (23 fractional bits).
inline int64_t softmax_prob(int64_t x, int64_t m, int64_t inv_s) { return (exp_neg_raw(x - m) * inv_s) >> 23; }

}  // namespace edgemoe_hls
