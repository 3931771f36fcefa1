#pragma once
// The server's own energy meters (engine/energy: RAPL, ZCU102 INA226, KV260 INA260, XRT, NVML),
// sampled in the background; every served frame is attributed its energy on the meter that speaks
// for its backend. A reply carries the latest frame whose energy is known, or why there is none.
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "edgemoe/energy.h"
#include "remote/wire.h"

namespace edgemoe::remote {

class ServerMeters {
public:
    // enabled=false: no sampling; every reply says the meters are off. `xrt`: the power sources of the
    // cards the fpga backend would open (Alveo), as edgemoe-run gets them (device_power_sources).
    ServerMeters(bool enabled, const std::string& sysfs_root, std::vector<energy::XrtDevice> xrt = {});
    ~ServerMeters();

    // A frame of `backend` ran over [start, end]; fills `out` with the latest resolved frame's energy.
    void frame(const std::string& backend, uint64_t sequence, energy::TimePoint start, energy::TimePoint end, pb::Energy& out);
    // One line per meter found and per family missing, for the server's start-up log.
    std::vector<std::string> describe() const;

private:
    struct PerBackend {
        int stream = -1, meter = -1;
        std::string why_not;                 // when meter < 0
        bool has_last = false;
        uint64_t last_sequence = 0;
        energy::MeterEnergy last;
        double last_seconds = 0;
    };
    PerBackend& state(const std::string& backend);

    bool enabled_;
    energy::Discovery found_;
    std::unique_ptr<energy::Sampler> sampler_;
    std::unique_ptr<energy::EnergyAttribution> attribution_;
    std::mutex mutex_;
    std::map<std::string, PerBackend> backends_;
};

}  // namespace edgemoe::remote
