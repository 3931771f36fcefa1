// fpga-emu: the Edge-MoE kernel in C-simulation, one instantiation per kernel shape
// (fpga/kernel_shapes.h), the one that matches the model picked at creation.
#include "fpga/fpga_emu_backend.h"

#include <chrono>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "edgemoe/error.h"
#include "fpga/fast_linear_unit.h"
#include "fpga/kernel_buffers.h"
#include "fpga/kernel_output.h"
#include "fpga/kernel_shapes.h"
#include "fpga/packing.h"
#include "kernel.h"

namespace edgemoe::fpga {
namespace {

using namespace edgemoe_hls;
using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

template <class S>
class EmuBackend final : public Backend {
public:
    EmuBackend(std::shared_ptr<const Model> model, const BackendOptions& options)
        : model_(std::move(model)),
          packed_(pack<S>(*model_)),
          capture_(options.capture_backbone),
          exact_unit_(options.emu_kernel_linear_unit),
          fast_(make_fast_unit(options)) {
        fast_.workers().set_cancel_check([this] { return cancel_requested(); }, "fpga-emu");
        prepare_moe_weights();
    }

    std::string name() const override { return "fpga-emu"; }
    std::string description() const override {
        std::string d = "FPGA kernel C-simulation (hls/ source under g++, bit-accurate fixed point";
        d += exact_unit_ ? ", kernel's own linear unit)" : ", exact double-GEMM linear unit, " + describe(fast_.kernel()) + ")";
        if (packed_.saturated)
            d += "; " + std::to_string(packed_.saturated) + " weights saturated (most in " + packed_.worst + ")";
        return d;
    }

    void set_threads(int threads) override { fast_.workers().set_threads(threads); }

    void infer(const cv::Mat& image, int task, NetworkOutput& out) override {
        const ModelConfig& c = model_->config();
        if (task < 0 || task >= int(c.tasks.size())) throw BackendError("fpga-emu: task index out of range");
        if (image.type() != CV_8UC3 || image.rows != S::IMG_H || image.cols != S::IMG_W || !image.isContinuous())
            throw BackendError("fpga-emu: input must be a continuous CV_8UC3 image of the model's size");
        const int ch = c.tasks[size_t(task)].channels;
        KernelArgs a = buffers_.args(packed_, task, ch, image.ptr<uint8_t>());
        fast_.begin_frame();

        // The kernel reads nothing a previous frame left behind (each stage writes what it reads
        // first), so a frame given up half way (FrameCancelled from the linear unit, between layers
        // and after its parallel loops) needs no clean-up.
        throw_if_cancelled();
        const auto t0 = Clock::now();
        a.stages = kBackbone;
        run(a);
        out.backbone_ms = ms_since(t0);
        throw_if_cancelled();
        const auto t1 = Clock::now();
        a.stages = kHead;
        run(a);
        out.head_ms = ms_since(t1);

        decode_head_output<S>(buffers_.out.data(), task, ch, out);
        decode_routing<S>(buffers_.routing.data(), out);
        if (capture_) decode_backbone<S>(buffers_.x.data(), out);
    }

    std::vector<BackendCounter> counters() const override {
        if (exact_unit_) return {};
        return {{"linear-unit rows", double(fast_.rows())},
                {"rows on the exact integer path (2^53 bound failed)", double(fast_.slow_rows())}};
    }

private:
    static FastLinearUnit make_fast_unit(const BackendOptions& o) {
        try {
            return FastLinearUnit(o.threads, o.emu_gemm);
        } catch (const std::invalid_argument& e) {
            throw BackendError(std::string("fpga-emu: ") + e.what());
        }
    }

    // The fast unit converts a layer's weights at first use; the router may pick an expert for the
    // first time after hundreds of frames, so every gate and expert is converted here instead.
    void prepare_moe_weights() {
        using L = WeightLayout<S>;
        using M = MoeLayers<S>;
        const int16_t* w = packed_.weights.data();
        for (int b = 1; b < S::DEPTH; b += 2) {   // MoE in the odd blocks, as run_kernel has it
            const typename L::Block k = L::block(b);
            for (int e = 0; e < S::E; ++e) {
                fast_.prepare(M::fc1(w + k.w1, w + k.b1, e));
                fast_.prepare(M::fc2(w + k.w2, w + k.b2, e));
            }
            for (const auto& gates : packed_.gates) fast_.prepare(typename M::Gate{gates.data() + L::gate(b / 2), nullptr});
        }
    }

    // The kernel's own linear unit, polling the cancel flag before each layer (its layers take
    // long: this mode is for checking the fast unit, not for live use).
    struct PollingHlsUnit : HlsLinearUnit {
        const WorkArena* workers;
        template <class L, class Src, class Sink>
        void run(const L& layer, int rows, Src& src, Sink& sink) {
            workers->throw_if_cancelled();
            HlsLinearUnit::run(layer, rows, src, sink);
        }
    };

    void run(const KernelArgs& a) {
        if (exact_unit_) {
            PollingHlsUnit lu{{}, &fast_.workers()};
            run_kernel<S>(a, lu);
        } else {
            fast_.workers().run([&] { run_kernel<S>(a, fast_); });
        }
    }

    std::shared_ptr<const Model> model_;
    PackedWeights packed_;
    KernelBuffers<S> buffers_;
    bool capture_;
    bool exact_unit_;          // run the kernel's own linear unit instead of the fast equivalent
    FastLinearUnit fast_;
};

std::string shape_string(const ModelConfig& c) {
    return std::to_string(c.image_h) + "x" + std::to_string(c.image_w) + ", patch " + std::to_string(c.patch) +
           ", dim " + std::to_string(c.embed_dim) + ", depth " + std::to_string(c.depth) + ", " +
           std::to_string(c.num_experts) + " experts of " + std::to_string(c.expert_hidden) + ", head channels " +
           std::to_string(c.head_channels);
}

}  // namespace

std::string emu_unsupported_reason(const ModelConfig& c) {
    if (KernelShapes::any(c)) return {};
    return "the kernel is built for the Edge-MoE shape (128x256, patch 16, dim 192, depth 12, 3 heads, MLP 768, "
           "16 experts of 384, top-2, MoE in odd blocks, heads of 64 or 256 channels); this model is " +
           shape_string(c);
}

std::unique_ptr<Backend> make_emu_backend(std::shared_ptr<const Model> model, const BackendOptions& options) {
    if (auto b = with_kernel_shape(model->config(), [&]<class S>(ShapeTag<S>) -> std::unique_ptr<Backend> {
            return std::make_unique<EmuBackend<S>>(model, options);
        }))
        return b;
    throw BackendError("fpga-emu: " + emu_unsupported_reason(model->config()));
}

}  // namespace edgemoe::fpga
