#include "fpga/xrt/xclbin_check.h"

#include <dlfcn.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>
#include <xrt/xclbin.h>

#include "edgemoe/error.h"
#include "edgemoe_hls/kernel_args.h"

namespace edgemoe::fpga {
namespace {

using edgemoe_hls::ArgKind;
using edgemoe_hls::kKernelArgCount;
using edgemoe_hls::kKernelArgs;

[[noreturn]] void refuse(const std::string& path, const std::string& what) {
    throw BackendError("fpga: xclbin " + path + ": " + what);
}

std::string hex(uint64_t v) {
    std::ostringstream s;
    s << "0x" << std::hex << v;
    return s.str();
}

constexpr size_t kHeaderBytes = sizeof(axlf) - sizeof(axlf_section_header);   // before the section table

const axlf& top_of(const std::vector<char>& bytes) { return *reinterpret_cast<const axlf*>(bytes.data()); }

const axlf_section_header& section(const std::vector<char>& bytes, uint32_t i) {
    return *reinterpret_cast<const axlf_section_header*>(bytes.data() + offsetof(axlf, m_sections) +
                                                         size_t(i) * sizeof(axlf_section_header));
}

std::string xrt_hint() {
    return " (add it after v++ --link: xclbinutil --input IN.xclbin --key-value USER:" + std::string(kSignatureKey) +
           ":" + signature_text(edgemoe_hls::kernel_signature()) + " --key-value USER:" + kShapeKey +
           ":<shape> --output OUT.xclbin; see hls/README.md)";
}

// A number as xclbinutil stored it ("0x99572a201966fd3b"), or nullopt.
std::optional<uint64_t> parse_u64(const std::string& s) {
    try {
        size_t used = 0;
        const uint64_t v = std::stoull(s, &used, 0);
        if (used == s.size()) return v;
    } catch (const std::exception&) {
        // not a number: no value
    }
    return std::nullopt;
}

}  // namespace

std::vector<char> read_xclbin_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) refuse(path, std::string("cannot open it (") + std::strerror(errno) + ")");
    std::vector<char> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (f.bad()) refuse(path, "read error");
    if (bytes.size() < 8 || std::memcmp(bytes.data(), "xclbin2", 8) != 0)
        refuse(path, "not an xclbin (it does not start with the magic 'xclbin2')");
    if (bytes.size() < kHeaderBytes)
        refuse(path, "truncated: " + std::to_string(bytes.size()) + " bytes, shorter than an xclbin header (" +
                         std::to_string(kHeaderBytes) + " bytes)");
    const axlf& top = top_of(bytes);
    if (bytes.size() < top.m_header.m_length)
        refuse(path, "truncated: its header says " + std::to_string(top.m_header.m_length) + " bytes, the file has " +
                         std::to_string(bytes.size()) + " (an interrupted copy?)");
    const uint64_t n = top.m_header.m_numSections;
    if (n == 0 || n > XCLBIN_MAX_NUM_SECTION || kHeaderBytes + n * sizeof(axlf_section_header) > bytes.size())
        refuse(path, "corrupt: its section table (" + std::to_string(n) + " sections) does not fit in the file");
    for (uint32_t i = 0; i < n; ++i) {
        const axlf_section_header& h = section(bytes, i);
        if (h.m_sectionOffset > bytes.size() || h.m_sectionSize > bytes.size() - h.m_sectionOffset)
            refuse(path, "corrupt: section " + std::to_string(i) + " (kind " + std::to_string(h.m_sectionKind) +
                             ") lies past the end of the file");
    }
    return bytes;
}

std::optional<std::string> xclbin_user_value(const std::vector<char>& bytes, const std::string& path,
                                             const std::string& key) {
    const axlf& top = top_of(bytes);
    for (uint32_t i = 0; i < top.m_header.m_numSections; ++i) {
        const axlf_section_header& h = section(bytes, i);
        if (h.m_sectionKind != KEYVALUE_METADATA) continue;
        const char* p = bytes.data() + h.m_sectionOffset;
        nlohmann::json j = nlohmann::json::parse(p, p + h.m_sectionSize, nullptr, false);
        if (j.is_discarded() || !j.is_object()) refuse(path, "its KEYVALUE_METADATA section is not JSON");
        // As xclbinutil writes it: {"key_values":[{"key":"...","value":"..."}]}.
        const nlohmann::json* list = nullptr;
        if (j.contains("key_values")) list = &j["key_values"];
        else if (j.contains("keyvalue_metadata") && j["keyvalue_metadata"].contains("key_values"))
            list = &j["keyvalue_metadata"]["key_values"];
        if (!list || !list->is_array()) continue;
        for (const auto& kv : *list)
            if (kv.is_object() && kv.value("key", "") == key && kv.contains("value") && kv["value"].is_string())
                return kv["value"].get<std::string>();
    }
    return std::nullopt;
}

std::string compare_kernel_args(const xrt::xclbin::kernel& kernel) {
    const std::vector<xrt::xclbin::arg> args = kernel.get_args();
    if (int(args.size()) != kKernelArgCount) {
        std::string missing, extra;
        for (int i = 0; i < kKernelArgCount; ++i) {
            bool found = false;
            for (const auto& a : args) found = found || a.get_name() == kKernelArgs[i].name;
            if (!found) missing += std::string(missing.empty() ? "" : ", ") + kKernelArgs[i].name;
        }
        for (const auto& a : args) {
            bool known = false;
            for (int i = 0; i < kKernelArgCount; ++i) known = known || a.get_name() == kKernelArgs[i].name;
            if (!known) extra += (extra.empty() ? "" : ", ") + a.get_name();
        }
        std::string m = "kernel " + std::string(edgemoe_hls::kKernelName) + " has " + std::to_string(args.size()) +
                        " arguments, this build expects " + std::to_string(kKernelArgCount);
        if (!missing.empty()) m += "; missing: " + missing;
        if (!extra.empty()) m += "; not in this build: " + extra;
        return m;
    }
    std::string diffs;
    int shown = 0;
    auto differ = [&](const std::string& d) {
        if (shown++ < 6) diffs += (diffs.empty() ? "" : "; ") + d;
    };
    for (int i = 0; i < kKernelArgCount; ++i) {
        const auto& a = args[size_t(i)];
        const auto& want = kKernelArgs[i];
        const std::string at = "argument " + std::to_string(i);
        if (a.get_name() != want.name) {
            differ(at + " is '" + a.get_name() + "', this build expects '" + want.name + "'");
            continue;
        }
        const bool memory = want.kind == ArgKind::Memory;
        const bool connected = !a.get_mems().empty();
        const std::string nm = at + " '" + want.name + "'";
        if (memory && !connected)
            differ(nm + " is not a buffer connected to device memory; this build expects a " + want.element + "* buffer");
        if (!memory && connected) differ(nm + " is a buffer; this build expects a scalar " + want.element);
        const size_t size = memory ? 8 : 4;
        if (a.get_size() != size)
            differ(nm + " is " + std::to_string(a.get_size()) + " bytes, this build expects " + std::to_string(size));
        if (a.get_offset() != edgemoe_hls::register_offset(i))
            differ(nm + " is at register " + hex(a.get_offset()) + ", this build expects " +
                   hex(edgemoe_hls::register_offset(i)));
    }
    if (shown > 6) diffs += "; and " + std::to_string(shown - 6) + " more";
    return diffs;
}

CheckedXclbin check_xclbin(const std::string& path, const std::string& model_shape) {
    CheckedXclbin out;
    out.path = path;
    const std::vector<char> bytes = read_xclbin_file(path);
    try {
        out.xclbin = xrt::xclbin(bytes);
    } catch (const std::exception& e) {
        refuse(path, std::string("XRT cannot read it: ") + e.what());
    }

    // Our kernel, by name.
    std::vector<xrt::xclbin::kernel> kernels;
    try {
        kernels = out.xclbin.get_kernels();
    } catch (const std::exception& e) {
        refuse(path, std::string("no readable kernel metadata (EMBEDDED_METADATA): ") + e.what());
    }
    const xrt::xclbin::kernel* ours = nullptr;
    std::string names;
    for (const auto& k : kernels) {
        names += (names.empty() ? "" : ", ") + k.get_name();
        if (k.get_name() == edgemoe_hls::kKernelName) ours = &k;
    }
    if (!ours)
        refuse(path, "has no kernel '" + std::string(edgemoe_hls::kKernelName) + "' (it has: " +
                         (names.empty() ? "none" : names) + ")");

    // Its argument list, as this build binds it.
    std::string diff;
    try {
        diff = compare_kernel_args(*ours);
    } catch (const std::exception& e) {
        refuse(path, std::string("cannot read the kernel's arguments: ") + e.what());
    }
    if (!diff.empty()) refuse(path, "its kernel differs from this build's argument list: " + diff);

    // The signature of the argument list the kernel was built from, and the kernel shape.
    const std::string want = signature_text(edgemoe_hls::kernel_signature());
    const std::optional<std::string> sig = xclbin_user_value(bytes, path, kSignatureKey);
    if (!sig) refuse(path, "carries no kernel signature (USER key '" + std::string(kSignatureKey) + "')" + xrt_hint());
    if (parse_u64(*sig) != std::optional<uint64_t>(edgemoe_hls::kernel_signature()))
        refuse(path, "kernel signature " + *sig + " differs from this build's " + want +
                         ": the kernel and this program were built from different kernel_args.h; rebuild the one that is behind");
    const std::optional<std::string> shape = xclbin_user_value(bytes, path, kShapeKey);
    if (!shape) refuse(path, "does not say which kernel shape it was built for (USER key '" + std::string(kShapeKey) + "')" + xrt_hint());
    out.shape = *shape;
    if (!model_shape.empty() && *shape != model_shape)
        refuse(path, "its kernel is built for shape " + *shape + ", the model needs " + model_shape);
    out.note = xrt_release_note(path, xclbin_user_value(bytes, path, kXrtKey), xclbin_user_value(bytes, path, kPlatformKey),
                                running_xrt_version());
    return out;
}

std::string running_xrt_version() {
    // The library this process really loaded (XILINX_XRT and the loader decide), by one of its symbols.
    Dl_info info{};
    if (!dladdr(reinterpret_cast<void*>(&xrtXclbinAllocFilename), &info) || !info.dli_fname) return {};
    std::error_code ec;
    const std::string file = std::filesystem::canonical(info.dli_fname, ec).filename().string();
    const std::string stem = "libxrt_coreutil.so.";
    if (ec || file.compare(0, stem.size(), stem) != 0) return {};
    return file.substr(stem.size());
}

std::string xrt_release_note(const std::string& path, const std::optional<std::string>& built_for,
                             const std::optional<std::string>& platform, const std::string& running) {
    if (!built_for || running.empty()) return {};
    // Releases are compared by major.minor (2.13.466 and 2.13.0 are one release).
    const auto release = [](const std::string& v) {
        const size_t dot = v.find('.');
        return dot == std::string::npos ? v : v.substr(0, v.find('.', dot + 1));
    };
    if (release(*built_for) == release(running)) return {};
    return "xclbin " + path + " was linked for XRT " + *built_for +
           (platform ? " (platform " + *platform + ")" : std::string()) + ", this machine runs XRT " + running +
           ": if loading it fails, rebuild it with the Vitis release of this XRT (tools/vitis_flow.sh), or install "
           "the XRT it was built for";
}

}  // namespace edgemoe::fpga
