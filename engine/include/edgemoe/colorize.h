#pragma once
// Turning outputs into pictures: class maps in the model's class colours, depth through a colour map.
// Shared by the headless runner and the desktop program.
#include <string>

#include <opencv2/core/mat.hpp>

#include "edgemoe/model.h"

namespace edgemoe {

enum class DepthColormap { Turbo, Inferno, Viridis, Grey };

// "turbo" -> Turbo ...; throws std::invalid_argument for an unknown name.
DepthColormap depth_colormap_from_name(const std::string& name);
const char* depth_colormap_name(DepthColormap map);

// class_map CV_8U -> BGR image in the task's class colours (ids past the list are black).
void colorize_classes(const cv::Mat& class_map, const TaskInfo& task, cv::Mat& bgr);

// depth CV_32F -> BGR through `map`, with the task's display range mapped to the full scale
// (near = warm for depth, as for disparity large = near).
void colorize_depth(const cv::Mat& depth, const TaskInfo& task, DepthColormap map, cv::Mat& bgr);

// Writes "UNTRAINED MODEL" across an output picture, so that nobody mistakes it for a result.
void stamp_untrained(cv::Mat& bgr);

}  // namespace edgemoe
