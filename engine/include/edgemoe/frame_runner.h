#pragma once
// Runs one camera or video frame through a backend: resizes and converts the frame to the model's
// input, calls the backend, decodes the output (argmax or depth) and upscales it to the frame.
// Each stage is timed. This is the part every front end (CLI, GUI, benchmark) shares.
//
// Pipelined (a backend with max_in_flight() > 1, e.g. a remote board): submit() prepares a frame and
// hands it to the backend without waiting; collect() waits for the oldest one and finishes it into the
// FrameResult its submit() named. run() is submit() + collect(). Each frame in flight has its own input
// buffer (made once), so nothing is allocated per frame after the first.
#include <chrono>
#include <memory>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "edgemoe/backend.h"

namespace edgemoe {
class FrameDownscaler;
class MapUpscaler;
}

namespace edgemoe {

class FrameRunner {
public:
    FrameRunner(std::shared_ptr<const Model> model, std::unique_ptr<Backend> backend);
    ~FrameRunner();

    // bgr: CV_8UC3 of any size. Throws std::invalid_argument for an empty or non-BGR frame.
    void run(const cv::Mat& bgr, int task, FrameResult& out);

    // The backend's window (at least 1).
    int max_in_flight() const { return int(pending_.size()); }
    int in_flight() const { return count_; }
    // True when collect() would not wait for another machine.
    bool ready() const { return backend_->frame_ready(); }
    // Prepares `bgr` and submits it; `out` is filled by the collect() that returns it and must stay alive
    // until then. False (nothing done) when max_in_flight() frames are out. Throws like run().
    bool submit(const cv::Mat& bgr, int task, FrameResult& out);
    // Waits for the oldest frame submitted and returns its finished result. When it throws (a cancelled
    // frame, a lost link) every frame in flight is dropped.
    FrameResult& collect();
    // Drops every frame in flight without waiting (their results are discarded).
    void drop_in_flight();

    const Model& model() const { return *model_; }
    Backend& backend() { return *backend_; }

private:
    using Clock = std::chrono::steady_clock;
    struct Pending {
        FrameResult* out = nullptr;
        cv::Size frame_size;
        cv::Mat input;                 // the model's input for this frame, reused
        Clock::time_point start;
        double preprocess_ms = 0;
    };
    void finish(Pending& p, Clock::time_point collected);

    std::shared_ptr<const Model> model_;
    std::unique_ptr<Backend> backend_;
    std::unique_ptr<FrameDownscaler> downscaler_;
    std::unique_ptr<MapUpscaler> upscaler_;
    std::vector<Pending> pending_;     // ring of max_in_flight() frames, oldest at head_
    int head_ = 0, count_ = 0;
};

}  // namespace edgemoe
