#pragma once
// The board self-check (edgemoe-selftest): a device backend (the real kernel through XRT) against
// fpga-emu, the same kernel source in C-simulation, on one frame for every task, bit for bit.
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "edgemoe/backend.h"
#include "edgemoe/model.h"

namespace edgemoe {

struct SelftestReport {
    bool identical = false;           // every task's output and routing equal, bit for bit
    std::vector<std::string> lines;   // one per task, for people
};

// Runs `device` and a fresh fpga-emu backend (`emu_threads` threads) on `frame` (the model's input
// size, CV_8UC3) for each task of `model` and compares the raw outputs and the expert routing.
SelftestReport compare_with_emulation(Backend& device, const std::shared_ptr<const Model>& model, const cv::Mat& frame,
                                      int emu_threads = 0);

// The self-check's frame: resources/selftest/frame.npy (installed in share/edgemoe-live/selftest),
// or "" when it cannot be found.
std::string default_selftest_frame_path();

}  // namespace edgemoe
