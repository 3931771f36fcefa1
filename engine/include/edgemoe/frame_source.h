#pragma once
// Where frames come from: a camera (by index or device path), a video file, an image file or a
// folder of images. One interface, opened from a single string the way a user types it.
#include <memory>
#include <string>

#include <opencv2/core/mat.hpp>

namespace edgemoe {

class FrameSource {
public:
    virtual ~FrameSource() = default;
    // Next frame as 8-bit BGR; false at the end (or when a camera stops delivering).
    virtual bool read(cv::Mat& frame) = 0;
    // Back to the first frame; false for live sources.
    virtual bool rewind() { return false; }
    // Jumps to frame `index` of a file or folder; false for live sources or out of range.
    virtual bool seek(int64_t) { return false; }
    virtual std::string describe() const = 0;
    virtual bool live() const { return false; }
    virtual double fps() const { return 0; }            // 0 when unknown
    virtual int64_t frame_count() const { return -1; }  // -1 when unknown or live
    virtual int64_t position() const { return -1; }     // index of the next frame, -1 when live

    // "0", "/dev/video2" -> camera; a directory -> its images in name order; a file with an image
    // extension -> that image; anything else -> a video file. Throws SourceError naming the source.
    static std::unique_ptr<FrameSource> open(const std::string& spec);
};

}  // namespace edgemoe
