#pragma once
// The xclbin check, done before any card is touched: the file is a whole xclbin, it holds our
// kernel (edgemoe_top) with exactly the argument list this build binds (names, count, buffer or
// scalar, register sizes and offsets, from hls/include/edgemoe_hls/kernel_args.h), it carries
// this build's kernel_signature(), and the kernel shape it was synthesised for.
//
// Signature and shape are USER key-values in the xclbin's KEYVALUE_METADATA section, which a board
// build adds after v++ --link with:
//   xclbinutil --input edgemoe.xclbin --key-value USER:edgemoe_signature:0x<kernel_signature()>
//              --key-value USER:edgemoe_shape:<shape key> --output edgemoe_signed.xclbin
// (edgemoe-xclbin-keys prints them, tools/vitis_flow.sh stamps them). Every refusal is a BackendError naming the file and what differs.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <experimental/xrt_xclbin.h>

#include "fpga/xrt/xclbin_keys.h"

namespace edgemoe::fpga {


struct CheckedXclbin {
    std::string path;
    xrt::xclbin xclbin;
    std::string shape;   // the kernel shape key it was built for
    std::string note;    // "" or why it may not load here (linked for another XRT release)
};

// Reads and checks the file. `model_shape` (shape_key_for(model)) must equal the xclbin's shape.
CheckedXclbin check_xclbin(const std::string& path, const std::string& model_shape);

// The pieces, for tests.
// The file's bytes, after checking it is readable, starts with "xclbin2", is as long as its header
// says and its sections lie inside it.
std::vector<char> read_xclbin_file(const std::string& path);
// A USER key-value from KEYVALUE_METADATA, or nullopt when the section or the key is absent.
std::optional<std::string> xclbin_user_value(const std::vector<char>& bytes, const std::string& path,
                                             const std::string& key);
// The version of the XRT library this process loaded ("2.13.0", from libxrt_coreutil.so.2.13.0), or
// "" when it cannot be told.
std::string running_xrt_version();
// "" when the xclbin's XRT release (USER key edgemoe_xrt, stamped by tools/vitis_flow.sh) is unknown
// or the same major.minor as `running`; otherwise a message for people saying both and what to do.
std::string xrt_release_note(const std::string& path, const std::optional<std::string>& built_for,
                             const std::optional<std::string>& platform, const std::string& running);
// The kernel's argument list against kernel_args.h; "" when it matches, else what differs.
std::string compare_kernel_args(const xrt::xclbin::kernel& kernel);

}  // namespace edgemoe::fpga
