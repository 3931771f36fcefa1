#pragma once
// Reading the golden fixtures of tests/fixtures (made by tools/reference) in any test.
#include <cstring>
#include <stdexcept>
#include <string>

#include <QString>
#include <opencv2/core/mat.hpp>

#include "edgemoe/error.h"
#include "edgemoe/npy.h"

namespace edgemoe::test {

inline std::string fixture(const std::string& name) { return std::string(EDGEMOE_FIXTURES) + "/" + name; }

// The full-size Edge-MoE model with random weights.
inline const std::string kUntrainedModel = fixture("edgemoe-untrained.safetensors");

// An HxWx3 uint8 .npy image (RGB, the model's channel order) as a CV_8UC3 Mat.
inline cv::Mat load_image(const std::string& name) {
    const NpyArray a = read_npy(fixture(name));
    if (a.dtype != "|u1" || a.shape.size() != 3 || a.shape[2] != 3) throw std::runtime_error(name + ": not HxWx3 u8");
    cv::Mat img(int(a.shape[0]), int(a.shape[1]), CV_8UC3);
    std::memcpy(img.data, a.bytes.data(), a.bytes.size());
    return img;
}

// The message of the BackendError that f() throws, or empty when it throws none.
template <class F>
QString error_of(F&& f) {
    try {
        f();
    } catch (const BackendError& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

}  // namespace edgemoe::test
