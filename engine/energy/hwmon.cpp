#include "energy/hwmon.h"

#include <algorithm>
#include <cstdio>
#include <regex>

#include "energy/sysfs_value.h"

namespace edgemoe::energy {
namespace fs = std::filesystem;

namespace {

// "<bus>-<addr>" as the I2C core names client devices, e.g. "3-0040".
bool parse_i2c_client(const std::string& s, int& bus, int& address) {
    static const std::regex re("^([0-9]+)-([0-9a-fA-F]{4})$");
    std::smatch m;
    if (!std::regex_match(s, m, re)) return false;
    bus = std::stoi(m[1]);
    address = std::stoi(m[2], nullptr, 16);
    return true;
}

// The i2c-mux core links each channel's adapter to its mux ("mux_device") and the mux to each
// channel's adapter ("channel-N"); see drivers/i2c/i2c-mux.c.
void find_mux_channel(const fs::path& client, HwmonDevice& d) {
    std::error_code ec;
    const fs::path adapter = client.parent_path();
    fs::path mux = adapter / "mux_device";
    mux = fs::exists(mux, ec) ? fs::canonical(mux, ec) : adapter.parent_path();
    if (ec) return;
    const fs::path adapter_real = fs::canonical(adapter, ec);
    if (ec) return;
    for (const auto& e : fs::directory_iterator(mux, ec)) {
        const std::string n = e.path().filename().string();
        if (n.rfind("channel-", 0) != 0) continue;
        std::error_code ec2;
        if (fs::canonical(e.path(), ec2) != adapter_real || ec2) continue;
        try {
            d.mux_channel = std::stoi(n.substr(8));
        } catch (const std::exception&) {
            continue;
        }
        int bus = -1;
        parse_i2c_client(mux.filename().string(), bus, d.mux_address);
        return;
    }
}

}  // namespace

std::string HwmonDevice::i2c_id() const {
    if (i2c_bus < 0) return {};
    char buf[32];
    std::snprintf(buf, sizeof buf, "%d-%04x", i2c_bus, i2c_address);
    return buf;
}

std::vector<HwmonDevice> scan_hwmon(const fs::path& root, const FileReader& reader) {
    std::vector<HwmonDevice> out;
    const fs::path dir = root / "sys/class/hwmon";
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        HwmonDevice d;
        d.dir = e.path();
        d.hwmon = e.path().filename().string();
        if (d.hwmon.rfind("hwmon", 0) != 0) continue;
        d.name = read_sysfs_text(reader, (d.dir / "name").string()).value_or("");
        d.label = read_sysfs_text(reader, (d.dir / "label").string()).value_or("");
        std::error_code ec2;
        const fs::path device = d.dir / "device";
        if (fs::exists(device, ec2)) {
            const fs::path real = fs::canonical(device, ec2);
            if (!ec2) {
                d.of_label = read_sysfs_text(reader, (real / "of_node" / "label").string()).value_or("");
                if (parse_i2c_client(real.filename().string(), d.i2c_bus, d.i2c_address)) find_mux_channel(real, d);
            }
        }
        out.push_back(std::move(d));
    }
    // hwmon10 after hwmon9: order by the number, for stable listings only.
    auto number = [](const std::string& h) { return std::atoi(h.c_str() + 5); };
    std::sort(out.begin(), out.end(), [&](const HwmonDevice& a, const HwmonDevice& b) {
        return number(a.hwmon) < number(b.hwmon);
    });
    return out;
}

}  // namespace edgemoe::energy
