// AMD Zen energy through hwmon: the amd_energy driver (in Linux 5.8-5.17) and its out-of-tree
// successor zenergy expose energyN_input in microjoules, labelled "Esocket<K>" per socket and
// "Ecore<NNN>" per core. The drivers accumulate the 32-bit hardware counter into 64 bits themselves,
// so the files do not wrap; a decrease means the driver was reloaded.
#include <algorithm>
#include <regex>

#include "edgemoe/meter_discovery.h"
#include "energy/hwmon.h"
#include "energy/sysfs_counter_meter.h"
#include "energy/sysfs_value.h"

namespace edgemoe::energy {
namespace fs = std::filesystem;

namespace {

constexpr const char* kAmdPermissionHint =
    "the energy files are readable by root only (the 2020 PLATYPUS fix). Grant read access with a udev rule, e.g. "
    "SUBSYSTEM==\"hwmon\", ATTR{name}==\"amd_energy|zenergy\", ACTION==\"add\", RUN+=\"/bin/sh -c 'chmod a+r "
    "/sys%p/energy*_input'\", or run as root";

}  // namespace

void discover_amd_energy(const fs::path& root, const DiscoveryOptions& options, Discovery& out) {
    const FileReader reader = reader_or_default(options.reader);
    const auto now = Clock::now();
    bool any_device = false;
    for (const HwmonDevice& d : scan_hwmon(root, reader)) {
        if (d.name != "amd_energy" && d.name != "zenergy") continue;
        any_device = true;
        static const std::regex input_re("^energy([0-9]+)_input$");
        std::vector<int> channels;
        std::error_code ec;
        for (const auto& e : fs::directory_iterator(d.dir, ec)) {
            std::smatch m;
            const std::string n = e.path().filename().string();
            if (std::regex_match(n, m, input_re)) channels.push_back(std::stoi(m[1]));
        }
        std::sort(channels.begin(), channels.end());
        bool any_socket = false;
        for (int c : channels) {
            const std::string base = (d.dir / ("energy" + std::to_string(c))).string();
            const std::string label = read_sysfs_text(reader, base + "_label").value_or("");
            // Per-core channels are left out: the socket channel already contains them.
            if (label.rfind("Esocket", 0) != 0) continue;
            any_socket = true;
            SysfsCounterSpec spec;
            spec.name = "amd_energy:socket" + label.substr(7);
            spec.family = "amd_energy";
            spec.what = "CPU socket " + label.substr(7) + " (" + d.name + " driver, " + d.hwmon + ")";
            spec.path = base + "_input";
            spec.range_uj = 0;
            spec.max_power_w = options.rapl_max_power_w;
            spec.permission_hint = kAmdPermissionHint;
            spec.update_interval = std::chrono::milliseconds(1);
            auto meter = std::make_unique<SysfsCounterMeter>(std::move(spec), reader);
            Reading r = meter->read(now);
            if (!r.ok) {
                out.unavailable.push_back({"amd_energy", meter->name(), r.error, r.hint});
                continue;
            }
            out.meters.push_back(std::move(meter));
        }
        if (!any_socket)
            out.unavailable.push_back({"amd_energy", "", d.dir.string() + " (" + d.name +
                                       ") has no energyN_input labelled Esocket<K>", ""});
    }
    if (!any_device)
        out.unavailable.push_back({"amd_energy", "", "no amd_energy or zenergy device in " +
                                   (root / "sys/class/hwmon").string() + " (not an AMD Zen CPU, or the driver is not loaded)",
                                   "on AMD Zen: use the kernel's RAPL powercap driver (Linux 5.8 and later), or load "
                                   "the out-of-tree zenergy module"});
}

}  // namespace edgemoe::energy
