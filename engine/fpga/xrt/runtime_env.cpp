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

// Debian's multiarch triplet of the architecture this program was built for (the machine it runs on).
#if defined(__x86_64__)
constexpr const char* kTriplet = "x86_64-linux-gnu";
#elif defined(__aarch64__)
constexpr const char* kTriplet = "aarch64-linux-gnu";
#elif defined(__arm__) && defined(__ARM_PCS_VFP)
constexpr const char* kTriplet = "arm-linux-gnueabihf";
#elif defined(__riscv) && __riscv_xlen == 64
constexpr const char* kTriplet = "riscv64-linux-gnu";
#elif defined(__powerpc64__) && defined(__LITTLE_ENDIAN__)
constexpr const char* kTriplet = "powerpc64le-linux-gnu";
#else
constexpr const char* kTriplet = nullptr;
#endif

std::string debian_hint(const std::string& lib_dir) {
    return "on Debian (libxrt1) make a folder whose 'lib' links to the multiarch library folder and point "
           "XILINX_XRT at it: mkdir -p ~/.local/xrt && ln -sfn " + lib_dir + " ~/.local/xrt/lib && "
           "export XILINX_XRT=~/.local/xrt";
}

}  // namespace

std::string multiarch_lib_dir() { return kTriplet ? std::string("/usr/lib/") + kTriplet : std::string("/usr/lib"); }

std::string xrt_setup_hint(const std::filesystem::path& root) {
    std::error_code ec;
    const auto has = [&](const std::string& p) { return std::filesystem::exists(root / p.substr(1), ec); };
    const std::string debian = multiarch_lib_dir();
    if (has("/opt/xilinx/xrt/setup.sh")) return "Xilinx's XRT package is installed: source /opt/xilinx/xrt/setup.sh";
    if (kTriplet && has(debian + "/libxrt_coreutil.so.2")) return debian_hint(debian);
    // PetaLinux (and other non-multiarch systems) install XRT straight into /usr/lib.
    if (has("/usr/lib/libxrt_coreutil.so.2")) return "XRT is installed in /usr/lib (PetaLinux): export XILINX_XRT=/usr";
    return "no XRT found in " + debian + ", /usr/lib or /opt/xilinx/xrt: install it (Debian/Ubuntu: libxrt1; "
           "PetaLinux: the xrt and zocl packages in the image), then " + debian_hint(debian) +
           "; with Xilinx's XRT package: source /opt/xilinx/xrt/setup.sh";
}

XrtRuntime check_xrt_runtime() {
    XrtRuntime r;
    r.root = env("XILINX_XRT");
    r.emulation = env("XCL_EMULATION_MODE");
    if (r.root.empty())
        throw BackendError(std::string("fpga: no XRT runtime: XILINX_XRT is not set (XRT needs it even for a real "
                                       "board, to find its driver shim); ") + xrt_setup_hint());
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
                           "); " + xrt_setup_hint());
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
