#pragma once
// One power or energy sensor: a CPU package's RAPL counter, a board's current monitor, an FPGA card's
// or a GPU's power figure. Each implementation says what it covers, how often the sensor itself
// refreshes, and whether it counts energy directly or gives power that has to be integrated. A read
// that fails says why (and how to fix it when there is a known fix); it never returns zero or a
// made-up figure instead.
#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

namespace edgemoe::energy {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

enum class MeterKind {
    EnergyCounter,    // the sensor accumulates energy itself (RAPL, amd_energy, NVML total energy)
    IntegratedPower,  // the sensor gives power; energy is its integral over time (INA226/INA260, XRT, NVML power)
};
// "energy counter" or "integrated power".
const char* to_string(MeterKind kind);

struct Reading {
    TimePoint time{};
    // EnergyCounter: joules since this meter's first good read, wrap-arounds undone (a meter restarts
    // its count after a failed read, so only differences between reads without a failure between
    // them mean anything).
    double energy_j = 0;
    double power_w = 0;     // IntegratedPower: watts at `time`
    bool ok = false;
    std::string error;      // when !ok: the file or call, and what went wrong
    std::string hint;       // when !ok and there is a known fix: how to fix it
};

class Meter {
public:
    virtual ~Meter() = default;
    Meter(const Meter&) = delete;
    Meter& operator=(const Meter&) = delete;

    // A stable id for tables and files: "rapl:package-0", "zcu102:pl", "nvml:0".
    const std::string& name() const { return name_; }
    // The sensor family, as in Unavailable::kind: "rapl", "amd_energy", "zcu102", "kv260", "xrt", "nvml".
    const std::string& family() const { return family_; }
    // What it measures, for people: which package, which rails.
    const std::string& what() const { return what_; }
    MeterKind kind() const { return kind_; }
    // How often the sensor's own figure changes. Energy over intervals much shorter than this is
    // interpolated, so only sums over many frames are meaningful for such a meter.
    std::chrono::nanoseconds update_interval() const { return update_interval_; }
    // The longest gap between two reads that still sees every wrap-around of the counter;
    // nanoseconds::max() for sensors that cannot wrap. The sampler refuses a longer period.
    virtual std::chrono::nanoseconds max_read_interval() const { return std::chrono::nanoseconds::max(); }

    // Reads the sensor. `now` is the caller's timestamp for this read (the sampler's clock); counters
    // use it to tell a wrap-around from a reset. Not thread-safe: one caller at a time.
    virtual Reading read(TimePoint now) = 0;
    Reading read_now() { return read(Clock::now()); }

protected:
    Meter(std::string name, std::string family, std::string what, MeterKind kind,
          std::chrono::nanoseconds update_interval)
        : name_(std::move(name)), family_(std::move(family)), what_(std::move(what)), kind_(kind),
          update_interval_(update_interval) {}

private:
    std::string name_, family_, what_;
    MeterKind kind_;
    std::chrono::nanoseconds update_interval_;
};

// How sysfs readers get at files. The default reads the real file system; tests inject failures
// that a file system cannot produce for them (tests run as root, and chmod 000 does not stop root).
struct FileRead {
    int error = 0;       // an errno value; 0 when the read worked
    size_t size = 0;     // bytes placed in the buffer
};
using FileReader = std::function<FileRead(const std::string& path, char* buffer, size_t capacity)>;
// open + read + close; no heap allocation.
FileReader posix_file_reader();

}  // namespace edgemoe::energy
