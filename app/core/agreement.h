#pragma once
// How far two backends agree on the same frame (compare mode).
//
// Segmentation, on two class maps of equal size (CV_8U class ids), the same definitions as the
// engine's SegmentationScore (tested against it) without its allocations:
//   pixel agreement = pixels with the same class / all pixels;
//   mIoU = mean over the classes that occur in either map of |A_c ∩ B_c| / |A_c ∪ B_c|
//   (a class neither map uses is left out; two empty maps agree fully).
// Depth, on two CV_32F maps of equal size, `reference` being the first backend (cpu):
//   mean relative difference = sum over pixels |other - reference| / sum |reference|
//   (the engine's edgemoe::mean_relative_difference, the same as tools/eval; a ratio of sums, so
//   pixels near zero depth do not blow it up).
#include <opencv2/core/mat.hpp>

namespace edgemoe::app {

struct SegmentationAgreement {
    double pixel_agreement = 1;   // 0..1
    double miou = 1;              // 0..1
    int classes = 0;              // classes in the union (the mIoU's denominator)
};

// Throws std::invalid_argument when the maps differ in size or type.
SegmentationAgreement segmentation_agreement(const cv::Mat& a, const cv::Mat& b);

// Throws std::invalid_argument when the maps differ in size or type.
double depth_mean_relative_difference(const cv::Mat& reference, const cv::Mat& other);

}  // namespace edgemoe::app
