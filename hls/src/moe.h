#pragma once
// MOE WITH PATCH REORDERING (Edge-MoE idea 5).
//
// A token-by-token MoE would fetch two experts' weights (2 x 288 KB) for every token: the weight
// traffic would dwarf the compute. Instead:
//  1. the gate (one more linear layer on the unit, E outputs, the task's own gate matrix) scores
//     every token; a single-pass softmax over the E logits and a top-k pick (ties to the lower
//     expert) choose the experts;
//  2. each choice is appended to its expert's queue of (token id, gate probability): the patches
//     are reordered by expert;
//  3. the loop then visits ACTIVE experts only: each one's weights are fetched once per frame per
//     layer (double-buffered, so the next expert's fetch overlaps this one's compute), its queue's
//     tokens are gathered through the linear unit (FC1 + GELU, FC2), and results are scattered back
//     as x[token] += p * y. Inactive experts cost no memory traffic at all, which is where the
//     task-level sparsity of M3ViT becomes time and energy saved.
#include <cstdint>

#include "edgemoe_hls/shape.h"
#include "edgemoe_hls/types.h"
#include "linear_unit.h"
#include "design.h"
#include "rows.h"
#include "softmax.h"

namespace edgemoe_hls {

// Picks the top-k of p[0..E) (ties to the lower index), largest first.
template <int E, int K>
void top_k(const int64_t (&p)[E], int (&index)[K]) {
    int filled = 0;
    for (int e = 0; e < E; ++e) {
        int pos = filled;
        while (pos > 0 && p[e] > p[index[pos - 1]]) --pos;
        if (pos >= K) continue;
        for (int j = (filled < K ? filled : K - 1); j > pos; --j) index[j] = index[j - 1];
        index[pos] = e;
        filled = filled + 1 < K ? filled + 1 : K;
    }
}

// The linear layers of a MoE block (the gate and expert e's two FCs), also used by the emulator to
// convert every expert's weights before the first frame.
template <class S>
struct MoeLayers {
    static constexpr int HE16 = ceil16(S::HE);
    using Gate = LinearLayer<fm_t, wt_t, wt_bias_t, acc_t, S::D, S::E>;
    using Fc1 = LinearLayer<fm_t, wt_t, wt_bias_t, acc_t, S::D, S::HE>;
    using Fc2 = LinearLayer<fm_t, wt_t, wt_bias_t, acc_t, S::HE, S::D>;
    // Experts are stored [expert][out][in]: expert e's FC1 is [HE16][D], its FC2 [D][HE16].
    static Fc1 fc1(const int16_t* w1, const int16_t* b1, int e) {
        return Fc1{w1 + size_t(e) * HE16 * S::D, b1 + size_t(e) * HE16};
    }
    static Fc2 fc2(const int16_t* w2, const int16_t* b2, int e) {
        return Fc2{w2 + size_t(e) * S::D * HE16, b2 + size_t(e) * S::D};
    }
};

namespace detail {
// Step 3 of moe_layer below, as the hardware runs it: active experts only, each fetched once.
template <class S, class LU>
void experts_layer(LU& lu, const int32_t* ln, const int16_t* w1, const int16_t* b1, const int16_t* w2,
                   const int16_t* b2, const int32_t* queue, const int32_t* qscore, const int* count,
                   int32_t* hidden, int32_t* x) {
    constexpr int N = S::N, D = S::D, E = S::E, K = S::TOPK;
    constexpr int HE16 = ceil16(S::HE);
    using M = MoeLayers<S>;
experts:
    for (int e = 0; e < E; ++e) {
        if (count[e] == 0) continue;   // no fetch, no compute
        const int32_t* ids = queue + size_t(e) * N * K;
        RowSource<D> in{ln, D, ids};
        WriteSink<S::HE, Epilogue::Gelu> to_hidden{hidden, HE16};
        lu.run(M::fc1(w1, b1, e), count[e], in, to_hidden);
        RowSource<S::HE> from_hidden{hidden, HE16};
        ScatterScoreSink<D> to_x{x, D, ids, qscore + size_t(e) * N * K};
        lu.run(M::fc2(w2, b2, e), count[e], from_hidden, to_x);
    }
}

// The emulator's fast unit brings its own `experts<S>` member (engine/fpga/fast_linear_unit.h): the
// same layers and sinks with the experts as parallel work items, and the scatter into x in this
// loop's order, so every bit is the same (tests/fpga/test_fpga_emu.cpp). Chosen at compile time as
// attention's; for synthesis this is a plain call of experts_layer.
template <class S, class U>
auto experts_impl(U& u, const int32_t* ln, const int16_t* w1, const int16_t* b1, const int16_t* w2,
                  const int16_t* b2, const int32_t* queue, const int32_t* qscore, const int* count,
                  int32_t* hidden, int32_t* x, int)
    -> decltype(u.template experts<S>(ln, w1, b1, w2, b2, queue, qscore, count, x), void()) {
    (void)hidden;
    u.template experts<S>(ln, w1, b1, w2, b2, queue, qscore, count, x);
}
template <class S, class U>
void experts_impl(U& u, const int32_t* ln, const int16_t* w1, const int16_t* b1, const int16_t* w2,
                  const int16_t* b2, const int32_t* queue, const int32_t* qscore, const int* count,
                  int32_t* hidden, int32_t* x, long) {
    experts_layer<S>(u, ln, w1, b1, w2, b2, queue, qscore, count, hidden, x);
}
}  // namespace detail

// ln: norm2(x) rows [N][D]; logits: scratch [N][E16]; queue/qscore: scratch [E][N*TOPK];
// hidden: scratch [N*TOPK][HE16]; routing: out [N][TOPK][2] (expert, prob_t raw); x: updated in place.
template <class S, class LU>
void moe_layer(LU& lu, const int32_t* ln, const int16_t* gate_w, const int16_t* w1, const int16_t* b1, const int16_t* w2,
               const int16_t* b2, int32_t* logits, int32_t* queue, int32_t* qscore, int32_t* hidden,
               int32_t* routing, int32_t* x) {
    constexpr int N = S::N, D = S::D, E = S::E, K = S::TOPK;
    constexpr int E16 = ceil16(E);

    using M = MoeLayers<S>;
    // 1. Gate logits on the linear unit.
    RowSource<D> gate_src{ln, D};
    WriteSink<E> gate_sink{logits, E16};
    lu.run(typename M::Gate{gate_w, nullptr}, N, gate_src, gate_sink);

    // 2. Softmax over E, top-k, per-expert queues.
    int count[E];
    for (int e = 0; e < E; ++e) count[e] = 0;
route:
    for (int t = 0; t < N; ++t) {
        probe(lu, kLoopRoute);
        OnlineSoftmax sm;
        for (int e = 0; e < E; ++e) sm.push(logits[size_t(t) * E16 + e]);
        const int64_t inv = sm.inv_sum();
        int64_t p[E];
        for (int e = 0; e < E; ++e) p[e] = softmax_prob(logits[size_t(t) * E16 + e], sm.m, inv);
        int pick[K];
        top_k<E, K>(p, pick);
        for (int k = 0; k < K; ++k) {
            const int e = pick[k];
            queue[size_t(e) * N * K + count[e]] = t;
            qscore[size_t(e) * N * K + count[e]] = int32_t(p[e]);
            ++count[e];
            routing[(size_t(t) * K + k) * 2] = e;
            routing[(size_t(t) * K + k) * 2 + 1] = int32_t(p[e]);
        }
    }

    // 3. Active experts only, each fetched once.
    detail::experts_impl<S>(lu, ln, w1, b1, w2, b2, queue, qscore, count, hidden, x, 0);
}

}  // namespace edgemoe_hls
