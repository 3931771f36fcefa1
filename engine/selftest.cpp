#include "edgemoe/selftest.h"

#include <cstring>

#include "edgemoe/error.h"
#include "edgemoe/resources.h"

namespace edgemoe {
namespace {

bool same_bits(const float* a, const float* b, size_t n) { return std::memcmp(a, b, n * sizeof(float)) == 0; }

// "" when equal, else where the first difference is.
std::string compare(const NetworkOutput& got, const NetworkOutput& want) {
    if (got.channels != want.channels || got.height != want.height || got.width != want.width)
        return "output shape " + std::to_string(got.channels) + "x" + std::to_string(got.height) + "x" +
               std::to_string(got.width) + " against fpga-emu's " + std::to_string(want.channels) + "x" +
               std::to_string(want.height) + "x" + std::to_string(want.width);
    if (got.raw.size() != want.raw.size()) return "output sizes differ";
    size_t differ = 0, first = 0;
    for (size_t i = 0; i < got.raw.size(); ++i)
        if (!same_bits(&got.raw[i], &want.raw[i], 1) && differ++ == 0) first = i;
    if (differ) {
        const size_t plane = size_t(got.height) * got.width;
        return std::to_string(differ) + " of " + std::to_string(got.raw.size()) + " outputs differ (first at channel " +
               std::to_string(first / plane) + ", y " + std::to_string(first % plane / got.width) + ", x " +
               std::to_string(first % got.width) + ": " + std::to_string(got.raw[first]) + " against fpga-emu's " +
               std::to_string(want.raw[first]) + ")";
    }
    if (got.routing.size() != want.routing.size())
        return std::to_string(got.routing.size()) + " MoE blocks of routing against fpga-emu's " +
               std::to_string(want.routing.size());
    for (size_t k = 0; k < got.routing.size(); ++k) {
        const ExpertRouting &g = got.routing[k], &w = want.routing[k];
        if (g.expert != w.expert || g.weight.size() != w.weight.size() ||
            !same_bits(g.weight.data(), w.weight.data(), g.weight.size()))
            return "the routing of MoE block " + std::to_string(w.block) + " differs";
    }
    return {};
}

}  // namespace

SelftestReport compare_with_emulation(Backend& device, const std::shared_ptr<const Model>& model, const cv::Mat& frame,
                                      int emu_threads) {
    BackendOptions o;
    o.threads = emu_threads;
    const std::unique_ptr<Backend> emu = create_backend("fpga-emu", model, o);
    SelftestReport r;
    r.identical = true;
    const auto& tasks = model->config().tasks;
    for (int t = 0; t < int(tasks.size()); ++t) {
        NetworkOutput got, want;
        device.infer(frame, t, got);
        emu->infer(frame, t, want);
        const std::string diff = compare(got, want);
        std::string line = tasks[size_t(t)].name + ": ";
        if (diff.empty()) {
            line += "identical to fpga-emu (" + std::to_string(got.raw.size()) + " outputs, " +
                    std::to_string(got.routing.size()) + " MoE blocks of routing; " + device.name() + " " +
                    std::to_string(got.backbone_ms + got.head_ms) + " ms)";
        } else {
            r.identical = false;
            line += "DIFFERS from fpga-emu: " + diff;
        }
        r.lines.push_back(line);
    }
    return r;
}

std::string default_selftest_frame_path() { return find_resource("selftest/frame.npy"); }

}  // namespace edgemoe
