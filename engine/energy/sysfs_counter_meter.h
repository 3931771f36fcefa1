#pragma once
// An energy counter in a sysfs file, in microjoules: RAPL's energy_uj and amd_energy's energyN_input.
#include <string>

#include "edgemoe/meter.h"
#include "energy/counter_unwrapper.h"

namespace edgemoe::energy {

struct SysfsCounterSpec {
    std::string name, family, what;
    std::string path;                   // the counter file
    uint64_t range_uj = 0;              // max_energy_range_uj; 0 = the counter does not wrap
    double max_power_w = 1000;          // see CounterUnwrapper
    std::chrono::nanoseconds update_interval = std::chrono::milliseconds(1);
    std::string permission_hint;        // given with a read that fails with EACCES
};

class SysfsCounterMeter : public Meter {
public:
    SysfsCounterMeter(SysfsCounterSpec spec, FileReader reader);
    std::chrono::nanoseconds max_read_interval() const override { return unwrap_.max_read_interval(); }
    Reading read(TimePoint now) override;

private:
    SysfsCounterSpec spec_;
    FileReader reader_;
    CounterUnwrapper unwrap_;
};

}  // namespace edgemoe::energy
