#pragma once
// A faster stand-in for the kernel's attention layer in the emulator, bit-identical by construction
// (the attention counterpart of fast_linear_unit.h; hls/src/attention.h says when it is used).
//
// Why it is exact: the kernel's attention is, per query row, (1) the scores of Q.K^T, each an exact
// sum of integer products truncated once, pushed into the row's single-pass softmax in the
// reordered key order (query j of a 4-query block starts at key j and wraps), (2) the row's max and
// 1/sum, (3) A.V, an exact sum of integer products, truncated once. Here each row does exactly
// those steps with the kernel's own types and functions (mac, OnlineSoftmax, softmax_prob), in the
// same key order where the order matters (the softmax statistics) and in plain key order where it
// does not (the exact sums, modular in 64 bits like the hardware's accumulators). What it leaves out
// is the hardware's data movement: the on-chip K/V copy and the shifting key window, which hold
// exactly the K and V rows this code reads from the qkv buffer. tests/fpga/test_fpga_emu.cpp runs
// both on the same frames and finds every output bit equal.
#include <cstddef>
#include <cstdint>

#include "attention.h"
#include "fpga/int64_dot.h"

namespace edgemoe::fpga {

// qkv: [N][3D]; scores: [HEADS][N][N]; stats: [HEADS][N][2] (m, 1/s); out: [N][D]. for_each(n, f)
// runs f(0..n-1), in any order and on any threads: an item is one head's 4-query block, whose rows
// write disjoint memory.
template <class S, class ForEach>
void fast_attention(ForEach&& for_each, const int32_t* qkv, int32_t* scores, int32_t* stats, int32_t* out) {
    using namespace edgemoe_hls;
    constexpr int N = S::N, D = S::D, HD = S::HD, LD = 3 * S::D, QB = kAttentionQueries;
    constexpr int kScaleShift = attention_scale_shift<HD>();
    constexpr int kBlocks = (N + QB - 1) / QB;
    for_each(S::HEADS * kBlocks, [&](int item) {
        const int h = item / kBlocks, q0 = (item % kBlocks) * QB;
        static_assert(acc_qk_t::width == 64 && 2 * fm_t::frac_bits == acc_qk_t::frac_bits && HD % 8 == 0,
                      "Q.K sums raw fm_t x fm_t products in a 64-bit accumulator");
        for (int j = 0; j < QB && q0 + j < N; ++j) {
            const int q = q0 + j;
            const int32_t* qr = qkv + size_t(q) * LD + h * HD;
            int32_t* sc = scores + (size_t(h) * N + size_t(q)) * N;
            OnlineSoftmax sm;
            for (int t = 0; t < N; ++t) {
                const int key = (t + j) % N;   // the kernel's key order: it sets the softmax's bits
                const int32_t* kr = qkv + size_t(key) * LD + D + h * HD;
                // mac() over the head's columns: exact products summed modulo 2^64 (int64_dot.h).
                const acc_qk_t acc = from_bits<acc_qk_t>(dot_i32_wrap(qr, kr, HD));
                const fm_t score = acc >> kScaleShift;
                sc[key] = int32_t(to_bits(score));
                sm.push(to_bits(score));
            }
            const int64_t m = sm.m, inv_s = sm.inv_sum();
            int32_t* st = stats + (size_t(h) * N + size_t(q)) * 2;
            st[0] = int32_t(m);
            st[1] = int32_t(inv_s);
            int64_t p[N];   // prob_t raw values, below 2^24
            for (int key = 0; key < N; ++key) p[key] = to_bits(from_bits<prob_t>(softmax_prob(sc[key], m, inv_s)));
            // A.V in blocks of 16 output columns, whose accumulators (four AVX2 registers) stay in
            // registers over all keys; each is mac(acc, prob, v) over the keys, modulo 2^64.
            static_assert(HD % 16 == 0, "head width in whole A.V blocks");
            static_assert(acc_av_t::width == 64 && prob_t::frac_bits + fm_t::frac_bits == acc_av_t::frac_bits,
                          "A.V sums raw prob_t x fm_t products in a 64-bit accumulator");
            for (int c0 = 0; c0 < HD; c0 += 16) {
                Acc16 acc;
                for (int key = 0; key < N; ++key) acc.add(p[key], qkv + size_t(key) * LD + 2 * D + h * HD + c0);
                int64_t raw[16];
                acc.store(raw);
                for (int c = 0; c < 16; ++c) {
                    const fm_t o = from_bits<acc_av_t>(raw[c]);
                    out[size_t(q) * D + h * HD + c0 + c] = int32_t(to_bits(o));
                }
            }
        }
    });
}

}  // namespace edgemoe::fpga
