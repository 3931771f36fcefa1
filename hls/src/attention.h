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
//
// ON-CHIP K AND V, PARALLEL BLOCKS. The first design streamed K (then V) from DRAM once per query
// block: 2 x 129 rows of 256 bytes for every 4 queries, 99 blocks a layer, 2.77 M cycles a frame
// (35% of the backbone) bound by the port, and on a 128-bit ZCU102 port twice that. Now each
// layer's K and V (all heads: 129 x 192 values each, 99 KB) are loaded once into on-chip memory
// partitioned kAttentionLanes (16) ways along the head dimension, and the key stream of the
// reordering comes from there. That moves the bound from the port to the multipliers, so the
// work is widened twice: each query multiplies kAttentionLanes head columns per cycle (a key step
// is HD/16 = 4 cycles), and kAttentionUnits (2) query blocks run side by side. Because a query's
// key order depends only on its position in its 4-query block, every unit walks the same keys at
// the same step. A unit keeps its block's 4 keys in a window that shifts by one key row a step, so
// it reads one K (or V) row beat per cycle from the K/V memory: two units are the two ports of its
// BRAMs, the on-chip bandwidth per unit is that of one block, which is the paper's
// constant-bandwidth argument moved on chip. The block size stays 4:
// it fixes the order in which the online softmax sees the scores, hence the output bits. Scores
// stay on chip for A.V (a QB x N buffer per unit); they are also written to `scores` for the host
// to inspect, a write stream the 128-bit port absorbs in the shadow of the block's compute.
#include <cstdint>

#include "design.h"
#include "edgemoe_hls/types.h"
#include "softmax.h"

namespace edgemoe_hls {

constexpr int log2_int(int v) { return v <= 1 ? 0 : 1 + log2_int(v / 2); }

// 1/sqrt(HD) as a right shift: HD must be a power of 4 (64 in Edge-MoE: scale 1/8).
template <int HD>
constexpr int attention_scale_shift() {
    static_assert((1 << (2 * (log2_int(HD) / 2))) == HD, "head width must be a power of 4");
    return log2_int(HD) / 2;
}

// On-chip K and V of every head: [N][D] each (head h = columns h*HD..), partitioned along columns.
template <class S>
struct KvMemory {
    int32_t k[S::N][S::D];
    int32_t v[S::N][S::D];
};

// Query block q0..q0+QB-1 of head h. qkv: [N][3D] (Q | K | V, head h = dims h*HD..), read for the
// block's query rows; kv: the on-chip K/V; scores: [HEADS][N][N] (written for the host); stats:
// [HEADS][N][2] (m, 1/s); out: [N][D] (this block writes its QB rows of the head's HD columns).
// Blocks read shared Q/K/V and write disjoint rows, so they are independent.
template <class S, class Units>
void attention_block(Units& units, int h, int q0, const int32_t* qkv, const KvMemory<S>& kv, int32_t* scores,
                     int32_t* stats, int32_t* out) {
    constexpr int N = S::N, D = S::D, HD = S::HD, LD = 3 * S::D, QB = kAttentionQueries;
    constexpr int L = kAttentionLanes, CH = HD / L;   // a key step: CH cycles of L columns
    static_assert(HD % L == 0, "the head width must be whole attention beats");
    constexpr int kScaleShift = attention_scale_shift<HD>();
    int32_t* sc = scores + size_t(h) * N * N;
    int32_t* st = stats + size_t(h) * N * 2;
    const int c_head = h * HD;

    fm_t q[QB][HD];
#pragma HLS ARRAY_PARTITION variable = q complete dim = 1
#pragma HLS ARRAY_PARTITION variable = q cyclic factor = 16 dim = 2
load_q:
    for (int i = 0; i < QB * CH; ++i) {
#pragma HLS PIPELINE II = 1
        probe(units, kLoopQLoad);
        const int j = i / CH, c0 = (i % CH) * L;
        for (int l = 0; l < L; ++l) {
#pragma HLS UNROLL
            q[j][c0 + l] = q0 + j < N ? from_bits<fm_t>(qkv[size_t(q0 + j) * LD + c_head + c0 + l]) : fm_t(0);
        }
    }

    int32_t sc_chip[QB][N];   // this block's scores, for A.V
#pragma HLS ARRAY_PARTITION variable = sc_chip complete dim = 1
    OnlineSoftmax sm[QB];
    acc_qk_t acc_qk[QB];
#pragma HLS ARRAY_PARTITION variable = acc_qk complete
    // The key window: win[j] holds key (t + j) mod N, the key row j of the block uses at step t. Each
    // step shifts it by one row, L columns per cycle, and reads ONE new key row beat from the K
    // memory: one read per cycle per unit, which two units share as the BRAMs' two ports.
    int32_t win[QB][HD];
#pragma HLS ARRAY_PARTITION variable = win complete dim = 0
    for (int j = 1; j < QB; ++j)
        for (int c = 0; c < HD; ++c) win[j][c] = kv.k[(j - 1) % N][c_head + c];
    // Q.K^T: step t, row j uses key (t + j) mod N, L columns per cycle.
qk_steps:
    for (int t = 0; t < N; ++t)
        for (int c0 = 0; c0 < HD; c0 += L) {   // a perfect nest: Vitis flattens it into one N x CH pipeline
#pragma HLS PIPELINE II = 1
        probe(units, kLoopQk);
        for (int l = 0; l < L; ++l) {
#pragma HLS UNROLL
            for (int j = 0; j + 1 < QB; ++j) win[j][c0 + l] = win[j + 1][c0 + l];
            win[QB - 1][c0 + l] = kv.k[(t + QB - 1) % N][c_head + c0 + l];
        }
        for (int j = 0; j < QB; ++j) {
#pragma HLS UNROLL
            const int q_row = q0 + j;
            if (q_row >= N) continue;
            const int key = (t + j) % N;
            if (c0 == 0) acc_qk[j] = 0;
            for (int l = 0; l < L; ++l) {
#pragma HLS UNROLL
                mac(acc_qk[j], q[j][c0 + l], from_bits<fm_t>(win[j][c0 + l]));
            }
            if (c0 + L == HD) {
                const fm_t score = acc_qk[j] >> kScaleShift;   // exact scale, then floor to fm_t
                sc_chip[j][key] = int32_t(to_bits(score));
                sc[size_t(q_row) * N + key] = int32_t(to_bits(score));
                sm[j].push(to_bits(score));
            }
        }
    }
    int64_t m[QB], inv_s[QB];
    for (int j = 0; j < QB; ++j) {
        m[j] = sm[j].m;
        inv_s[j] = sm[j].inv_sum();
        if (q0 + j < N) {
            st[size_t(q0 + j) * 2] = int32_t(m[j]);
            st[size_t(q0 + j) * 2 + 1] = int32_t(inv_s[j]);
        }
    }
    // A.V: the same key order; probabilities formed on the fly from the on-chip scores.
    acc_av_t acc[QB][HD];
#pragma HLS ARRAY_PARTITION variable = acc complete dim = 1
#pragma HLS ARRAY_PARTITION variable = acc cyclic factor = 16 dim = 2
    for (int j = 0; j < QB; ++j)
        for (int c = 0; c < HD; ++c) acc[j][c] = 0;
    prob_t p[QB];
    // The same window over V.
    for (int j = 1; j < QB; ++j)
        for (int c = 0; c < HD; ++c) win[j][c] = kv.v[(j - 1) % N][c_head + c];
av_steps:
    for (int t = 0; t < N; ++t)
        for (int c0 = 0; c0 < HD; c0 += L) {   // a perfect nest: Vitis flattens it into one N x CH pipeline
#pragma HLS PIPELINE II = 1
        probe(units, kLoopAv);
        for (int l = 0; l < L; ++l) {
#pragma HLS UNROLL
            for (int j = 0; j + 1 < QB; ++j) win[j][c0 + l] = win[j + 1][c0 + l];
            win[QB - 1][c0 + l] = kv.v[(t + QB - 1) % N][c_head + c0 + l];
        }
        for (int j = 0; j < QB; ++j) {
#pragma HLS UNROLL
            if (q0 + j >= N) continue;
            const int key = (t + j) % N;
            if (c0 == 0) p[j] = from_bits<prob_t>(softmax_prob(sc_chip[j][key], m[j], inv_s[j]));
            for (int l = 0; l < L; ++l) {
#pragma HLS UNROLL
                mac(acc[j][c0 + l], p[j], from_bits<fm_t>(win[j][c0 + l]));
            }
        }
    }
write_out:
    for (int i = 0; i < QB * CH; ++i) {
#pragma HLS PIPELINE II = 1
        probe(units, kLoopAttnOut);
        const int j = i / CH, c0 = (i % CH) * L;
        if (q0 + j >= N) continue;
        for (int l = 0; l < L; ++l) {
#pragma HLS UNROLL
            const fm_t o = acc[j][c0 + l];
            out[size_t(q0 + j) * D + c_head + c0 + l] = int32_t(to_bits(o));
        }
    }
}

// One layer's attention as the hardware runs it (see attention() below): K and V into on-chip memory (kRowLanes values per cycle), then every head
// and query block, kAttentionUnits blocks at a time (heads outer). In hardware the units of a group
// run side by side; the groups touch disjoint parts of every buffer, so the emulator may run them
// on its threads (`units.for_each`): 3 heads x 17 groups balance over any number of threads.
template <class S, class Units>
void attention_layer(Units& units, const int32_t* qkv, int32_t* scores, int32_t* stats, int32_t* out) {
    constexpr int N = S::N, D = S::D, LD = 3 * S::D, QB = kAttentionQueries, U = kAttentionUnits;
    constexpr int kBlocks = (N + QB - 1) / QB, kGroups = (kBlocks + U - 1) / U;
    static_assert(D % kRowLanes == 0, "K/V rows load in whole beats");
    KvMemory<S> kv;
#pragma HLS ARRAY_PARTITION variable = kv.k cyclic factor = 16 dim = 2
#pragma HLS ARRAY_PARTITION variable = kv.v cyclic factor = 16 dim = 2
load_kv:
    for (int i = 0; i < N * (D / kRowLanes); ++i) {
#pragma HLS PIPELINE II = 1
        probe(units, kLoopKvLoad);
        const int n = i / (D / kRowLanes), c0 = (i % (D / kRowLanes)) * kRowLanes;
        for (int l = 0; l < kRowLanes; ++l) {
#pragma HLS UNROLL
            kv.k[n][c0 + l] = qkv[size_t(n) * LD + D + c0 + l];
            kv.v[n][c0 + l] = qkv[size_t(n) * LD + 2 * D + c0 + l];
        }
    }
attention_groups:
    units.for_each(S::HEADS * kGroups, [&](int item) {
        const int h = item / kGroups, g = item % kGroups;
        for (int u = 0; u < U; ++u) {
#pragma HLS UNROLL
            const int block = g * U + u;
            if (block < kBlocks) attention_block<S>(units, h, block * QB, qkv, kv, scores, stats, out);
        }
    });
}

namespace detail {
template <class S, class U>
auto attention_impl(U& u, const int32_t* qkv, int32_t* scores, int32_t* stats, int32_t* out, int)
    -> decltype(u.template attention<S>(qkv, scores, stats, out), void()) {
    u.template attention<S>(qkv, scores, stats, out);
}
template <class S, class U>
void attention_impl(U& u, const int32_t* qkv, int32_t* scores, int32_t* stats, int32_t* out, long) {
    attention_layer<S>(u, qkv, scores, stats, out);
}
}  // namespace detail

// One layer's attention. The hardware's units (HlsLinearUnit) run attention_layer above. The
// emulator's fast unit brings its own `attention<S>` member (engine/fpga/fast_attention.h): the same
// arithmetic on the same key order without the hardware's on-chip K/V copy and shifting key window,
// which cost the emulator more than the multiplies (the window is a register shift in hardware and
// a memory copy per step in C++). It is checked bit-identical to attention_layer by
// tests/fpga/test_fpga_emu.cpp, as the fast linear unit is. The choice is made at compile time, as
// the probe's: for synthesis this is a plain call of attention_layer.
template <class S, class Units>
void attention(Units& units, const int32_t* qkv, int32_t* scores, int32_t* stats, int32_t* out) {
    detail::attention_impl<S>(units, qkv, scores, stats, out, 0);
}

}  // namespace edgemoe_hls
