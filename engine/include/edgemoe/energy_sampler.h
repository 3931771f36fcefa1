#pragma once
// A background sampler: reads every meter on its own thread at a fixed period (10 ms by default) and
// keeps, per meter, a timestamped cumulative energy series in a preallocated ring buffer (energy
// counters as read, power integrated by the trapezoid rule). The energy over any interval [t0, t1]
// is the difference of that series, linearly interpolated at t0 and t1; intervals that span a failed
// read are "not available", never a guess. Sampling allocates nothing once started.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "edgemoe/meter.h"

namespace edgemoe::energy {

class EnergySeries;

enum class EnergyStatus : unsigned char {
    Ok,
    NotSampledYet,   // no sample at or after the interval's end yet: ask again a period later
    BeforeHistory,   // the interval starts before the oldest sample kept (or before sampling began)
    ReadFailed,      // a read of the sensor failed (or its counter restarted) within the interval
    BadInterval,     // end before start
};
// A short phrase: "sensor read failed during the interval", ...
const char* describe(EnergyStatus status);

struct IntervalEnergy {
    EnergyStatus status = EnergyStatus::NotSampledYet;
    double joules = 0;   // only meaningful when ok()
    bool ok() const { return status == EnergyStatus::Ok; }
};

struct SamplerOptions {
    std::chrono::nanoseconds period = std::chrono::milliseconds(10);
    // Samples kept per meter; the oldest are overwritten. 60000 = 10 minutes at 10 ms, about 1.4 MB
    // per meter.
    size_t capacity = 60000;
    // Timestamps come from here (tests pass a fake clock and call sample_once); the thread itself
    // always sleeps in real time.
    std::function<TimePoint()> clock;
};

// What the sampler has seen of one meter.
struct MeterHealth {
    size_t reads = 0, failed_reads = 0;
    bool last_ok = false;
    std::string last_error, last_hint;   // the latest failure's, kept after later reads succeed
};

class Sampler {
public:
    // Throws std::invalid_argument when the period is not positive, the capacity is below 2, or the
    // period is longer than a meter's max_read_interval() (it could miss a wrap-around).
    explicit Sampler(std::vector<std::unique_ptr<Meter>> meters, SamplerOptions options = {});
    ~Sampler();   // stops the thread
    Sampler(const Sampler&) = delete;
    Sampler& operator=(const Sampler&) = delete;

    // Samples once now, then every period on a thread of its own. No-op when running. Call start()
    // and stop() from one thread; everything else is thread-safe.
    void start();
    // Joins the thread after one last sample, so that intervals ending before stop() are covered.
    void stop();
    bool running() const { return running_; }
    // Reads every meter once, now (tests, and callers that want no thread). Thread-safe.
    void sample_once();

    size_t size() const { return meters_.size(); }
    const Meter& meter(size_t i) const { return *meters_[i]; }
    // Index of the meter with that name, or -1.
    int find(const std::string& name) const;
    std::chrono::nanoseconds period() const { return options_.period; }
    TimePoint now() const { return options_.clock(); }

    // Energy of meter i over [t0, t1]. Thread-safe; no allocation.
    IntervalEnergy energy(size_t i, TimePoint t0, TimePoint t1) const;
    // Mean power of meter i over the last `window` before its latest sample (for a live display).
    IntervalEnergy recent_energy(size_t i, std::chrono::nanoseconds window, double* seconds) const;
    // The time up to which every meter has a sample (the earliest of their latest samples).
    TimePoint covered_until() const;
    // The time from which every meter has a sample (the latest of their oldest samples): intervals
    // starting earlier are BeforeHistory for some meter.
    TimePoint history_start() const;
    // Waits until covered_until() >= t, up to `timeout` of real time. False on timeout, or at once
    // when the sampler is not running and has not covered t.
    bool wait_until_covered(TimePoint t, std::chrono::nanoseconds timeout) const;
    MeterHealth health(size_t i) const;

private:
    void loop();

    std::vector<std::unique_ptr<Meter>> meters_;
    SamplerOptions options_;
    std::vector<std::unique_ptr<EnergySeries>> series_;
    std::vector<MeterHealth> health_;
    std::vector<Reading> readings_;             // reused every sample
    std::vector<TimePoint> read_times_;
    TimePoint covered_until_{};
    mutable std::mutex read_mutex_;             // one sample at a time
    mutable std::mutex data_mutex_;             // series_, health_, covered_until_
    mutable std::condition_variable sampled_;   // notified after each sample
    std::mutex wake_mutex_;
    std::condition_variable wake_;              // stop() wakes the thread at once
    std::atomic<bool> running_{false};
    bool stop_requested_ = false;
    std::thread thread_;
};

}  // namespace edgemoe::energy
