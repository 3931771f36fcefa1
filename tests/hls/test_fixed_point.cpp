// The fixed-point template against exact rational arithmetic: every value is raw * 2^-F, so exact
// results are integer computations on raw values in __int128 (floor = arithmetic shift, wrap = keep
// the low W bits). Random values for every type the kernel uses, and every conversion between them.
#include <QtTest>

#include <random>

#include "edgemoe_hls/types.h"

using namespace edgemoe_hls;

namespace {

std::mt19937_64 rng(20231029);

// Exact reference: floor(raw * 2^(to_f - from_f)) wrapped to W bits (signed or not).
__int128 ref_convert(__int128 raw, int from_f, int to_f, int w, bool is_signed) {
    __int128 v = to_f >= from_f ? raw * (__int128(1) << (to_f - from_f)) : (raw >> (from_f - to_f));
    const unsigned __int128 mask = w >= 128 ? ~(unsigned __int128)0 : (((unsigned __int128)1 << w) - 1);
    unsigned __int128 u = (unsigned __int128)v & mask;
    if (is_signed && w < 128 && (u >> (w - 1)) & 1) return __int128(u) - (__int128(1) << (w - 1)) * 2;
    return __int128(u);
}

template <class T>
T random_value() {
    // Raw values spread over the whole width (and small ones, where truncation matters most).
    __int128 r = __int128(rng()) << 64 | rng();
    if (rng() % 2) r >>= (rng() % T::width);
    return T::from_raw(typename T::raw_type(r));
}

template <class From, class To>
void check_conversion() {
    for (int i = 0; i < 2000; ++i) {
        const From a = random_value<From>();
        const To b = a;
        const __int128 expect = ref_convert(a.raw(), From::frac_bits, To::frac_bits, To::width, To::is_signed);
        QVERIFY2(__int128(b.raw()) == expect, qPrintable(QString("conversion %1 -> %2").arg(From::width).arg(To::width)));
    }
}

template <class A, class B>
void check_product() {
    for (int i = 0; i < 2000; ++i) {
        const A a = random_value<A>();
        const B b = random_value<B>();
        const auto p = a * b;
        static_assert(decltype(p)::width == A::width + B::width && decltype(p)::int_bits == A::int_bits + B::int_bits);
        QVERIFY(__int128(p.raw()) == __int128(a.raw()) * __int128(b.raw()));   // exact, F = FA + FB
    }
}

template <class A, class B>
void check_sum() {
    for (int i = 0; i < 2000; ++i) {
        const A a = random_value<A>();
        const B b = random_value<B>();
        const auto s = a + b;
        const auto d = a - b;
        using S = decltype(s);
        const __int128 x = ref_convert(a.raw(), A::frac_bits, S::frac_bits, 128, true);
        const __int128 y = ref_convert(b.raw(), B::frac_bits, S::frac_bits, 128, true);
        QVERIFY(__int128(s.raw()) == ref_convert(x + y, 0, 0, S::width, S::is_signed));
        QVERIFY(__int128(d.raw()) == ref_convert(x - y, 0, 0, decltype(d)::width, true));
        QCOMPARE(a < b, x < y);
        QCOMPARE(a == b, x == y);
    }
}

}  // namespace

class TestFixedPoint : public QObject {
    Q_OBJECT
private slots:
    void conversions_truncate_and_wrap() {
        // Into the activation type from every accumulator and weight type, and back.
        check_conversion<acc_t, fm_t>();
        check_conversion<acc_head_t, fm_t>();
        check_conversion<acc_patch_t, fm_t>();
        check_conversion<acc_qk_t, fm_t>();
        check_conversion<acc_av_t, fm_t>();
        check_conversion<fm_t, acc_t>();
        check_conversion<wt_bias_t, acc_t>();
        check_conversion<wt_attn_bias_t, acc_t>();
        check_conversion<wt_attn_bias_t, acc_head_t>();
        check_conversion<wt_bias_t, acc_patch_t>();
        check_conversion<wt_bias_t, fm_t>();
        check_conversion<fixed<56, 11>, fm_t>();   // score * value in the MoE sink
        check_conversion<fm_t, prob_t>();
        check_conversion<fm_t, sum_t>();
        check_conversion<fm_t, wt_t>();
        check_conversion<acc_t, acc_head_t>();
    }

    void hand_cases() {
        QCOMPARE(double(fm_t(-1.5).to_double()), -1.5);
        // Truncation is toward minus infinity: -2^-23 becomes -2^-22, not 0.
        const fixed<40, 10> tiny = fixed<40, 10>::from_raw(-1);   // -2^-30
        QCOMPARE(fm_t(tiny).raw(), int64_t(-1));
        // Wrap-around: 512 does not fit fixed<32,10> (max 512 - 2^-22) and wraps to -512.
        const fixed<40, 12> big = 512.0;
        QCOMPARE(fm_t(big).to_double(), -512.0);
        QCOMPARE(prob_t(1.0).to_double(), 1.0);
        QCOMPARE(wt_t(-2.0).to_double(), -2.0);
        QCOMPARE(wt_t(2.0).to_double(), -2.0);   // wraps
        QCOMPARE((fm_t(3.0) >> 3).to_double(), 0.375);
        QCOMPARE((fm_t(-3.0) >> 10).raw(), int64_t(-3) << 12);
        QCOMPARE((fixed<8, 8>(-0.5)).to_double(), -1.0);   // floor
    }

    void products_are_exact() {
        check_product<fm_t, wt_t>();
        check_product<fm_t, wt_head_t>();
        check_product<fm_t, wt_head_out_t>();
        check_product<pixel_t, wt_patch_t>();
        check_product<fm_t, fm_t>();
        check_product<prob_t, fm_t>();
        check_product<wt_norm_t, fm_t>();
    }

    void sums_are_exact() {
        check_sum<fm_t, fm_t>();
        check_sum<fm_t, wt_bias_t>();
        check_sum<fixed<48, 12>, acc_t>();
        check_sum<prob_t, sum_t>();
        check_sum<wt_t, wt_bias_t>();
    }

    void mac_equals_add_of_product() {
        // mac() is the 64-bit spelling of acc += a * b; compare with the generic path (65-bit sum,
        // then assignment back to the accumulator, which wraps).
        for (int i = 0; i < 5000; ++i) {
            acc_t acc = random_value<acc_t>(), ref = acc;
            const fm_t a = random_value<fm_t>();
            const wt_t b = random_value<wt_t>();
            mac(acc, a, b);
            ref = ref + a * b;
            QCOMPARE(acc.raw(), ref.raw());
            acc_qk_t q = random_value<acc_qk_t>(), qr = q;
            const fm_t c = random_value<fm_t>();
            mac(q, a, c);
            qr = qr + a * c;
            QCOMPARE(q.raw(), qr.raw());
        }
    }

    void from_double_floors_and_wraps() {
        std::uniform_real_distribution<double> u(-600, 600);
        for (int i = 0; i < 5000; ++i) {
            const double d = u(rng);
            const fm_t f = d;
            const __int128 expect = ref_convert(__int128(std::floor(std::ldexp(d, 22))), 0, 0, 32, true);
            QVERIFY(__int128(f.raw()) == expect);
        }
    }
};

QTEST_GUILESS_MAIN(TestFixedPoint)
#include "test_fixed_point.moc"
