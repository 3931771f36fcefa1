#include "edgemoe/frame_runner.h"

#include <chrono>
#include <stdexcept>

#include "edgemoe/error.h"
#include "image_resize.h"

namespace edgemoe {
namespace {

using Clock = std::chrono::steady_clock;

double ms_between(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
}

// Class id per pixel: the channel with the largest logit (the first one on ties, as torch.argmax).
void argmax_channels(const NetworkOutput& net, cv::Mat& classes) {
    classes.create(net.height, net.width, CV_8U);
    const size_t plane = size_t(net.height) * net.width;
    uint8_t* dst = classes.ptr<uint8_t>();
    const float* raw = net.raw.data();
    for (size_t i = 0; i < plane; ++i) {
        int best = 0;
        float v = raw[i];
        for (int c = 1; c < net.channels; ++c)
            if (raw[c * plane + i] > v) v = raw[c * plane + i], best = c;
        dst[i] = uint8_t(best);
    }
}

}  // namespace

FrameRunner::FrameRunner(std::shared_ptr<const Model> model, std::unique_ptr<Backend> backend)
    : model_(std::move(model)),
      backend_(std::move(backend)),
      downscaler_(std::make_unique<FrameDownscaler>()),
      upscaler_(std::make_unique<MapUpscaler>()) {
    if (!model_ || !backend_) throw std::invalid_argument("FrameRunner needs a model and a backend");
}

FrameRunner::~FrameRunner() = default;

void FrameRunner::run(const cv::Mat& bgr, int task, FrameResult& out) {
    if (bgr.empty() || bgr.type() != CV_8UC3)
        throw std::invalid_argument("frame must be a non-empty 8-bit BGR image");
    const ModelConfig& c = model_->config();
    if (task < 0 || task >= int(c.tasks.size()))
        throw std::invalid_argument("task index " + std::to_string(task) + " out of range");

    const auto t0 = Clock::now();
    // Area averaging: each model pixel is the mean of the camera pixels it covers, the right filter
    // for a large downscale (no aliasing of fine texture).
    downscaler_->run(bgr, cv::Size(c.image_w, c.image_h), !c.input.bgr, input_);
    const auto t1 = Clock::now();

    backend_->infer(input_, task, out.net);
    const auto t2 = Clock::now();

    out.task = task;
    out.kind = c.tasks[size_t(task)].kind;
    if (out.kind == TaskKind::Segmentation) {
        argmax_channels(out.net, out.class_map);
        upscaler_->nearest(out.class_map, bgr.size(), out.class_map_frame);
    } else {
        out.depth.create(out.net.height, out.net.width, CV_32F);
        std::copy_n(out.net.raw.data(), out.net.raw.size(), out.depth.ptr<float>());
        upscaler_->bilinear(out.depth, bgr.size(), out.depth_frame);
    }
    const auto t3 = Clock::now();

    out.times.preprocess = ms_between(t0, t1);
    out.times.backbone = out.net.backbone_ms;
    out.times.head = out.net.head_ms;
    out.times.postprocess = ms_between(t2, t3);
    out.times.total = ms_between(t0, t3);
}

}  // namespace edgemoe
