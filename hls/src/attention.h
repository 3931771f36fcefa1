#pragma once
// ATTENTION WITH CONSTANT-BANDWIDTH REORDERING (Edge-MoE idea 2).
//
// Q.K^T is computed for 4 queries at a time. A plain order would make each of the 4 query rows
// read every key, i.e. 4 key reads per cycle, and more parallelism would need more bandwidth.
// Instead, query row j of a block starts at key j and wraps around: at step t the block's rows use
// keys t, t+1, t+2, t+3 (mod N). Consecutive steps share 3 of those keys, so a 4-key shift register
// fed with ONE new key per step serves all rows: K streams once per block, one 256-bit word per
// cycle, whatever the parallelism. Each score goes straight into its row's single-pass softmax
// statistics (softmax.h) and to the score buffer.
//
// A.V then walks the same order: per key, the probability e^(x - m) / s is formed on the fly from
// the stored score and statistics, and multiplied into the 4 output rows. Its sums are exact, so
// its order only matters for bandwidth, not for the result.
#include <cstdint>

#include "edgemoe_hls/types.h"
#include "softmax.h"

namespace edgemoe_hls {

constexpr int log2_int(int v) { return v <= 1 ? 0 : 1 + log2_int(v / 2); }

// Queries per block: the rows that share one streamed key (see above).
constexpr int kAttentionQueries = 4;

// Query block q0..q0+QB-1 of head h. qkv: [N][3D] (Q | K | V, head h = dims h*HD..); scores:
// [HEADS][N][N] scratch; stats: [HEADS][N][2] (m, 1/s); out: [N][D] (this block writes its QB rows of
// the head's HD columns). Blocks read shared Q/K/V and write disjoint rows, so they are independent.
template <class S>
void attention_block(int h, int q0, const int32_t* qkv, int32_t* scores, int32_t* stats, int32_t* out) {
    constexpr int N = S::N, D = S::D, HD = S::HD, LD = 3 * S::D, QB = kAttentionQueries;
    // 1/sqrt(HD) is a shift: HD must be a power of 4 (64 in Edge-MoE: scale 1/8).
    constexpr int kScaleShift = log2_int(HD) / 2;
    static_assert((1 << (2 * kScaleShift)) == HD, "head width must be a power of 4");
    int32_t* sc = scores + size_t(h) * N * N;
    int32_t* st = stats + size_t(h) * N * 2;
    OnlineSoftmax sm[QB];
    // Q.K^T: step t, row j uses key (t + j) mod N.
qk_steps:
    for (int t = 0; t < N; ++t) {
#pragma HLS PIPELINE II = 1
        for (int j = 0; j < QB; ++j) {
#pragma HLS UNROLL
            const int q = q0 + j;
            if (q >= N) continue;
            const int key = (t + j) % N;
            const int32_t* qr = qkv + size_t(q) * LD + h * HD;
            const int32_t* kr = qkv + size_t(key) * LD + D + h * HD;
            acc_qk_t acc = 0;
            for (int c = 0; c < HD; ++c) {
#pragma HLS UNROLL factor = 16
                mac(acc, from_bits<fm_t>(qr[c]), from_bits<fm_t>(kr[c]));
            }
            const fm_t score = acc >> kScaleShift;   // exact scale, then floor to fm_t
            sc[size_t(q) * N + key] = int32_t(to_bits(score));
            sm[j].push(to_bits(score));
        }
    }
    for (int j = 0; j < QB && q0 + j < N; ++j) {
        st[size_t(q0 + j) * 2] = int32_t(sm[j].m);
        st[size_t(q0 + j) * 2 + 1] = int32_t(sm[j].inv_sum());
    }
    // A.V: the same key order; probabilities formed on the fly.
    acc_av_t acc[QB][HD];
#pragma HLS ARRAY_PARTITION variable = acc complete dim = 1
    for (int j = 0; j < QB; ++j)
        for (int c = 0; c < HD; ++c) acc[j][c] = 0;
av_steps:
    for (int t = 0; t < N; ++t) {
#pragma HLS PIPELINE II = 1
        for (int j = 0; j < QB; ++j) {
#pragma HLS UNROLL
            const int q = q0 + j;
            if (q >= N) continue;
            const int key = (t + j) % N;
            const prob_t p = from_bits<prob_t>(
                softmax_prob(sc[size_t(q) * N + key], st[size_t(q) * 2], st[size_t(q) * 2 + 1]));
            const int32_t* vr = qkv + size_t(key) * LD + 2 * D + h * HD;
            for (int c = 0; c < HD; ++c) {
#pragma HLS UNROLL factor = 16
                mac(acc[j][c], p, from_bits<fm_t>(vr[c]));
            }
        }
    }
    for (int j = 0; j < QB && q0 + j < N; ++j)
        for (int c = 0; c < HD; ++c) {
            const fm_t o = acc[j][c];
            out[size_t(q0 + j) * D + h * HD + c] = int32_t(to_bits(o));
        }
}

// Every head and query block, one after the other on the hardware's single attention unit (heads
// outer, blocks inner). The items touch disjoint parts of every buffer, so the emulator may run them
// side by side (`units.for_each`): 3 heads x 32 blocks balance over any number of threads, where 3
// whole heads on 2 threads would leave one thread idle for a third of the time.
template <class S, class Units>
void attention(Units& units, const int32_t* qkv, int32_t* scores, int32_t* stats, int32_t* out) {
    constexpr int kBlocks = (S::N + kAttentionQueries - 1) / kAttentionQueries;
attention_items:
    units.for_each(S::HEADS * kBlocks, [&](int item) {
        attention_block<S>(item / kBlocks, (item % kBlocks) * kAttentionQueries, qkv, scores, stats, out);
    });
}

}  // namespace edgemoe_hls
