#include "image_resize.h"

#include <algorithm>
#include <cmath>

namespace edgemoe {

void FrameDownscaler::Axis::init(int in, int out) {
    first.assign(size_t(out), 0);
    count.assign(size_t(out), 0);
    offset.assign(size_t(out), 0);
    weight.clear();
    const double scale = double(in) / out;
    for (int o = 0; o < out; ++o) {
        offset[size_t(o)] = int(weight.size());
        if (scale >= 1.0) {
            // Box [o*s, (o+1)*s): every source pixel it overlaps, weighted by the overlap.
            const double lo = o * scale, hi = std::min(double(in), (o + 1) * scale);
            const int a = int(std::floor(lo)), b = std::min(in, int(std::ceil(hi)));
            first[size_t(o)] = a;
            count[size_t(o)] = b - a;
            for (int i = a; i < b; ++i)
                weight.push_back(float((std::min(hi, i + 1.0) - std::max(lo, double(i))) / scale));
        } else {
            // Upscaling: bilinear with the half-pixel convention.
            const double src = std::clamp((o + 0.5) * scale - 0.5, 0.0, double(in - 1));
            const int a = std::min(int(src), in - 1), b = std::min(a + 1, in - 1);
            first[size_t(o)] = a;
            count[size_t(o)] = b > a ? 2 : 1;
            if (b > a) {
                weight.push_back(float(1 - (src - a)));
                weight.push_back(float(src - a));
            } else {
                weight.push_back(1.f);
            }
        }
    }
}

void FrameDownscaler::run(const cv::Mat& bgr, cv::Size out, bool to_rgb, cv::Mat& dst) {
    if (bgr.size() != in_ || out != out_) {
        in_ = bgr.size();
        out_ = out;
        ax_.init(in_.width, out.width);
        ay_.init(in_.height, out.height);
        rows_.assign(size_t(in_.height) * out.width * 3, 0.f);
    }
    dst.create(out, CV_8UC3);
    const int ow = out.width;
    // Horizontal pass: every source row to out.width pixels (float, BGR order kept).
    for (int y = 0; y < in_.height; ++y) {
        const uint8_t* s = bgr.ptr<uint8_t>(y);
        float* r = rows_.data() + size_t(y) * ow * 3;
        for (int x = 0; x < ow; ++x) {
            const float* w = ax_.weight.data() + ax_.offset[size_t(x)];
            const uint8_t* p = s + size_t(ax_.first[size_t(x)]) * 3;
            float b = 0, g = 0, rr = 0;
            for (int k = 0; k < ax_.count[size_t(x)]; ++k, p += 3) {
                b += w[k] * p[0];
                g += w[k] * p[1];
                rr += w[k] * p[2];
            }
            r[3 * x] = b;
            r[3 * x + 1] = g;
            r[3 * x + 2] = rr;
        }
    }
    // Vertical pass, rounding to bytes, with the channel swap.
    const int c0 = to_rgb ? 2 : 0, c2 = to_rgb ? 0 : 2;
    for (int y = 0; y < out.height; ++y) {
        const float* w = ay_.weight.data() + ay_.offset[size_t(y)];
        uint8_t* d = dst.ptr<uint8_t>(y);
        for (int x = 0; x < ow * 3; x += 3) {
            float acc[3] = {0, 0, 0};
            for (int k = 0; k < ay_.count[size_t(y)]; ++k) {
                const float* r = rows_.data() + (size_t(ay_.first[size_t(y)] + k) * ow) * 3 + x;
                acc[0] += w[k] * r[0];
                acc[1] += w[k] * r[1];
                acc[2] += w[k] * r[2];
            }
            d[x + c0] = uint8_t(std::clamp(std::lround(acc[0]), 0L, 255L));
            d[x + 1] = uint8_t(std::clamp(std::lround(acc[1]), 0L, 255L));
            d[x + c2] = uint8_t(std::clamp(std::lround(acc[2]), 0L, 255L));
        }
    }
}

void MapUpscaler::nearest(const cv::Mat& src, cv::Size out, cv::Mat& dst) {
    if (src.size() != near_in_ || out != near_out_) {
        near_in_ = src.size();
        near_out_ = out;
        near_x_.resize(size_t(out.width));
        near_y_.resize(size_t(out.height));
        // Centre sampling: output pixel o looks at source floor((o + 0.5) * in / out).
        for (int x = 0; x < out.width; ++x)
            near_x_[size_t(x)] = std::min(src.cols - 1, int((x + 0.5) * src.cols / out.width));
        for (int y = 0; y < out.height; ++y)
            near_y_[size_t(y)] = std::min(src.rows - 1, int((y + 0.5) * src.rows / out.height));
    }
    dst.create(out, CV_8U);
    for (int y = 0; y < out.height; ++y) {
        const uint8_t* s = src.ptr<uint8_t>(near_y_[size_t(y)]);
        uint8_t* d = dst.ptr<uint8_t>(y);
        for (int x = 0; x < out.width; ++x) d[x] = s[near_x_[size_t(x)]];
    }
}

void MapUpscaler::bilinear(const cv::Mat& src, cv::Size out, cv::Mat& dst) {
    if (src.size() != lin_in_ || out != lin_out_) {
        lin_in_ = src.size();
        lin_out_ = out;
        lin_y_.init(src.rows, out.height);
        lin_x_.init(src.cols, out.width);
    }
    dst.create(out, CV_32F);
    cpu::resize_hwc(src.ptr<float>(), int(src.step1()), lin_y_, lin_x_, 1, dst.ptr<float>(), int(dst.step1()), nullptr);
}

}  // namespace edgemoe
