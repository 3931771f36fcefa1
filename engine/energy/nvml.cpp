// NVML loaded at run time, and its meters.
#include <dlfcn.h>

#include <cstring>

#include "edgemoe/meter_discovery.h"
#include "edgemoe/meter_nvml.h"
#include "energy/counter_unwrapper.h"

namespace edgemoe::energy {
namespace {

constexpr int kNvmlSuccess = 0;
constexpr int kNvmlNotSupported = 3;
// Above any GPU's board power; bounds nothing but a wrap of the 64-bit mJ counter, which never comes.
constexpr double kGpuMaxPowerW = 2000;
// NVML refreshes energy and power every 20-100 ms; the slower figure is reported.
constexpr auto kNvmlUpdate = std::chrono::milliseconds(100);

template <class F>
bool bind(void* handle, const char* symbol, F& fn) {
    fn = reinterpret_cast<F>(dlsym(handle, symbol));
    return fn != nullptr;
}

class NvmlEnergyMeter : public Meter {
public:
    NvmlEnergyMeter(std::shared_ptr<NvmlSession> s, NvmlApi::Device dev, unsigned index, const std::string& gpu)
        : Meter("nvml:" + std::to_string(index), "nvml", "GPU " + std::to_string(index) + ": " + gpu + " (board)",
                MeterKind::EnergyCounter, kNvmlUpdate),
          session_(std::move(s)), device_(dev), unwrap_(0, 1e-3, kGpuMaxPowerW) {}

    Reading read(TimePoint now) override {
        Reading r;
        r.time = now;
        unsigned long long mj = 0;
        const int rc = session_->api().total_energy(device_, &mj);
        if (rc != kNvmlSuccess) {
            r.error = name() + ": nvmlDeviceGetTotalEnergyConsumption: " + session_->describe(rc);
            return r;
        }
        const uint64_t before = unwrap_.previous_raw();
        if (unwrap_.update(mj, now) == CounterUnwrapper::Step::Backwards) {
            r.error = name() + ": total energy went back from " + std::to_string(before) + " to " + std::to_string(mj) +
                      " mJ (driver reloaded?); the energy since the previous read is unknown";
            return r;
        }
        r.ok = true;
        r.energy_j = unwrap_.joules();
        return r;
    }

private:
    std::shared_ptr<NvmlSession> session_;
    NvmlApi::Device device_;
    CounterUnwrapper unwrap_;
};

// On Ampere and later (except GA100) nvmlDeviceGetPowerUsage is the average over the last second.
class NvmlPowerMeter : public Meter {
public:
    NvmlPowerMeter(std::shared_ptr<NvmlSession> s, NvmlApi::Device dev, unsigned index, const std::string& gpu)
        : Meter("nvml:" + std::to_string(index), "nvml", "GPU " + std::to_string(index) + ": " + gpu + " (board)",
                MeterKind::IntegratedPower, kNvmlUpdate),
          session_(std::move(s)), device_(dev) {}

    Reading read(TimePoint now) override {
        Reading r;
        r.time = now;
        unsigned mw = 0;
        const int rc = session_->api().power_usage(device_, &mw);
        if (rc != kNvmlSuccess) {
            r.error = name() + ": nvmlDeviceGetPowerUsage: " + session_->describe(rc);
            return r;
        }
        r.ok = true;
        r.power_w = mw * 1e-3;
        return r;
    }

private:
    std::shared_ptr<NvmlSession> session_;
    NvmlApi::Device device_;
};

}  // namespace

std::shared_ptr<NvmlSession> NvmlSession::load(const std::string& library, std::string& error) {
    dlerror();
    void* handle = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        const char* e = dlerror();
        const std::string why = e ? e : "dlopen failed";
        if (why.find("No such file") != std::string::npos)
            error = library + " not found (no NVIDIA driver on this machine)";
        else
            error = library + " cannot be loaded: " + why;
        return nullptr;
    }
    NvmlApi api;
    const char* missing = nullptr;
    if (!bind(handle, "nvmlInit_v2", api.init)) missing = "nvmlInit_v2";
    else if (!bind(handle, "nvmlShutdown", api.shutdown)) missing = "nvmlShutdown";
    else if (!bind(handle, "nvmlDeviceGetCount_v2", api.device_count)) missing = "nvmlDeviceGetCount_v2";
    else if (!bind(handle, "nvmlDeviceGetHandleByIndex_v2", api.device_by_index)) missing = "nvmlDeviceGetHandleByIndex_v2";
    else if (!bind(handle, "nvmlDeviceGetPowerUsage", api.power_usage)) missing = "nvmlDeviceGetPowerUsage";
    if (missing) {
        error = library + " has no " + missing + " (driver too old?)";
        dlclose(handle);
        return nullptr;
    }
    bind(handle, "nvmlDeviceGetName", api.device_name);
    bind(handle, "nvmlDeviceGetTotalEnergyConsumption", api.total_energy);
    bind(handle, "nvmlErrorString", api.error_string);
    auto s = from_api(api, error);
    if (!s) {
        dlclose(handle);
        return nullptr;
    }
    s->handle_ = handle;
    return s;
}

std::shared_ptr<NvmlSession> NvmlSession::from_api(const NvmlApi& api, std::string& error) {
    if (!api.init || !api.device_count || !api.device_by_index || !api.power_usage) {
        error = "NVML entry points missing";
        return nullptr;
    }
    std::shared_ptr<NvmlSession> s(new NvmlSession(api, nullptr));
    const int rc = api.init();
    if (rc != kNvmlSuccess) {
        error = "nvmlInit_v2 failed: " + s->describe(rc);
        s->api_.shutdown = nullptr;   // nothing to shut down
        return nullptr;
    }
    return s;
}

NvmlSession::~NvmlSession() {
    if (api_.shutdown) api_.shutdown();
    if (handle_) dlclose(handle_);
}

std::string NvmlSession::describe(int code) const {
    std::string s = "NVML error " + std::to_string(code);
    if (api_.error_string) {
        const char* e = api_.error_string(code);
        if (e) s += std::string(": ") + e;
    }
    return s;
}

NvmlFound nvml_meters(const std::shared_ptr<NvmlSession>& session) {
    NvmlFound out;
    const NvmlApi& api = session->api();
    unsigned count = 0;
    int rc = api.device_count(&count);
    if (rc != kNvmlSuccess) {
        out.problems.push_back("nvmlDeviceGetCount_v2: " + session->describe(rc));
        return out;
    }
    const auto now = Clock::now();
    for (unsigned i = 0; i < count; ++i) {
        NvmlApi::Device dev = nullptr;
        rc = api.device_by_index(i, &dev);
        if (rc != kNvmlSuccess) {
            out.problems.push_back("nvml:" + std::to_string(i) + ": nvmlDeviceGetHandleByIndex_v2: " + session->describe(rc));
            continue;
        }
        char name[96] = "NVIDIA GPU";
        if (api.device_name && api.device_name(dev, name, sizeof name) != kNvmlSuccess) std::strcpy(name, "NVIDIA GPU");
        name[sizeof name - 1] = '\0';
        std::unique_ptr<Meter> m;
        unsigned long long mj = 0;
        const int energy_rc = api.total_energy ? api.total_energy(dev, &mj) : kNvmlNotSupported;
        if (energy_rc == kNvmlSuccess)
            m = std::make_unique<NvmlEnergyMeter>(session, dev, i, name);
        else if (energy_rc == kNvmlNotSupported)
            m = std::make_unique<NvmlPowerMeter>(session, dev, i, name);
        else {
            out.problems.push_back("nvml:" + std::to_string(i) + ": nvmlDeviceGetTotalEnergyConsumption: " +
                                   session->describe(energy_rc));
            continue;
        }
        const Reading r = m->read(now);
        if (!r.ok) {
            out.problems.push_back(r.error);
            continue;
        }
        out.meters.push_back(std::move(m));
    }
    if (count == 0) out.problems.push_back("NVML sees no GPU");
    return out;
}

void discover_nvml(const DiscoveryOptions& options, Discovery& out) {
    if (!options.nvml) {
        out.unavailable.push_back({"nvml", "", "not searched (turned off)", ""});
        return;
    }
    std::string error;
    auto session = NvmlSession::load(options.nvml_library, error);
    if (!session) {
        out.unavailable.push_back({"nvml", "", error, "NVIDIA GPUs only: install the NVIDIA driver, which provides " +
                                   options.nvml_library});
        return;
    }
    NvmlFound found = nvml_meters(session);
    for (auto& m : found.meters) out.meters.push_back(std::move(m));
    for (auto& p : found.problems) out.unavailable.push_back({"nvml", "", std::move(p), ""});
}

}  // namespace edgemoe::energy
