#include "energy/power_meters.h"

#include <algorithm>
#include <cerrno>

#include "energy/sysfs_value.h"

namespace edgemoe::energy {

HwmonPowerMeter::HwmonPowerMeter(HwmonPowerSpec spec, FileReader reader)
    : Meter(spec.name, spec.family, spec.what, MeterKind::IntegratedPower, spec.update_interval),
      spec_(std::move(spec)), reader_(reader_or_default(reader)) {}

Reading HwmonPowerMeter::read(TimePoint now) {
    Reading r;
    r.time = now;
    const SysfsInt v = read_meter_int(reader_, spec_.path, spec_.permission_hint, r);
    if (!v.ok) return r;
    if (v.value < 0) {
        r.error = spec_.path + ": negative power " + std::to_string(v.value) + " uW";
        return r;
    }
    r.ok = true;
    r.power_w = double(v.value) * 1e-6;
    return r;
}

namespace {
std::chrono::nanoseconds slowest(const std::vector<std::unique_ptr<Meter>>& parts) {
    std::chrono::nanoseconds s{0};
    for (const auto& p : parts) s = std::max(s, p->update_interval());
    return s;
}
}  // namespace

PowerSumMeter::PowerSumMeter(std::string name, std::string family, std::string what,
                             std::vector<std::unique_ptr<Meter>> parts)
    : Meter(std::move(name), std::move(family), std::move(what), MeterKind::IntegratedPower, slowest(parts)),
      parts_(std::move(parts)) {}

Reading PowerSumMeter::read(TimePoint now) {
    Reading sum;
    sum.time = now;
    for (const auto& p : parts_) {
        Reading r = p->read(now);
        if (!r.ok) {
            sum.error = p->name() + ": " + r.error;
            sum.hint = std::move(r.hint);
            return sum;
        }
        sum.power_w += r.power_w;
    }
    sum.ok = true;
    return sum;
}

}  // namespace edgemoe::energy
