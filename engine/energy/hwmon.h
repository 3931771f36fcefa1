#pragma once
// The hwmon devices under <root>/sys/class/hwmon with what identifies each one: its name, its label
// (the device's or its device-tree node's), and, for chips on an I2C bus, the bus, the address and,
// when the bus is a channel of an I2C mux, the mux's address and channel. The hwmonN number is kept
// for messages only: it depends on probe order and is never used to identify a chip.
#include <filesystem>
#include <string>
#include <vector>

#include "edgemoe/meter.h"

namespace edgemoe::energy {

struct HwmonDevice {
    std::filesystem::path dir;   // <root>/sys/class/hwmon/hwmonN
    std::string hwmon;           // "hwmonN"
    std::string name;            // the name attribute ("ina226", "ina226_u79", "amd_energy")
    std::string label;           // the hwmon device's label attribute, if any
    std::string of_label;        // device/of_node/label (device-tree label), if any
    int i2c_bus = -1, i2c_address = -1;        // from a device named "<bus>-<4 hex digits>"
    int mux_address = -1, mux_channel = -1;    // when the bus is channel N of a mux at that address

    std::string i2c_id() const;  // "3-0040", or "" when not an I2C device
};

// Devices in hwmonN order. Unreadable entries are skipped; a missing folder gives an empty list.
std::vector<HwmonDevice> scan_hwmon(const std::filesystem::path& root, const FileReader& reader);

}  // namespace edgemoe::energy
