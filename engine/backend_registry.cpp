// The one place that knows every backend. Front ends ask for a backend by name and get the
// Backend interface; they never include a backend's header.
#include <functional>

#include "cpu/cpu_backend.h"
#include "fpga/fpga_emu_backend.h"
#include "fpga/xrt/backend.h"
#include "edgemoe/backend.h"
#include "edgemoe/error.h"
#include "remote/remote_backend.h"

namespace edgemoe {
namespace {

struct Entry {
    const char* name;
    std::function<std::string()> why_not;   // empty string: available
    std::function<std::unique_ptr<Backend>(std::shared_ptr<const Model>, const BackendOptions&)> make;
    std::vector<std::string> meters;        // energy_meter_families()
};

// The host processor's package does the work of cpu and fpga-emu; for fpga it is the board's
// programmable logic (ZCU102 INA226 rails, KV260 INA260) or the Alveo card (XRT electrical info).
const std::vector<std::string> kHostMeters = {"rapl", "amd_energy"};
const std::vector<std::string> kBoardMeters = {"zcu102", "kv260", "xrt"};

const std::vector<Entry>& registry() {
    static const std::vector<Entry> entries = {
        {"cpu", [] { return std::string(); }, cpu::make_cpu_backend, kHostMeters},
        {"fpga-emu", [] { return std::string(); }, fpga::make_emu_backend, kHostMeters},
        {"fpga", fpga::xrt_unavailable_reason, fpga::make_xrt_backend, kBoardMeters},
    };
    return entries;
}

}  // namespace

std::vector<BackendInfo> list_backends() {
    std::vector<BackendInfo> out;
    for (const Entry& e : registry()) {
        const std::string why = e.why_not();
        out.push_back({e.name, why.empty(), why});
    }
    // remote needs a server's address, which only the caller has (list_remote_backends asks it).
    std::string why = remote::unavailable_reason();
    if (why.empty()) why = "needs an edgemoe-serve address: --remote HOST:PORT[/backend] (desktop program: Connect to board...)";
    out.push_back({"remote", false, why});
    return out;
}

std::vector<std::string> energy_meter_families(std::string_view backend) {
    for (const Entry& e : registry())
        if (backend == e.name) return e.meters;
    return {};
}

std::vector<DevicePowerSource> device_power_sources(std::string_view backend, const BackendOptions& options,
                                                    std::string& why_not) {
    if (backend != "fpga") return {};
    const std::string device = options.device.empty() ? "0" : options.device;
    try {
        return {{"xrt:" + device, "FPGA card " + device + " (XRT electrical info: card input power)",
                 fpga::make_xrt_electrical_source(device)}};
    } catch (const std::exception& e) {
        why_not = e.what();
        return {};
    }
}

std::unique_ptr<Backend> create_backend(std::string_view name, std::shared_ptr<const Model> model,
                                        const BackendOptions& options) {
    if (!model) throw BackendError(std::string(name) + ": no model loaded");
    // "remote" (options.remote names the backend) or "remote/<the server's backend>".
    if (name == "remote" || name.substr(0, 7) == "remote/") return remote::make_remote_backend(name, std::move(model), options);
    std::string known;
    for (const Entry& e : registry()) {
        if (name == e.name) {
            const std::string why = e.why_not();
            if (!why.empty()) throw BackendError(std::string(name) + ": not available: " + why);
            return e.make(std::move(model), options);
        }
        known += (known.empty() ? "" : ", ") + std::string(e.name);
    }
    throw BackendError("unknown backend '" + std::string(name) + "' (this build has: " + known + ", remote)");
}

std::vector<BackendInfo> list_remote_backends(std::shared_ptr<const Model> model, const BackendOptions& options,
                                              const std::atomic<bool>* cancel) {
    return remote::list_backends_of(std::move(model), options, cancel);
}

}  // namespace edgemoe
