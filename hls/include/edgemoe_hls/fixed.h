#pragma once
// fixed<W, I, S>: the project's own fixed-point number with exactly ap_fixed's default semantics for
// the operations the kernel uses, so that g++ can compile the kernel bit-for-bit as Vitis HLS would.
// Under Vitis HLS (__SYNTHESIS__ or EDGEMOE_USE_AP_FIXED) the same names map to Xilinx's
// ap_fixed/ap_ufixed and this file's implementation is not used.
//
// Semantics (ap_fixed's AP_TRN / AP_WRAP defaults):
//  - a value is raw * 2^-(W - I): W bits in all, I of them integer bits (I may exceed W or be negative);
//  - converting to a type with fewer fractional bits truncates toward minus infinity (floor);
//  - converting to a type with fewer integer bits keeps the low W bits (wrap-around, two's complement);
//  - a * b is exact: fixed<W1 + W2, I1 + I2>;
//  - a + b and a - b are exact: fixed<max(I1, I2) + 1 + max(F1, F2), max(I1, I2) + 1>;
//  - x >> n and x << n shift the value within the same type (shifted-out bits are truncated / wrapped).
// Storage is int64 up to 64 bits and __int128 up to 128 bits; every operation is inline and
// branch-free, so loops over fixed values vectorise like integer loops.
#include <cstdint>

#if defined(__SYNTHESIS__) || defined(EDGEMOE_USE_AP_FIXED)
#include <ap_fixed.h>
namespace edgemoe_hls {
template <int W, int I>
using fixed = ap_fixed<W, I>;
template <int W, int I>
using ufixed = ap_ufixed<W, I>;
}  // namespace edgemoe_hls
#else

#include <cmath>
#include <type_traits>

namespace edgemoe_hls {

namespace detail {
template <int W>
using raw_t = std::conditional_t<(W <= 64), int64_t, __int128>;

constexpr int max_i(int a, int b) { return a > b ? a : b; }

// std::make_unsigned does not know __int128 in strict C++ modes.
template <class T>
struct unsigned_of { using type = std::make_unsigned_t<T>; };
template <>
struct unsigned_of<__int128> { using type = unsigned __int128; };
template <class T>
using unsigned_t = typename unsigned_of<T>::type;

// Keeps the low W bits of v, sign-extended (signed) or zero-extended (unsigned).
template <int W, bool S, class T>
constexpr T wrap(T v) {
    constexpr int bits = int(sizeof(T) * 8);
    if constexpr (W >= bits) {
        return v;
    } else if constexpr (S && (W == 8 || W == 16 || W == 32)) {
        // The same bits as the shifts below (conversion to a narrower integer is modular in g++ and
        // Clang, and in every C++20 compiler), but spelled as the sign extension it is: g++ then
        // vectorises a product of two such values as a 32x32->64 widening multiply (AVX2 vpmuldq)
        // instead of emulating a 64x64 one. Only the emulator's speed changes.
        using N = std::conditional_t<W == 8, int8_t, std::conditional_t<W == 16, int16_t, int32_t>>;
        return T(N(v));
    } else if constexpr (!S && W < 32) {
        // Unsigned and narrower than 31 bits: the value is a non-negative int32, spelled so (see above).
        return T(int32_t(uint32_t(v) & ((uint32_t(1) << W) - 1)));
    } else if constexpr (S) {
        using U = unsigned_t<T>;
        return T(U(v) << (bits - W)) >> (bits - W);
    } else {
        using U = unsigned_t<T>;
        return T(U(v) & ((U(1) << W) - 1));
    }
}

// raw value with `from` fractional bits -> `to` fractional bits, floor on the way down.
// Left shifts are done on the unsigned type: modular, so the caller's wrap gives the right bits.
template <class T, class V>
constexpr T align(V raw, int from, int to) {
    using U = unsigned_t<T>;
    if (to >= from) return T(U(T(raw)) << (to - from));
    return T(raw >> (from - to));   // arithmetic shift = floor
}
}  // namespace detail

template <int W, int I, bool S = true>
class fixed_t {
    static_assert(W >= 1 && W <= 128, "fixed widths are 1..128 bits");

public:
    static constexpr int width = W, int_bits = I, frac_bits = W - I;
    static constexpr bool is_signed = S;
    using raw_type = detail::raw_t<W>;

    constexpr fixed_t() = default;

    // Conversion from another fixed type: floor to our fractional bits, then wrap to W bits.
    template <int W2, int I2, bool S2>
    constexpr fixed_t(const fixed_t<W2, I2, S2>& o) {
        // 64-bit arithmetic suffices when both sides fit it: shifts are modular and we keep <= 64 bits.
        using Wide = detail::raw_t<detail::max_i(W, W2)>;
        raw_ = raw_type(detail::wrap<W, S>(detail::align<Wide>(o.raw(), W2 - I2, W - I)));
    }

    // From a double (host side: packing, tests): floor(d * 2^F), then wrap; as ap_fixed's constructor.
    constexpr fixed_t(double d) {   // NOLINT(google-explicit-constructor): mirrors ap_fixed
        const long double scaled = std::floor(static_cast<long double>(d) * std::pow(2.0L, W - I));
        raw_ = raw_type(detail::wrap<W, S>(static_cast<__int128>(scaled)));
    }
    constexpr fixed_t(int v) : fixed_t(fixed_t<32, 32, true>::from_raw(v)) {}

    static constexpr fixed_t from_raw(raw_type r) {
        fixed_t f;
        f.raw_ = detail::wrap<W, S>(r);
        return f;
    }

    constexpr raw_type raw() const { return raw_; }
    constexpr double to_double() const { return double(raw_) * std::pow(2.0, -(W - I)); }

    // Value shifts within the type (ap_fixed's operator>> / operator<< on a fixed value).
    constexpr fixed_t operator>>(int n) const { return from_raw(raw_ >> n); }
    constexpr fixed_t operator<<(int n) const { return from_raw(raw_type(detail::unsigned_t<raw_type>(raw_) << n)); }

    template <int W2, int I2, bool S2>
    constexpr fixed_t& operator+=(const fixed_t<W2, I2, S2>& o) { return *this = *this + o; }
    template <int W2, int I2, bool S2>
    constexpr fixed_t& operator-=(const fixed_t<W2, I2, S2>& o) { return *this = *this - o; }

private:
    raw_type raw_ = 0;
};

template <int W, int I>
using fixed = fixed_t<W, I, true>;
template <int W, int I>
using ufixed = fixed_t<W, I, false>;

// ---- exact arithmetic ------------------------------------------------------------------------

template <int W1, int I1, bool S1, int W2, int I2, bool S2>
constexpr auto operator*(const fixed_t<W1, I1, S1>& a, const fixed_t<W2, I2, S2>& b) {
    using R = fixed_t<W1 + W2, I1 + I2, S1 || S2>;
    using T = typename R::raw_type;
    return R::from_raw(T(a.raw()) * T(b.raw()));
}

namespace detail {
template <int W1, int I1, bool S1, int W2, int I2, bool S2>
struct sum_type {
    static constexpr int F = max_i(W1 - I1, W2 - I2);
    static constexpr int I = max_i(I1, I2) + 1;
    using type = fixed_t<I + F, I, S1 || S2>;
};
}  // namespace detail

template <int W1, int I1, bool S1, int W2, int I2, bool S2>
constexpr auto operator+(const fixed_t<W1, I1, S1>& a, const fixed_t<W2, I2, S2>& b) {
    using R = typename detail::sum_type<W1, I1, S1, W2, I2, S2>::type;
    using T = typename R::raw_type;
    return R::from_raw(detail::align<T>(a.raw(), W1 - I1, R::frac_bits) + detail::align<T>(b.raw(), W2 - I2, R::frac_bits));
}

template <int W1, int I1, bool S1, int W2, int I2, bool S2>
constexpr auto operator-(const fixed_t<W1, I1, S1>& a, const fixed_t<W2, I2, S2>& b) {
    using R0 = typename detail::sum_type<W1, I1, S1, W2, I2, S2>::type;
    using R = fixed_t<R0::width, R0::int_bits, true>;   // a difference is signed
    using T = typename R::raw_type;
    return R::from_raw(detail::align<T>(a.raw(), W1 - I1, R::frac_bits) - detail::align<T>(b.raw(), W2 - I2, R::frac_bits));
}

template <int W, int I, bool S>
constexpr auto operator-(const fixed_t<W, I, S>& a) {
    using R = fixed_t<W + 1, I + 1, true>;
    return R::from_raw(-typename R::raw_type(a.raw()));
}

// Comparisons are exact (both sides aligned to the finer grid).
template <int W1, int I1, bool S1, int W2, int I2, bool S2>
constexpr int compare(const fixed_t<W1, I1, S1>& a, const fixed_t<W2, I2, S2>& b) {
    constexpr int F = detail::max_i(W1 - I1, W2 - I2);
    const __int128 x = detail::align<__int128>(a.raw(), W1 - I1, F), y = detail::align<__int128>(b.raw(), W2 - I2, F);
    return (x > y) - (x < y);
}
template <int W1, int I1, bool S1, int W2, int I2, bool S2>
constexpr bool operator<(const fixed_t<W1, I1, S1>& a, const fixed_t<W2, I2, S2>& b) { return compare(a, b) < 0; }
template <int W1, int I1, bool S1, int W2, int I2, bool S2>
constexpr bool operator>(const fixed_t<W1, I1, S1>& a, const fixed_t<W2, I2, S2>& b) { return compare(a, b) > 0; }
template <int W1, int I1, bool S1, int W2, int I2, bool S2>
constexpr bool operator<=(const fixed_t<W1, I1, S1>& a, const fixed_t<W2, I2, S2>& b) { return compare(a, b) <= 0; }
template <int W1, int I1, bool S1, int W2, int I2, bool S2>
constexpr bool operator>=(const fixed_t<W1, I1, S1>& a, const fixed_t<W2, I2, S2>& b) { return compare(a, b) >= 0; }
template <int W1, int I1, bool S1, int W2, int I2, bool S2>
constexpr bool operator==(const fixed_t<W1, I1, S1>& a, const fixed_t<W2, I2, S2>& b) { return compare(a, b) == 0; }

}  // namespace edgemoe_hls
#endif

namespace edgemoe_hls {
// acc += a * b, for an accumulator with as many fractional bits as the product (the linear units'
// MAC). Identical to ap_fixed's `acc += a * b` (exact product, wrap at the accumulator's width); spelled
// out so that g++ keeps the loop in 64-bit integers instead of widening the sum to 65 bits.
template <class Acc, class A, class B>
inline void mac(Acc& acc, const A& a, const B& b) {
#if defined(__SYNTHESIS__) || defined(EDGEMOE_USE_AP_FIXED)
    acc += a * b;
#else
    static_assert(Acc::frac_bits == A::frac_bits + B::frac_bits, "mac needs matching fractional bits");
    static_assert(Acc::width <= 64 && A::width + B::width <= 64, "mac is for 64-bit accumulators");
    using U = uint64_t;
    acc = Acc::from_raw(int64_t(U(acc.raw()) + U(int64_t(a.raw()) * int64_t(b.raw()))));
#endif
}
}  // namespace edgemoe_hls
