#include "edgemoe/eval_metrics.h"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace edgemoe {

SegmentationScore::SegmentationScore(int classes) : classes_(classes), confusion_(size_t(classes) * classes, 0) {
    if (classes <= 0 || classes > 255) throw std::invalid_argument("SegmentationScore: 1..255 classes");
}

void SegmentationScore::add(const cv::Mat& predicted, const cv::Mat& truth, int ignore) {
    if (predicted.size() != truth.size() || predicted.type() != CV_8U || truth.type() != CV_8U)
        throw std::invalid_argument("SegmentationScore: class maps must be CV_8U of one size");
    for (int y = 0; y < truth.rows; ++y) {
        const uint8_t* p = predicted.ptr<uint8_t>(y);
        const uint8_t* t = truth.ptr<uint8_t>(y);
        for (int x = 0; x < truth.cols; ++x) {
            if (t[x] == ignore || t[x] >= classes_) continue;
            const int pc = p[x] < classes_ ? p[x] : classes_ - 1;
            ++confusion_[size_t(t[x]) * classes_ + pc];
            ++total_;
        }
    }
}

std::vector<double> SegmentationScore::iou() const {
    std::vector<double> out(size_t(classes_), std::numeric_limits<double>::quiet_NaN());
    for (int c = 0; c < classes_; ++c) {
        int64_t inter = confusion_[size_t(c) * classes_ + c], row = 0, col = 0;
        for (int k = 0; k < classes_; ++k) {
            row += confusion_[size_t(c) * classes_ + k];
            col += confusion_[size_t(k) * classes_ + c];
        }
        const int64_t uni = row + col - inter;
        if (uni > 0) out[size_t(c)] = double(inter) / double(uni);
    }
    return out;
}

double SegmentationScore::miou() const {
    double sum = 0;
    int n = 0;
    for (double v : iou())
        if (!std::isnan(v)) sum += v, ++n;
    return n ? sum / n : 1.0;
}

double SegmentationScore::pixel_accuracy() const {
    if (total_ == 0) return 1.0;
    int64_t hit = 0;
    for (int c = 0; c < classes_; ++c) hit += confusion_[size_t(c) * classes_ + c];
    return double(hit) / double(total_);
}

void DepthScore::add(const cv::Mat& predicted, const cv::Mat& truth) {
    if (predicted.size() != truth.size() || predicted.type() != CV_32F || truth.type() != CV_32F)
        throw std::invalid_argument("DepthScore: depth maps must be CV_32F of one size");
    for (int y = 0; y < truth.rows; ++y) {
        const float* p = predicted.ptr<float>(y);
        const float* t = truth.ptr<float>(y);
        for (int x = 0; x < truth.cols; ++x) {
            if (!(t[x] > 0)) continue;
            const double pred = std::max(double(p[x]), 1e-3), gt = t[x];
            abs_rel_ += std::abs(pred - gt) / gt;
            sq_ += (pred - gt) * (pred - gt);
            delta1_ += std::max(pred / gt, gt / pred) < 1.25;
            ++n_;
        }
    }
}

double DepthScore::rmse() const { return n_ ? std::sqrt(sq_ / double(n_)) : 0; }

double mean_relative_difference(const cv::Mat& a, const cv::Mat& b) {
    if (a.size() != b.size() || a.type() != CV_32F || b.type() != CV_32F)
        throw std::invalid_argument("mean_relative_difference: CV_32F maps of one size");
    double diff = 0, scale = 0;
    for (int y = 0; y < a.rows; ++y) {
        const float* p = a.ptr<float>(y);
        const float* q = b.ptr<float>(y);
        for (int x = 0; x < a.cols; ++x) {
            diff += std::abs(double(p[x]) - q[x]);
            scale += std::abs(double(q[x]));
        }
    }
    return scale > 0 ? diff / scale : (diff > 0 ? std::numeric_limits<double>::infinity() : 0.0);
}

}  // namespace edgemoe
