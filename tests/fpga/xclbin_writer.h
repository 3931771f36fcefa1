#pragma once
// Test helper (not part of the product): writes a well-formed xclbin without Vitis, from the
// structures in xrt/xclbin.h. Debian ships no working xclbinutil, and XRT's noop shim loads any
// well-formed xclbin, so the tests make their own: the axlf header, MEM_TOPOLOGY, IP_LAYOUT,
// CONNECTIVITY, EMBEDDED_METADATA (the kernel XML that XRT reads argument names, offsets and sizes
// from) and, as a board build would add with xclbinutil, KEYVALUE_METADATA holding our signature.
//
// edgemoe_spec() describes the real kernel from hls/include/edgemoe_hls/kernel_args.h; tests edit
// the spec to make mismatched files (another kernel name, an argument missing, a wrong signature).
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace edgemoe::test {

struct XclbinArg {
    std::string name;
    int address_qualifier = 0;   // 1: global memory (a pointer on an AXI master), 0: scalar (AXI-Lite)
    std::string port;            // "M_AXI_GMEM_IMAGE" or "S_AXI_CONTROL"
    uint32_t offset = 0;         // register offset in the control block
    uint32_t size = 0;           // bytes in the register map (8 for a pointer, 4 for an int)
    std::string type;            // C type as Vitis writes it: "uint8_t*", "int"
    int bank = 0;                // memory bank (MEM_TOPOLOGY index) a memory argument connects to
};

struct XclbinSpec {
    std::string kernel = "edgemoe_top";
    std::vector<XclbinArg> args;
    int compute_units = 1;
    std::vector<std::string> banks = {"DDR[0]", "DDR[1]"};   // MEM_TOPOLOGY tags, all used
    // KEYVALUE_METADATA entries (key, value); an empty list writes no such section.
    std::vector<std::pair<std::string, std::string>> key_values;
    std::string platform = "xilinx_edgemoe_noop_test";
};

// The real kernel: every argument of kernel_args.h with register_offset(), memory arguments on
// alternating banks by AXI bundle (as the in-process card has them), the signature under
// "edgemoe_signature" and `shape` (a kernel shape key) under "edgemoe_shape".
XclbinSpec edgemoe_spec(const std::string& shape);

// The signature key/value as a board build stores it.
std::pair<std::string, std::string> signature_key_value(uint64_t signature);

std::vector<char> build_xclbin(const XclbinSpec& spec);

// Writes `bytes` to `path` (throws std::runtime_error on failure).
void write_file(const std::string& path, const std::vector<char>& bytes);

}  // namespace edgemoe::test
