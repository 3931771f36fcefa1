#pragma once
// Turns successive raw readings of an energy counter into joules, undoing wrap-arounds. A decrease is
// a wrap-around only when the energy it implies fits the time since the previous read at the most
// power the part can draw; otherwise the counter was reset (a driver reload) and the energy since the
// previous read is unknown. A gap between reads long enough for a whole wrap is also unknown.
#include <chrono>
#include <cstdint>

#include "edgemoe/meter.h"

namespace edgemoe::energy {

class CounterUnwrapper {
public:
    // range: the raw value at which the counter wraps back to 0 (0 = it never wraps);
    // joules_per_unit: 1e-6 for microjoules; max_power_w: the most the metered part can draw.
    CounterUnwrapper(uint64_t range, double joules_per_unit, double max_power_w);

    enum class Step {
        Ok,          // joules() grew by the counter's increase (first call: stays 0)
        Wrapped,     // ... across one wrap-around
        Backwards,   // the counter went down by more than a wrap can explain: restarted from here
        GapTooLong,  // so long since the previous read that a wrap may have been missed: restarted
    };
    Step update(uint64_t raw, TimePoint now);

    double joules() const { return joules_; }
    uint64_t previous_raw() const { return previous_; }
    double seconds_since_previous(TimePoint now) const;
    // The shortest time in which the counter can wrap (at max_power_w); max() if it never wraps.
    std::chrono::nanoseconds wrap_time() const;
    // Half of wrap_time: the longest sampling period that is safe with margin.
    std::chrono::nanoseconds max_read_interval() const;

private:
    uint64_t range_;
    double unit_j_, max_power_w_;
    bool started_ = false;
    uint64_t previous_ = 0;
    TimePoint previous_time_{};
    double joules_ = 0;
};

}  // namespace edgemoe::energy
