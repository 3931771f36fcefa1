#include "edgemoe/npy.h"

#include <cstring>
#include <fstream>
#include <regex>
#include <stdexcept>

#include "model/safetensors.h"

namespace edgemoe {

int64_t NpyArray::numel() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
}

std::vector<float> NpyArray::to_float() const {
    std::vector<float> out(static_cast<size_t>(numel()));
    for (size_t i = 0; i < out.size(); ++i) {
        if (dtype == "<f4") {
            std::memcpy(&out[i], bytes.data() + 4 * i, 4);
        } else if (dtype == "<f2") {
            uint16_t h;
            std::memcpy(&h, bytes.data() + 2 * i, 2);
            out[i] = safetensors::half_to_float(h);
        } else if (dtype == "|u1") {
            out[i] = bytes[i];
        } else {
            int32_t v;
            std::memcpy(&v, bytes.data() + 4 * i, 4);
            out[i] = float(v);
        }
    }
    return out;
}

void write_npy(const std::string& path, const float* data, const std::vector<int64_t>& shape) {
    std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (";
    size_t n = 1;
    for (size_t i = 0; i < shape.size(); ++i) {
        dict += std::to_string(shape[i]) + (shape.size() == 1 || i + 1 < shape.size() ? ", " : "");
        n *= size_t(shape[i]);
    }
    if (shape.size() == 1) dict.pop_back();
    dict += "), }";
    // Magic (6) + version (2) + header length (2) + dict + padding + '\n' must be a multiple of 64.
    const size_t total = (10 + dict.size() + 1 + 63) / 64 * 64;
    dict.append(total - 10 - dict.size() - 1, ' ');
    dict += '\n';
    std::ofstream f(path, std::ios::binary);
    if (!f) throw std::runtime_error(path + ": cannot open for writing");
    const uint16_t len = uint16_t(dict.size());
    f.write("\x93NUMPY\x01\x00", 8);
    f.put(char(len & 0xff));
    f.put(char(len >> 8));
    f.write(dict.data(), std::streamsize(dict.size()));
    f.write(reinterpret_cast<const char*>(data), std::streamsize(n * sizeof(float)));
    if (!f) throw std::runtime_error(path + ": write error");
}

NpyArray read_npy(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw std::runtime_error(path + ": cannot open");
    char magic[8];
    if (!f.read(magic, 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0) throw std::runtime_error(path + ": not a .npy file");
    uint32_t hlen = 0;
    if (magic[6] == 1) {
        unsigned char b[2];
        f.read(reinterpret_cast<char*>(b), 2);
        hlen = b[0] | b[1] << 8;
    } else {
        unsigned char b[4];
        f.read(reinterpret_cast<char*>(b), 4);
        hlen = b[0] | b[1] << 8 | b[2] << 16 | uint32_t(b[3]) << 24;
    }
    std::string header(hlen, '\0');
    if (hlen > 1 << 20 || !f.read(header.data(), hlen)) throw std::runtime_error(path + ": bad header");
    std::smatch m;
    NpyArray a;
    if (!std::regex_search(header, m, std::regex("'descr':\\s*'([^']+)'"))) throw std::runtime_error(path + ": no descr");
    a.dtype = m[1];
    if (a.dtype != "<f4" && a.dtype != "<f2" && a.dtype != "|u1" && a.dtype != "<i4")
        throw std::runtime_error(path + ": unsupported dtype " + a.dtype);
    if (std::regex_search(header, std::regex("'fortran_order':\\s*True"))) throw std::runtime_error(path + ": Fortran order");
    if (!std::regex_search(header, m, std::regex("'shape':\\s*\\(([^)]*)\\)"))) throw std::runtime_error(path + ": no shape");
    const std::string dims = m[1];
    const std::regex number("\\d+");
    for (std::sregex_iterator it(dims.begin(), dims.end(), number), end; it != end; ++it)
        a.shape.push_back(std::stoll(it->str()));
    const size_t elem = a.dtype == "|u1" ? 1 : a.dtype == "<f2" ? 2 : 4;
    a.bytes.resize(size_t(a.numel()) * elem);
    if (!f.read(reinterpret_cast<char*>(a.bytes.data()), std::streamsize(a.bytes.size())))
        throw std::runtime_error(path + ": truncated data");
    return a;
}

}  // namespace edgemoe
