#pragma once
// The stats view's power and energy figures from real sensors (engine/energy): every meter the
// machine has is sampled in the background; frames are attributed their energy as they finish.
// Which sensor speaks for a backend is the backend registry's word (edgemoe::energy_meter_families):
// the CPU package for cpu and fpga-emu, the board's rails or the Alveo card for fpga. Where that
// sensor is missing, the figures say so with discovery's reason; nothing is estimated.
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/energy_source.h"
#include "edgemoe/energy.h"

namespace edgemoe::app {

class MeterEnergySource final : public EnergySource {
public:
    explicit MeterEnergySource(const std::string& sysfs_root = "/");
    ~MeterEnergySource() override;

    void frameFinished(int worker, const std::string& backend, int64_t frame_index, SteadyClock::time_point start,
                       SteadyClock::time_point end) override;
    void frameReported(const std::string& backend, const ReportedEnergy& energy) override;
    EnergyFigures figures(const QString& backend) const override;
    std::string summaryJson() const override;
    // Attributes energy to finished frames the sampler has covered since (also done on every frame).
    void resolvePending();
    // energy.csv's format (engine/energy EnergyCsvWriter): the last `kHistory` frames.
    void exportCsv(const QString& path) const override;

private:
    struct PerBackend {
        int stream = -1;
        int meter = -1;               // sampler index of the sensor that speaks for it, -1: none
        double j_per_frame = 0;       // exponential average over recent frames
        int frames = 0;
    };
    PerBackend& backend_state(const std::string& backend);   // with mutex_ held
    void poll_locked();                                        // with mutex_ held
    int meter_for(const std::string& backend) const;
    const energy::Unavailable* unavailable_for(const std::string& backend) const;
    QString reason_for(const std::string& backend) const;
    QString hint_for(const std::string& backend) const;

    static constexpr size_t kHistory = 20000;
    std::vector<energy::FrameEnergy> history_;   // ring, sized once: no allocation per frame
    size_t history_next_ = 0, history_size_ = 0;
    SteadyClock::time_point origin_ = SteadyClock::now();
    energy::Discovery found_;
    std::unique_ptr<energy::Sampler> sampler_;
    std::unique_ptr<energy::EnergyAttribution> attribution_;
    mutable std::mutex mutex_;
    std::map<std::string, PerBackend> backends_;
    // Backends that report their own device's energy (remote boards): the latest report, and the
    // average J/frame over recent reports.
    struct Reported {
        ReportedEnergy last;
        double j_per_frame = 0, watts = 0;
        int frames = 0;
    };
    std::map<std::string, Reported> reported_;
};

}  // namespace edgemoe::app
