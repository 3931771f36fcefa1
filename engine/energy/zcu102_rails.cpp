#include "energy/zcu102_rails.h"

namespace edgemoe::energy {
namespace {

// Rails per INA226: from the ZCU102 Evaluation Board User Guide (UG1182), the table of INA226 power
// monitors (reference designator, rail, PMBus address). Mux channels: the mainline device tree
// arch/arm64/boot/dts/xilinx/zynqmp-zcu102-revA.dts, where mux u60 (PCA9544 at 0x75 on I2C0) has
// PS_PMBUS on channel 0 and PL_PMBUS on channel 1. The two branches reuse addresses 0x40-0x47, so an
// address alone does not identify a rail: the channel (or the device-tree label) does.
//
// The PL total is the fabric's own supply (VCCINT + VCCBRAM + VCCAUX), the figure FPGA power is
// usually quoted as; the other PL_PMBUS rails feed I/O banks, transceivers and the board. The PS total
// is every PS_PMBUS rail: the processors, their PLLs, DDR and MIO I/O and the PS-GTR transceivers.
constexpr Zcu102Rail kRails[] = {
    {"u76", "VCCPSINTFP", ZynqDomain::PS, 0, 0x40, true, "PS full-power domain (Cortex-A53 cluster)"},
    {"u77", "VCCPSINTLP", ZynqDomain::PS, 0, 0x41, true, "PS low-power domain (Cortex-R5, PMU)"},
    {"u78", "VCCPSAUX", ZynqDomain::PS, 0, 0x42, true, "PS auxiliary"},
    {"u87", "VCCPSPLL", ZynqDomain::PS, 0, 0x43, true, "PS PLLs"},
    {"u85", "MGTRAVCC", ZynqDomain::PS, 0, 0x44, true, "PS-GTR transceivers"},
    {"u86", "MGTRAVTT", ZynqDomain::PS, 0, 0x45, true, "PS-GTR termination"},
    {"u93", "VCCO_PSDDR_504", ZynqDomain::PS, 0, 0x46, true, "PS DDR I/O"},
    {"u88", "VCCOPS", ZynqDomain::PS, 0, 0x47, true, "PS I/O"},
    {"u15", "VCCOPS3", ZynqDomain::PS, 0, 0x4a, true, "PS I/O"},
    {"u92", "VCCPSDDRPLL", ZynqDomain::PS, 0, 0x4b, true, "PS DDR PLL"},
    {"u79", "VCCINT", ZynqDomain::PL, 1, 0x40, true, "PL logic"},
    {"u81", "VCCBRAM", ZynqDomain::PL, 1, 0x41, true, "PL block RAM"},
    {"u80", "VCCAUX", ZynqDomain::PL, 1, 0x42, true, "PL auxiliary"},
    {"u84", "VCC1V2", ZynqDomain::PL, 1, 0x43, false, ""},
    {"u16", "VCC3V3", ZynqDomain::PL, 1, 0x44, false, ""},
    {"u65", "VADJ_FMC", ZynqDomain::PL, 1, 0x45, false, "FMC I/O"},
    {"u74", "MGTAVCC", ZynqDomain::PL, 1, 0x46, false, "PL GTH transceivers"},
    {"u75", "MGTAVTT", ZynqDomain::PL, 1, 0x47, false, "PL GTH termination"},
};

}  // namespace

std::span<const Zcu102Rail> zcu102_rails() { return kRails; }

const Zcu102Rail* zcu102_rail_by_designator(std::string_view designator) {
    for (const Zcu102Rail& r : kRails)
        if (designator == r.designator) return &r;
    return nullptr;
}

const Zcu102Rail* zcu102_rail_by_bus(int mux_channel, int address) {
    for (const Zcu102Rail& r : kRails)
        if (r.mux_channel == mux_channel && r.address == address) return &r;
    return nullptr;
}

}  // namespace edgemoe::energy
