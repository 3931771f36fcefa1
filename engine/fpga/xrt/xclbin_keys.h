#pragma once
// The USER key-values a board build stamps into its xclbin's KEYVALUE_METADATA section
// (edgemoe-xclbin-keys prints them for xclbinutil; xclbin_check.cpp reads them). No XRT needed.
#include <cstdint>
#include <cstdio>
#include <string>

namespace edgemoe::fpga {

inline constexpr const char* kSignatureKey = "edgemoe_signature";   // kernel_args.h kernel_signature()
inline constexpr const char* kShapeKey = "edgemoe_shape";           // shape_key<S>() of the synthesis top
inline constexpr const char* kPlatformKey = "edgemoe_platform";     // the Vitis platform it was linked for
inline constexpr const char* kXrtKey = "edgemoe_xrt";               // the XRT release of that Vitis ("2.13")

// "0x99572a201966fd3b"
inline std::string signature_text(uint64_t signature) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(signature));
    return buf;
}

}  // namespace edgemoe::fpga
