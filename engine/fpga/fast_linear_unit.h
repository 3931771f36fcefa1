#pragma once
// A faster stand-in for the kernel's linear unit in the emulator, bit-identical by construction.
//
// Why it is exact: the hardware's dot product is a sum of exact integer products (raw activation x
// raw weight) in a 64-bit accumulator, truncated once in the sink. Here the same raw integers are
// multiplied and summed in double precision by a blocked GEMM. A double holds every integer below
// 2^53 exactly, and if sum_k |a_k| * max|w| < 2^53, every partial sum in ANY order is such an
// integer, so the GEMM's result is the exact sum, whatever its blocking and FMA use. That bound is
// checked for every row; a row that fails it takes the exact 64-bit integer path instead. The bias
// is added as an aligned integer and the result goes through the kernel's own sink, so quantisation
// and epilogues are the kernel's code. tests/fpga/test_fast_linear_unit.cpp runs both units on the
// same frames and finds every output bit equal.
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

#include <Eigen/Core>

#include "linear_unit.h"

namespace edgemoe::fpga {

class FastLinearUnit {
public:
    explicit FastLinearUnit(int threads) : threads_(threads > 0 ? threads : 1), scratch_(size_t(threads_)) {}

    // Independent kernel work items (attention heads) on the emulator's threads: they write disjoint
    // memory, so the result is the same as the hardware's sequential order.
    template <class F>
    void for_each(int n, F&& f) {
#pragma omp parallel for num_threads(threads_) schedule(dynamic)
        for (int i = 0; i < n; ++i) f(i);
    }

    // Rows that had to take the exact integer path (the 2^53 bound failed), since construction.
    long slow_rows() const { return slow_rows_; }

    template <class L, class Src, class Sink>
    void run(const L& layer, int rows, Src& src, Sink& sink) {
        using In = typename L::in_type;
        using Acc = typename L::acc_type;
        constexpr int IN16 = L::IN16, OUT16 = L::OUT16;
        const Weights& w = weights<L>(layer);
        constexpr int kChunk = 64;
        const int chunks = (rows + kChunk - 1) / kChunk;
        long slow = 0;
#pragma omp parallel for num_threads(threads_) schedule(dynamic) reduction(+ : slow)
        for (int ch = 0; ch < chunks; ++ch) {
#ifdef _OPENMP
            Scratch& s = scratch_[size_t(omp_get_thread_num())];
#else
            Scratch& s = scratch_[0];
#endif
            const int r0 = ch * kChunk, n = std::min(kChunk, rows - r0);
            s.a.resize(size_t(kChunk) * IN16);
            s.c.resize(size_t(kChunk) * OUT16);
            s.exact.assign(size_t(kChunk), true);
            In row[IN16];
            for (int i = 0; i < n; ++i) {
                src.load(r0 + i, row);
                double l1 = 0;
                double* a = s.a.data() + size_t(i) * IN16;
                for (int k = 0; k < IN16; ++k) {
                    a[k] = double(edgemoe_hls::to_bits(row[k]));
                    l1 += std::abs(a[k]);
                }
                s.exact[size_t(i)] = l1 * w.max_abs < kExactLimit;
            }
            using RowMat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
            Eigen::Map<const RowMat> A(s.a.data(), n, IN16);
            Eigen::Map<const RowMat> W(w.values.data(), OUT16, IN16);
            Eigen::Map<RowMat> C(s.c.data(), n, OUT16);
            C.noalias() = A * W.transpose();
            Acc acc[OUT16];
            for (int i = 0; i < n; ++i) {
                const double* c = s.c.data() + size_t(i) * OUT16;
                if (s.exact[size_t(i)]) {
                    for (int o = 0; o < OUT16; ++o) acc[o] = Acc::from_raw(int64_t(c[o]) + w.bias[size_t(o)]);
                } else {
                    ++slow;
                    exact_row(w, s.a.data() + size_t(i) * IN16, IN16, OUT16, acc);
                }
                sink.store(r0 + i, acc);
            }
        }
        slow_rows_ += slow;
    }

private:
    static constexpr double kExactLimit = 9007199254740992.0;   // 2^53

    struct Weights {
        std::vector<double> values;    // raw weights as doubles [OUT16][IN16]
        std::vector<int64_t> bias;     // raw bias aligned to the accumulator's fractional bits
        double max_abs = 0;
    };
    struct Scratch {
        std::vector<double> a, c;
        std::vector<bool> exact;
    };

    template <class Acc>
    static void exact_row(const Weights& w, const double* a, int in16, int out16, Acc* acc) {
        for (int o = 0; o < out16; ++o) {
            uint64_t sum = uint64_t(w.bias[size_t(o)]);   // modular, as the hardware's 64-bit accumulator
            for (int k = 0; k < in16; ++k)
                sum += uint64_t(int64_t(a[k]) * int64_t(w.values[size_t(o) * in16 + k]));
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
        w->values.resize(size_t(L::OUT16) * L::IN16);
        for (size_t i = 0; i < w->values.size(); ++i) {
            w->values[i] = double(layer.weights[i]);
            w->max_abs = std::max(w->max_abs, std::abs(w->values[i]));
        }
        w->bias.assign(size_t(L::OUT16), 0);
        if (layer.bias)
            for (int o = 0; o < L::OUT16; ++o)
                w->bias[size_t(o)] = int64_t(edgemoe_hls::to_bits(Acc(edgemoe_hls::from_bits<Bias>(layer.bias[o]))));
        slot = std::move(w);
        return *slot;
    }

    int threads_;
    std::vector<Scratch> scratch_;
    std::map<const int16_t*, std::unique_ptr<Weights>> cache_;
    long slow_rows_ = 0;
};

}  // namespace edgemoe::fpga
