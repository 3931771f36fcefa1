#pragma once
// NVIDIA GPUs through NVML, loaded with dlopen at run time so that the build needs neither the CUDA
// toolkit nor NVML's headers, and runs on machines without an NVIDIA driver. Each GPU gets a meter
// of its total-energy counter (mJ, Volta and later) or, where that is not supported, of its power
// (mW, integrated over time). NVML refreshes both every 20-100 ms: compare over windows of a second
// or more.
#include <memory>
#include <string>
#include <vector>

#include "edgemoe/meter.h"

namespace edgemoe::energy {

// The NVML entry points used, with NVML's C signatures: nvmlReturn_t is an int enum (0 = success)
// and nvmlDevice_t an opaque pointer. Tests fill this with fakes.
struct NvmlApi {
    using Device = void*;
    int (*init)() = nullptr;                                      // nvmlInit_v2
    int (*shutdown)() = nullptr;                                  // nvmlShutdown
    int (*device_count)(unsigned*) = nullptr;                     // nvmlDeviceGetCount_v2
    int (*device_by_index)(unsigned, Device*) = nullptr;          // nvmlDeviceGetHandleByIndex_v2
    int (*device_name)(Device, char*, unsigned) = nullptr;        // nvmlDeviceGetName (optional)
    int (*total_energy)(Device, unsigned long long*) = nullptr;   // nvmlDeviceGetTotalEnergyConsumption, mJ (optional)
    int (*power_usage)(Device, unsigned*) = nullptr;              // nvmlDeviceGetPowerUsage, mW
    const char* (*error_string)(int) = nullptr;                   // nvmlErrorString (optional)
};

// An initialised NVML, shut down (and unloaded) when the last meter using it goes.
class NvmlSession {
public:
    // dlopen(library) and nvmlInit_v2. On failure returns null and sets `error`, e.g.
    // "libnvidia-ml.so.1 not found (...)".
    static std::shared_ptr<NvmlSession> load(const std::string& library, std::string& error);
    // From given entry points (tests). Calls api.init.
    static std::shared_ptr<NvmlSession> from_api(const NvmlApi& api, std::string& error);
    ~NvmlSession();
    NvmlSession(const NvmlSession&) = delete;
    NvmlSession& operator=(const NvmlSession&) = delete;

    const NvmlApi& api() const { return api_; }
    // "NVML error N: <nvmlErrorString>" for a return code.
    std::string describe(int code) const;

private:
    NvmlSession(const NvmlApi& api, void* handle) : api_(api), handle_(handle) {}
    NvmlApi api_;
    void* handle_ = nullptr;
};

struct NvmlFound {
    std::vector<std::unique_ptr<Meter>> meters;
    std::vector<std::string> problems;   // per GPU that gave no meter: why
};
// One meter per GPU the session sees ("nvml:0", ...).
NvmlFound nvml_meters(const std::shared_ptr<NvmlSession>& session);

}  // namespace edgemoe::energy
