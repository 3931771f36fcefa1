// The kernel's non-linear units against double precision, with the bounds stated in their headers:
// exp, reciprocal, reciprocal square root, GELU, one-pass LayerNorm, single-pass softmax.
#include <QtTest>

#include <cmath>
#include <random>

#include "edgemoe_hls/math.h"
#include "gelu.h"
#include "layernorm.h"
#include "softmax.h"

using namespace edgemoe_hls;

namespace {
std::mt19937_64 rng(7);
double fm(int64_t raw) { return std::ldexp(double(raw), -22); }
}  // namespace

class TestHlsMath : public QObject {
    Q_OBJECT
private slots:
    void exp_of_non_positive() {
        double worst = 0;
        for (int64_t i = 0; i < 200000; ++i) {
            const int64_t x = -int64_t(rng() % (int64_t(30) << 22));   // [-30, 0]
            const double got = std::ldexp(double(exp_neg_raw(x)), -23);
            worst = std::max(worst, std::abs(got - std::exp(fm(x))));
        }
        qInfo("exp: max abs error %.2e (bound 2e-5)", worst);
        QVERIFY(worst < 2e-5);
        QCOMPARE(exp_neg_raw(0), int64_t(1) << 23);   // e^0 = 1 exactly
        QCOMPARE(exp_neg_raw(-(int64_t(100) << 22)), int64_t(0));
    }

    void reciprocal() {
        double worst = 0;
        for (int i = 0; i < 200000; ++i) {
            const int64_t s = (int64_t(1) << 24) + int64_t(rng() % (int64_t(200) << 24));   // [1, 201]
            const double got = std::ldexp(double(recip_raw(s)), -23);
            const double exact = 1.0 / std::ldexp(double(s), -24);
            worst = std::max(worst, std::abs(got - exact) / exact);
        }
        qInfo("recip: max relative error %.2e", worst);
        // 4e-7 from the unit plus the final truncation to 2^-23 (relative 1/s * 2^-23 / (1/s) <= 201 * 2^-23).
        QVERIFY(worst < 4e-7 + 201 * std::ldexp(1.0, -23));
    }

    void reciprocal_square_root() {
        double worst = 0;
        for (int i = 0; i < 200000; ++i) {
            const double v = std::exp(std::uniform_real_distribution<double>(std::log(1e-6), std::log(3e4))(rng));
            const uint64_t raw = uint64_t(std::ldexp(v, 40));
            const double got = std::ldexp(double(rsqrt_raw(raw)), -30);
            const double exact = 1.0 / std::sqrt(std::ldexp(double(raw), -40));
            worst = std::max(worst, std::abs(got - exact) / exact + 0 * got);
            // Absolute truncation at 2^-30 dominates for large v (small results).
            QVERIFY(std::abs(got - exact) <= 1e-6 * exact + std::ldexp(1.0, -30));
        }
        qInfo("rsqrt: max relative error %.2e", worst);
    }

    void gelu_against_erf() {
        double worst = 0;
        for (int i = 0; i < 200000; ++i) {
            const double x = std::uniform_real_distribution<double>(-12, 12)(rng);
            const fm_t f = x;
            const double got = gelu(f).to_double();
            const double xf = f.to_double();
            worst = std::max(worst, std::abs(got - 0.5 * xf * (1 + std::erf(xf / std::sqrt(2.0)))));
        }
        qInfo("gelu: max abs error %.2e (bound 1e-4)", worst);
        QVERIFY(worst < 1e-4);
        QCOMPARE(gelu(fm_t(0.0)).to_double(), 0.0);
        QCOMPARE(gelu(fm_t(8.0)).to_double(), 8.0);   // delta = 0 beyond 5.5
    }

    void layer_norm_one_pass() {
        constexpr int D = 192;
        std::normal_distribution<double> nd;
        for (int trial = 0; trial < 200; ++trial) {
            const double scale = std::exp(std::uniform_real_distribution<double>(std::log(0.01), std::log(50))(rng));
            const double shift = nd(rng) * scale * 3;
            int32_t x[D], y[D];
            int16_t g[D], b[D];
            double xd[D];
            for (int i = 0; i < D; ++i) {
                x[i] = int32_t(to_bits(fm_t(shift + nd(rng) * scale)));
                xd[i] = fm(x[i]);
                g[i] = int16_t(to_bits(wt_norm_t(1.0 + 0.2 * nd(rng))));
                b[i] = int16_t(to_bits(wt_bias_t(0.1 * nd(rng))));
            }
            layer_norm_row<D>(x, g, b, y);
            double mean = 0, var = 0;
            for (double v : xd) mean += v / D;
            for (double v : xd) var += (v - mean) * (v - mean) / D;
            for (int i = 0; i < D; ++i) {
                const double ref = (xd[i] - mean) / std::sqrt(var + 1e-6) * std::ldexp(g[i], -11) + std::ldexp(b[i], -11);
                // rsqrt's 1e-6 relative error and 2^-30 truncation, gamma's product truncation and a few
                // 2^-22 steps: 2e-6 relative of the normalised value plus 1e-5 absolute; and the mean's
                // own truncation (2^-22), which the normalisation scales by 1/sigma, and which also
                // enters var = E[x^2] - mean^2 as 2 |mean| 2^-22 (the one-pass formula's cancellation),
                // a relative error of half that over var in rstd.
                const double bound = 2e-6 * std::abs(ref) + 1e-5 + std::ldexp(3.0, -22) / std::sqrt(var) +
                                     std::abs(ref) * std::abs(mean) * std::ldexp(1.0, -22) / var;
                QVERIFY2(std::abs(fm(y[i]) - ref) < bound,
                         qPrintable(QString("scale %1 i %2: %3 vs %4").arg(scale).arg(i).arg(fm(y[i])).arg(ref)));
            }
        }
    }

    void softmax_single_pass() {
        std::normal_distribution<double> nd;
        for (int trial = 0; trial < 500; ++trial) {
            const int n = 2 + int(rng() % 200);
            const double spread = std::uniform_real_distribution<double>(0.1, 20)(rng);
            std::vector<int64_t> x(static_cast<size_t>(n));
            OnlineSoftmax sm;
            for (auto& v : x) {
                v = to_bits(fm_t(nd(rng) * spread));
                sm.push(v);
            }
            const int64_t inv = sm.inv_sum();
            double mx = -1e300, sum = 0;
            for (auto v : x) mx = std::max(mx, fm(v));
            for (auto v : x) sum += std::exp(fm(v) - mx);
            double total = 0;
            for (auto v : x) {
                const double p = std::ldexp(double(softmax_prob(v, sm.m, inv)), -23);
                const double ref = std::exp(fm(v) - mx) / sum;
                QVERIFY(std::abs(p - ref) < 5e-5 * ref + 3e-7);
                total += p;
            }
            QVERIFY(std::abs(total - 1) < 1e-4);
            QCOMPARE(sm.m, *std::max_element(x.begin(), x.end()));
        }
    }
};

QTEST_GUILESS_MAIN(TestHlsMath)
#include "test_hls_math.moc"
