#pragma once
// edgemoe-bench --side-by-side SECONDS: several backends in one process at once, each on its own
// thread with its own task arena, as the desktop program's compare mode runs them. Each backend
// runs alone for SECONDS, then all together for SECONDS, on the same frame and task; the figures
// say how the cores were shared: a backend's share is its rate together over its rate alone. Shares
// that add up to about 1 split the cores with nothing lost; a share near 0 is a starved backend.
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "edgemoe/backend.h"

namespace edgemoe::cli {

struct SideBySideEntry {
    std::string label;    // as given to --backend (e.g. "fpga-emu@avx2")
    std::string backend;  // the registry name
    BackendOptions options;
};

struct SideBySideFigure {
    std::string label;
    double alone_fps = 0, together_fps = 0;
    long alone_frames = 0, together_frames = 0;
    double share() const { return alone_fps > 0 ? together_fps / alone_fps : 0; }
};

// Throws what creating or running a backend throws; FrameCancelled when `stop` is set.
std::vector<SideBySideFigure> run_side_by_side(std::shared_ptr<const Model> model, const std::vector<SideBySideEntry>& entries,
                                               const cv::Mat& frame, int task, double seconds,
                                               const std::atomic<bool>& stop);

}  // namespace edgemoe::cli
