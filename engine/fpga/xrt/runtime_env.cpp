#include "fpga/xrt/runtime_env.h"

#include <cstdlib>
#include <filesystem>

#include "edgemoe/error.h"

namespace edgemoe::fpga {
namespace {

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
}

const char* kHowToSet =
    "on Debian (libxrt1) make a folder whose 'lib' links to the multiarch library folder and point XILINX_XRT "
    "at it: mkdir -p ~/.local/xrt && ln -sfn /usr/lib/x86_64-linux-gnu ~/.local/xrt/lib && "
    "export XILINX_XRT=~/.local/xrt; with Xilinx's XRT package: source /opt/xilinx/xrt/setup.sh";

}  // namespace

XrtRuntime check_xrt_runtime() {
    XrtRuntime r;
    r.root = env("XILINX_XRT");
    r.emulation = env("XCL_EMULATION_MODE");
    if (r.root.empty())
        throw BackendError(std::string("fpga: no XRT runtime: XILINX_XRT is not set (XRT needs it even for a real "
                                       "board, to find its driver shim); ") + kHowToSet);
    std::string lib;
    if (r.emulation.empty()) lib = "libxrt_core.so.2";
    else if (r.emulation == "noop") lib = "libxrt_noop.so.2";
    else if (r.emulation == "sw_emu") lib = "libxrt_swemu.so.2";
    else if (r.emulation == "hw_emu") lib = "libxrt_hwemu.so.2";
    else
        throw BackendError("fpga: XCL_EMULATION_MODE='" + r.emulation +
                           "' is not a mode XRT knows (noop, sw_emu, hw_emu); unset it for a real board");
    r.shim = (std::filesystem::path(r.root) / "lib" / lib).string();
    std::error_code ec;
    if (!std::filesystem::exists(r.shim, ec))
        throw BackendError("fpga: no XRT runtime: XRT's driver shim " + r.shim + " does not exist (XILINX_XRT=" +
                           r.root + (r.emulation.empty() ? "" : ", XCL_EMULATION_MODE=" + r.emulation) +
                           "); install libxrt1 and " + kHowToSet);
    return r;
}

std::string xrt_runtime_problem() {
    try {
        check_xrt_runtime();
        return {};
    } catch (const BackendError& e) {
        std::string m = e.what();
        const std::string prefix = "fpga: ";
        return m.compare(0, prefix.size(), prefix) == 0 ? m.substr(prefix.size()) : m;
    }
}

}  // namespace edgemoe::fpga
