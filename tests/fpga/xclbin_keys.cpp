// Prints the xclbinutil arguments that stamp a board build's xclbin with what the fpga backend
// checks: this build's kernel_signature() and the kernel shape the synthesis top is built for
// (EdgeMoeShape; "c256" for M3ViT's 256-channel heads). Usage: edgemoe_xclbin_keys [c256]
#include <cstdio>
#include <string>

#include "edgemoe_hls/kernel_args.h"
#include "fpga/xrt/buffer_plan.h"

int main(int argc, char** argv) {
    const bool c256 = argc > 1 && std::string(argv[1]) == "c256";
    const std::string shape = c256 ? edgemoe::fpga::shape_key<edgemoe_hls::EdgeMoeShapeC256>()
                                   : edgemoe::fpga::shape_key<edgemoe_hls::EdgeMoeShape>();
    std::printf("--key-value USER:edgemoe_signature:0x%016llx --key-value USER:edgemoe_shape:%s\n",
                static_cast<unsigned long long>(edgemoe_hls::kernel_signature()), shape.c_str());
    return 0;
}
