#pragma once
// Alveo cards' power as XRT reports it: xrt::device::get_info<xrt::info::device::electrical>()
// returns JSON whose figures are strings ("23.1", or "N/A" when the card's management firmware has
// no reading). The XRT call itself lives in the XRT backend, which hands this library a source
// function; this library has no XRT dependency.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "edgemoe/meter.h"

namespace edgemoe::energy {

struct XrtRail {
    std::string id;             // "12v_pex"
    std::string description;    // "12 Volts PCI Express"
    std::optional<double> volts, amps;   // empty when absent, "N/A" or is_present is "false"
};

struct XrtElectrical {
    std::optional<double> power_w;       // power_consumption_watts; empty when "N/A" or absent
    std::optional<double> max_power_w;   // power_consumption_max_watts
    std::vector<XrtRail> rails;          // power_rails[]
};

// Parses the electrical JSON. Figures may be strings or numbers. Throws std::invalid_argument for
// text that is not a JSON object, or a figure that is neither a number, a numeric string nor "N/A".
XrtElectrical parse_xrt_electrical(std::string_view json);

// Returns the electrical JSON of one card. May throw; the message becomes the read's error.
using XrtElectricalSource = std::function<std::string()>;

struct XrtDevice {
    std::string name;     // meter name, e.g. "xrt:0000:65:00.1"
    std::string what;     // e.g. "Alveo U50 card input power (PCIe 12 V + 3.3 V + aux)"
    XrtElectricalSource source;
    // How often the card's management controller refreshes its power figure (not reported by XRT).
    std::chrono::nanoseconds update_interval = std::chrono::seconds(1);
};

// A meter of power_consumption_watts (integrated over time). A read fails, with the reason, when the
// source throws, the JSON is malformed, or the figure is "N/A". Reads allocate (JSON parsing).
std::unique_ptr<Meter> make_xrt_meter(XrtDevice device);

}  // namespace edgemoe::energy
