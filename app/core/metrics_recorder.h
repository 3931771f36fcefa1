#pragma once
// Keeps per-frame records of the live run (the last `capacity` frames, all streams) and exports them:
// JSON through the engine's MetricsLog (one run per backend, the same schema as edgemoe-run's
// metrics.json, with an "app" wrapper), and a flat CSV (one row per frame and pass). The ring is
// allocated once in configure(), so add() allocates nothing and memory stays flat over long runs.
// A row is added when inference finishes and its draw time filled in when the compositor has drawn it.
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include <QString>

#include "core/types.h"

namespace edgemoe::app {

class EnergySource;

class MetricsRecorder {
public:
    explicit MetricsRecorder(size_t capacity = 20000) : capacity_(capacity) {}

    void configure(const ModelConfig& config, const std::string& model_name, bool trained);
    void reset();
    // A result as it comes out of inference: its draw time is not known yet (0 until setDrawTime()).
    void add(const InferenceResult& result);
    // Fills in the draw time of a result added before: the compositor draws a result after it came in,
    // so the rows of stream `worker`'s frame `seq` (one per pass) get the time of the first image that
    // showed it. Looks back over the newest kDrawLookback rows only (no allocation, bounded work); a
    // result never drawn (replaced in the compositor's newest-result slot first) keeps draw_ms 0.
    void setDrawTime(int worker, uint64_t seq, double draw_ms);
    static constexpr size_t kDrawLookback = 64;
    size_t size() const;
    size_t capacity() const { return capacity_; }

    // Both throw std::runtime_error naming the file on failure.
    void exportCsv(const QString& path) const;
    // `energy_json`: the energy summary (EnergySource::summaryJson) to embed as "energy"; may be empty.
    void exportJson(const QString& path, const std::string& energy_json = {}) const;
    std::string toJson(const std::string& energy_json = {}) const;

private:
    struct Row {
        int64_t index = 0;
        uint64_t seq = 0;
        int worker = 0;
        char backend[16] = {};
        int task = -1;
        StageTimes times;
    };
    size_t capacity_;
    mutable std::mutex mutex_;
    std::string model_;
    bool trained_ = false;
    std::vector<std::string> task_names_;
    int blocks_ = 0, experts_ = 0;
    std::vector<Row> rows_;
    std::vector<int32_t> experts_ring_;   // [capacity][blocks][experts]
    size_t head_ = 0, size_ = 0;
};

}  // namespace edgemoe::app
