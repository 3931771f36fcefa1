// XRT's electrical info: parser and meter.
#include <cctype>
#include <cstdlib>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "edgemoe/meter_xrt.h"

namespace edgemoe::energy {
namespace {

using json = nlohmann::json;

// A figure: a number, a numeric string, or "N/A" / "" / null (no reading).
std::optional<double> figure(const json& obj, const char* key) {
    const auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return std::nullopt;
    if (it->is_number()) return it->get<double>();
    if (!it->is_string()) throw std::invalid_argument(std::string(key) + " is neither a number nor a string");
    std::string s = it->get<std::string>();
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
    size_t start = 0;
    while (start < s.size() && std::isspace(static_cast<unsigned char>(s[start]))) ++start;
    s = s.substr(start);
    if (s.empty() || s == "N/A" || s == "n/a" || s == "NA") return std::nullopt;
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size()) throw std::invalid_argument(std::string(key) + ": '" + s + "' is not a number");
    return v;
}

bool present(const json& obj) {
    const auto it = obj.find("is_present");
    if (it == obj.end()) return true;
    if (it->is_boolean()) return it->get<bool>();
    return !(it->is_string() && it->get<std::string>() == "false");
}

std::optional<double> sub_figure(const json& rail, const char* object, const char* key) {
    const auto it = rail.find(object);
    if (it == rail.end() || !it->is_object() || !present(*it)) return std::nullopt;
    return figure(*it, key);
}

class XrtPowerMeter : public Meter {
public:
    explicit XrtPowerMeter(XrtDevice d)
        : Meter(d.name, "xrt", d.what, MeterKind::IntegratedPower, d.update_interval), source_(std::move(d.source)) {}

    Reading read(TimePoint now) override {
        Reading r;
        r.time = now;
        try {
            const XrtElectrical e = parse_xrt_electrical(source_());
            if (!e.power_w) {
                r.error = name() + ": XRT reports power_consumption_watts as N/A";
                r.hint = "the card's management firmware has no power reading: check 'xbutil examine -r electrical'";
            } else if (*e.power_w < 0) {
                r.error = name() + ": XRT reports a negative power_consumption_watts";
            } else {
                r.ok = true;
                r.power_w = *e.power_w;
            }
        } catch (const std::exception& ex) {
            r.error = name() + ": " + ex.what();
        }
        return r;
    }

private:
    XrtElectricalSource source_;
};

}  // namespace

XrtElectrical parse_xrt_electrical(std::string_view text) try {
    json j;
    try {
        j = json::parse(text.begin(), text.end());
    } catch (const json::exception& e) {
        throw std::invalid_argument(std::string("XRT electrical info is not JSON: ") + e.what());
    }
    if (!j.is_object()) throw std::invalid_argument("XRT electrical info is not a JSON object");
    // xbutil's report wraps the same object in {"electrical": ...}.
    if (j.contains("electrical") && j["electrical"].is_object()) j = j["electrical"];
    XrtElectrical e;
    e.power_w = figure(j, "power_consumption_watts");
    e.max_power_w = figure(j, "power_consumption_max_watts");
    const auto rails = j.find("power_rails");
    if (rails != j.end() && rails->is_array()) {
        for (const json& r : *rails) {
            if (!r.is_object()) continue;
            XrtRail rail;
            rail.id = r.value("id", "");
            rail.description = r.value("description", "");
            rail.volts = sub_figure(r, "voltage", "volts");
            rail.amps = sub_figure(r, "current", "amps");
            e.rails.push_back(std::move(rail));
        }
    }
    return e;
} catch (const json::exception& e) {
    // A field of the wrong type (e.g. "id": 3).
    throw std::invalid_argument(std::string("XRT electrical info: ") + e.what());
}

std::unique_ptr<Meter> make_xrt_meter(XrtDevice device) {
    if (!device.source) throw std::invalid_argument("XRT meter " + device.name + " has no source");
    return std::make_unique<XrtPowerMeter>(std::move(device));
}

}  // namespace edgemoe::energy
