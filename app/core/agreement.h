#pragma once
// How far two backends agree on the same frame (compare mode): the measures on two maps, and
// compare_results() on two streams' results (pass by pass). CompareStats (compare_stats.h) applies it
// to the pipeline's pair frames.
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

#include "core/types.h"

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

// Agreement of the two backends on one frame (compare mode), per pass.
struct CompareMetrics {
    bool valid = false;
    int64_t frame_index = -1;
    int passes = 0;
    int task[2] = {-1, -1};
    bool segmentation[2] = {false, false};
    SegmentationAgreement seg[2];
    double depth_mrd[2] = {0, 0};         // mean relative difference, sum|b - a| / sum|a|
};

// Compares two streams' results on the same frame, pass by pass.
CompareMetrics compare_results(const InferenceResult& a, const InferenceResult& b);

}  // namespace edgemoe::app
