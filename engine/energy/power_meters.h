#pragma once
// Power meters for integration over time: one hwmon power1_input file (INA226, INA260), and the sum of
// several such meters (a ZCU102 domain's rails).
#include <memory>
#include <string>
#include <vector>

#include "edgemoe/meter.h"

namespace edgemoe::energy {

struct HwmonPowerSpec {
    std::string name, family, what;
    std::string path;     // power1_input, microwatts
    std::chrono::nanoseconds update_interval = std::chrono::milliseconds(35);
    std::string permission_hint;
};

class HwmonPowerMeter : public Meter {
public:
    HwmonPowerMeter(HwmonPowerSpec spec, FileReader reader);
    Reading read(TimePoint now) override;

private:
    HwmonPowerSpec spec_;
    FileReader reader_;
};

// Sum of power meters read together; a read fails when any part's does (never a partial sum).
class PowerSumMeter : public Meter {
public:
    PowerSumMeter(std::string name, std::string family, std::string what, std::vector<std::unique_ptr<Meter>> parts);
    Reading read(TimePoint now) override;
    size_t parts() const { return parts_.size(); }

private:
    std::vector<std::unique_ptr<Meter>> parts_;
};

}  // namespace edgemoe::energy
