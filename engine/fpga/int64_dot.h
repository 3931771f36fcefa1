#pragma once
// Exact integer dot products for the emulator's attention (fast_attention.h), in the hardware's
// arithmetic: products of 32-bit raw values are exact in 64 bits, and sums wrap modulo 2^64 like
// the kernel's 64-bit accumulators. Modular addition is associative and commutative, so these may
// add in any order (vector lanes, then across lanes) and still give the kernel's bits exactly; no
// bound check is needed, unlike the double-precision GEMM of fast_linear_unit.h.
//
// Why vectors: the scalar loops (one 64-bit multiply per product) were 14% of an fpga-emu frame on
// an AVX2 machine, for 5% of its multiply-adds. AVX2's vpmuldq multiplies four signed 32-bit pairs
// into four exact 64-bit products per instruction; a 256-bit load of eight 32-bit values feeds two
// of them (the even lanes directly, the odd lanes after a 32-bit shift, since vpmuldq reads only the
// low half of each 64-bit lane). Other CPUs get the plain loops, which compilers vectorise as they
// can (NEON has widening multiply-adds for exactly this); the result is the same everywhere.
#include <cstddef>
#include <cstdint>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace edgemoe::fpga {

// The plain loops: the definition, and what CPUs without AVX2 run.
inline int64_t dot_i32_wrap_plain(const int32_t* a, const int32_t* b, int n) {
    uint64_t s = 0;
    for (int i = 0; i < n; ++i) s += uint64_t(int64_t(a[i]) * int64_t(b[i]));
    return int64_t(s);
}

// acc[c] += p * v[c] for c < 16, modulo 2^64: one key's contribution to 16 output columns of A.V
// (p a probability's raw value, |p| < 2^31; v a row of 32-bit raw values).
struct Acc16Plain {
    uint64_t lanes[16] = {};
    void add(int64_t p, const int32_t* v) {
        for (int c = 0; c < 16; ++c) lanes[c] += uint64_t(p * int64_t(v[c]));
    }
    void store(int64_t* out) const {
        for (int c = 0; c < 16; ++c) out[c] = int64_t(lanes[c]);
    }
};

#if defined(__AVX2__)
// sum of a[i] * b[i] for i < n, modulo 2^64; n a multiple of 8.
inline int64_t dot_i32_wrap_avx2(const int32_t* a, const int32_t* b, int n) {
    __m256i even = _mm256_setzero_si256(), odd = _mm256_setzero_si256();
    for (int i = 0; i < n; i += 8) {
        const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + i));
        const __m256i y = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + i));
        even = _mm256_add_epi64(even, _mm256_mul_epi32(x, y));
        odd = _mm256_add_epi64(odd, _mm256_mul_epi32(_mm256_srli_epi64(x, 32), _mm256_srli_epi64(y, 32)));
    }
    const __m256i s = _mm256_add_epi64(even, odd);
    const __m128i h = _mm_add_epi64(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
    return int64_t(uint64_t(_mm_cvtsi128_si64(h)) + uint64_t(_mm_extract_epi64(h, 1)));
}

struct Acc16Avx2 {
    __m256i lanes[4] = {_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256()};
    void add(int64_t p, const int32_t* v) {
        const __m256i pp = _mm256_set1_epi64x(p);   // vpmuldq reads its low 32 bits, signed
        for (int j = 0; j < 4; ++j) {
            const __m256i vv = _mm256_cvtepi32_epi64(_mm_loadu_si128(reinterpret_cast<const __m128i*>(v + 4 * j)));
            lanes[j] = _mm256_add_epi64(lanes[j], _mm256_mul_epi32(pp, vv));
        }
    }
    void store(int64_t* out) const {
        for (int j = 0; j < 4; ++j) _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 4 * j), lanes[j]);
    }
};

inline int64_t dot_i32_wrap(const int32_t* a, const int32_t* b, int n) {
    return n % 8 == 0 ? dot_i32_wrap_avx2(a, b, n) : dot_i32_wrap_plain(a, b, n);
}
using Acc16 = Acc16Avx2;
#else
inline int64_t dot_i32_wrap(const int32_t* a, const int32_t* b, int n) { return dot_i32_wrap_plain(a, b, n); }
using Acc16 = Acc16Plain;
#endif

}  // namespace edgemoe::fpga
