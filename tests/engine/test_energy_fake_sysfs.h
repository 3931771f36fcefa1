#pragma once
// Helpers for the energy tests: a fake sysfs tree in a temporary folder, a file reader that injects
// errors the file system cannot produce for root (EACCES), and fake meters whose readings follow a
// known function of time.
#include <QTemporaryDir>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "edgemoe/meter.h"

namespace energy_test {

namespace fs = std::filesystem;
using namespace edgemoe::energy;

class FakeSysfs {
public:
    const fs::path& root() const { return root_; }
    bool valid() const { return dir_.isValid(); }
    fs::path path(const std::string& rel) const { return root_ / rel; }

    void write(const std::string& rel, const std::string& content) const {
        const fs::path p = root_ / rel;
        fs::create_directories(p.parent_path());
        std::ofstream(p, std::ios::binary) << content;
    }
    void mkdir(const std::string& rel) const { fs::create_directories(root_ / rel); }
    // A relative symlink at `rel` pointing to `target` (relative to the link's folder), as sysfs has.
    void link(const std::string& rel, const std::string& target) const {
        const fs::path p = root_ / rel;
        fs::create_directories(p.parent_path());
        fs::create_symlink(target, p);
    }
    void remove(const std::string& rel) const { fs::remove_all(root_ / rel); }

private:
    QTemporaryDir dir_;
    fs::path root_ = fs::path(dir_.path().toStdString());
};

// Reads real files, except that paths ending in a registered suffix fail with the given errno. The
// faults can be changed after meters have been made with reader().
class FaultyReader {
public:
    void fail(const std::string& suffix, int err) { (*faults_)[suffix] = err; }
    void clear() { faults_->clear(); }
    FileReader reader() const {
        auto faults = faults_;
        FileReader real = posix_file_reader();
        return [faults, real](const std::string& path, char* buf, size_t cap) -> FileRead {
            for (const auto& [suffix, err] : *faults)
                if (path.size() >= suffix.size() && path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0)
                    return {err, 0};
            return real(path, buf, cap);
        };
    }

private:
    std::shared_ptr<std::map<std::string, int>> faults_ = std::make_shared<std::map<std::string, int>>();
};

// Seconds since a fixed epoch, and back.
inline TimePoint at(double seconds) {
    return TimePoint(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1000.0 + seconds)));
}
inline double seconds_of(TimePoint t) { return std::chrono::duration<double>(t.time_since_epoch()).count() - 1000.0; }

// Power as a function of time (seconds), and its integral.
struct Trace {
    std::function<double(double)> power;
    std::function<double(double)> energy;   // an antiderivative of power
};

// A meter whose reading is the trace at the time it is asked for; fails while `failing` is set.
class FakeMeter : public Meter {
public:
    FakeMeter(std::string name, MeterKind kind, Trace trace, std::shared_ptr<bool> failing = nullptr)
        : Meter(std::move(name), "fake", "a synthetic trace", kind, std::chrono::milliseconds(1)),
          trace_(std::move(trace)), failing_(std::move(failing)) {}
    Reading read(TimePoint now) override {
        Reading r;
        r.time = now;
        if (failing_ && *failing_) {
            r.error = "fake: permission denied";
            r.hint = "fake hint";
            return r;
        }
        r.ok = true;
        const double t = seconds_of(now);
        if (kind() == MeterKind::EnergyCounter)
            r.energy_j = trace_.energy(t) - trace_.energy(0);
        else
            r.power_w = trace_.power(t);
        return r;
    }

private:
    Trace trace_;
    std::shared_ptr<bool> failing_;
};

}  // namespace energy_test
