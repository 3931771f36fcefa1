#pragma once
// What flows through the live pipeline: a captured frame, and one backend's result for it. Both are
// handed between threads as shared pointers to const, taken from pools that recycle them, so that a
// steady stream of frames reuses the same pixel and output buffers instead of allocating new ones.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <QMetaType>
#include <QString>

#include <opencv2/core/mat.hpp>

#include "edgemoe/model.h"
#include "edgemoe/result.h"

namespace edgemoe::app {

using SteadyClock = std::chrono::steady_clock;

inline double ms_between(SteadyClock::time_point a, SteadyClock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
}

struct Frame {
    uint64_t seq = 0;           // strictly increasing over everything one capture worker emits
    uint64_t source_id = 0;     // which opened source (changes when a new source is opened)
    int64_t index = -1;         // frame number in the file or folder; running count for cameras
    int64_t frame_count = -1;   // of the source; -1 when unknown or live
    double timestamp_ms = 0;    // media time (index / fps) for files, time since open for cameras
    double capture_ms = 0;      // time spent reading and decoding this frame
    SteadyClock::time_point captured{};
    cv::Mat bgr;                // 8-bit BGR, the source's own size
};
using FramePtr = std::shared_ptr<const Frame>;

// What the user asked to compute: one task, or both (two passes through the same backbone, each with
// its task's gates, shown side by side).
enum class TaskMode { Segmentation, Depth, Both };

const char* task_mode_name(TaskMode m);                 // "semseg", "depth", "both"
// "semseg" / "seg" / "segmentation", "depth", "both" / "all"; false for anything else.
bool task_mode_from_name(const QString& name, TaskMode& out);

// The model's task indices for a mode: up to two passes.
struct TaskPlan {
    int count = 0;
    int task[2] = {-1, -1};
};
// Segmentation -> the model's first segmentation task, Depth -> its first depth task, Both -> both.
// A model without the asked kind falls back to its first task.
TaskPlan plan_tasks(const ModelConfig& config, TaskMode mode);

struct InferenceResult {
    FramePtr frame;
    int worker = 0;                  // 0: primary stream, 1: the compare stream
    bool paired = false;             // compare mode: a frame both streams were given (for agreement)
    std::string backend;             // the backend that computed it (after any fallback)
    int passes = 0;                  // 1, or 2 in TaskMode::Both
    FrameResult out[2];              // one per pass
    StageTimes times;                // summed over the passes; capture from the frame
    SteadyClock::time_point start{}, end{};
    double waited_ms = 0;            // how long the frame sat in the newest-frame slot
};
using ResultPtr = std::shared_ptr<const InferenceResult>;

struct SourceInfo {
    QString spec;
    QString description;
    bool live = false;
    double fps = 0;
    int64_t frame_count = -1;
    int width = 0, height = 0;
};

// Registers the types above for queued signals and QSignalSpy. Idempotent.
void register_metatypes();

}  // namespace edgemoe::app

Q_DECLARE_METATYPE(edgemoe::app::FramePtr)
Q_DECLARE_METATYPE(edgemoe::app::ResultPtr)
Q_DECLARE_METATYPE(edgemoe::app::SourceInfo)
Q_DECLARE_METATYPE(edgemoe::app::TaskMode)
