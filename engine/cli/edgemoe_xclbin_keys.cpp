// edgemoe-xclbin-keys: prints the xclbinutil arguments that stamp a board build's xclbin with what
// the fpga backend checks (fpga/xrt/xclbin_check.h): this build's kernel_signature(), the kernel shape
// the synthesis top is built for and, when given, the platform and the XRT release the xclbin was
// linked with (checked against the board's XRT at run time). tools/vitis_flow.sh calls it.
//
//   edgemoe-xclbin-keys [--shape c64|c256 | --model FILE] [--platform NAME] [--xrt VERSION]
#include <cstdio>
#include <iostream>
#include <string>

#include "args.h"
#include "edgemoe/model.h"
#include "edgemoe_hls/kernel_args.h"
#include "fpga/xrt/backend.h"
#include "fpga/xrt/buffer_plan.h"
#include "fpga/xrt/xclbin_keys.h"

namespace {

const char* kUsage =
    "usage: edgemoe-xclbin-keys [--shape c64|c256 | --model FILE] [--platform NAME] [--xrt VERSION]\n"
    "Prints the --key-value arguments for xclbinutil that the fpga backend checks:\n"
    "  --shape c64|c256  the kernel shape the synthesis top is built for (default c64: EdgeMoeShape,\n"
    "                    the demo model's 64-channel heads; c256: M3ViT's 256-channel heads)\n"
    "  --model FILE      the shape of this model instead\n"
    "  --platform NAME   the Vitis platform the xclbin was linked for (e.g. xilinx_zcu102_base_202210_1)\n"
    "  --xrt VERSION     the XRT release of that Vitis (e.g. 2.13 for 2022.1)\n";

}  // namespace

int main(int argc, char** argv) {
    using namespace edgemoe;
    try {
        const cli::Args args(argc, argv, {"--help"}, {"--shape", "--model", "--platform", "--xrt"});
        if (args.has("--help")) {
            std::cout << kUsage;
            return 0;
        }
        if (args.has("--shape") && args.has("--model")) throw std::invalid_argument("give --shape or --model, not both");
        std::string shape;
        if (args.has("--model")) {
            const auto model = Model::load(args.get("--model"));
            shape = fpga::shape_key_for(model->config());
            if (shape.empty())
                throw std::invalid_argument(args.get("--model") + ": the kernel is built for no shape this model has");
        } else {
            const std::string s = args.get("--shape", "c64");
            if (s == "c64") shape = fpga::shape_key<edgemoe_hls::EdgeMoeShape>();
            else if (s == "c256") shape = fpga::shape_key<edgemoe_hls::EdgeMoeShapeC256>();
            else throw std::invalid_argument("--shape is c64 or c256, not '" + s + "'");
        }
        std::string out = "--key-value USER:" + std::string(fpga::kSignatureKey) + ":" +
                          fpga::signature_text(edgemoe_hls::kernel_signature()) + " --key-value USER:" +
                          fpga::kShapeKey + ":" + shape;
        if (args.has("--platform")) out += " --key-value USER:" + std::string(fpga::kPlatformKey) + ":" + args.get("--platform");
        if (args.has("--xrt")) out += " --key-value USER:" + std::string(fpga::kXrtKey) + ":" + args.get("--xrt");
        std::cout << out << "\n";
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "edgemoe-xclbin-keys: " << e.what() << "\n" << kUsage;
        return 2;
    }
}
