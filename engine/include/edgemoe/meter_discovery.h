#pragma once
// Finds every power and energy sensor this machine offers, and says for each family of sensor that
// cannot be used why not and what would fix it. Every sysfs path is taken under a root directory
// ("/" on a real machine), so tests build fake sysfs trees in a temporary folder.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "edgemoe/meter.h"
#include "edgemoe/meter_xrt.h"

namespace edgemoe::energy {

// A sensor family (or one sensor of it) that cannot be used here.
struct Unavailable {
    std::string kind;     // "rapl", "amd_energy", "zcu102", "kv260", "xrt", "nvml"
    std::string meter;    // the one meter concerned, or empty when the whole family is absent
    std::string reason;   // what is missing or failing, naming the file or call
    std::string hint;     // how to fix it, when there is a known fix; may be empty
};

struct DiscoveryOptions {
    // ZCU102: besides the PL and PS totals, one meter per INA226 rail (also unidentified chips).
    bool rails = false;
    // NVIDIA GPUs through NVML, loaded at run time.
    bool nvml = true;
    std::string nvml_library = "libnvidia-ml.so.1";
    // Alveo cards: the XRT backend supplies one source per opened card. Nothing is found without.
    std::vector<XrtDevice> xrt;
    // The most a RAPL zone can plausibly draw. It bounds how much energy a wrap-around can hide,
    // which tells a wrap from a counter reset and sets the longest safe sampling period. 1000 W is
    // about twice the largest package TDP on sale.
    double rapl_max_power_w = 1000;
    // Empty: the real file system.
    FileReader reader;
};

struct Discovery {
    std::vector<std::unique_ptr<Meter>> meters;   // each one has answered one read
    std::vector<Unavailable> unavailable;
};

// Every family below, in this order: RAPL, amd_energy (only when no RAPL package zone is usable, as
// both count the same energy), ZCU102 INA226, KV260 INA260, XRT, NVML.
Discovery discover_meters(const std::filesystem::path& root = "/", const DiscoveryOptions& options = {});

// One family each; they append to `out`. discover_meters calls them; tests call them alone.
void discover_rapl(const std::filesystem::path& root, const DiscoveryOptions& options, Discovery& out);
void discover_amd_energy(const std::filesystem::path& root, const DiscoveryOptions& options, Discovery& out);
void discover_zcu102(const std::filesystem::path& root, const DiscoveryOptions& options, Discovery& out);
void discover_kv260(const std::filesystem::path& root, const DiscoveryOptions& options, Discovery& out);
void discover_xrt(const DiscoveryOptions& options, Discovery& out);
void discover_nvml(const DiscoveryOptions& options, Discovery& out);

}  // namespace edgemoe::energy
