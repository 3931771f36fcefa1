// The panel GEMM's micro-kernel (see panel_gemm.h), written once and compiled once per vector width:
// engine/CMakeLists.txt builds this file with -mavx512f, with -mavx2 -mfma and with the build's own
// flags, each time defining EDGEMOE_GEMM_VARIANT to the name of the kernel object it defines.
// panel_gemm.cpp picks the fastest one the CPU runs.
//
// Register blocking. A tile keeps R rows x (P panels x 8) outputs of C in vector accumulators for the
// whole dot product; per input k it loads P*8 weights (one panel row each) and broadcasts R
// activations, then does R*P*8/L multiply-adds (L doubles per vector). The tile is the largest that
// leaves room in the register file for the weight vectors and one broadcast:
//
//   ISA          registers        L   tile (R x cols)   accumulators + weights + broadcast
//   AVX-512      32 x 512 bit     8   8 x 16            16 + 2 + 1 = 19
//   AVX2+FMA     16 x 256 bit     4   6 x 8             12 + 2 + 1 = 15
//   NEON         32 x 128 bit     2   5 x 8             20 + 4 + 5 = 29 (5 scalars: FMLA by element)
//   SSE2         16 x 128 bit     2   2 x 8              8 + 4 + 2 (no FMA: a product temporary) = 14
//
// Memory traffic per k is P*8/L weight loads and R broadcasts for R*P*8/L FMAs (AVX2: 8 loads for 12
// FMAs), well inside two loads per cycle.
//
// Everything here has internal linkage and calls no library inline function: the AVX-512 copy of a
// shared inline function could otherwise be the one the linker keeps, and a CPU without AVX-512 would
// meet it elsewhere in the program.
#include <cstddef>
#include <cstring>

#include "fpga/panel_gemm.h"

#ifndef EDGEMOE_GEMM_VARIANT
#error "EDGEMOE_GEMM_VARIANT names the kernel this copy defines (set by engine/CMakeLists.txt)"
#endif

namespace edgemoe::fpga {
namespace {

#if defined(__AVX512F__)
constexpr int kVectorBytes = 64, kRows = 8, kPanels = 2;
constexpr const char* kIsa = "AVX-512F";
#elif defined(__AVX2__) && defined(__FMA__)
constexpr int kVectorBytes = 32, kRows = 6, kPanels = 1;
constexpr const char* kIsa = "AVX2+FMA";
#elif defined(__aarch64__)
constexpr int kVectorBytes = 16, kRows = 5, kPanels = 1;
constexpr const char* kIsa = "NEON (AArch64 ASIMD)";
#elif defined(__SSE2__)
constexpr int kVectorBytes = 16, kRows = 2, kPanels = 1;
constexpr const char* kIsa = "SSE2";
#else
constexpr int kVectorBytes = 16, kRows = 2, kPanels = 1;
constexpr const char* kIsa = "generic (compiler-lowered vectors)";
#endif

constexpr int kLanes = PanelWeights::kLanes;
constexpr int kVecLanes = kVectorBytes / int(sizeof(double));   // doubles per vector
constexpr int kVecs = kPanels * kLanes / kVecLanes;              // vectors per tile row
using Vec = double __attribute__((vector_size(kVectorBytes)));

// Keeps a weight vector in a register: otherwise GCC folds its load into each of the R multiply-adds
// that use it, and the loop becomes bound by loads instead of arithmetic.
inline void pin(Vec& v) {
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
    asm("" : "+x"(v));
#elif defined(__GNUC__) && defined(__aarch64__)
    asm("" : "+w"(v));
#else
    (void)v;
#endif
}

// R rows x (kPanels * 8) outputs starting at panel `w` (the next panel follows at w + in*8).
template <int R>
void tile(const double* w, int in, const double* a, size_t lda, double* c, size_t ldc) {
    Vec acc[R][kVecs];
    for (int r = 0; r < R; ++r)
        for (int j = 0; j < kVecs; ++j) acc[r][j] = Vec{};
    const size_t panel_stride = size_t(in) * kLanes;
    for (int k = 0; k < in; ++k) {
        // memcpy: unaligned vector loads and stores, and no vector passed by value (which would
        // change the ABI between the copies of this file).
        Vec wv[kVecs];
#pragma GCC unroll 4
        for (int p = 0; p < kPanels; ++p)
#pragma GCC unroll 8
            for (int j = 0; j < kLanes / kVecLanes; ++j) {
                Vec& v = wv[p * (kLanes / kVecLanes) + j];
                std::memcpy(&v, w + size_t(p) * panel_stride + size_t(k) * kLanes + size_t(j * kVecLanes), sizeof v);
                pin(v);
            }
        // Fully unrolled whatever the optimisation level: the accumulators must be registers.
#pragma GCC unroll 16
        for (int r = 0; r < R; ++r) {
            // x - 0 is x for every x (even -0), so this folds to a plain broadcast; x + 0 would not.
            const Vec ar = a[size_t(r) * lda + size_t(k)] - Vec{};
#pragma GCC unroll 16
            for (int j = 0; j < kVecs; ++j) acc[r][j] += wv[j] * ar;
        }
    }
    for (int r = 0; r < R; ++r)
        for (int j = 0; j < kVecs; ++j) std::memcpy(c + size_t(r) * ldc + size_t(j * kVecLanes), &acc[r][j], sizeof(Vec));
}

// The last rows % kRows rows: one tile of exactly that many rows.
template <int N>
void tail(int rows, const double* w, int in, const double* a, size_t lda, double* c, size_t ldc) {
    if constexpr (N > 0) {
        if (rows == N)
            tile<N>(w, in, a, lda, c, ldc);
        else
            tail<N - 1>(rows, w, in, a, lda, c, ldc);
    }
}

void multiply(const double* panels, int in, const double* a, size_t lda, int rows, int pair0, int pair1, double* c,
              size_t ldc) {
    const size_t panel_stride = size_t(in) * kLanes;
    // A pair is 16 outputs: two panels, taken kPanels at a time.
    for (int panel = 2 * pair0; panel < 2 * pair1; panel += kPanels) {
        const double* w = panels + size_t(panel) * panel_stride;
        double* cp = c + size_t(panel) * kLanes;
        int r = 0;
        for (; r + kRows <= rows; r += kRows) tile<kRows>(w, in, a + size_t(r) * lda, lda, cp + size_t(r) * ldc, ldc);
        tail<kRows - 1>(rows - r, w, in, a + size_t(r) * lda, lda, cp + size_t(r) * ldc, ldc);
    }
}

}  // namespace

#define EDGEMOE_GEMM_STR2(x) #x
#define EDGEMOE_GEMM_STR(x) EDGEMOE_GEMM_STR2(x)
#define EDGEMOE_GEMM_CAT2(a, b) a##b
#define EDGEMOE_GEMM_CAT(a, b) EDGEMOE_GEMM_CAT2(a, b)

extern const PanelGemmKernel EDGEMOE_GEMM_CAT(kPanelGemm_, EDGEMOE_GEMM_VARIANT);
const PanelGemmKernel EDGEMOE_GEMM_CAT(kPanelGemm_, EDGEMOE_GEMM_VARIANT) = {
    EDGEMOE_GEMM_STR(EDGEMOE_GEMM_VARIANT), kIsa, kVectorBytes * 8, kRows, kPanels * kLanes, &multiply};

}  // namespace edgemoe::fpga
