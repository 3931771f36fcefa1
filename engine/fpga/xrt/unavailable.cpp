// The `fpga` backend's XRT entry points in a build without XRT (libxrt-dev was not found at
// configure time, or -DEDGEMOE_WITH_XRT=OFF). The backend itself and its in-process card are
// still built, so their tests run here too.
#include "edgemoe/error.h"
#include "fpga/xrt/backend.h"

namespace edgemoe::fpga {

namespace {
const char* kWhy = "built without XRT (install libxrt-dev and reconfigure with -DEDGEMOE_WITH_XRT=ON)";
}

std::string xrt_unavailable_reason() { return kWhy; }

std::unique_ptr<Backend> make_xrt_backend(std::shared_ptr<const Model>, const BackendOptions&) {
    throw BackendError(std::string("fpga: ") + kWhy);
}

std::function<std::string()> make_xrt_electrical_source(const std::string&) {
    throw BackendError(std::string("fpga: ") + kWhy);
}

std::optional<std::string> xrt_electrical_json(const std::string&, std::string& why_not) {
    why_not = std::string("fpga: ") + kWhy;
    return std::nullopt;
}

}  // namespace edgemoe::fpga
