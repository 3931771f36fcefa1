#include "edgemoe/frame_source.h"

#include <algorithm>
#include <filesystem>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

#include "edgemoe/error.h"

namespace edgemoe {
namespace {

namespace fs = std::filesystem;

bool is_image_path(const fs::path& p) {
    std::string ext = p.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp" || ext == ".ppm" || ext == ".tif" ||
           ext == ".tiff" || ext == ".webp";
}

cv::Mat read_image(const std::string& path) {
    cv::Mat img = cv::imread(path, cv::IMREAD_COLOR);
    if (img.empty()) throw SourceError(path + ": cannot decode image (unreadable or not an image)");
    return img;
}

class ImageListSource final : public FrameSource {
public:
    ImageListSource(std::vector<std::string> files, std::string label) : files_(std::move(files)), label_(std::move(label)) {}
    bool read(cv::Mat& frame) override {
        if (next_ >= files_.size()) return false;
        frame = read_image(files_[next_++]);
        return true;
    }
    bool rewind() override { next_ = 0; return true; }
    bool seek(int64_t i) override {
        if (i < 0 || size_t(i) >= files_.size()) return false;
        next_ = size_t(i);
        return true;
    }
    std::string describe() const override { return label_; }
    int64_t frame_count() const override { return int64_t(files_.size()); }
    int64_t position() const override { return int64_t(next_); }

private:
    std::vector<std::string> files_;
    std::string label_;
    size_t next_ = 0;
};

class CaptureSource final : public FrameSource {
public:
    CaptureSource(cv::VideoCapture cap, std::string label, bool live)
        : cap_(std::move(cap)), label_(std::move(label)), live_(live) {}
    bool read(cv::Mat& frame) override {
        if (!cap_.read(frame) || frame.empty()) return false;
        if (frame.type() != CV_8UC3) throw SourceError(label_ + ": frames are not 8-bit colour");
        if (!live_) ++pos_;
        return true;
    }
    bool rewind() override { return seek(0); }
    bool seek(int64_t i) override {
        if (live_ || !cap_.set(cv::CAP_PROP_POS_FRAMES, double(i))) return false;
        pos_ = i;
        return true;
    }
    std::string describe() const override { return label_; }
    bool live() const override { return live_; }
    double fps() const override { return cap_.get(cv::CAP_PROP_FPS); }
    int64_t frame_count() const override {
        return live_ ? -1 : int64_t(cap_.get(cv::CAP_PROP_FRAME_COUNT));
    }
    int64_t position() const override { return live_ ? -1 : pos_; }

private:
    mutable cv::VideoCapture cap_;
    std::string label_;
    bool live_;
    int64_t pos_ = 0;
};

std::unique_ptr<FrameSource> open_camera(const std::string& spec) {
    cv::VideoCapture cap;
    const bool by_index = std::all_of(spec.begin(), spec.end(), ::isdigit);
    const std::string label = "camera " + spec;
    if (by_index)
        cap.open(std::stoi(spec), cv::CAP_V4L2);
    else
        cap.open(spec, cv::CAP_V4L2);
    if (!cap.isOpened()) throw SourceError(label + ": cannot open (no such camera, or it is busy)");
    // MJPG keeps USB bandwidth low at 720p; a one-frame buffer keeps latency low.
    cap.set(cv::CAP_PROP_FOURCC, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'));
    cap.set(cv::CAP_PROP_BUFFERSIZE, 1);
    return std::make_unique<CaptureSource>(std::move(cap), label, true);
}

}  // namespace

std::unique_ptr<FrameSource> FrameSource::open(const std::string& spec) {
    if (spec.empty()) throw SourceError("no input given");
    if (std::all_of(spec.begin(), spec.end(), ::isdigit) || spec.rfind("/dev/video", 0) == 0) return open_camera(spec);
    std::error_code ec;
    const fs::path p(spec);
    if (!fs::exists(p, ec)) throw SourceError(spec + ": no such file or directory");
    if (fs::is_directory(p, ec)) {
        std::vector<std::string> files;
        for (const auto& e : fs::directory_iterator(p, ec))
            if (e.is_regular_file() && is_image_path(e.path())) files.push_back(e.path().string());
        if (files.empty()) throw SourceError(spec + ": folder holds no images (png, jpg, bmp, ppm, tif, webp)");
        std::sort(files.begin(), files.end());
        return std::make_unique<ImageListSource>(std::move(files), "folder " + spec);
    }
    if (is_image_path(p)) {
        read_image(spec);  // fail now, with the file's name, rather than at the first frame
        return std::make_unique<ImageListSource>(std::vector<std::string>{spec}, "image " + spec);
    }
    cv::VideoCapture cap(spec, cv::CAP_FFMPEG);
    if (!cap.isOpened()) cap.open(spec, cv::CAP_ANY);
    if (!cap.isOpened()) throw SourceError(spec + ": cannot open as video (unsupported format or corrupt file)");
    return std::make_unique<CaptureSource>(std::move(cap), "video " + spec, false);
}

}  // namespace edgemoe
