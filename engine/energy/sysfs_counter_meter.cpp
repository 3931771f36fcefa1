#include "energy/sysfs_counter_meter.h"

#include <cerrno>
#include <cstdio>

#include "energy/sysfs_value.h"

namespace edgemoe::energy {

SysfsCounterMeter::SysfsCounterMeter(SysfsCounterSpec spec, FileReader reader)
    : Meter(spec.name, spec.family, spec.what, MeterKind::EnergyCounter, spec.update_interval),
      spec_(std::move(spec)), reader_(reader_or_default(reader)),
      unwrap_(spec_.range_uj, 1e-6, spec_.max_power_w) {}

Reading SysfsCounterMeter::read(TimePoint now) {
    Reading r;
    r.time = now;
    const SysfsInt v = read_meter_int(reader_, spec_.path, spec_.permission_hint, r);
    if (!v.ok) return r;
    if (v.value < 0 || (spec_.range_uj != 0 && uint64_t(v.value) > spec_.range_uj)) {
        r.error = spec_.path + ": value " + std::to_string(v.value) + " is outside the counter's range 0.." +
                  std::to_string(spec_.range_uj);
        return r;
    }
    const uint64_t before = unwrap_.previous_raw();
    const double gap_s = unwrap_.seconds_since_previous(now);
    switch (unwrap_.update(uint64_t(v.value), now)) {
    case CounterUnwrapper::Step::Ok:
    case CounterUnwrapper::Step::Wrapped:
        r.ok = true;
        r.energy_j = unwrap_.joules();
        break;
    case CounterUnwrapper::Step::Backwards:
        r.error = spec_.path + ": counter went back from " + std::to_string(before) + " to " +
                  std::to_string(v.value) + " uJ, more than a wrap-around explains (driver reloaded?); " +
                  "the energy since the previous read is unknown";
        break;
    case CounterUnwrapper::Step::GapTooLong: {
        char buf[160];
        std::snprintf(buf, sizeof buf, ": %.1f s since the previous read, long enough for the counter to wrap unseen "
                      "(it wraps in %.1f s at %.0f W); the energy since then is unknown",
                      gap_s, std::chrono::duration<double>(unwrap_.wrap_time()).count(), spec_.max_power_w);
        r.error = spec_.path + buf;
        break;
    }
    }
    return r;
}

}  // namespace edgemoe::energy
