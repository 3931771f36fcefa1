#include "model/safetensors.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <limits>

#include <nlohmann/json.hpp>

#include "edgemoe/error.h"

namespace edgemoe::safetensors {
namespace {

using json = nlohmann::json;

[[noreturn]] void fail(const std::string& label, const std::string& what) {
    throw ModelError(label + ": " + what);
}

size_t dtype_size(DType d) { return d == DType::F32 ? 4 : 2; }

DType parse_dtype(const json& j, const std::string& label, const std::string& name) {
    if (!j.is_string()) fail(label, "tensor '" + name + "' has no dtype string");
    const std::string s = j.get<std::string>();
    if (s == "F32") return DType::F32;
    if (s == "F16") return DType::F16;
    fail(label, "tensor '" + name + "' has unsupported dtype '" + s + "' (only F32 and F16 load)");
}

uint64_t as_u64(const json& j, const std::string& label, const std::string& what) {
    if (!j.is_number_unsigned()) fail(label, what + " is not a non-negative integer");
    return j.get<uint64_t>();
}

}  // namespace

float half_to_float(uint16_t h) {
    const uint32_t sign = uint32_t(h & 0x8000u) << 16;
    const uint32_t exp = (h >> 10) & 0x1fu;
    uint32_t mant = h & 0x3ffu;
    uint32_t bits;
    if (exp == 0) {
        if (mant == 0) {
            bits = sign;
        } else {  // subnormal: renormalise
            int e = -1;
            do { ++e; mant <<= 1; } while ((mant & 0x400u) == 0);
            bits = sign | uint32_t(127 - 15 - e) << 23 | (mant & 0x3ffu) << 13;
        }
    } else if (exp == 0x1f) {
        bits = sign | 0x7f800000u | mant << 13;
    } else {
        bits = sign | (exp + 127 - 15) << 23 | mant << 13;
    }
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}

File parse(std::vector<uint8_t> bytes, const std::string& label) {
    File file;
    if (bytes.size() < 8) fail(label, "file is " + std::to_string(bytes.size()) +
                                          " bytes, too short for a safetensors header");
    uint64_t header_len = 0;
    for (int i = 7; i >= 0; --i) header_len = header_len << 8 | bytes[size_t(i)];
    if (header_len > kMaxHeaderBytes)
        fail(label, "header length " + std::to_string(header_len) + " exceeds the " +
                        std::to_string(kMaxHeaderBytes) + "-byte cap (not a model file, or corrupt)");
    if (header_len > bytes.size() - 8)
        fail(label, "header length " + std::to_string(header_len) + " runs past the end of the " +
                        std::to_string(bytes.size()) + "-byte file (truncated?)");
    file.data_start = 8 + header_len;
    const uint64_t data_size = bytes.size() - file.data_start;

    json header;
    try {
        header = json::parse(bytes.begin() + 8, bytes.begin() + long(file.data_start));
    } catch (const json::exception& e) {
        fail(label, std::string("header is not valid JSON: ") + e.what());
    }
    if (!header.is_object()) fail(label, "header is not a JSON object");

    std::vector<std::pair<uint64_t, uint64_t>> ranges;
    for (auto it = header.begin(); it != header.end(); ++it) {
        const std::string& name = it.key();
        const json& v = it.value();
        if (name == "__metadata__") {
            if (!v.is_object()) fail(label, "__metadata__ is not an object");
            for (auto m = v.begin(); m != v.end(); ++m) {
                if (!m.value().is_string()) fail(label, "metadata '" + m.key() + "' is not a string");
                file.metadata[m.key()] = m.value().get<std::string>();
            }
            continue;
        }
        if (!v.is_object()) fail(label, "tensor '" + name + "' entry is not an object");
        TensorEntry t;
        t.name = name;
        t.dtype = parse_dtype(v.value("dtype", json()), label, name);
        const json& shape = v.value("shape", json());
        if (!shape.is_array()) fail(label, "tensor '" + name + "' has no shape array");
        if (shape.size() > 8) fail(label, "tensor '" + name + "' has " + std::to_string(shape.size()) + " dimensions");
        uint64_t numel = 1;
        for (const json& d : shape) {
            const uint64_t n = as_u64(d, label, "a dimension of tensor '" + name + "'");
            if (n > (uint64_t(1) << 40)) fail(label, "tensor '" + name + "' has an absurd dimension " + std::to_string(n));
            if (n != 0 && numel > std::numeric_limits<uint64_t>::max() / n / 8)
                fail(label, "tensor '" + name + "' element count overflows");
            numel *= n;
            t.shape.push_back(int64_t(n));
        }
        const json& off = v.value("data_offsets", json());
        if (!off.is_array() || off.size() != 2) fail(label, "tensor '" + name + "' needs data_offsets [begin, end]");
        t.begin = as_u64(off[0], label, "data_offsets of tensor '" + name + "'");
        t.end = as_u64(off[1], label, "data_offsets of tensor '" + name + "'");
        if (t.end < t.begin) fail(label, "tensor '" + name + "' has data_offsets end before begin");
        if (t.end > data_size)
            fail(label, "tensor '" + name + "' data [" + std::to_string(t.begin) + ", " + std::to_string(t.end) +
                            ") lies past the end of the " + std::to_string(data_size) + "-byte data area (truncated file?)");
        if (t.end - t.begin != numel * dtype_size(t.dtype))
            fail(label, "tensor '" + name + "' has " + std::to_string(t.end - t.begin) + " bytes but shape " +
                            shape_string(t.shape) + " needs " + std::to_string(numel * dtype_size(t.dtype)));
        ranges.emplace_back(t.begin, t.end);
        file.tensors.emplace(name, std::move(t));
    }
    std::sort(ranges.begin(), ranges.end());
    for (size_t i = 1; i < ranges.size(); ++i)
        if (ranges[i].first < ranges[i - 1].second)
            fail(label, "tensor data ranges overlap at byte " + std::to_string(ranges[i].first));
    file.bytes = std::move(bytes);
    return file;
}

File read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) fail(path, std::string("cannot open: ") + std::strerror(errno));
    const std::streamoff size = in.tellg();
    if (size < 0) fail(path, "cannot read file size");
    std::vector<uint8_t> bytes(static_cast<size_t>(size));
    in.seekg(0);
    if (!in.read(reinterpret_cast<char*>(bytes.data()), size)) fail(path, "read error");
    return parse(std::move(bytes), path);
}

Tensor File::read(const std::string& name) const {
    auto it = tensors.find(name);
    if (it == tensors.end()) throw ModelError("missing tensor '" + name + "'");
    const TensorEntry& t = it->second;
    Tensor out;
    out.shape = t.shape;
    out.data.resize(size_t(out.numel()));
    const uint8_t* src = bytes.data() + data_start + t.begin;
    if (t.dtype == DType::F32) {
        std::memcpy(out.data.data(), src, out.data.size() * 4);
    } else {
        for (size_t i = 0; i < out.data.size(); ++i) {
            uint16_t h;
            std::memcpy(&h, src + 2 * i, 2);
            out.data[i] = half_to_float(h);
        }
    }
    return out;
}

}  // namespace edgemoe::safetensors
