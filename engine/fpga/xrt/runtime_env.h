#pragma once
// What XRT needs from the environment before it can talk to a card, checked before the first XRT
// call so that the message can say how to fix it (XRT's own is "XILINX_XRT not set" or "No such
// library ..."). XRT loads a driver shim at run time from $XILINX_XRT/lib: libxrt_core.so.2 for
// hardware, libxrt_noop.so.2 / libxrt_swemu.so.2 / libxrt_hwemu.so.2 when XCL_EMULATION_MODE is
// noop / sw_emu / hw_emu. Debian installs the shims in its multiarch folder (/usr/lib/<triplet>), so
// XILINX_XRT must name a folder whose `lib` links there; PetaLinux installs them in /usr/lib
// (XILINX_XRT=/usr); Xilinx's own package in /opt/xilinx/xrt (its setup.sh sets XILINX_XRT).
#include <filesystem>
#include <string>

namespace edgemoe::fpga {

struct XrtRuntime {
    std::string root;        // $XILINX_XRT
    std::string emulation;   // $XCL_EMULATION_MODE ("" for hardware)
    std::string shim;        // the library XRT will load
};

// The runtime XRT will use, or throws BackendError saying what is missing and how to set it.
XrtRuntime check_xrt_runtime();

// The same check as a reason for list_backends(): "" when XRT can load its shim.
std::string xrt_runtime_problem();

// Debian's library folder for the architecture this program runs on ("/usr/lib/aarch64-linux-gnu"
// on a board's Cortex-A53, "/usr/lib/x86_64-linux-gnu" on a PC).
std::string multiarch_lib_dir();

// How to set XILINX_XRT on this machine: for the XRT that is installed under `root` ("/" on a real
// machine; tests pass a fake tree), or how to install one when none is.
std::string xrt_setup_hint(const std::filesystem::path& root = "/");

}  // namespace edgemoe::fpga
