// Each operation of the CPU forward pass alone, against values worked out by hand or by a plain
// loop that follows the definition.
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <random>

#include "busy_thread.h"
#include "cpu/ops.h"

using namespace edgemoe::cpu;

namespace {

std::vector<float> random_floats(size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> nd;
    std::vector<float> v(n);
    for (float& x : v) x = nd(rng);
    return v;
}

// 64-byte aligned copies, as the backends' buffers (Eigen's code path depends on alignment).
struct Aligned {
    explicit Aligned(size_t n) : p(static_cast<float*>(std::aligned_alloc(64, (n * 4 + 63) / 64 * 64))), n(n) {
        std::fill_n(p, n, 0.f);
    }
    ~Aligned() { std::free(p); }
    Aligned(const Aligned&) = delete;
    float* p;
    size_t n;
    std::vector<float> vec() const { return {p, p + n}; }
};

// The parallel ops at the backends' shapes (129 tokens of 192, 3 heads; a 32x64 head map), run
// without workers, then on arenas of 1, 2 and 3 threads: every output bit must be the same.
std::vector<std::vector<float>> parallel_ops(edgemoe::WorkArena* workers) {
    const int n = 129, d = 192, heads = 3, hid = 768;
    const std::vector<float> x = random_floats(size_t(n) * hid, 3), W = random_floats(size_t(hid) * hid, 4),
                             b = random_floats(size_t(hid), 5);
    Aligned xa(x.size()), y(size_t(n) * hid);
    std::copy(x.begin(), x.end(), xa.p);
    std::vector<std::vector<float>> outs;
    linear(xa.p, n, hid, hid, W.data(), b.data(), d, y.p, hid, workers);
    outs.push_back(y.vec());

    Aligned qkv(size_t(n) * 3 * d), att(size_t(n) * d);
    std::copy_n(x.begin(), qkv.n, qkv.p);
    const int thread_slots = workers ? workers->threads() : 1;
    Aligned scores(size_t(thread_slots) * thread_slot(size_t(n) * n));
    attention(qkv.p, n, d, heads, 0.125f, att.p, scores.p, workers);
    outs.push_back(att.vec());

    const int h = 32, w = 64, c = 16;
    Aligned in((size_t(h + 2) * (w + 2) + 2) * c), out(size_t(h) * (w + 2) * c);
    std::copy_n(x.begin(), in.n, in.p);
    const std::vector<float> wk = random_floats(size_t(9) * c * c, 6);
    conv3x3_padded(in.p, h, w, c, wk.data(), b.data(), c, true, out.p, workers);
    outs.push_back(out.vec());

    ResizeAxis ry, rx;
    ry.init(h, 2 * h);
    rx.init(w, 2 * w);
    Aligned up(size_t(4) * h * w * c);
    resize_hwc(out.p, w + 2, ry, rx, c, up.p, 2 * w, workers);
    outs.push_back(up.vec());
    return outs;
}

std::vector<std::vector<float>> workers_run(edgemoe::WorkArena& workers) {
    std::vector<std::vector<float>> outs;
    workers.run([&] { outs = parallel_ops(&workers); });
    return outs;
}

}  // namespace

class TestCpuOps : public QObject {
    Q_OBJECT
    edgemoe::WorkArena two_{2};
private slots:
    void gelu_matches_erf_definition() {
        // GELU(x) = x * Phi(x): GELU(0) = 0, GELU(1) = 0.8413447, GELU(-1) = -0.1586553, GELU(3) = 2.9959502.
        std::vector<float> x = {0.f, 1.f, -1.f, 3.f, -3.f, 0.5f};
        const double expect[] = {0.0, 0.8413447460685429, -0.15865525393145707, 2.9959502046668197,
                                 -0.0040497953331802, 0.34573123063700656};
        gelu(x.data(), x.size());
        for (size_t i = 0; i < x.size(); ++i) QVERIFY2(std::abs(x[i] - expect[i]) < 1e-6 * std::max(1.0, std::abs(expect[i])), qPrintable(QString::number(i)));
        // Dense sweep against std::erf.
        std::vector<float> v;
        for (float t = -8; t <= 8; t += 0.01f) v.push_back(t);
        std::vector<float> g = v;
        gelu(g.data(), g.size());
        for (size_t i = 0; i < v.size(); ++i) {
            const double ref = 0.5 * v[i] * (1 + std::erf(v[i] / std::sqrt(2.0)));
            QVERIFY(std::abs(g[i] - ref) <= 1e-6 * std::max(1.0, std::abs(ref)));
        }
    }

    void layer_norm_hand_case() {
        // Row [1, 2, 3, 4]: mean 2.5, variance 1.25; normalised = (x - 2.5) / sqrt(1.25 + eps).
        const float x[4] = {1, 2, 3, 4}, g[4] = {1, 2, 1, 1}, b[4] = {0, 0, 1, -1};
        float y[4];
        layer_norm(x, 1, 4, 4, g, b, 1e-6f, y, 4);
        const double s = 1 / std::sqrt(1.25 + 1e-6);
        const double expect[4] = {-1.5 * s, 2 * -0.5 * s, 0.5 * s + 1, 1.5 * s - 1};
        for (int i = 0; i < 4; ++i) QVERIFY(std::abs(y[i] - expect[i]) < 1e-6);
    }

    void softmax_hand_case() {
        float x[3] = {0, std::log(2.f), std::log(5.f)};   // exp -> 1, 2, 5; sum 8
        softmax_rows(x, 1, 3, 3);
        QVERIFY(std::abs(x[0] - 0.125f) < 1e-7);
        QVERIFY(std::abs(x[1] - 0.25f) < 1e-7);
        QVERIFY(std::abs(x[2] - 0.625f) < 1e-7);
        float big[2] = {1000.f, 1000.f};   // must not overflow
        softmax_rows(big, 1, 2, 2);
        QCOMPARE(big[0], 0.5f);
    }

    void top_k_with_ties() {
        int idx[3];
        const float v[6] = {0.1f, 0.3f, 0.3f, 0.05f, 0.3f, 0.25f};
        top_k(v, 6, 2, idx);   // three-way tie at 0.3: the two lowest indices win, in index order
        QCOMPARE(idx[0], 1);
        QCOMPARE(idx[1], 2);
        top_k(v, 6, 3, idx);
        QCOMPARE(idx[2], 4);
        const float w[4] = {0.4f, 0.1f, 0.1f, 0.4f};
        top_k(w, 4, 2, idx);
        QCOMPARE(idx[0], 0);
        QCOMPARE(idx[1], 3);
        const float z[4] = {0, 0, 0, 0};
        top_k(z, 4, 2, idx);
        QCOMPARE(idx[0], 0);
        QCOMPARE(idx[1], 1);
        const float d[5] = {1, 2, 3, 4, 5};   // ascending input exercises every insertion position
        top_k(d, 5, 2, idx);
        QCOMPARE(idx[0], 4);
        QCOMPARE(idx[1], 3);
    }

    void attention_hand_case() {
        // Two tokens, one head of width 2, scale 1. q0 = [1,0], q1 = [0,0]; k0 = [1,0], k1 = [0,0];
        // v0 = [1,2], v1 = [3,4]. Row 0 scores [1, 0] -> p = [e/(e+1), 1/(e+1)]; row 1 scores [0, 0] -> [.5, .5].
        const float qkv[12] = {1, 0, 1, 0, 1, 2,
                               0, 0, 0, 0, 3, 4};
        float out[4], scores[8];
        attention(qkv, 2, 2, 1, 1.0f, out, scores, nullptr);
        const double p = std::exp(1.0) / (std::exp(1.0) + 1);
        QVERIFY(std::abs(out[0] - (p * 1 + (1 - p) * 3)) < 1e-6);
        QVERIFY(std::abs(out[1] - (p * 2 + (1 - p) * 4)) < 1e-6);
        QVERIFY(std::abs(out[2] - 2.0) < 1e-6);
        QVERIFY(std::abs(out[3] - 3.0) < 1e-6);
    }

    void attention_matches_naive_multihead() {
        const int n = 37, d = 12, heads = 3, hd = 4;
        std::mt19937 rng(1);
        std::normal_distribution<float> nd;
        std::vector<float> qkv(size_t(n) * 3 * d), out(size_t(n) * d), scores(2 * thread_slot(size_t(n) * n));
        for (float& v : qkv) v = nd(rng);
        attention(qkv.data(), n, d, heads, 0.5f, out.data(), scores.data(), &two_);
        for (int h = 0; h < heads; ++h)
            for (int i = 0; i < n; ++i) {
                std::vector<double> s(static_cast<size_t>(n));
                double mx = -1e30, sum = 0;
                for (int j = 0; j < n; ++j) {
                    double dot = 0;
                    for (int c = 0; c < hd; ++c) dot += double(qkv[size_t(i) * 3 * d + h * hd + c]) * qkv[size_t(j) * 3 * d + d + h * hd + c];
                    s[size_t(j)] = dot * 0.5;
                    mx = std::max(mx, s[size_t(j)]);
                }
                for (double& v : s) sum += (v = std::exp(v - mx));
                for (int c = 0; c < hd; ++c) {
                    double o = 0;
                    for (int j = 0; j < n; ++j) o += s[size_t(j)] / sum * qkv[size_t(j) * 3 * d + 2 * d + h * hd + c];
                    QVERIFY(std::abs(out[size_t(i) * d + h * hd + c] - o) < 1e-5);
                }
            }
    }

    void linear_with_bias_and_strides() {
        // y = x W^T + b with x 2x3 (row stride 4), W 2x3.
        const float x[8] = {1, 2, 3, 99, 4, 5, 6, 99};
        const float W[6] = {1, 0, -1, 0.5f, 0.5f, 0.5f};
        const float b[2] = {10, 20};
        float y[4];
        linear(x, 2, 3, 4, W, b, 2, y, 2, &two_);
        QCOMPARE(y[0], 1 - 3 + 10.f);
        QCOMPARE(y[1], 3 + 20.f);
        QCOMPARE(y[2], 4 - 6 + 10.f);
        QCOMPARE(y[3], 7.5f + 20.f);
    }

    void resize_x2_matches_pytorch_rule() {
        // align_corners=False, x2 of [0, 10, 20]: src = o/2 - 0.25 clamped at 0:
        // o=0 -> 0; o=1 -> 0.25 -> 2.5; o=2 -> 0.75 -> 7.5; o=3 -> 1.25 -> 12.5; o=4 -> 17.5; o=5 -> 2.25 -> clamp 20.
        ResizeAxis ry, rx;
        ry.init(1, 1);
        rx.init(3, 6);
        const float src[3] = {0, 10, 20};
        float dst[6];
        resize_hwc(src, 3, ry, rx, 1, dst, 6, nullptr);
        const float expect[6] = {0, 2.5f, 7.5f, 12.5f, 17.5f, 20};
        for (int i = 0; i < 6; ++i) QCOMPARE(dst[i], expect[i]);
        float chw[6];
        resize_hwc_to_chw(src, 3, ry, rx, 1, chw);
        for (int i = 0; i < 6; ++i) QCOMPARE(chw[i], expect[i]);
    }

    void conv3x3_matches_direct_convolution() {
        const int h = 5, w = 7, cin = 3, cout = 4;
        std::mt19937 rng(2);
        std::normal_distribution<float> nd;
        std::vector<float> img(size_t(h) * w * cin), wt(size_t(cout) * cin * 9), bias(cout);
        for (float& v : img) v = nd(rng);
        for (float& v : wt) v = nd(rng);
        for (float& v : bias) v = nd(rng);
        std::vector<float> padded((size_t(h + 2) * (w + 2) + 2) * cin, 0.f);
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x)
                for (int c = 0; c < cin; ++c) padded[(size_t(y + 1) * (w + 2) + x + 1) * cin + c] = img[(size_t(y) * w + x) * cin + c];
        std::vector<float> wk(wt.size()), out(size_t(h) * (w + 2) * cout);
        arrange_conv3x3(wt.data(), cout, cin, wk.data());
        conv3x3_padded(padded.data(), h, w, cin, wk.data(), bias.data(), cout, true, out.data(), &two_);
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x)
                for (int o = 0; o < cout; ++o) {
                    double acc = bias[size_t(o)];
                    for (int c = 0; c < cin; ++c)
                        for (int ky = 0; ky < 3; ++ky)
                            for (int kx = 0; kx < 3; ++kx) {
                                const int yy = y + ky - 1, xx = x + kx - 1;
                                if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
                                acc += double(img[(size_t(yy) * w + xx) * cin + c]) * wt[((size_t(o) * cin + c) * 3 + ky) * 3 + kx];
                            }
                    acc = std::max(acc, 0.0);
                    QVERIFY(std::abs(out[(size_t(y) * (w + 2) + x) * cout + o] - acc) < 1e-4);
                }
    }

    // The ops split their work by shape alone: no workers, 1, 2 or 3 threads, and a competing thread
    // that keeps a core busy (so items land on the threads differently), all give the same bits.
    void parallel_ops_bit_identical_for_any_thread_count() {
        const auto serial = parallel_ops(nullptr);
        const edgemoe::test::BusyThread busy;
        for (int threads : {1, 2, 3}) {
            edgemoe::WorkArena workers(threads);
            for (int round = 0; round < 3; ++round) {
                const auto outs = workers_run(workers);
                for (size_t i = 0; i < outs.size(); ++i)
                    QVERIFY2(outs[i] == serial[i], qPrintable(QString("op %1, %2 threads").arg(i).arg(threads)));
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestCpuOps)
#include "test_cpu_ops.moc"
