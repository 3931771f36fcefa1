#pragma once
// What one frame produces: the network's raw output at model resolution, which experts each token
// used in every MoE block, the task's decoded output (class map or depth map) at model and frame
// resolution, and how long each stage took. A caller keeps one FrameResult per stream and passes it
// again for the next frame, so the buffers inside are reused rather than reallocated.
#include <cstdint>
#include <string>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "edgemoe/model.h"

namespace edgemoe {

// The routing of one MoE block on one frame: for token t and slot s < top_k, the chosen expert and
// its gate probability (slots in order of decreasing probability).
struct ExpertRouting {
    int block = -1;
    int tokens = 0;
    int top_k = 0;
    std::vector<int16_t> expert;   // [tokens * top_k]
    std::vector<float> weight;     // [tokens * top_k]

    int expert_at(int token, int slot) const { return expert[size_t(token) * top_k + slot]; }
};

// Milliseconds per stage. capture and draw are filled in by the caller (the app or the runner).
struct StageTimes {
    double capture = 0, preprocess = 0, backbone = 0, head = 0, postprocess = 0, draw = 0, total = 0;
};

// Energy that a backend's own device measured, for backends that measure it themselves (a remote
// board reports its meters with every frame). Backends in this process leave `reported` false: the
// energy meters of this machine describe them.
struct ReportedEnergy {
    bool reported = false;      // this backend reports energy itself
    bool available = false;     // a figure below; else why_not says why there is none
    double joules = 0, seconds = 0;   // of one recent frame on the device
    std::string meter;          // which sensor, e.g. "board rapl:package-0"
    std::string why_not;
};

// A backend's output for one frame: raw head output, channels x height x width, at model resolution.
struct NetworkOutput {
    int task = -1;
    int channels = 0, height = 0, width = 0;
    std::vector<float> raw;                 // C order [channels][height][width]
    std::vector<ExpertRouting> routing;     // one per MoE block, in block order
    std::vector<float> backbone;            // [tokens][embed] after the last block, when captured
    double backbone_ms = 0, head_ms = 0;
    ReportedEnergy energy;

    const float* channel(int c) const { return raw.data() + size_t(c) * height * width; }
};

struct FrameResult {
    int64_t frame_index = -1;
    int task = -1;
    TaskKind kind = TaskKind::Segmentation;
    NetworkOutput net;
    cv::Mat class_map;        // segmentation: CV_8U, model resolution, class id per pixel
    cv::Mat depth;            // depth: CV_32F, model resolution, the head's linear output
    cv::Mat class_map_frame;  // the same upscaled to the frame (nearest)
    cv::Mat depth_frame;      // the same upscaled to the frame (bilinear)
    StageTimes times;
};

}  // namespace edgemoe
