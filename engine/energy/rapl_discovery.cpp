// RAPL through the powercap driver: /sys/class/powercap/intel-rapl:N is package (or psys) zone N,
// intel-rapl:N:M its sub-zones (core, uncore, dram). Each zone's energy_uj counts microjoules and wraps
// at max_energy_range_uj. AMD Zen CPUs expose the same layout since Linux 5.8.
#include <algorithm>
#include <regex>

#include "edgemoe/meter_discovery.h"
#include "energy/sysfs_counter_meter.h"
#include "energy/sysfs_value.h"

namespace edgemoe::energy {
namespace fs = std::filesystem;

namespace {

// Since the PLATYPUS fix (CVE-2020-8694, November 2020) energy_uj is readable by root only.
constexpr const char* kRaplPermissionHint =
    "energy_uj is readable by root only since the 2020 PLATYPUS fix (CVE-2020-8694). Grant read access to "
    "a group with a udev rule, e.g. in /etc/udev/rules.d/90-rapl.rules: SUBSYSTEM==\"powercap\", "
    "ACTION==\"add\", RUN+=\"/bin/chgrp power /sys%p/energy_uj\", RUN+=\"/bin/chmod g+r /sys%p/energy_uj\" "
    "(then add your user to group 'power' and reboot or run 'udevadm trigger'); or, until the next reboot: "
    "sudo chmod a+r /sys/class/powercap/intel-rapl:*/energy_uj /sys/class/powercap/intel-rapl:*:*/energy_uj. "
    "Either re-opens the PLATYPUS side channel to those users";

struct Zone {
    int package = 0, sub = -1;   // sub = -1 for the package (or psys) zone itself
    fs::path dir;
};

std::string describe_zone(const std::string& zone_name, const std::string& package_name, int package) {
    const std::string pkg = "CPU package " + std::to_string(package);
    if (zone_name == "psys") return "platform (psys): the SoC and what the firmware adds to it, e.g. memory";
    if (zone_name.rfind("package", 0) == 0) return pkg + ": cores, caches, uncore and integrated GPU if any; not DRAM";
    if (zone_name == "core") return "cores of " + pkg;
    if (zone_name == "uncore") return "uncore (integrated GPU on client parts) of " + pkg;
    if (zone_name == "dram") return "DRAM attached to " + pkg;
    return "zone '" + zone_name + "' of " + (package_name.empty() ? pkg : package_name);
}

}  // namespace

void discover_rapl(const fs::path& root, const DiscoveryOptions& options, Discovery& out) {
    const FileReader reader = reader_or_default(options.reader);
    const fs::path dir = root / "sys/class/powercap";
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
        out.unavailable.push_back({"rapl", "", dir.string() + " does not exist: no powercap driver (a virtual machine, "
                                   "a non-x86 CPU, or a kernel without CONFIG_POWERCAP)",
                                   "on bare-metal Intel or AMD machines: sudo modprobe intel_rapl_msr"});
        return;
    }
    static const std::regex zone_re("^intel-rapl:([0-9]+)(?::([0-9]+))?$");
    std::vector<Zone> zones;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        const std::string n = e.path().filename().string();
        std::smatch m;
        if (!std::regex_match(n, m, zone_re)) continue;
        zones.push_back({std::stoi(m[1]), m[2].matched ? std::stoi(m[2]) : -1, e.path()});
    }
    if (zones.empty()) {
        out.unavailable.push_back({"rapl", "", "no intel-rapl:N zone in " + dir.string() + " (RAPL driver not loaded?)",
                                   "on bare-metal Intel or AMD machines: sudo modprobe intel_rapl_msr"});
        return;
    }
    std::sort(zones.begin(), zones.end(), [](const Zone& a, const Zone& b) {
        return a.package != b.package ? a.package < b.package : a.sub < b.sub;
    });
    const auto now = Clock::now();
    std::string package_name;
    for (const Zone& z : zones) {
        const std::string zone_name =
            read_sysfs_text(reader, (z.dir / "name").string())
                .value_or(z.sub < 0 ? "package-" + std::to_string(z.package) : "zone-" + std::to_string(z.sub));
        if (z.sub < 0) package_name = zone_name;
        const std::string parent = package_name.empty() ? "package-" + std::to_string(z.package) : package_name;
        SysfsCounterSpec spec;
        spec.name = z.sub < 0 ? "rapl:" + zone_name : "rapl:" + parent + "/" + zone_name;
        spec.family = "rapl";
        spec.what = describe_zone(zone_name, parent, z.package);
        spec.path = (z.dir / "energy_uj").string();
        spec.max_power_w = options.rapl_max_power_w;
        spec.permission_hint = kRaplPermissionHint;
        // RAPL updates its counters about once a millisecond.
        spec.update_interval = std::chrono::milliseconds(1);
        const SysfsInt range = read_sysfs_int(reader, (z.dir / "max_energy_range_uj").string());
        if (!range.ok || range.value <= 0) {
            out.unavailable.push_back({"rapl", spec.name,
                                       (range.ok ? spec.path + ": max_energy_range_uj is not positive" : range.error) +
                                           " (without the range a wrap-around cannot be undone)",
                                       ""});
            continue;
        }
        spec.range_uj = uint64_t(range.value);
        auto meter = std::make_unique<SysfsCounterMeter>(std::move(spec), reader);
        Reading r = meter->read(now);
        if (!r.ok) {
            out.unavailable.push_back({"rapl", meter->name(), r.error, r.hint});
            continue;
        }
        out.meters.push_back(std::move(meter));
    }
}

}  // namespace edgemoe::energy
