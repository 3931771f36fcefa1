#pragma once
// NumPy .npy files (format 1.0, little-endian, C order): writing float32 outputs for --raw, and
// reading fixtures in tests.
#include <cstdint>
#include <string>
#include <vector>

namespace edgemoe {

struct NpyArray {
    std::string dtype;              // "<f4", "<f2", "|u1", "<i4"
    std::vector<int64_t> shape;
    std::vector<uint8_t> bytes;     // raw element bytes, C order

    int64_t numel() const;
    std::vector<float> to_float() const;   // any of the dtypes above, converted
};

// Throws std::runtime_error naming the file on failure.
void write_npy(const std::string& path, const float* data, const std::vector<int64_t>& shape);
NpyArray read_npy(const std::string& path);

}  // namespace edgemoe
