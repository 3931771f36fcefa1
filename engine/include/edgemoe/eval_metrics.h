#pragma once
// Accuracy metrics, the same as tools/eval/metrics.py: for segmentation the mean IoU and pixel
// accuracy from a confusion matrix accumulated over frames; for depth AbsRel, RMSE and the share of
// pixels with max(pred/true, true/pred) < 1.25, over valid pixels (truth > 0). The same code measures
// agreement between two backends (one of them standing in for the truth).
#include <cstdint>
#include <vector>

#include <opencv2/core/mat.hpp>

namespace edgemoe {

class SegmentationScore {
public:
    explicit SegmentationScore(int classes);
    // CV_8U class maps of one size; truth pixels equal to `ignore` do not count.
    void add(const cv::Mat& predicted, const cv::Mat& truth, int ignore = 255);
    // Mean over the classes whose union (predicted or true) is not empty; 1 when nothing was added.
    double miou() const;
    double pixel_accuracy() const;
    std::vector<double> iou() const;   // per class; NaN for a class never seen
    int64_t pixels() const { return total_; }

private:
    int classes_;
    std::vector<int64_t> confusion_;   // [truth][predicted]
    int64_t total_ = 0;
};

class DepthScore {
public:
    // CV_32F maps of one size, in the same unit; truth <= 0 is invalid. Predictions <= 0 are clamped
    // to a tiny positive value (a ratio needs one).
    void add(const cv::Mat& predicted, const cv::Mat& truth);
    double abs_rel() const { return n_ ? abs_rel_ / double(n_) : 0; }
    double rmse() const;
    double delta1() const { return n_ ? double(delta1_) / double(n_) : 0; }
    int64_t pixels() const { return n_; }

private:
    double abs_rel_ = 0, sq_ = 0;
    int64_t delta1_ = 0, n_ = 0;
};

// Compare mode: how far two depth maps are apart, sum |a - b| / sum |b|.
double mean_relative_difference(const cv::Mat& a, const cv::Mat& b);

}  // namespace edgemoe
