#include "cpu/ops.h"

#include <algorithm>
#include <cmath>

#include <Eigen/Core>
#include <unsupported/Eigen/SpecialFunctions>

namespace edgemoe::cpu {
namespace {

using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Stride = Eigen::OuterStride<>;
using MatMap = Eigen::Map<RowMat, 0, Stride>;
using ConstMatMap = Eigen::Map<const RowMat, 0, Stride>;

// Row range [begin, end) of chunk `i` when n rows are split into `parts`.
inline std::pair<int, int> chunk(int n, int parts, int i) {
    return {int(int64_t(n) * i / parts), int(int64_t(n) * (i + 1) / parts)};
}

// Work items of `rows` rows: about `rows_per_item` rows each, at most kMaxItems. A function of the
// shape alone, so that the split (and with it Eigen's code path for every row, and so every sum's
// order) is the same whatever the thread count. More items than threads also lets a thread that
// runs take the items of one that the machine descheduled (a busy machine, issue 14).
constexpr int kMaxItems = 16;
constexpr int kLinearRows = 32;   // rows per linear() item: 129 tokens -> 4 items
inline int items_for(int rows, int rows_per_item) { return std::clamp(rows / rows_per_item, 1, kMaxItems); }

// body(i) for i in [0, n): on the workers, or in order here without them.
template <class F>
void each(WorkArena* workers, int n, F&& body) {
    if (workers)
        workers->for_each(n, body);
    else
        for (int i = 0; i < n; ++i) body(i);
}

}  // namespace

void linear(const float* x, int n, int in, int ldx, const float* W, const float* b, int out, float* y, int ldy,
            WorkArena* workers) {
    const ConstMatMap w(W, out, in, Stride(in));
    const int parts = items_for(n, kLinearRows);
    each(workers, parts, [&](int p) {
        const auto [r0, r1] = chunk(n, parts, p);
        if (r1 <= r0) return;
        ConstMatMap xs(x + size_t(r0) * ldx, r1 - r0, in, Stride(ldx));
        MatMap ys(y + size_t(r0) * ldy, r1 - r0, out, Stride(ldy));
        ys.noalias() = xs * w.transpose();
        if (b) ys.rowwise() += Eigen::Map<const Eigen::RowVectorXf>(b, out);
    });
}

void layer_norm(const float* x, int n, int d, int ldx, const float* gamma, const float* beta, float eps, float* y,
                int ldy) {
    const Eigen::Map<const Eigen::ArrayXf> g(gamma, d), bt(beta, d);
    for (int r = 0; r < n; ++r) {
        const Eigen::Map<const Eigen::ArrayXf> xr(x + size_t(r) * ldx, d);
        Eigen::Map<Eigen::ArrayXf> yr(y + size_t(r) * ldy, d);
        const float mean = xr.mean();
        const float var = (xr - mean).square().mean();
        const float inv = 1.0f / std::sqrt(var + eps);
        yr = (xr - mean) * inv * g + bt;
    }
}

void gelu(float* x, size_t n) {
    Eigen::Map<Eigen::ArrayXf> a(x, Eigen::Index(n));
    a = 0.5f * a * (1.0f + (a * float(M_SQRT1_2)).erf());
}

void softmax_rows(float* x, int rows, int cols, int ld) {
    for (int r = 0; r < rows; ++r) {
        Eigen::Map<Eigen::ArrayXf> v(x + size_t(r) * ld, cols);
        v = (v - v.maxCoeff()).exp();
        v *= 1.0f / v.sum();
    }
}

void top_k(const float* v, int n, int k, int* index) {
    int filled = 0;
    for (int e = 0; e < n; ++e) {
        // Insertion into a sorted list of at most k; strict '>' keeps the earlier index on ties.
        int pos = filled;
        while (pos > 0 && v[e] > v[index[pos - 1]]) --pos;
        if (pos >= k) continue;
        for (int j = std::min(filled, k - 1); j > pos; --j) index[j] = index[j - 1];
        index[pos] = e;
        filled = std::min(filled + 1, k);
    }
}

void attention(const float* qkv, int n, int d, int heads, float scale, float* out, float* scores,
               WorkArena* workers) {
    const int hd = d / heads, ld = 3 * d;
    // Work items: (head, block of query rows), so that 3 heads still keep 2 threads busy.
    const int row_blocks = std::max(1, std::min(4, n / 32));
    const int items = heads * row_blocks;
    each(workers, items, [&](int item) {
        const int h = item / row_blocks;
        const auto [r0, r1] = chunk(n, row_blocks, item % row_blocks);
        const int rows = r1 - r0;
        float* s = scores + (workers ? size_t(WorkArena::slot()) * thread_slot(size_t(n) * n) : 0);
        ConstMatMap q(qkv + size_t(r0) * ld + h * hd, rows, hd, Stride(ld));
        ConstMatMap k(qkv + d + h * hd, n, hd, Stride(ld));
        ConstMatMap v(qkv + 2 * d + h * hd, n, hd, Stride(ld));
        MatMap sm(s, rows, n, Stride(n));
        sm.noalias() = (q * scale) * k.transpose();
        softmax_rows(s, rows, n, n);
        MatMap o(out + size_t(r0) * d + h * hd, rows, hd, Stride(d));
        o.noalias() = sm * v;
    });
}

void ResizeAxis::init(int in, int out) {
    i0.resize(size_t(out));
    i1.resize(size_t(out));
    w1.resize(size_t(out));
    const double scale = double(in) / out;
    for (int o = 0; o < out; ++o) {
        const double src = std::max(0.0, (o + 0.5) * scale - 0.5);
        const int a = std::min(int(src), in - 1);
        i0[size_t(o)] = a;
        i1[size_t(o)] = std::min(a + 1, in - 1);
        w1[size_t(o)] = float(src - a);
    }
}

void resize_hwc(const float* src, int src_ld, const ResizeAxis& ry, const ResizeAxis& rx, int c, float* dst,
                int dst_ld, WorkArena* workers) {
    const int oh = int(ry.i0.size()), ow = int(rx.i0.size());
    const int parts = items_for(oh, 4);
    each(workers, parts, [&](int p) {
        const auto [y0, y1] = chunk(oh, parts, p);
        for (int y = y0; y < y1; ++y) {
            const float wy1 = ry.w1[size_t(y)], wy0 = 1.0f - wy1;
            const float* r0 = src + size_t(ry.i0[size_t(y)]) * src_ld * c;
            const float* r1 = src + size_t(ry.i1[size_t(y)]) * src_ld * c;
            float* d = dst + size_t(y) * dst_ld * c;
            for (int x = 0; x < ow; ++x) {
                const float wx1 = rx.w1[size_t(x)], wx0 = 1.0f - wx1;
                const size_t a = size_t(rx.i0[size_t(x)]) * c, b = size_t(rx.i1[size_t(x)]) * c;
                float* o = d + size_t(x) * c;
                // Same association as PyTorch's kernel: h-lerp of two w-lerps.
                for (int ch = 0; ch < c; ++ch)
                    o[ch] = wy0 * (wx0 * r0[a + ch] + wx1 * r0[b + ch]) + wy1 * (wx0 * r1[a + ch] + wx1 * r1[b + ch]);
            }
        }
    });
}

void resize_hwc_to_chw(const float* src, int src_ld, const ResizeAxis& ry, const ResizeAxis& rx, int c,
                       float* dst) {
    const int oh = int(ry.i0.size()), ow = int(rx.i0.size());
    for (int y = 0; y < oh; ++y) {
        const float wy1 = ry.w1[size_t(y)], wy0 = 1.0f - wy1;
        const float* r0 = src + size_t(ry.i0[size_t(y)]) * src_ld * c;
        const float* r1 = src + size_t(ry.i1[size_t(y)]) * src_ld * c;
        for (int x = 0; x < ow; ++x) {
            const float wx1 = rx.w1[size_t(x)], wx0 = 1.0f - wx1;
            const size_t a = size_t(rx.i0[size_t(x)]) * c, b = size_t(rx.i1[size_t(x)]) * c;
            for (int ch = 0; ch < c; ++ch)
                dst[(size_t(ch) * oh + y) * ow + x] =
                    wy0 * (wx0 * r0[a + ch] + wx1 * r0[b + ch]) + wy1 * (wx0 * r1[a + ch] + wx1 * r1[b + ch]);
        }
    }
}

void conv3x3_padded(const float* in, int h, int w, int cin, const float* wk, const float* bias, int cout, bool relu,
                    float* out, WorkArena* workers) {
    const int pw = w + 2, m = h * pw;
    const int parts = items_for(m, 32);
    each(workers, parts, [&](int p) {
        const auto [r0, r1] = chunk(m, parts, p);
        MatMap o(out + size_t(r0) * cout, r1 - r0, cout, Stride(cout));
        for (int tap = 0; tap < 9; ++tap) {
            const int shift = (tap / 3) * pw + tap % 3;
            ConstMatMap a(in + size_t(r0 + shift) * cin, r1 - r0, cin, Stride(cin));
            ConstMatMap k(wk + size_t(tap) * cin * cout, cin, cout, Stride(cout));
            if (tap == 0)
                o.noalias() = a * k;
            else
                o.noalias() += a * k;
        }
        o.rowwise() += Eigen::Map<const Eigen::RowVectorXf>(bias, cout);
        if (relu) o = o.cwiseMax(0.0f);
    });
}

void arrange_conv3x3(const float* w, int cout, int cin, float* wk) {
    for (int o = 0; o < cout; ++o)
        for (int i = 0; i < cin; ++i)
            for (int tap = 0; tap < 9; ++tap)
                wk[(size_t(tap) * cin + i) * cout + o] = w[(size_t(o) * cin + i) * 9 + tap];
}

}  // namespace edgemoe::cpu
