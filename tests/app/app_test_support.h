#pragma once
// Helpers shared by the app tests: the tiny model, a backend that sleeps (a slow FPGA stand-in), a
// factory that hands out named test backends and refuses "fpga", synthetic videos and images, and
// hand-made results for pixel checks.
#include <QtTest>

#include <atomic>
#include <chrono>
#include <thread>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "core/inference_worker.h"
#include "core/types.h"
#include "edgemoe/backend.h"
#include "edgemoe/error.h"
#include "edgemoe/model.h"

namespace edgemoe::app::test {

inline std::shared_ptr<const Model> tiny_model() {
    static const std::shared_ptr<const Model> m = Model::load(EDGEMOE_FIXTURES "/tiny.safetensors");
    return m;
}

// Wraps the real CPU backend under another name, optionally sleeping before each frame.
class SleepyBackend final : public Backend {
public:
    SleepyBackend(std::unique_ptr<Backend> inner, std::string name, int sleep_ms, std::atomic<int>* frames = nullptr)
        : inner_(std::move(inner)), name_(std::move(name)), sleep_ms_(sleep_ms), frames_(frames) {}
    std::string name() const override { return name_; }
    std::string description() const override { return "test backend '" + name_ + "' over " + inner_->description(); }
    void infer(const cv::Mat& image, int task, NetworkOutput& out) override {
        if (sleep_ms_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms_));
        inner_->infer(image, task, out);
        if (frames_) frames_->fetch_add(1);
    }

private:
    std::unique_ptr<Backend> inner_;
    std::string name_;
    int sleep_ms_;
    std::atomic<int>* frames_;
};

struct FactoryLog {
    std::atomic<int> created{0};
    std::atomic<int> frames{0};
};

// "cpu" and "fpga-emu" (both the CPU engine, one thread, sleeping `sleep_ms`), "fpga" refused like a
// machine without a board. `slow_name` (if given) sleeps `slow_ms` instead: a slow compare partner.
inline BackendFactory test_factory(int sleep_ms = 0, FactoryLog* log = nullptr, std::string slow_name = {}, int slow_ms = 0) {
    return [sleep_ms, log, slow_name, slow_ms](const std::string& name, std::shared_ptr<const Model> model,
                                               const BackendOptions&) -> std::unique_ptr<Backend> {
        if (name == "fpga") throw BackendError("fpga: not available: no Alveo or Zynq device found (test)");
        if (name != "cpu" && name != "fpga-emu") throw BackendError("unknown backend '" + name + "'");
        BackendOptions o;
        o.threads = 1;
        if (log) log->created.fetch_add(1);
        return std::make_unique<SleepyBackend>(create_backend("cpu", std::move(model), o), name,
                                               name == slow_name ? slow_ms : sleep_ms, log ? &log->frames : nullptr);
    };
}

inline std::vector<BackendInfo> test_backends() {
    return {{"cpu", true, {}}, {"fpga-emu", true, {}}, {"fpga", true, {}}};
}

inline cv::Mat pattern_frame(int i, int w = 160, int h = 90) {
    cv::Mat m(h, w, CV_8UC3, cv::Scalar(40 + (i * 7) % 200, 90, 200 - (i * 5) % 150));
    cv::circle(m, cv::Point((i * 3) % w, h / 2), h / 5, cv::Scalar(255, 255, 255), -1);
    cv::putText(m, std::to_string(i), cv::Point(4, h - 6), cv::FONT_HERSHEY_SIMPLEX, 0.5, cv::Scalar(0, 0, 0), 1);
    return m;
}

// An MJPG .avi of `frames` frames; returns its path.
inline QString write_video(const QString& dir, const QString& name, int frames, double fps = 120, int w = 160, int h = 90) {
    const QString path = dir + "/" + name;
    cv::VideoWriter wr(path.toStdString(), cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), fps, cv::Size(w, h));
    if (!wr.isOpened()) qFatal("cannot write %s", qPrintable(path));
    for (int i = 0; i < frames; ++i) wr.write(pattern_frame(i, w, h));
    return path;
}

inline QString write_image(const QString& dir, const QString& name, const cv::Mat& img) {
    const QString path = dir + "/" + name;
    if (!cv::imwrite(path.toStdString(), img)) qFatal("cannot write %s", qPrintable(path));
    return path;
}

inline int count_video_frames(const QString& path, cv::Size* size = nullptr) {
    cv::VideoCapture cap(path.toStdString());
    if (!cap.isOpened()) return -1;
    cv::Mat f;
    int n = 0;
    while (cap.read(f)) {
        if (size) *size = f.size();
        ++n;
    }
    return n;
}

// A result made by hand: a constant frame, a class map, a depth map and a routing for every MoE block.
inline std::shared_ptr<InferenceResult> fake_result(const Model& model, TaskMode mode, cv::Scalar frame_bgr, int cls,
                                                    float depth_value, int expert, uint64_t seq = 1, int frame_w = 320,
                                                    int frame_h = 180, const std::string& backend = "cpu", int worker = 0) {
    const ModelConfig& c = model.config();
    auto frame = std::make_shared<Frame>();
    frame->seq = seq;
    frame->index = int64_t(seq);
    frame->bgr = cv::Mat(frame_h, frame_w, CV_8UC3, frame_bgr);
    auto r = std::make_shared<InferenceResult>();
    r->frame = frame;
    r->backend = backend;
    r->worker = worker;
    const TaskPlan plan = plan_tasks(c, mode);
    r->passes = plan.count;
    for (int p = 0; p < plan.count; ++p) {
        FrameResult& out = r->out[p];
        out.task = plan.task[p];
        out.kind = c.tasks[size_t(out.task)].kind;
        out.frame_index = frame->index;
        out.class_map = cv::Mat(c.image_h, c.image_w, CV_8U, cv::Scalar(cls));
        out.depth = cv::Mat(c.image_h, c.image_w, CV_32F, cv::Scalar(depth_value));
        out.times.total = 12.5;
        out.net.routing.resize(c.moe_blocks.size());
        for (size_t b = 0; b < c.moe_blocks.size(); ++b) {
            ExpertRouting& er = out.net.routing[b];
            er.block = c.moe_blocks[b];
            er.tokens = c.num_tokens();
            er.top_k = c.top_k;
            er.expert.assign(size_t(er.tokens) * er.top_k, int16_t(expert));
            for (int t = 0; t < er.tokens; ++t) er.expert[size_t(t) * er.top_k + 1] = int16_t((expert + 1) % c.num_experts);
            er.weight.assign(er.expert.size(), 0.5f);
        }
    }
    return r;
}

// Waits (processing events) until pred() or the timeout; returns pred().
template <class F>
bool wait_for(F pred, int timeout_ms = 5000) {
    QElapsedTimer t;
    t.start();
    while (!pred()) {
        if (t.elapsed() > timeout_ms) return pred();
        QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
        QThread::msleep(2);
    }
    return true;
}

}  // namespace edgemoe::app::test
