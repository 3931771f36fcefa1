#pragma once
// The frame-size conversions of FrameRunner, written so that a steady stream of same-sized frames
// allocates nothing: sampling tables are rebuilt only when a size changes.
//  - FrameDownscaler: camera frame (8-bit BGR, any size) -> model input, area-averaged (each output
//    pixel is the mean of the source pixels it covers, as OpenCV's INTER_AREA), with an optional
//    red/blue swap folded into the same pass; bilinear when the frame is smaller than the model input.
//  - upscale_nearest / MapUpscaler: model-resolution outputs -> frame size.
#include <vector>

#include <opencv2/core/mat.hpp>

#include "cpu/ops.h"

namespace edgemoe {

class FrameDownscaler {
public:
    void run(const cv::Mat& bgr, cv::Size out, bool to_rgb, cv::Mat& dst);

private:
    // Per output coordinate: a run of source taps [first, first + count) with weights.
    struct Axis {
        std::vector<int> first, count;
        std::vector<float> weight;   // concatenated, one per tap
        std::vector<int> offset;     // where each output's weights start
        void init(int in, int out);
    };
    cv::Size in_{}, out_{};
    Axis ax_, ay_;
    std::vector<float> rows_;   // horizontally filtered rows: in.height x out.width x 3
};

class MapUpscaler {
public:
    // Class ids: nearest neighbour (labels must not blend).
    void nearest(const cv::Mat& src_u8, cv::Size out, cv::Mat& dst);
    // Float maps: bilinear, align_corners=False.
    void bilinear(const cv::Mat& src_f32, cv::Size out, cv::Mat& dst);

private:
    cv::Size near_in_{}, near_out_{}, lin_in_{}, lin_out_{};
    std::vector<int> near_x_, near_y_;
    cpu::ResizeAxis lin_y_, lin_x_;
};

}  // namespace edgemoe
