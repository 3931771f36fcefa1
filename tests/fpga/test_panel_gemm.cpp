// The panel GEMM's micro-kernels (engine/fpga/panel_gemm.h), each one this CPU runs: the exact
// integer sum for every row count (full register tiles and every remainder), every output pair,
// sub-ranges of pairs, strided operands, and operands at the 2^53 bound the fast linear unit allows.
// Also the emulator attention's exact integer dot products (engine/fpga/int64_dot.h): the vector
// code against the plain loops and a 128-bit reference, at the extremes of 32-bit values, where
// the 64-bit sums wrap.
#include <QtTest>

#include <cstdint>
#include <random>
#include <set>
#include <stdexcept>

#include "fpga/int64_dot.h"
#include "fpga/panel_gemm.h"

using namespace edgemoe::fpga;

namespace {

// Weights as the kernel's raw 16-bit values, activations as its raw 32-bit values, scaled so that
// sum_k |a_k| * max|w| stays below 2^53 (the fast unit's guard) while products use all the bits.
struct Problem {
    int out, in, rows;
    size_t lda, ldc;
    std::vector<int16_t> w;
    std::vector<double> a;

    Problem(int out_, int in_, int rows_, uint32_t seed) : out(out_), in(in_), rows(rows_), lda(size_t(in_) + 3),
                                                           ldc(size_t(out_) + 5) {
        std::mt19937 rng(seed);
        std::uniform_int_distribution<int> wd(-32768, 32767);
        w.resize(size_t(out) * size_t(in));
        for (auto& v : w) v = int16_t(wd(rng));
        const double limit = 9007199254740992.0 / 32768.0 / in;   // per-element |a| bound
        std::uniform_real_distribution<double> ad(-limit, limit);
        a.resize(size_t(rows) * lda);
        for (auto& v : a) v = std::trunc(ad(rng));
    }
    // The exact sum in 128-bit integers.
    double exact(int r, int o) const {
        __int128 s = 0;
        for (int k = 0; k < in; ++k) s += __int128(int64_t(a[size_t(r) * lda + size_t(k)])) * w[size_t(o) * size_t(in) + size_t(k)];
        return double(s);
    }
};

}  // namespace

class TestPanelGemm : public QObject {
    Q_OBJECT
private slots:
    void int64_dots_wrap_like_the_hardware() {
        std::mt19937 rng(7);
        std::uniform_int_distribution<int32_t> any(INT32_MIN, INT32_MAX);
        const int32_t extremes[] = {INT32_MIN, INT32_MAX, -1, 0, 1, INT32_MIN + 1};
        for (int trial = 0; trial < 200; ++trial) {
            const int n = 8 * (1 + trial % 16);   // 8..128 (the head width is 64)
            std::vector<int32_t> a(size_t(n) + 16), b(size_t(n) + 16);
            for (size_t i = 0; i < a.size(); ++i) {
                // every 4th trial all extremes: products of 2^62, sums that wrap many times
                a[i] = trial % 4 == 0 ? extremes[(i + size_t(trial)) % 6] : any(rng);
                b[i] = trial % 4 == 0 ? extremes[(i * 5 + 1) % 6] : any(rng);
            }
            __int128 ref = 0;
            for (int i = 0; i < n; ++i) ref += __int128(a[size_t(i)]) * b[size_t(i)];
            const int64_t want = int64_t(uint64_t(ref));   // modulo 2^64, as the kernel's accumulator
            QCOMPARE(dot_i32_wrap_plain(a.data(), b.data(), n), want);
            QCOMPARE(dot_i32_wrap(a.data(), b.data(), n), want);
            QCOMPARE(dot_i32_wrap(a.data() + 3, b.data() + 5, n), dot_i32_wrap_plain(a.data() + 3, b.data() + 5, n));   // unaligned

            // A.V's 16 columns over n keys, probabilities as the softmax gives them (below 2^24)
            // and at the limit the struct allows.
            std::uniform_int_distribution<int64_t> prob(0, trial % 4 == 0 ? int64_t(INT32_MAX) : (int64_t(1) << 24) - 1);
            Acc16 fast;
            Acc16Plain plain;
            __int128 col[16] = {};
            for (int key = 0; key < n; ++key) {
                const int64_t p = prob(rng);
                const int32_t* v = b.data() + (key % 8);
                fast.add(p, v);
                plain.add(p, v);
                for (int c = 0; c < 16; ++c) col[c] += __int128(p) * v[c];
            }
            int64_t got[16], got_plain[16];
            fast.store(got);
            plain.store(got_plain);
            for (int c = 0; c < 16; ++c) {
                QCOMPARE(got_plain[c], int64_t(uint64_t(col[c])));
                QCOMPARE(got[c], got_plain[c]);
            }
        }
    }

    void kernels_are_listed_fastest_first() {
        const auto& ks = panel_gemm_kernels();
        QVERIFY(!ks.empty());
        QCOMPARE(QString(ks.back()->name), QString("baseline"));
        QCOMPARE(&panel_gemm_kernel(), ks.front());
        std::set<std::string> names;
        for (const auto* k : ks) {
            QVERIFY(names.insert(k->name).second);
            QVERIFY(k->vector_bits >= 128 && k->tile_rows >= 1 && k->tile_cols % 8 == 0);
            qInfo("%s", describe(*k).c_str());
        }
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, panel_gemm_kernel("no-such-kernel"));
    }

    void every_kernel_gives_the_exact_sum_data() {
        QTest::addColumn<QString>("kernel");
        for (const auto* k : panel_gemm_kernels()) QTest::newRow(k->name) << QString(k->name);
    }
    void every_kernel_gives_the_exact_sum() {
        QFETCH(QString, kernel);
        const PanelGemmKernel& k = panel_gemm_kernel(kernel.toStdString());
        // Row counts 1..17 cover every remainder of every tile height (at most 8) and two full tiles.
        for (int rows = 1; rows <= 17; ++rows) {
            const Problem p(48, 40 + rows, rows, uint32_t(rows));
            const PanelWeights pw(p.w.data(), p.out, p.in, k);
            QCOMPARE(&pw.kernel(), &k);
            std::vector<double> c(size_t(rows) * p.ldc, -1.0);
            pw.multiply(p.a.data(), p.lda, rows, 0, p.out / 16, c.data(), p.ldc);
            for (int r = 0; r < rows; ++r) {
                for (int o = 0; o < p.out; ++o)
                    if (c[size_t(r) * p.ldc + size_t(o)] != p.exact(r, o))
                        QFAIL(qPrintable(QString("%1: rows %2, c[%3][%4] = %5, exact %6").arg(kernel).arg(rows).arg(r).arg(o)
                                             .arg(c[size_t(r) * p.ldc + size_t(o)], 0, 'g', 17).arg(p.exact(r, o), 0, 'g', 17)));
                // The padding beyond the outputs is never written.
                for (size_t o = size_t(p.out); o < p.ldc; ++o) QCOMPARE(c[size_t(r) * p.ldc + o], -1.0);
            }
        }
    }

    // The column split of the fast unit computes one pair of outputs per call: a sub-range writes
    // exactly its own 16 columns.
    void a_pair_range_writes_only_its_columns_data() { every_kernel_gives_the_exact_sum_data(); }
    void a_pair_range_writes_only_its_columns() {
        QFETCH(QString, kernel);
        const PanelGemmKernel& k = panel_gemm_kernel(kernel.toStdString());
        const Problem p(64, 192, 13, 7);
        const PanelWeights pw(p.w.data(), p.out, p.in, k);
        std::vector<double> c(size_t(p.rows) * p.ldc, -1.0);
        pw.multiply(p.a.data(), p.lda, p.rows, 1, 3, c.data(), p.ldc);
        for (int r = 0; r < p.rows; ++r)
            for (int o = 0; o < p.out; ++o) {
                const double got = c[size_t(r) * p.ldc + size_t(o)];
                if (o >= 16 && o < 48)
                    QCOMPARE(got, p.exact(r, o));
                else
                    QCOMPARE(got, -1.0);
            }
    }
};

QTEST_GUILESS_MAIN(TestPanelGemm)
#include "test_panel_gemm.moc"
