#pragma once
// A faster stand-in for the kernel's linear unit in the emulator, bit-identical by construction.
//
// Why it is exact: the hardware's dot product is a sum of exact integer products (raw activation x
// raw weight) in a 64-bit accumulator, truncated once in the sink. Here the same raw integers are
// multiplied and summed in double precision by a blocked GEMM (panel_gemm.h). A double holds every integer below
// 2^53 exactly, and if sum_k |a_k| * max|w| < 2^53, every partial sum in ANY order is such an
// integer, so the GEMM's result is the exact sum, whatever its blocking and FMA use. That bound is
// checked for every row; a row that fails it takes the exact 64-bit integer path instead. The bias
// is added as an aligned integer and the result goes through the kernel's own sink, so quantisation
// and epilogues are the kernel's code. tests/fpga/test_fpga_emu.cpp runs both units on the
// same frames and finds every output bit equal.
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "fpga/fast_attention.h"
#include "fpga/panel_gemm.h"
#include "linear_unit.h"
#include "moe.h"
#include "work_arena.h"

namespace edgemoe::fpga {

class FastLinearUnit {
public:
    // kernel: the panel GEMM's micro-kernel ("" = the fastest this CPU runs; see panel_gemm.h).
    // threads: 0 = every core.
    explicit FastLinearUnit(int threads, const std::string& kernel = {})
        : workers_(threads), kernel_(panel_gemm_kernel(kernel)), scratch_(size_t(workers_.threads())) {}

    const PanelGemmKernel& kernel() const { return kernel_; }

    // The unit's threads. A frame runs inside workers().run(); set_threads() and the cancel check go
    // through it too (the unit throws FrameCancelled between layers and after each parallel loop).
    WorkArena& workers() { return workers_; }
    const WorkArena& workers() const { return workers_; }
    // Applies a thread count set since the last frame (WorkArena::apply) and sizes the per-thread
    // scratch for it. Call between frames.
    void begin_frame() {
        if (workers_.apply()) {
            scratch_.resize(size_t(workers_.threads()));
            for (Scratch& s : scratch_) s.reserve(max_in16_, max_out16_);
        }
    }

    // Independent kernel work items (attention heads) on the emulator's threads: they write disjoint
    // memory, so the result is the same as the hardware's sequential order.
    template <class F>
    void for_each(int n, F&& f) {
        workers_.for_each(n, f);
    }

    // The kernel's attention layer, bit-identical and faster (fast_attention.h); run_kernel calls it
    // in place of its own when the units offer it (hls/src/attention.h).
    template <class S>
    void attention(const int32_t* qkv, int32_t* scores, int32_t* stats, int32_t* out) {
        fast_attention<S>([this](int n, auto&& f) { for_each(n, f); }, qkv, scores, stats, out);
    }

    // A MoE layer's active experts (hls/src/moe.h asks for this in place of its own loop): each expert
    // is one work item (FC1 + GELU into its thread's hidden rows, FC2 into its own rows of a buffer of
    // raw accumulators), then one pass adds the results into x through the kernel's own sink in the
    // kernel's order (expert by expert, row by row), so every bit is the kernel's. One join per layer
    // instead of two per expert: on a busy machine every join may wait for a descheduled thread.
    template <class S>
    void experts(const int32_t* ln, const int16_t* w1, const int16_t* b1, const int16_t* w2, const int16_t* b2,
                 const int32_t* queue, const int32_t* qscore, const int* count, int32_t* x) {
        using namespace edgemoe_hls;
        using M = MoeLayers<S>;
        using Fc1 = typename M::Fc1;
        using Fc2 = typename M::Fc2;
        using Acc = typename Fc2::acc_type;
        constexpr int N = S::N, D = S::D, E = S::E, K = S::TOPK, HE16 = ceil16(S::HE), OUT16 = Fc2::OUT16;
        workers_.throw_if_cancelled();
        int active[E], first[E];
        int n_active = 0, total = 0;
        for (int e = 0; e < E; ++e) {
            first[e] = total;
            total += count[e];
            if (count[e] > 0) active[n_active++] = e;
        }
        // Weights looked up here, on this thread (the cache is a map); every expert was converted
        // before the first frame (prepare()), so this allocates nothing.
        const Weights* wf1[E];
        const Weights* wf2[E];
        for (int i = 0; i < n_active; ++i) {
            wf1[i] = &weights<Fc1>(M::fc1(w1, b1, active[i]));
            wf2[i] = &weights<Fc2>(M::fc2(w2, b2, active[i]));
        }
        // Buffers for the most rows a layer can route (N * TOPK), sized once per thread count.
        const size_t max_rows = size_t(N) * K, slots = scratch_.size();
        if (moe_hidden_.size() < slots * max_rows * HE16) moe_hidden_.resize(slots * max_rows * HE16);
        if (moe_out_.size() < max_rows * OUT16) moe_out_.resize(max_rows * OUT16);
        reserve_rows(std::max(Fc1::IN16, Fc2::IN16), std::max(Fc1::OUT16, Fc2::OUT16));
        rows_ += 2L * total;

        for (Scratch& s : scratch_) s.slow = 0;
        workers_.for_each(n_active, [&](int i) {
            const int e = active[i], rows = count[e];
            const size_t slot = size_t(WorkArena::slot());
            Scratch& s = scratch_[slot];
            int32_t* hidden = moe_hidden_.data() + slot * max_rows * HE16;
            const int32_t* ids = queue + size_t(e) * N * K;
            RowSource<D> in{ln, D, ids};
            WriteSink<S::HE, Epilogue::Gelu> to_hidden{hidden, HE16};
            for (int r0 = 0; r0 < rows; r0 += kChunk)
                chunk_rows<Fc1>(*wf1[i], in, to_hidden, r0, std::min(kChunk, rows - r0), s);
            RowSource<S::HE> from_hidden{hidden, HE16};
            RawSink to_out{moe_out_.data() + size_t(first[e]) * OUT16, OUT16};
            for (int r0 = 0; r0 < rows; r0 += kChunk)
                chunk_rows<Fc2>(*wf2[i], from_hidden, to_out, r0, std::min(kChunk, rows - r0), s);
        });
        for (const Scratch& s : scratch_) slow_rows_ += s.slow;

        for (int i = 0; i < n_active; ++i) {
            const int e = active[i];
            const ScatterScoreSink<D> to_x{x, D, queue + size_t(e) * N * K, qscore + size_t(e) * N * K};
            for (int r = 0; r < count[e]; ++r) {
                const int64_t* raw = moe_out_.data() + size_t(first[e] + r) * OUT16;
                Acc acc[OUT16];
                for (int o = 0; o < OUT16; ++o) acc[o] = Acc::from_raw(typename Acc::raw_type(raw[o]));
                to_x.store(r, acc);
            }
        }
    }

    // Rows that had to take the exact integer path (the 2^53 bound failed), and all rows, since
    // construction: a slow emulator explains itself with these.
    long slow_rows() const { return slow_rows_; }
    long rows() const { return rows_; }

    template <class L, class Src, class Sink>
    void run(const L& layer, int rows, Src& src, Sink& sink) {
        workers_.throw_if_cancelled();   // between layers: the kernel's code in between is short
        const Weights& w = weights<L>(layer);
        const int chunks = (rows + kChunk - 1) / kChunk;
        rows_ += rows;
        if (chunks < workers_.threads())
            run_few_rows<L>(w, rows, src, sink);
        else
            run_many_rows<L>(w, rows, src, sink);
    }

    // Converts a layer's weights now instead of at its first use: an expert that the router first
    // picks after many frames would otherwise cost an allocation in the middle of a run.
    template <class L>
    void prepare(const L& layer) {
        weights<L>(layer);
    }

private:
    static constexpr double kExactLimit = 9007199254740992.0;   // 2^53
    static constexpr int kChunk = 64;                            // rows per GEMM in the row split

    struct Weights {
        PanelWeights values;           // raw weights as doubles, packed for the GEMM
        std::vector<int64_t> bias;     // raw bias aligned to the accumulator's fractional bits
        double max_abs = 0;
    };
    struct Scratch {
        std::vector<double> a, c;
        std::vector<bool> exact;
        long slow = 0;   // rows of the current layer on the exact integer path
        void reserve(int in16, int out16) {
            a.resize(std::max(a.size(), size_t(kChunk) * size_t(in16)));
            c.resize(std::max(c.size(), size_t(kChunk) * size_t(out16)));
            exact.resize(size_t(kChunk));
        }
    };

    // Loads row r of the source as doubles into a[0..IN16) and says whether its dot products are
    // exact in double arithmetic (see the top of this file).
    template <class L, class Src>
    static bool load_row(const Weights& w, Src& src, int r, double* a) {
        typename L::in_type row[L::IN16];
        src.load(r, row);
        double l1 = 0;
        for (int k = 0; k < L::IN16; ++k) {
            a[k] = double(edgemoe_hls::to_bits(row[k]));
            l1 += std::abs(a[k]);
        }
        return l1 * w.max_abs < kExactLimit;
    }

    // Row i of the GEMM result c (or the exact integer path for a row that failed the bound) plus the
    // bias, through the kernel's own sink.
    template <class L, class Sink>
    static void store_row(const Weights& w, Sink& sink, int r, const double* a, const double* c, bool exact,
                          long& slow) {
        using Acc = typename L::acc_type;
        Acc acc[L::OUT16];
        if (exact) {
            for (int o = 0; o < L::OUT16; ++o) acc[o] = Acc::from_raw(int64_t(c[o]) + w.bias[size_t(o)]);
        } else {
            ++slow;
            exact_row(w, a, L::IN16, L::OUT16, acc);
        }
        sink.store(r, acc);
    }

    // Many rows (tokens of a dense layer, pixels of a head conv): chunks of 64 rows, one GEMM each,
    // spread over the threads.
    template <class L, class Src, class Sink>
    void run_many_rows(const Weights& w, int rows, Src& src, Sink& sink) {
        const int chunks = (rows + kChunk - 1) / kChunk;
        reserve_rows(L::IN16, L::OUT16);
        for (Scratch& s : scratch_) s.slow = 0;
        workers_.for_each(chunks, [&](int ch) {
            const int r0 = ch * kChunk;
            chunk_rows<L>(w, src, sink, r0, std::min(kChunk, rows - r0), scratch_[size_t(WorkArena::slot())]);
        });
        for (const Scratch& s : scratch_) slow_rows_ += s.slow;
    }

    // Rows r0..r0+n (n <= kChunk) of a layer on the calling thread: one GEMM, then the sink.
    template <class L, class Src, class Sink>
    static void chunk_rows(const Weights& w, Src& src, Sink& sink, int r0, int n, Scratch& s) {
        constexpr int IN16 = L::IN16, OUT16 = L::OUT16;
        for (int i = 0; i < n; ++i) s.exact[size_t(i)] = load_row<L>(w, src, r0 + i, s.a.data() + size_t(i) * IN16);
        w.values.multiply(s.a.data(), IN16, n, 0, OUT16 / 16, s.c.data(), OUT16);
        for (int i = 0; i < n; ++i)
            store_row<L>(w, sink, r0 + i, s.a.data() + size_t(i) * IN16, s.c.data() + size_t(i) * OUT16,
                         s.exact[size_t(i)], s.slow);
    }

    // Every per-thread slot sized here, on the frame's thread, for the widest layer so far: which
    // thread runs which item changes from frame to frame, and no slot may allocate in a later frame.
    void reserve_rows(int in16, int out16) {
        if (in16 <= max_in16_ && out16 <= max_out16_) return;
        max_in16_ = std::max(max_in16_, in16);
        max_out16_ = std::max(max_out16_, out16);
        for (Scratch& s : scratch_) s.reserve(max_in16_, max_out16_);
    }

    // A sink that keeps a row's raw accumulators (experts(): added into x later, in the kernel's order).
    struct RawSink {
        int64_t* out;
        int stride;
        template <class Acc, int N>
        void store(int r, const Acc (&acc)[N]) const {
            for (int o = 0; o < N; ++o) out[size_t(r) * stride + o] = int64_t(acc[o].raw());
        }
    };

    // Few rows (an expert's queue holds ~N*TOPK/E tokens): a row split would leave threads idle, so
    // the output columns are split instead; rows are loaded once and the sink runs after the GEMMs.
    template <class L, class Src, class Sink>
    void run_few_rows(const Weights& w, int rows, Src& src, Sink& sink) {
        constexpr int IN16 = L::IN16, OUT16 = L::OUT16;
        Scratch& s = few_;
        // Sized for the most rows this path takes, so a longer expert queue later allocates nothing.
        const size_t max_rows = size_t(kChunk) * size_t(std::max(1, workers_.threads() - 1));
        s.a.resize(max_rows * IN16);
        s.c.resize(max_rows * OUT16);
        s.exact.resize(max_rows);
        for (int i = 0; i < rows; ++i) s.exact[size_t(i)] = load_row<L>(w, src, i, s.a.data() + size_t(i) * IN16);
        // Blocks of 16 output columns (the GEMM's micro-tile) shared out over the threads.
        constexpr int kPairs = OUT16 / 16;
        workers_.for_each(kPairs, [&](int p) { w.values.multiply(s.a.data(), IN16, rows, p, p + 1, s.c.data(), OUT16); });
        long slow = 0;
        for (int i = 0; i < rows; ++i)
            store_row<L>(w, sink, i, s.a.data() + size_t(i) * IN16, s.c.data() + size_t(i) * OUT16,
                         s.exact[size_t(i)], slow);
        slow_rows_ += slow;
    }

    template <class Acc>
    static void exact_row(const Weights& w, const double* a, int in16, int out16, Acc* acc) {
        for (int o = 0; o < out16; ++o) {
            uint64_t sum = uint64_t(w.bias[size_t(o)]);   // modular, as the hardware's 64-bit accumulator
            for (int k = 0; k < in16; ++k) sum += uint64_t(int64_t(a[k]) * int64_t(w.values.at(o, k)));
            acc[o] = Acc::from_raw(int64_t(sum));
        }
    }

    // Weights converted once per layer (keyed by their address in the packed buffers).
    template <class L>
    const Weights& weights(const L& layer) {
        auto& slot = cache_[layer.weights];
        if (slot) return *slot;
        using Acc = typename L::acc_type;
        using Bias = typename L::bias_type;
        auto w = std::make_unique<Weights>();
        for (size_t i = 0; i < size_t(L::OUT16) * L::IN16; ++i)
            w->max_abs = std::max(w->max_abs, std::abs(double(layer.weights[i])));
        w->values = PanelWeights(layer.weights, L::OUT16, L::IN16, kernel_);
        w->bias.assign(size_t(L::OUT16), 0);
        if (layer.bias)
            for (int o = 0; o < L::OUT16; ++o)
                w->bias[size_t(o)] = int64_t(edgemoe_hls::to_bits(Acc(edgemoe_hls::from_bits<Bias>(layer.bias[o]))));
        slot = std::move(w);
        return *slot;
    }

    WorkArena workers_;
    const PanelGemmKernel& kernel_;
    std::vector<Scratch> scratch_;   // one per thread of the arena (row split)
    int max_in16_ = 0, max_out16_ = 0;   // the widest layer the row split has run
    std::vector<int32_t> moe_hidden_;    // experts(): hidden rows, one block per thread
    std::vector<int64_t> moe_out_;       // experts(): FC2's raw accumulators, every routed row
    Scratch few_;                    // the column split's rows, shared by the threads
    std::map<const int16_t*, std::unique_ptr<Weights>> cache_;
    long slow_rows_ = 0;
    long rows_ = 0;
};

}  // namespace edgemoe::fpga
