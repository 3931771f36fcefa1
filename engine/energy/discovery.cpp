#include "edgemoe/meter_discovery.h"

namespace edgemoe::energy {

void discover_xrt(const DiscoveryOptions& options, Discovery& out) {
    if (options.xrt.empty()) {
        out.unavailable.push_back({"xrt", "", "no Alveo card open: the fpga backend supplies its card's XRT electrical "
                                   "info when it opens one", ""});
        return;
    }
    const auto now = Clock::now();
    for (const XrtDevice& d : options.xrt) {
        auto m = make_xrt_meter(d);
        const Reading r = m->read(now);
        if (!r.ok) {
            out.unavailable.push_back({"xrt", m->name(), r.error, r.hint});
            continue;
        }
        out.meters.push_back(std::move(m));
    }
}

Discovery discover_meters(const std::filesystem::path& root, const DiscoveryOptions& options) {
    Discovery out;
    discover_rapl(root, options, out);
    bool rapl_package = false;
    for (const auto& m : out.meters)
        if (m->name().rfind("rapl:package", 0) == 0 && m->name().find('/') == std::string::npos) rapl_package = true;
    // amd_energy counts what the RAPL package zones count; using both would count it twice.
    if (rapl_package)
        out.unavailable.push_back({"amd_energy", "", "not used: the RAPL package zones measure the same energy", ""});
    else
        discover_amd_energy(root, options, out);
    discover_zcu102(root, options, out);
    discover_kv260(root, options, out);
    discover_xrt(options, out);
    discover_nvml(options, out);
    return out;
}

}  // namespace edgemoe::energy
