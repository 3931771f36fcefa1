#pragma once
// C = A * W^T in double precision with W packed once into panels of 8 output columns.
//
// Why not Eigen: a general GEMM re-packs both operands on every call. The emulator calls its GEMM
// with the same weights every frame, and with few rows per call (an expert sees ~16 tokens), so
// re-packing the weights cost as much as the multiply itself. Here the weights are laid out at load
// time exactly as the inner loop reads them, and only the activations are read in place.
//
// Layout: panel p holds outputs 8p..8p+7 as [IN][8] (the 8 weights of input k side by side), so the
// inner loop loads one 8-double vector per panel and input and multiplies it by a broadcast
// activation. The micro-kernel computes R rows x 16 outputs (two panels) in 2R vector accumulators.
//
// Exactness is the caller's business (fast_linear_unit.h): for integer operands with
// sum_k |a_k| * max|w| < 2^53 every partial sum is an exactly representable integer, so the result is
// exact whatever the order of the additions and whether the compiler fuses multiply and add.
#include <cstddef>
#include <cstring>
#include <vector>

namespace edgemoe::fpga {

class PanelWeights {
public:
    static constexpr int kLanes = 8;   // doubles per panel row (one AVX-512 register)

    PanelWeights() = default;
    // w: [out][in] row-major (any arithmetic type, converted to double); out must be a multiple of
    // 16 (the kernel pads layers to 16).
    template <class T>
    PanelWeights(const T* w, int out, int in) : out_(out), in_(in), data_(size_t(out) * size_t(in)) {
        for (int o = 0; o < out; ++o)
            for (int k = 0; k < in; ++k) at(o, k) = double(w[size_t(o) * size_t(in) + size_t(k)]);
    }

    int out() const { return out_; }
    int in() const { return in_; }
    double at(int o, int k) const { return data_[index(o, k)]; }
    const double* panel(int p) const { return data_.data() + size_t(p) * size_t(in_) * kLanes; }

    // c[r][o] = sum_k a[r][k] * w[o][k] for rows [0, rows) and outputs [16*pair0, 16*pair1).
    // a: rows x in (row stride lda), c: rows x out (row stride ldc).
    void multiply(const double* a, size_t lda, int rows, int pair0, int pair1, double* c, size_t ldc) const {
        for (int pair = pair0; pair < pair1; ++pair) {
            int r = 0;
            for (; r + 8 <= rows; r += 8) micro<8>(a + size_t(r) * lda, lda, pair, c + size_t(r) * ldc, ldc);
            for (; r + 4 <= rows; r += 4) micro<4>(a + size_t(r) * lda, lda, pair, c + size_t(r) * ldc, ldc);
            for (; r < rows; ++r) micro<1>(a + size_t(r) * lda, lda, pair, c + size_t(r) * ldc, ldc);
        }
    }

private:
    using v8d = double __attribute__((vector_size(64)));

    size_t index(int o, int k) const {
        return (size_t(o / kLanes) * size_t(in_) + size_t(k)) * kLanes + size_t(o % kLanes);
    }
    double& at(int o, int k) { return data_[index(o, k)]; }

    // R rows x outputs 16*pair..16*pair+15.
    template <int R>
    void micro(const double* a, size_t lda, int pair, double* c, size_t ldc) const {
        const double* w0 = panel(2 * pair);
        const double* w1 = panel(2 * pair + 1);
        v8d acc0[R], acc1[R];
        for (int r = 0; r < R; ++r) acc0[r] = acc1[r] = v8d{};
        for (int k = 0; k < in_; ++k) {
            // memcpy: unaligned vector loads and stores, and no vector passed by value (which would
            // change the ABI between builds with and without AVX-512).
            v8d x0, x1;
            std::memcpy(&x0, w0 + size_t(k) * kLanes, sizeof x0);
            std::memcpy(&x1, w1 + size_t(k) * kLanes, sizeof x1);
#if defined(__GNUC__) && defined(__AVX512F__)
            // Keep the two weight vectors in registers: otherwise GCC folds the load into each of the
            // 2R multiply-adds, and the loop becomes bound by loads instead of arithmetic.
            asm("" : "+v"(x0), "+v"(x1));
#endif
            for (int r = 0; r < R; ++r) {
                const double ar = a[size_t(r) * lda + size_t(k)];
                acc0[r] += x0 * ar;
                acc1[r] += x1 * ar;
            }
        }
        for (int r = 0; r < R; ++r) {
            std::memcpy(c + size_t(r) * ldc + size_t(16 * pair), &acc0[r], sizeof acc0[r]);
            std::memcpy(c + size_t(r) * ldc + size_t(16 * pair) + kLanes, &acc1[r], sizeof acc1[r]);
        }
    }

    int out_ = 0, in_ = 0;
    std::vector<double> data_;
};

}  // namespace edgemoe::fpga
