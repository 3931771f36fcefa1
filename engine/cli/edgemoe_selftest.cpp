// edgemoe-selftest: the first command to run on a board after copying the xclbin. It runs the real
// kernel (the fpga backend) on the bundled test frame for every task and compares the outputs and
// the expert routing bit for bit with fpga-emu (the same hls/ source in C-simulation), then lists
// the power sensors found and which of them speaks for the backend.
#include <cstring>
#include <filesystem>
#include <iostream>

#include "args.h"
#include "edgemoe/backend.h"
#include "edgemoe/error.h"
#include "edgemoe/meter_discovery.h"
#include "edgemoe/npy.h"
#include "edgemoe/resources.h"
#include "edgemoe/selftest.h"

using namespace edgemoe;

namespace {

const char* kUsage = R"(usage: edgemoe-selftest --xclbin FILE [options]
  --xclbin FILE      the kernel binary (tools/vitis_flow.sh makes it)
  --device D         the card: index or PCIe BDF (default 0; a ZCU102/KV260 has card 0)
  --backend NAME     the backend to check against fpga-emu (default fpga)
  --model FILE       default: the bundled demo model
  --frame FILE.npy   HxWx3 uint8 in the model's input size (default: the bundled test frame)
  --threads N        fpga-emu's threads (default: every core)
  --sysfs-root DIR   look for the sensors under DIR instead of /
exit status: 0 when every task is identical to fpga-emu; 1 when one differs; 2 on bad arguments or
             input; 3 when the backend cannot be opened (its reason is printed).
)";

cv::Mat load_frame(const std::string& path, const ModelConfig& c) {
    const NpyArray a = read_npy(path);
    if (a.dtype != "|u1" || a.shape.size() != 3 || a.shape[2] != 3 || a.shape[0] != c.image_h || a.shape[1] != c.image_w)
        throw std::invalid_argument(path + ": not a " + std::to_string(c.image_h) + "x" + std::to_string(c.image_w) +
                                    "x3 uint8 array (the model's input size)");
    cv::Mat img(c.image_h, c.image_w, CV_8UC3);
    std::memcpy(img.data, a.bytes.data(), a.bytes.size());
    return img;
}

void print_sensors(const std::string& root, const std::string& backend) {
    energy::Discovery found = energy::discover_meters(root);
    std::cout << "sensors:\n";
    for (const auto& m : found.meters) std::cout << "  found: " << m->name() << " (" << m->family() << ")\n";
    for (const auto& u : found.unavailable)
        std::cout << "  not available: " << u.kind << (u.meter.empty() ? "" : " " + u.meter) << ": " << u.reason
                  << (u.hint.empty() ? "" : " (" + u.hint + ")") << "\n";
    for (const std::string& family : energy_meter_families(backend))
        for (const auto& m : found.meters)
            if (m->family() == family) {
                std::cout << "energy of " << backend << " frames: " << m->name() << "\n";
                return;
            }
    std::cout << "energy of " << backend << " frames: not available (no sensor of the families";
    for (const std::string& family : energy_meter_families(backend)) std::cout << " " << family;
    std::cout << ")\n";
}

int run(int argc, char** argv) {
    const cli::Args args(argc, argv, {"--help"},
                         {"--xclbin", "--device", "--backend", "--model", "--frame", "--threads", "--sysfs-root"});
    if (args.has("--help")) {
        std::cout << kUsage;
        return 0;
    }
    const std::string backend = args.get("--backend", "fpga");
    const std::string model_path = args.get("--model", default_model_path());
    const std::string frame_path = args.get("--frame", default_selftest_frame_path());
    if (model_path.empty()) throw std::invalid_argument("no --model given and the bundled model is not installed");
    if (frame_path.empty()) throw std::invalid_argument("no --frame given and the bundled test frame is not installed");
    const std::string root = args.get("--sysfs-root", "/");
    if (!std::filesystem::is_directory(root)) throw std::invalid_argument("--sysfs-root " + root + ": not a directory");
    const int threads = int(args.get_int("--threads", 0));

    const std::shared_ptr<const Model> model = Model::load(model_path);
    const cv::Mat frame = load_frame(frame_path, model->config());
    std::cout << "model: " << model_path << "\nframe: " << frame_path << "\n";

    BackendOptions o;
    o.xclbin = args.get("--xclbin");
    o.device = args.get("--device", "0");
    o.threads = threads;
    std::unique_ptr<Backend> device;
    try {
        device = create_backend(backend, model, o);
    } catch (const BackendError& e) {
        std::cout << "kernel: cannot open " << backend << ": " << e.what() << "\n";
        print_sensors(root, backend);
        return 3;
    }
    std::cout << "kernel: " << device->description() << "\n";
    const SelftestReport r = compare_with_emulation(*device, model, frame, threads);
    for (const std::string& line : r.lines) std::cout << "  " << line << "\n";
    print_sensors(root, backend);
    std::cout << (r.identical ? "selftest: PASS" : "selftest: FAIL: the kernel's output differs from fpga-emu") << "\n";
    return r.identical ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::invalid_argument& e) {
        std::cerr << "edgemoe-selftest: " << e.what() << "\n" << kUsage;
    } catch (const std::exception& e) {
        std::cerr << "edgemoe-selftest: " << e.what() << "\n";
    }
    return 2;
}
