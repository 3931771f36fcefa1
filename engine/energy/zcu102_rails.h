#pragma once
// The ZCU102's INA226 power monitors: which rail each one measures, in one table.
#include <span>
#include <string_view>

namespace edgemoe::energy {

enum class ZynqDomain { PS, PL };

struct Zcu102Rail {
    const char* designator;    // board reference, "u79"
    const char* rail;          // "VCCINT"
    ZynqDomain domain;
    int mux_channel;           // channel of I2C mux u60 (0x75 on I2C0): 0 = PS_PMBUS, 1 = PL_PMBUS
    int address;               // the INA226's address on that channel
    bool in_total;             // counted in its domain's total meter
    const char* description;   // may be empty
};

// The I2C address of mux u60, whose channels 0 and 1 carry the two PMBus branches.
constexpr int kZcu102PmbusMux = 0x75;

std::span<const Zcu102Rail> zcu102_rails();
const Zcu102Rail* zcu102_rail_by_designator(std::string_view designator);   // "u79"
const Zcu102Rail* zcu102_rail_by_bus(int mux_channel, int address);

}  // namespace edgemoe::energy
