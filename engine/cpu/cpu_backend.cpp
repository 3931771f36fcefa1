// The M³ViT forward pass in float32, readable top to bottom: infer() is the whole network, and each
// step below it is one paragraph of the model. All buffers are sized once in the constructor;
// a frame allocates nothing.
#include "cpu/cpu_backend.h"

#include <chrono>
#include <cmath>
#include <thread>

#include <Eigen/Core>

#include "cpu/ops.h"
#include "edgemoe/error.h"

namespace edgemoe::cpu {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// Every buffer starts on a 64-byte boundary. Eigen picks its GEMM code path (peeling, packet
// loads) by alignment, and so the order of its sums: with buffers aligned alike, two instances of
// this backend compute the same bits, not merely the same values to 1e-6.
using Buffer = std::vector<float, Eigen::aligned_allocator<float>>;

// A SETR-PUP head with its 3x3 weights rearranged for conv3x3_padded.
struct ArrangedHead {
    std::array<Buffer, 4> conv_k;   // [3][3][cin][cout]
};

class CpuBackend final : public Backend {
public:
    CpuBackend(std::shared_ptr<const Model> model, const BackendOptions& options)
        : model_(std::move(model)), c_(model_->config()), w_(model_->weights()), workers_(options.threads) {
        capture_backbone_ = options.capture_backbone;
        workers_.set_cancel_check([this] { return cancel_requested(); }, "cpu");
        allocate();
        for (size_t t = 0; t < c_.tasks.size(); ++t) arrange_head(w_.heads[t]);
    }

    std::string name() const override { return "cpu"; }
    std::string description() const override {
        // Eigen's vector code is fixed when the engine is compiled (-march), not chosen at run time.
        return "CPU float32 reference (Eigen GEMM, " + std::string(Eigen::SimdInstructionSetsInUse()) + ", " +
               std::to_string(workers_.threads()) + " threads)";
    }

    void set_threads(int threads) override { workers_.set_threads(threads); }

    void infer(const cv::Mat& image, int task, NetworkOutput& out) override {
        if (task < 0 || task >= int(c_.tasks.size()))
            throw BackendError("cpu: task index " + std::to_string(task) + " out of range");
        if (image.type() != CV_8UC3 || image.rows != c_.image_h || image.cols != c_.image_w)
            throw BackendError("cpu: input must be CV_8UC3 " + std::to_string(c_.image_w) + "x" +
                               std::to_string(c_.image_h));
        prepare_output(task, out);
        // A thread count set since the last frame: a new arena, and per-thread scratch for it (the
        // only allocation after the first frame, and only when the count changes).
        if (workers_.apply()) allocate_per_thread();
        // Every buffer a frame reads is written earlier in the same frame, so a frame given up half
        // way (FrameCancelled, thrown between steps and after the parallel loops) leaves nothing stale.
        throw_if_cancelled();
        workers_.run([&] {
            const auto t0 = Clock::now();
            embed_patches(image);
            int moe_index = 0;
            for (int b = 0; b < c_.depth; ++b) {
                throw_if_cancelled();
                attention_block(w_.blocks[size_t(b)]);
                if (c_.is_moe(b))
                    moe_block(w_.blocks[size_t(b)], task, out.routing[size_t(moe_index++)]);
                else
                    mlp_block(w_.blocks[size_t(b)]);
            }
            out.backbone_ms = ms_since(t0);
            if (capture_backbone_) out.backbone.assign(x_.begin(), x_.end());

            throw_if_cancelled();
            const auto t1 = Clock::now();
            pup_head(task, out);
            out.head_ms = ms_since(t1);
        });
    }

private:
    // ---- the network, step by step -------------------------------------------------------------

    // Patch embedding (a 16x16 stride-16 conv as a GEMM over flattened patches), class token, position
    // embedding. Input normalisation (p * scale - mean) / std is applied while flattening.
    void embed_patches(const cv::Mat& image) {
        const int P = c_.patch, gw = c_.grid_w(), D = c_.embed_dim, pp = P * P;
        const InputNorm& in = c_.input;
        for (int gy = 0; gy < c_.grid_h(); ++gy)
            for (int gx = 0; gx < gw; ++gx) {
                float* row = patches_.data() + size_t(gy * gw + gx) * 3 * pp;
                for (int ch = 0; ch < 3; ++ch) {
                    const float a = in.scale / in.std[size_t(ch)], b = -in.mean[size_t(ch)] / in.std[size_t(ch)];
                    for (int ky = 0; ky < P; ++ky) {
                        const uint8_t* px = image.ptr<uint8_t>(gy * P + ky) + size_t(gx * P) * 3 + ch;
                        for (int kx = 0; kx < P; ++kx) row[ch * pp + ky * P + kx] = px[3 * kx] * a + b;
                    }
                }
            }
        float* x = x_.data();
        linear(patches_.data(), c_.num_patches(), 3 * pp, 3 * pp, w_.patch_w.ptr(), w_.patch_b.ptr(), D, x + D, D,
               &workers_);
        for (int d = 0; d < D; ++d) x[d] = w_.cls_token.data[size_t(d)];
        const float* pos = w_.pos_embed.ptr();
        for (size_t i = 0; i < size_t(c_.num_tokens()) * D; ++i) x[i] += pos[i];
    }

    // x += proj(attention(norm1(x)))
    void attention_block(const BlockWeights& b) {
        const int N = c_.num_tokens(), D = c_.embed_dim;
        layer_norm(x_.data(), N, D, D, b.norm1_w.ptr(), b.norm1_b.ptr(), c_.ln_eps, xn_.data(), D);
        linear(xn_.data(), N, D, D, b.qkv_w.ptr(), b.qkv_b.ptr(), 3 * D, qkv_.data(), 3 * D, &workers_);
        attention(qkv_.data(), N, D, c_.num_heads, 1.0f / std::sqrt(float(c_.head_dim())), attn_.data(),
                  scores_.data(), &workers_);
        linear(attn_.data(), N, D, D, b.proj_w.ptr(), b.proj_b.ptr(), D, tmp_.data(), D, &workers_);
        add_to_x(tmp_.data());
    }

    // x += fc2(GELU(fc1(norm2(x))))
    void mlp_block(const BlockWeights& b) {
        const int N = c_.num_tokens(), D = c_.embed_dim, H = c_.mlp_hidden;
        layer_norm(x_.data(), N, D, D, b.norm2_w.ptr(), b.norm2_b.ptr(), c_.ln_eps, xn_.data(), D);
        linear(xn_.data(), N, D, D, b.fc1_w.ptr(), b.fc1_b.ptr(), H, hidden_.data(), H, &workers_);
        gelu(hidden_.data(), size_t(N) * H);
        linear(hidden_.data(), N, H, H, b.fc2_w.ptr(), b.fc2_b.ptr(), D, tmp_.data(), D, &workers_);
        add_to_x(tmp_.data());
    }

    // x += sum over the top-k experts e of p_e * expert_e(norm2(x)), p = softmax(norm2(x) @ gate_task).
    // Tokens are grouped by expert, so each active expert's weights are read once; inactive experts
    // are never touched. Each (token, slot) result lands in its own row, then one pass sums the slots in
    // rank order, which keeps the result independent of how experts are spread over threads.
    void moe_block(const BlockWeights& b, int task, ExpertRouting& routing) {
        const int N = c_.num_tokens(), D = c_.embed_dim, E = c_.num_experts, K = c_.top_k, He = c_.expert_hidden;
        layer_norm(x_.data(), N, D, D, b.norm2_w.ptr(), b.norm2_b.ptr(), c_.ln_eps, xn_.data(), D);
        gate_logits(b.gate[size_t(task)].ptr());
        softmax_rows(gate_.data(), N, E, E);

        std::fill(expert_count_.begin(), expert_count_.end(), 0);
        for (int t = 0; t < N; ++t) {
            top_k(gate_.data() + size_t(t) * E, E, K, topk_.data());
            for (int s = 0; s < K; ++s) {
                const int e = topk_[size_t(s)];
                routing.expert[size_t(t) * K + s] = int16_t(e);
                routing.weight[size_t(t) * K + s] = gate_[size_t(t) * E + e];
                queue_[size_t(e) * N + expert_count_[size_t(e)]++] = t * K + s;   // (token, slot)
            }
        }
        active_.clear();
        for (int e = 0; e < E; ++e)
            if (expert_count_[size_t(e)] > 0) active_.push_back(e);

        // One work item per active expert, on the calling thread's scratch slot (the item's own GEMMs
        // run on that thread: a nested loop would let this thread take another expert into the same slot).
        workers_.for_each(int(active_.size()), [&](int i) {
            const int e = active_[size_t(i)], count = expert_count_[size_t(e)];
            const size_t th = size_t(WorkArena::slot());
            float* xe = expert_in_.data() + th * thread_slot(size_t(N) * D);
            float* he = expert_hidden_.data() + th * thread_slot(size_t(N) * He);
            float* ye = expert_out_.data() + th * thread_slot(size_t(N) * D);
            const int* q = queue_.data() + size_t(e) * N;
            for (int r = 0; r < count; ++r)
                std::copy_n(xn_.data() + size_t(q[r] / K) * D, D, xe + size_t(r) * D);
            linear(xe, count, D, D, b.w1.ptr() + size_t(e) * He * D, b.b1.ptr() + size_t(e) * He, He, he, He, nullptr);
            gelu(he, size_t(count) * He);
            linear(he, count, He, He, b.w2.ptr() + size_t(e) * D * He, b.b2.ptr() + size_t(e) * D, D, ye, D, nullptr);
            for (int r = 0; r < count; ++r)   // scatter each row to its (token, slot) place
                std::copy_n(ye + size_t(r) * D, D, slot_out_.data() + size_t(q[r]) * D);
        });
        for (int t = 0; t < N; ++t) {
            float* dst = tmp_.data() + size_t(t) * D;
            for (int d = 0; d < D; ++d) dst[d] = 0.f;
            for (int s = 0; s < K; ++s) {
                const float p = routing.weight[size_t(t) * K + s];
                const float* y = slot_out_.data() + (size_t(t) * K + s) * D;
                for (int d = 0; d < D; ++d) dst[d] += p * y[d];
            }
        }
        add_to_x(tmp_.data());
    }

    // SETR-PUP: LayerNorm over the patch tokens, a D x gh x gw map, then 3x3 conv + BN + ReLU + bilinear
    // x2 three times, one more 3x3 conv + BN + ReLU, a 1x1 conv to the task's channels, and a bilinear
    // resize to the input size. Feature maps are channels-last in zero-bordered buffers.
    void pup_head(int task, NetworkOutput& out) {
        const HeadWeights& hw = w_.heads[size_t(task)];
        const ArrangedHead& ah = heads_[size_t(task)];
        const int D = c_.embed_dim, C = c_.head_channels, ch = c_.tasks[size_t(task)].channels;
        int h = c_.grid_h(), w = c_.grid_w();

        // Tokens 1..N-1 are the patches in row-major grid order: exactly an h x w x D channels-last map.
        zero_border(pad_a_.data(), h, w, D);
        for (int y = 0; y < h; ++y)
            layer_norm(x_.data() + size_t(1 + y * w) * D, w, D, D, hw.norm_w.ptr(), hw.norm_b.ptr(), c_.ln_eps,
                       pad_a_.data() + size_t((y + 1) * (w + 2) + 1) * D, D);
        int cin = D;
        for (int k = 0; k < 4; ++k) {
            conv3x3_padded(pad_a_.data(), h, w, cin, ah.conv_k[size_t(k)].data(), hw.conv_b[size_t(k)].ptr(), C, true,
                           conv_out_.data(), &workers_);
            cin = C;
            if (k == 3) break;
            // Upsample the valid columns into the interior of the next padded map (border stays zero).
            zero_border(pad_a_.data(), 2 * h, 2 * w, C);
            resize_hwc(conv_out_.data(), w + 2, up_[size_t(k)].first, up_[size_t(k)].second, C,
                       pad_a_.data() + size_t(2 * w + 2 + 1) * C, 2 * w + 2, &workers_);
            h *= 2;
            w *= 2;
        }
        // 1x1 conv over the whole padded-width map (the two scratch columns are ignored below).
        linear(conv_out_.data(), h * (w + 2), C, C, hw.conv_w[4].ptr(), hw.conv_b[4].ptr(), ch, logits_.data(), ch,
               &workers_);
        resize_hwc_to_chw(logits_.data(), w + 2, final_y_, final_x_, ch, out.raw.data());
    }

    // ---- helpers ------------------------------------------------------------------------------

    void add_to_x(const float* delta) {
        float* x = x_.data();
        for (size_t i = 0, n = size_t(c_.num_tokens()) * c_.embed_dim; i < n; ++i) x[i] += delta[i];
    }

    void gate_logits(const float* G) {
        // gate_[t][e] = sum_d xn[t][d] * G[d][e]; G is [D x E] row-major.
        const int N = c_.num_tokens(), D = c_.embed_dim, E = c_.num_experts;
        for (int t = 0; t < N; ++t) {
            float* g = gate_.data() + size_t(t) * E;
            for (int e = 0; e < E; ++e) g[e] = 0.f;
            const float* xr = xn_.data() + size_t(t) * D;
            for (int d = 0; d < D; ++d) {
                const float v = xr[d];
                const float* grow = G + size_t(d) * E;
                for (int e = 0; e < E; ++e) g[e] += v * grow[e];
            }
        }
    }

    static void zero_border(float* buf, int h, int w, int c) {
        const size_t row = size_t(w + 2) * c;
        std::fill_n(buf, row, 0.f);
        std::fill_n(buf + size_t(h + 1) * row, row + 2 * size_t(c), 0.f);   // last row + 2 spare pixels
        for (int y = 1; y <= h; ++y) {
            std::fill_n(buf + y * row, c, 0.f);
            std::fill_n(buf + y * row + size_t(w + 1) * c, c, 0.f);
        }
    }

    void prepare_output(int task, NetworkOutput& out) const {
        const TaskInfo& t = c_.tasks[size_t(task)];
        out.task = task;
        out.channels = t.channels;
        out.height = c_.image_h;
        out.width = c_.image_w;
        out.raw.resize(size_t(t.channels) * c_.image_h * c_.image_w);
        out.routing.resize(c_.moe_blocks.size());
        for (size_t i = 0; i < c_.moe_blocks.size(); ++i) {
            ExpertRouting& r = out.routing[i];
            r.block = c_.moe_blocks[i];
            r.tokens = c_.num_tokens();
            r.top_k = c_.top_k;
            r.expert.resize(size_t(r.tokens) * r.top_k);
            r.weight.resize(size_t(r.tokens) * r.top_k);
        }
    }

    // The scratch with one slot per thread of the arena.
    void allocate_per_thread() {
        const size_t N = size_t(c_.num_tokens()), D = size_t(c_.embed_dim), T = size_t(workers_.threads());
        scores_.resize(T * thread_slot(N * N));
        expert_in_.resize(T * thread_slot(N * D));
        expert_hidden_.resize(T * thread_slot(N * size_t(std::max(c_.expert_hidden, 1))));
        expert_out_.resize(T * thread_slot(N * D));
    }

    void allocate() {
        const size_t N = size_t(c_.num_tokens()), D = size_t(c_.embed_dim);
        const size_t C = size_t(c_.head_channels), E = size_t(c_.num_experts), K = size_t(c_.top_k);
        patches_.resize(size_t(c_.num_patches()) * 3 * c_.patch * c_.patch);
        x_.resize(N * D);
        xn_.resize(N * D);
        tmp_.resize(N * D);
        attn_.resize(N * D);
        qkv_.resize(N * 3 * D);
        hidden_.resize(N * size_t(std::max(c_.mlp_hidden, 1)));
        gate_.resize(N * E);
        topk_.resize(K);
        expert_count_.resize(E);
        queue_.resize(E * N);
        active_.reserve(E);
        allocate_per_thread();
        slot_out_.resize(N * K * D);

        // Head buffers at the largest map (after three doublings), padded by one pixel all round + 2 spare.
        const int h = c_.grid_h() * 8, w = c_.grid_w() * 8;
        const size_t cmax = std::max(C, D);
        pad_a_.assign((size_t(h + 2) * (w + 2) + 2) * cmax, 0.f);
        conv_out_.resize(size_t(h) * (w + 2) * C);
        size_t out_ch = 0;
        for (const TaskInfo& t : c_.tasks) out_ch = std::max(out_ch, size_t(t.channels));
        logits_.resize(size_t(h) * (w + 2) * out_ch);
        for (int k = 0, gh = c_.grid_h(), gw = c_.grid_w(); k < 3; ++k, gh *= 2, gw *= 2) {
            up_[size_t(k)].first.init(gh, 2 * gh);
            up_[size_t(k)].second.init(gw, 2 * gw);
        }
        final_y_.init(h, c_.image_h);
        final_x_.init(w, c_.image_w);
    }

    void arrange_head(const HeadWeights& hw) {
        ArrangedHead a;
        for (int k = 0; k < 4; ++k) {
            const Tensor& t = hw.conv_w[size_t(k)];
            a.conv_k[size_t(k)].resize(size_t(t.numel()));
            arrange_conv3x3(t.ptr(), int(t.dim(0)), int(t.dim(1)), a.conv_k[size_t(k)].data());
        }
        heads_.push_back(std::move(a));
    }

    std::shared_ptr<const Model> model_;
    const ModelConfig& c_;
    const ModelWeights& w_;
    WorkArena workers_;
    bool capture_backbone_ = false;
    std::vector<ArrangedHead> heads_;

    // Backbone scratch.
    Buffer patches_, x_, xn_, tmp_, attn_, qkv_, scores_, hidden_, gate_;
    std::vector<int> topk_, expert_count_, queue_, active_;
    Buffer expert_in_, expert_hidden_, expert_out_, slot_out_;
    // Head scratch.
    Buffer pad_a_, conv_out_, logits_;
    std::array<std::pair<ResizeAxis, ResizeAxis>, 3> up_;
    ResizeAxis final_y_, final_x_;
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend(std::shared_ptr<const Model> model, const BackendOptions& options) {
    return std::make_unique<CpuBackend>(std::move(model), options);
}

}  // namespace edgemoe::cpu
