#pragma once
// A strict reader of the safetensors container: 8-byte little-endian header length, a JSON header,
// then raw tensor bytes. It checks everything a corrupt or hostile file can get wrong (sizes,
// offsets, overlaps, dtypes) before any tensor is touched. Errors are ModelError, prefixed with
// the file name given by the caller.
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "edgemoe/tensor.h"

namespace edgemoe::safetensors {

inline constexpr uint64_t kMaxHeaderBytes = 16u << 20;   // no real model needs a bigger header

enum class DType { F32, F16 };

struct TensorEntry {
    std::string name;
    DType dtype = DType::F32;
    std::vector<int64_t> shape;
    uint64_t begin = 0, end = 0;   // byte offsets into the data area
};

struct File {
    std::map<std::string, std::string> metadata;
    std::map<std::string, TensorEntry> tensors;
    std::vector<uint8_t> bytes;        // the whole file
    uint64_t data_start = 0;           // offset of the data area in `bytes`

    // The tensor converted to float32. Throws ModelError when absent.
    Tensor read(const std::string& name) const;
    bool has(const std::string& name) const { return tensors.count(name) != 0; }
};

// Parses a complete file image. `label` names the source in error messages.
File parse(std::vector<uint8_t> bytes, const std::string& label);

// Reads and parses a file from disk.
File read_file(const std::string& path);

// IEEE half -> float, exact for every half value (subnormals, inf, nan included).
float half_to_float(uint16_t h);

}  // namespace edgemoe::safetensors
