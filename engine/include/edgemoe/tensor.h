#pragma once
// A float32 tensor in C order, owned. The engine converts every stored tensor (F32 or F16) to this at
// load time, so the forward pass reads one type only.
#include <cstdint>
#include <string>
#include <vector>

namespace edgemoe {

struct Tensor {
    std::vector<int64_t> shape;
    std::vector<float> data;

    int64_t numel() const {
        int64_t n = 1;
        for (int64_t d : shape) n *= d;
        return n;
    }
    int64_t dim(size_t i) const { return shape.at(i); }
    const float* ptr() const { return data.data(); }
    float* ptr() { return data.data(); }
    bool empty() const { return data.empty(); }
};

// "[192, 3, 16, 16]"
std::string shape_string(const std::vector<int64_t>& shape);

}  // namespace edgemoe
