#include "core/sources.h"

#include <cmath>
#include <cstdio>

#include <opencv2/imgproc.hpp>

#include "edgemoe/error.h"

namespace edgemoe::app {
namespace {

class SyntheticSource final : public FrameSource {
public:
    SyntheticSource(int w, int h, int frames, double fps) : w_(w), h_(h), frames_(frames), fps_(fps) {
        // The still part of the scene, drawn once: sky, buildings, pavement and road.
        background_.create(h_, w_, CV_8UC3);
        const int horizon = h_ * 45 / 100;
        for (int y = 0; y < h_; ++y) {
            cv::Vec3b c;
            if (y < horizon) {
                const double t = double(y) / horizon;
                c = cv::Vec3b(uchar(235 - 60 * t), uchar(190 - 40 * t), uchar(140 - 50 * t));
            } else {
                const double t = double(y - horizon) / (h_ - horizon);
                c = cv::Vec3b(uchar(70 + 30 * t), uchar(72 + 30 * t), uchar(75 + 30 * t));
            }
            background_.row(y).setTo(c);
        }
        cv::RNG rng(7);
        for (int x = 0; x < w_;) {
            const int bw = w_ / 14 + int(rng.uniform(0, w_ / 10 + 1));
            const int bh = h_ / 6 + int(rng.uniform(0, h_ / 4 + 1));
            const uchar g = uchar(rng.uniform(60, 150));
            cv::rectangle(background_, cv::Rect(x, horizon - bh, bw, bh), cv::Scalar(g, g + 10, g + 25), cv::FILLED);
            for (int wy = horizon - bh + 8; wy < horizon - 12; wy += 18)
                for (int wx = x + 6; wx < x + bw - 10; wx += 16)
                    cv::rectangle(background_, cv::Rect(wx, wy, 7, 9), cv::Scalar(g + 60, g + 70, g + 80), cv::FILLED);
            x += bw + int(rng.uniform(2, 12));
        }
        std::vector<cv::Point> road = {{w_ * 35 / 100, horizon}, {w_ * 65 / 100, horizon}, {w_, h_}, {0, h_}};
        cv::fillConvexPoly(background_, road, cv::Scalar(60, 60, 62), cv::LINE_AA);
    }

    bool read(cv::Mat& frame) override {
        if (next_ >= frames_) return false;
        background_.copyTo(frame);
        const int i = int(next_++);
        const int horizon = h_ * 45 / 100;
        // Lane markings that move towards the viewer.
        for (int k = 0; k < 8; ++k) {
            const double z = std::fmod(k / 8.0 + i * 0.01, 1.0);
            const int y0 = horizon + int(z * z * (h_ - horizon)), y1 = y0 + int(4 + z * h_ / 14);
            cv::line(frame, {w_ / 2, y0}, {w_ / 2, std::min(y1, h_ - 1)}, cv::Scalar(220, 220, 220), std::max(1, int(z * w_ / 90)),
                     cv::LINE_AA);
        }
        // Cars crossing, and a pedestrian.
        for (int k = 0; k < 3; ++k) {
            const int cw = w_ / 7 - k * w_ / 60, ch = cw * 45 / 100;
            const double phase = std::fmod(i * (0.004 + 0.002 * k) + k * 0.37, 1.2) - 0.1;
            const int x = int(phase * w_) - cw / 2;
            const int y = h_ * 62 / 100 + k * h_ / 11;
            const cv::Scalar col = k == 0 ? cv::Scalar(40, 40, 190) : k == 1 ? cv::Scalar(170, 110, 30) : cv::Scalar(30, 160, 200);
            cv::rectangle(frame, cv::Rect(x, y, cw, ch), col, cv::FILLED, cv::LINE_AA);
            cv::rectangle(frame, cv::Rect(x + cw / 5, y - ch / 3, cw * 3 / 5, ch / 3 + 2), col * 0.8, cv::FILLED, cv::LINE_AA);
            cv::circle(frame, {x + cw / 5, y + ch}, ch / 4, cv::Scalar(20, 20, 20), cv::FILLED, cv::LINE_AA);
            cv::circle(frame, {x + cw * 4 / 5, y + ch}, ch / 4, cv::Scalar(20, 20, 20), cv::FILLED, cv::LINE_AA);
        }
        const int px = w_ - int(std::fmod(i * 1.5, double(w_))), py = h_ * 58 / 100;
        cv::ellipse(frame, {px, py}, {h_ / 60 + 2, h_ / 13}, 0, 0, 360, cv::Scalar(50, 60, 120), cv::FILLED, cv::LINE_AA);
        cv::circle(frame, {px, py - h_ / 11}, h_ / 45 + 2, cv::Scalar(120, 150, 200), cv::FILLED, cv::LINE_AA);
        return true;
    }
    bool rewind() override { next_ = 0; return true; }
    bool seek(int64_t i) override {
        if (i < 0 || i >= frames_) return false;
        next_ = i;
        return true;
    }
    std::string describe() const override {
        return "synthetic " + std::to_string(w_) + "x" + std::to_string(h_) + " test pattern";
    }
    double fps() const override { return fps_; }
    int64_t frame_count() const override { return frames_; }
    int64_t position() const override { return next_; }

private:
    int w_, h_;
    int64_t frames_;
    double fps_;
    int64_t next_ = 0;
    cv::Mat background_;
};

}  // namespace

bool is_synthetic_spec(const std::string& spec) {
    return spec == "synthetic" || spec.rfind("synthetic:", 0) == 0;
}

std::unique_ptr<FrameSource> make_synthetic_source(int width, int height, int frames, double fps) {
    if (width < 16 || height < 16 || width > 8192 || height > 8192 || frames < 1)
        throw SourceError("synthetic source: bad size " + std::to_string(width) + "x" + std::to_string(height));
    return std::make_unique<SyntheticSource>(width, height, frames, fps);
}

std::unique_ptr<FrameSource> open_source(const std::string& spec) {
    if (is_synthetic_spec(spec)) {
        int w = 1280, h = 720;
        if (spec.size() > 10 && std::sscanf(spec.c_str() + 10, "%dx%d", &w, &h) != 2)
            throw SourceError(spec + ": expected synthetic:WIDTHxHEIGHT");
        return make_synthetic_source(w, h);
    }
    return FrameSource::open(spec);
}

}  // namespace edgemoe::app
