#include "side_by_side.h"

#include <chrono>
#include <exception>
#include <thread>

#include "edgemoe/frame_runner.h"

namespace edgemoe::cli {

namespace {

using Clock = std::chrono::steady_clock;

// One backend's loop: frames until the deadline, counted; the rate is over the time from the common
// start to this backend's last frame, so a frame cut off by the deadline is neither counted nor timed.
struct Lane {
    std::unique_ptr<FrameRunner> runner;
    FrameResult result;
    long frames = 0;
    double seconds = 0;
    std::exception_ptr error;

    void run(const cv::Mat& frame, int task, Clock::time_point start, Clock::time_point deadline,
             const std::atomic<bool>& stop) {
        try {
            auto last = start;
            while (!stop.load()) {
                runner->run(frame, task, result);
                const auto now = Clock::now();
                if (now > deadline) break;
                ++frames;
                last = now;
            }
            seconds = std::chrono::duration<double>(last - start).count();
            if (stop.load()) throw FrameCancelled("interrupted");
        } catch (...) {
            error = std::current_exception();
        }
    }
    double fps() const { return seconds > 0 ? double(frames) / seconds : 0; }
};

// Runs the lanes at once for `seconds` (each had one untimed frame first, so first-use costs are
// out of the figure) and rethrows the first error.
void run_lanes(std::vector<Lane*>& lanes, const cv::Mat& frame, int task, double seconds, const std::atomic<bool>& stop) {
    for (Lane* l : lanes) l->runner->run(frame, task, l->result);   // warm-up, one at a time
    const auto start = Clock::now();
    const auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    std::vector<std::thread> threads;
    for (Lane* l : lanes) {
        l->frames = 0;
        l->seconds = 0;
        threads.emplace_back([&, l] { l->run(frame, task, start, deadline, stop); });
    }
    for (auto& t : threads) t.join();
    for (Lane* l : lanes)
        if (l->error) std::rethrow_exception(l->error);
}

}  // namespace

std::vector<SideBySideFigure> run_side_by_side(std::shared_ptr<const Model> model, const std::vector<SideBySideEntry>& entries,
                                               const cv::Mat& frame, int task, double seconds,
                                               const std::atomic<bool>& stop) {
    std::vector<Lane> lanes(entries.size());
    for (size_t i = 0; i < entries.size(); ++i) {
        lanes[i].runner = std::make_unique<FrameRunner>(model, create_backend(entries[i].backend, model, entries[i].options));
        lanes[i].runner->backend().set_cancel_flag(&stop);
    }
    std::vector<SideBySideFigure> out(entries.size());
    for (size_t i = 0; i < lanes.size(); ++i) {
        std::vector<Lane*> one{&lanes[i]};
        run_lanes(one, frame, task, seconds, stop);
        out[i].label = entries[i].label;
        out[i].alone_fps = lanes[i].fps();
        out[i].alone_frames = lanes[i].frames;
    }
    std::vector<Lane*> all;
    for (Lane& l : lanes) all.push_back(&l);
    run_lanes(all, frame, task, seconds, stop);
    for (size_t i = 0; i < lanes.size(); ++i) {
        out[i].together_fps = lanes[i].fps();
        out[i].together_frames = lanes[i].frames;
    }
    return out;
}

}  // namespace edgemoe::cli
