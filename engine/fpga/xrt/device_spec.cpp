#include "fpga/xrt/device_spec.h"

#include <algorithm>
#include <cctype>
#include <regex>

#include "edgemoe/error.h"

namespace edgemoe::fpga {
namespace {

std::string trim(const std::string& s) {
    size_t a = 0, b = s.size();
    while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
    while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
    return s.substr(a, b - a);
}

CardRef parse_one(const std::string& item, const std::string& whole) {
    static const std::regex index("[0-9]{1,3}");
    // domain:bus:device.function, the domain optional (XRT accepts both forms)
    static const std::regex bdf("([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7]");
    CardRef r;
    if (std::regex_match(item, index)) {
        r.index = unsigned(std::stoul(item));
    } else if (std::regex_match(item, bdf)) {
        r.by_bdf = true;
        r.bdf = item;
        std::transform(r.bdf.begin(), r.bdf.end(), r.bdf.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    } else {
        throw BackendError("fpga: device '" + whole + "': '" + item +
                           "' is neither a card index (0, 1, ...) nor a PCIe BDF (0000:65:00.1); "
                           "use a comma-separated list or 'all'");
    }
    return r;
}

}  // namespace

DeviceSpec parse_device_spec(const std::string& text) {
    DeviceSpec spec;
    const std::string t = trim(text);
    if (t.empty()) {
        spec.cards.push_back(CardRef{});
        return spec;
    }
    if (t == "all") {
        spec.all = true;
        return spec;
    }
    size_t start = 0;
    while (true) {
        const size_t comma = t.find(',', start);
        const std::string item = trim(t.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        if (item.empty()) throw BackendError("fpga: device '" + text + "' has an empty item in its list");
        CardRef r = parse_one(item, text);
        for (const CardRef& c : spec.cards)
            if (c.by_bdf == r.by_bdf && c.index == r.index && c.bdf == r.bdf)
                throw BackendError("fpga: device '" + text + "' lists card " + r.text() + " twice");
        spec.cards.push_back(r);
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return spec;
}

}  // namespace edgemoe::fpga
