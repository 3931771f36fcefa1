#include "edgemoe/colorize.h"

#include <stdexcept>

#include <opencv2/imgproc.hpp>

namespace edgemoe {

DepthColormap depth_colormap_from_name(const std::string& name) {
    if (name == "turbo") return DepthColormap::Turbo;
    if (name == "inferno") return DepthColormap::Inferno;
    if (name == "viridis") return DepthColormap::Viridis;
    if (name == "grey" || name == "gray") return DepthColormap::Grey;
    throw std::invalid_argument("unknown colour map '" + name + "' (turbo, inferno, viridis, grey)");
}

const char* depth_colormap_name(DepthColormap map) {
    switch (map) {
        case DepthColormap::Turbo: return "turbo";
        case DepthColormap::Inferno: return "inferno";
        case DepthColormap::Viridis: return "viridis";
        case DepthColormap::Grey: return "grey";
    }
    return "?";
}

void colorize_classes(const cv::Mat& class_map, const TaskInfo& task, cv::Mat& bgr) {
    bgr.create(class_map.size(), CV_8UC3);
    cv::Vec3b lut[256];
    for (int i = 0; i < 256; ++i) {
        lut[i] = cv::Vec3b(0, 0, 0);
        if (size_t(i) < task.classes.size()) {
            const auto& c = task.classes[size_t(i)].rgb;
            lut[i] = cv::Vec3b(c[2], c[1], c[0]);
        }
    }
    for (int y = 0; y < class_map.rows; ++y) {
        const uint8_t* s = class_map.ptr<uint8_t>(y);
        cv::Vec3b* d = bgr.ptr<cv::Vec3b>(y);
        for (int x = 0; x < class_map.cols; ++x) d[x] = lut[s[x]];
    }
}

void colorize_depth(const cv::Mat& depth, const TaskInfo& task, DepthColormap map, cv::Mat& bgr) {
    const float lo = task.depth_range[0], hi = task.depth_range[1];
    // Near should look warm: for depth, small values are near, so flip; disparity is already near-high.
    const bool flip = task.depth_quantity != "disparity";
    const double a = (flip ? -255.0 : 255.0) / (hi - lo);
    const double b = flip ? 255.0 * hi / (hi - lo) : -255.0 * lo / (hi - lo);
    cv::Mat grey;
    depth.convertTo(grey, CV_8U, a, b);   // saturating
    switch (map) {
        case DepthColormap::Turbo: cv::applyColorMap(grey, bgr, cv::COLORMAP_TURBO); break;
        case DepthColormap::Inferno: cv::applyColorMap(grey, bgr, cv::COLORMAP_INFERNO); break;
        case DepthColormap::Viridis: cv::applyColorMap(grey, bgr, cv::COLORMAP_VIRIDIS); break;
        case DepthColormap::Grey: cv::cvtColor(grey, bgr, cv::COLOR_GRAY2BGR); break;
    }
}

void stamp_untrained(cv::Mat& bgr) {
    const double scale = std::max(0.4, bgr.cols / 640.0);
    const int thick = std::max(1, int(scale * 2));
    const cv::Point at(int(8 * scale), int(28 * scale));
    cv::putText(bgr, "UNTRAINED MODEL", at, cv::FONT_HERSHEY_SIMPLEX, scale, cv::Scalar(0, 0, 0), thick + 2, cv::LINE_AA);
    cv::putText(bgr, "UNTRAINED MODEL", at, cv::FONT_HERSHEY_SIMPLEX, scale, cv::Scalar(0, 255, 255), thick, cv::LINE_AA);
}

}  // namespace edgemoe
