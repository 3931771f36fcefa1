#pragma once
// Runs one camera or video frame through a backend: resizes and converts the frame to the model's
// input, calls the backend, decodes the output (argmax or depth) and upscales it to the frame.
// Each stage is timed. This is the part every front end (CLI, GUI, benchmark) shares.
#include <memory>

#include <opencv2/core/mat.hpp>

#include "edgemoe/backend.h"

namespace edgemoe {
class FrameDownscaler;
class MapUpscaler;
}

namespace edgemoe {

class FrameRunner {
public:
    FrameRunner(std::shared_ptr<const Model> model, std::unique_ptr<Backend> backend);
    ~FrameRunner();

    // bgr: CV_8UC3 of any size. Throws std::invalid_argument for an empty or non-BGR frame.
    void run(const cv::Mat& bgr, int task, FrameResult& out);

    const Model& model() const { return *model_; }
    Backend& backend() { return *backend_; }

private:
    std::shared_ptr<const Model> model_;
    std::unique_ptr<Backend> backend_;
    std::unique_ptr<FrameDownscaler> downscaler_;
    std::unique_ptr<MapUpscaler> upscaler_;
    cv::Mat input_;   // reused every frame
};

}  // namespace edgemoe
