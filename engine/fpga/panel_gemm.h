#pragma once
// C = A * W^T in double precision with W packed once into panels of 8 output columns.
//
// Why not Eigen: a general GEMM re-packs both operands on every call. The emulator calls its GEMM
// with the same weights every frame, and with few rows per call (an expert sees ~16 tokens), so
// re-packing the weights cost as much as the multiply itself. Here the weights are laid out at load
// time exactly as the inner loop reads them, and only the activations are read in place.
//
// Layout: panel p holds outputs 8p..8p+7 as [IN][8] (the 8 weights of input k side by side), so the
// inner loop loads one panel row (64 bytes) per input and multiplies it by a broadcast activation.
//
// The multiply itself is a micro-kernel compiled once per vector width (panel_gemm_kernel.cpp, built
// with AVX-512, with AVX2+FMA and with the build's baseline flags, which is NEON on aarch64) and chosen
// at run time from what the CPU supports, so a portable package is as fast as a -march=native build.
// Each kernel's register block is sized to its register file: a block written for 32 512-bit registers
// and compiled for 16 256-bit ones spills its accumulators to the stack (this was issue 15: the AVX-512
// kernel under AVX2 ran 28x slower than the float engine).
//
// Exactness is the caller's business (fast_linear_unit.h): for integer operands with
// sum_k |a_k| * max|w| < 2^53 every partial sum is an exactly representable integer, so the result is
// exact whatever the order of the additions and whether the compiler fuses multiply and add. Every
// kernel therefore gives the same bits; tests/fpga/test_panel_gemm.cpp checks each one this CPU runs.
#include <cstddef>
#include <string>
#include <vector>

namespace edgemoe::fpga {

// One compiled micro-kernel family (see panel_gemm_kernel.cpp).
struct PanelGemmKernel {
    const char* name;     // "avx512", "avx2", "baseline"
    const char* isa;      // the instructions it was compiled for, e.g. "AVX2+FMA"
    int vector_bits;      // width of one vector register it uses
    int tile_rows;        // register block: rows x columns of C held in registers
    int tile_cols;
    // c[r][o] = sum_k a[r][k] * w[o][k] for rows [0, rows) and outputs [16*pair0, 16*pair1);
    // panels: the packed weights (panel p at panels + p*in*8).
    void (*multiply)(const double* panels, int in, const double* a, size_t lda, int rows, int pair0, int pair1,
                     double* c, size_t ldc);
};

// The kernels built into this binary that this CPU can run, fastest first (never empty).
const std::vector<const PanelGemmKernel*>& panel_gemm_kernels();

// The kernel called `name` ("" = the fastest this CPU runs). Throws std::invalid_argument naming the
// kernels available when `name` is unknown or this CPU cannot run it.
const PanelGemmKernel& panel_gemm_kernel(const std::string& name = {});

// "avx2: AVX2+FMA, 256-bit vectors, 6x8 register tiles"
std::string describe(const PanelGemmKernel& k);

class PanelWeights {
public:
    static constexpr int kLanes = 8;   // doubles per panel row

    PanelWeights() = default;
    // w: [out][in] row-major (any arithmetic type, converted to double); out must be a multiple of
    // 16 (the kernel pads layers to 16).
    template <class T>
    PanelWeights(const T* w, int out, int in, const PanelGemmKernel& kernel = panel_gemm_kernel())
        : kernel_(&kernel), out_(out), in_(in), data_(size_t(out) * size_t(in)) {
        for (int o = 0; o < out; ++o)
            for (int k = 0; k < in; ++k) at(o, k) = double(w[size_t(o) * size_t(in) + size_t(k)]);
    }

    int out() const { return out_; }
    int in() const { return in_; }
    double at(int o, int k) const { return data_[index(o, k)]; }
    const PanelGemmKernel& kernel() const { return *kernel_; }

    // c[r][o] = sum_k a[r][k] * w[o][k] for rows [0, rows) and outputs [16*pair0, 16*pair1).
    // a: rows x in (row stride lda), c: rows x out (row stride ldc).
    void multiply(const double* a, size_t lda, int rows, int pair0, int pair1, double* c, size_t ldc) const {
        kernel_->multiply(data_.data(), in_, a, lda, rows, pair0, pair1, c, ldc);
    }

private:
    size_t index(int o, int k) const {
        return (size_t(o / kLanes) * size_t(in_) + size_t(k)) * kLanes + size_t(o % kLanes);
    }
    double& at(int o, int k) { return data_[index(o, k)]; }

    const PanelGemmKernel* kernel_ = nullptr;
    int out_ = 0, in_ = 0;
    std::vector<double> data_;
};

}  // namespace edgemoe::fpga
