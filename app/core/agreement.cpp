#include "core/agreement.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>

#include "edgemoe/eval_metrics.h"

namespace edgemoe::app {

SegmentationAgreement segmentation_agreement(const cv::Mat& a, const cv::Mat& b) {
    if (a.type() != CV_8UC1 || b.type() != CV_8UC1) throw std::invalid_argument("class maps must be CV_8UC1");
    if (a.size() != b.size()) throw std::invalid_argument("class maps differ in size");
    std::array<int64_t, 256> inter{}, count_a{}, count_b{};
    int64_t same = 0;
    for (int y = 0; y < a.rows; ++y) {
        const uint8_t* pa = a.ptr<uint8_t>(y);
        const uint8_t* pb = b.ptr<uint8_t>(y);
        for (int x = 0; x < a.cols; ++x) {
            ++count_a[pa[x]];
            ++count_b[pb[x]];
            if (pa[x] == pb[x]) {
                ++same;
                ++inter[pa[x]];
            }
        }
    }
    SegmentationAgreement r;
    const int64_t total = int64_t(a.rows) * a.cols;
    if (total == 0) return r;
    r.pixel_agreement = double(same) / double(total);
    double sum = 0;
    for (int c = 0; c < 256; ++c) {
        const int64_t uni = count_a[size_t(c)] + count_b[size_t(c)] - inter[size_t(c)];
        if (uni == 0) continue;
        sum += double(inter[size_t(c)]) / double(uni);
        ++r.classes;
    }
    r.miou = r.classes ? sum / r.classes : 1.0;
    return r;
}

double depth_mean_relative_difference(const cv::Mat& reference, const cv::Mat& other) {
    if (reference.type() != CV_32FC1 || other.type() != CV_32FC1) throw std::invalid_argument("depth maps must be CV_32FC1");
    if (reference.size() != other.size()) throw std::invalid_argument("depth maps differ in size");
    return edgemoe::mean_relative_difference(other, reference);
}

CompareMetrics compare_results(const InferenceResult& a, const InferenceResult& b) {
    CompareMetrics m;
    if (!a.frame || !b.frame) return m;
    m.valid = true;
    m.frame_index = a.frame->index;
    m.passes = std::min(a.passes, b.passes);
    for (int p = 0; p < m.passes; ++p) {
        const FrameResult& x = a.out[p];
        const FrameResult& y = b.out[p];
        m.task[p] = x.task;
        if (x.task != y.task) {
            m.task[p] = -1;
            continue;
        }
        if (x.kind == TaskKind::Segmentation) {
            m.segmentation[p] = true;
            m.seg[p] = segmentation_agreement(x.class_map, y.class_map);
        } else {
            m.depth_mrd[p] = depth_mean_relative_difference(x.depth, y.depth);
        }
    }
    return m;
}

}  // namespace edgemoe::app
