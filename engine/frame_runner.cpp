#include "edgemoe/frame_runner.h"

#include <algorithm>
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
    pending_.resize(size_t(std::max(1, backend_->max_in_flight())));
}

FrameRunner::~FrameRunner() = default;

void FrameRunner::run(const cv::Mat& bgr, int task, FrameResult& out) {
    if (count_ > 0) throw std::logic_error("FrameRunner::run() while frames are in flight");
    submit(bgr, task, out);
    collect();
}

bool FrameRunner::submit(const cv::Mat& bgr, int task, FrameResult& out) {
    if (bgr.empty() || bgr.type() != CV_8UC3)
        throw std::invalid_argument("frame must be a non-empty 8-bit BGR image");
    const ModelConfig& c = model_->config();
    if (task < 0 || task >= int(c.tasks.size()))
        throw std::invalid_argument("task index " + std::to_string(task) + " out of range");
    if (count_ == int(pending_.size())) return false;

    Pending& p = pending_[size_t(head_ + count_) % pending_.size()];
    const auto t0 = Clock::now();
    // Area averaging: each model pixel is the mean of the camera pixels it covers, the right filter
    // for a large downscale (no aliasing of fine texture).
    downscaler_->run(bgr, cv::Size(c.image_w, c.image_h), !c.input.bgr, p.input);
    const auto t1 = Clock::now();
    if (!backend_->submit_frame(p.input, task)) return false;   // its window is smaller than it said
    p.out = &out;
    p.frame_size = bgr.size();
    p.start = t0;
    p.preprocess_ms = ms_between(t0, t1);
    out.task = task;
    ++count_;
    return true;
}

FrameResult& FrameRunner::collect() {
    if (count_ == 0) throw std::logic_error("FrameRunner::collect() with no frame in flight");
    Pending& p = pending_[size_t(head_)];
    try {
        backend_->collect_frame(p.out->net);
    } catch (...) {
        // The backend dropped every frame in flight; so do we.
        head_ = count_ = 0;
        throw;
    }
    const auto collected = Clock::now();
    head_ = (head_ + 1) % int(pending_.size());
    --count_;
    finish(p, collected);
    return *p.out;
}

void FrameRunner::drop_in_flight() {
    backend_->drop_frames_in_flight();
    head_ = count_ = 0;
}

void FrameRunner::finish(Pending& p, Clock::time_point t2) {
    FrameResult& out = *p.out;
    const ModelConfig& c = model_->config();
    out.kind = c.tasks[size_t(out.task)].kind;
    if (out.kind == TaskKind::Segmentation) {
        argmax_channels(out.net, out.class_map);
        upscaler_->nearest(out.class_map, p.frame_size, out.class_map_frame);
    } else {
        out.depth.create(out.net.height, out.net.width, CV_32F);
        std::copy_n(out.net.raw.data(), out.net.raw.size(), out.depth.ptr<float>());
        upscaler_->bilinear(out.depth, p.frame_size, out.depth_frame);
    }
    const auto t3 = Clock::now();

    out.times.preprocess = p.preprocess_ms;
    out.times.backbone = out.net.backbone_ms;
    out.times.head = out.net.head_ms;
    out.times.postprocess = ms_between(t2, t3);
    // From submit to finished: with frames overlapping, this includes the wait behind the one ahead.
    out.times.total = ms_between(p.start, t3);
}

}  // namespace edgemoe
