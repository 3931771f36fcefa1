// Zynq UltraScale+ boards through hwmon: the ZCU102's INA226 rail monitors (PL and PS totals, and each
// rail on request) and the KV260's INA260. Two driver layouts exist: the hwmon ina2xx driver names
// every chip "ina226" (so chips are told apart by their device-tree label or their I2C mux channel and
// address), and Xilinx BSPs that use the IIO ina2xx-adc driver with iio-hwmon bridges, whose hwmon
// names carry the designator ("ina226_u79"). Both give power1_input in microwatts (iio-hwmon scales
// IIO's milliwatts since Linux 5.4, when it started exporting power at all).
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>

#include "edgemoe/meter_discovery.h"
#include "energy/hwmon.h"
#include "energy/power_meters.h"
#include "energy/sysfs_value.h"
#include "energy/zcu102_rails.h"

namespace edgemoe::energy {
namespace fs = std::filesystem;

namespace {

constexpr const char* kHwmonPermissionHint =
    "grant read access to the hwmon power files, e.g. a udev rule SUBSYSTEM==\"hwmon\", ACTION==\"add\", "
    "RUN+=\"/bin/sh -c 'chmod a+r /sys%p/power*_input'\", or run as root";

// "uNN" from "ina226_u79" (iio-hwmon name) or "ina226-u79" (device-tree label); "" otherwise.
std::string designator_in(const std::string& s, const std::string& chip) {
    if (s.size() <= chip.size() + 1 || s.compare(0, chip.size(), chip) != 0) return {};
    const char sep = s[chip.size()];
    if (sep != '_' && sep != '-') return {};
    return s.substr(chip.size() + 1);
}

bool is_chip(const HwmonDevice& d, const std::string& chip) {
    return d.name == chip || !designator_in(d.name, chip).empty();
}

// The update interval the driver reports (ms), or the assumed default: ina2xx configures INA226s for
// 16 averages of 1.1 ms bus + shunt conversions, about 35 ms.
std::chrono::nanoseconds update_interval_of(const HwmonDevice& d, const FileReader& reader) {
    const SysfsInt v = read_sysfs_int(reader, (d.dir / "update_interval").string());
    if (v.ok && v.value > 0) return std::chrono::milliseconds(v.value);
    return std::chrono::milliseconds(35);
}

std::unique_ptr<HwmonPowerMeter> power_meter(const HwmonDevice& d, std::string name, std::string family,
                                             std::string what, const FileReader& reader) {
    HwmonPowerSpec spec;
    spec.name = std::move(name);
    spec.family = std::move(family);
    spec.what = std::move(what);
    spec.path = (d.dir / "power1_input").string();
    spec.update_interval = update_interval_of(d, reader);
    spec.permission_hint = kHwmonPermissionHint;
    return std::make_unique<HwmonPowerMeter>(std::move(spec), reader);
}

std::string lower(std::string s) {
    for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// The board's device-tree compatible strings, or empty when there is no device tree.
std::vector<std::string> board_compatible(const fs::path& root, const FileReader& reader) {
    std::vector<std::string> out;
    const auto text = read_sysfs_text(reader, (root / "sys/firmware/devicetree/base/compatible").string());
    if (!text) return out;
    size_t start = 0;
    while (start <= text->size()) {
        const size_t end = std::min(text->find('\0', start), text->size());
        if (end > start) out.push_back(text->substr(start, end - start));
        start = end + 1;
    }
    return out;
}

struct FoundRail {
    const Zcu102Rail* rail;
    const HwmonDevice* device;
};

}  // namespace

void discover_zcu102(const fs::path& root, const DiscoveryOptions& options, Discovery& out) {
    const FileReader reader = reader_or_default(options.reader);
    const std::vector<HwmonDevice> devices = scan_hwmon(root, reader);
    std::vector<const HwmonDevice*> chips;
    for (const HwmonDevice& d : devices)
        if (is_chip(d, "ina226")) chips.push_back(&d);
    if (chips.empty()) {
        out.unavailable.push_back({"zcu102", "", "no INA226 power monitor in " + (root / "sys/class/hwmon").string() +
                                   " (not a ZCU102, or its ina2xx driver is not loaded)", ""});
        return;
    }
    const std::vector<std::string> compatible = board_compatible(root, reader);
    const bool zcu102 = compatible.empty() || std::any_of(compatible.begin(), compatible.end(), [](const std::string& c) {
                            return c.find("zcu102") != std::string::npos;
                        });
    if (!zcu102) {
        out.unavailable.push_back({"zcu102", "", std::to_string(chips.size()) + " INA226 monitors found, but the board is '" +
                                   compatible.front() + "', not a ZCU102, whose rail table is the only one known", ""});
        return;
    }

    // Identify each chip: designator in its hwmon name or label, else mux channel + address.
    std::map<std::string, FoundRail> found;   // by designator
    for (const HwmonDevice* d : chips) {
        std::string why_not;
        const Zcu102Rail* rail = nullptr;
        for (const std::string& s : {d->name, d->label, d->of_label}) {
            const std::string des = lower(designator_in(s, "ina226"));
            if (!des.empty() && (rail = zcu102_rail_by_designator(des))) break;
        }
        if (!rail && d->i2c_bus >= 0) {
            if (d->mux_channel >= 0 && (d->mux_address < 0 || d->mux_address == kZcu102PmbusMux))
                rail = zcu102_rail_by_bus(d->mux_channel, d->i2c_address);
            else
                why_not = "its bus " + std::to_string(d->i2c_bus) + " is not a channel of mux u60 (0x75), and the PS "
                          "and PL PMBus branches share addresses";
        }
        if (!rail) {
            const std::string id = d->i2c_id().empty() ? d->hwmon : d->i2c_id();
            out.unavailable.push_back({"zcu102", "ina226:" + id,
                                       "cannot tell which rail the INA226 at " + d->dir.string() + " (" + id +
                                           ") measures" + (why_not.empty() ? "" : ": " + why_not), ""});
            continue;
        }
        if (found.count(rail->designator)) {
            out.unavailable.push_back({"zcu102", "", std::string("two INA226 devices claim rail ") + rail->rail + " (" +
                                       rail->designator + "); " + d->dir.string() + " ignored", ""});
            continue;
        }
        found[rail->designator] = {rail, d};
    }

    const auto now = Clock::now();
    const auto rail_meter = [&](const FoundRail& f) {
        std::string what = std::string(f.rail->rail) + " (" + f.rail->designator + ", " +
                           (f.rail->domain == ZynqDomain::PL ? "PL" : "PS") + " PMBus 0x";
        char hex[8];
        std::snprintf(hex, sizeof hex, "%02x", f.rail->address);
        what += std::string(hex) + ")";
        if (*f.rail->description) what += ": " + std::string(f.rail->description);
        return power_meter(*f.device, "zcu102:" + lower(f.rail->rail), "zcu102", what, reader);
    };

    // The PL and PS totals: every rail of the domain that is found and answers.
    for (const ZynqDomain domain : {ZynqDomain::PL, ZynqDomain::PS}) {
        const char* dname = domain == ZynqDomain::PL ? "pl" : "ps";
        std::vector<std::unique_ptr<Meter>> parts;
        std::string included, missing;
        for (const Zcu102Rail& rail : zcu102_rails()) {
            if (rail.domain != domain || !rail.in_total) continue;
            const std::string label = std::string(rail.rail) + " (" + rail.designator + ")";
            auto it = found.find(rail.designator);
            if (it == found.end()) {
                missing += (missing.empty() ? "" : ", ") + label;
                out.unavailable.push_back({"zcu102", "zcu102:" + lower(rail.rail),
                                           "no INA226 found for " + label + "; the " + (domain == ZynqDomain::PL ? "PL" : "PS") +
                                           " total leaves it out", ""});
                continue;
            }
            auto m = rail_meter(it->second);
            const Reading r = m->read(now);
            if (!r.ok) {
                missing += (missing.empty() ? "" : ", ") + label;
                out.unavailable.push_back({"zcu102", m->name(), r.error, r.hint});
                continue;
            }
            included += (included.empty() ? "" : " + ") + label;
            parts.push_back(std::move(m));
        }
        if (parts.empty()) {
            out.unavailable.push_back({"zcu102", std::string("zcu102:") + dname, std::string("no readable ") +
                                       (domain == ZynqDomain::PL ? "PL" : "PS") + " rail", ""});
            continue;
        }
        std::string what = std::string(domain == ZynqDomain::PL ? "ZCU102 PL fabric: " : "ZCU102 PS: ") + included;
        if (!missing.empty()) what += "; WITHOUT " + missing;
        out.meters.push_back(std::make_unique<PowerSumMeter>(std::string("zcu102:") + dname, "zcu102", what, std::move(parts)));
    }

    if (options.rails) {
        for (const Zcu102Rail& rail : zcu102_rails()) {
            auto it = found.find(rail.designator);
            if (it == found.end()) continue;
            auto m = rail_meter(it->second);
            const Reading r = m->read(now);
            if (!r.ok) {
                if (!rail.in_total) out.unavailable.push_back({"zcu102", m->name(), r.error, r.hint});
                continue;
            }
            out.meters.push_back(std::move(m));
        }
    }
}

void discover_kv260(const fs::path& root, const DiscoveryOptions& options, Discovery& out) {
    const FileReader reader = reader_or_default(options.reader);
    std::vector<const HwmonDevice*> chips;
    const std::vector<HwmonDevice> devices = scan_hwmon(root, reader);
    for (const HwmonDevice& d : devices)
        if (is_chip(d, "ina260")) chips.push_back(&d);
    if (chips.empty()) {
        out.unavailable.push_back({"kv260", "", "no INA260 power monitor in " + (root / "sys/class/hwmon").string() +
                                   " (not a KV260, or its driver is not loaded)", ""});
        return;
    }
    const auto now = Clock::now();
    for (const HwmonDevice* d : chips) {
        std::string id = designator_in(d->name, "ina260");
        if (id.empty()) id = designator_in(d->of_label, "ina260");
        if (id.empty()) id = d->i2c_id().empty() ? d->hwmon : d->i2c_id();
        const std::string name = chips.size() == 1 ? "kv260:som" : "kv260:" + id;
        auto m = power_meter(*d, name, "kv260", "KV260 SOM supply (INA260 " + id + ")", reader);
        const Reading r = m->read(now);
        if (!r.ok) {
            out.unavailable.push_back({"kv260", name, r.error, r.hint});
            continue;
        }
        out.meters.push_back(std::move(m));
    }
}

}  // namespace edgemoe::energy
