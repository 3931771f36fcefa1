#pragma once
// Per-frame records and their summary (median and p90 per stage), written as metrics.json by the
// runner and the benchmark. The JSON schema is documented in the README.
#include <string>
#include <vector>

#include "edgemoe/result.h"

namespace edgemoe {

struct FrameRecord {
    int64_t index = 0;
    std::string task;
    StageTimes times;
    // Per MoE block, how many tokens went to each expert (slot-weighted: a token counts once per slot).
    std::vector<std::vector<int>> expert_tokens;
};

// Tokens per expert for each MoE block of one frame.
std::vector<std::vector<int>> count_expert_tokens(const NetworkOutput& net, int num_experts);

class MetricsLog {
public:
    MetricsLog(std::string model, bool trained, std::string backend)
        : model_(std::move(model)), backend_(std::move(backend)), trained_(trained) {}
    void add(FrameRecord r) { frames_.push_back(std::move(r)); }
    const std::vector<FrameRecord>& frames() const { return frames_; }

    // Percentile q in [0,1] of one stage over the frames (nearest-rank on sorted values).
    double percentile(double StageTimes::*stage, double q) const;
    // Adds a top-level member to the JSON (e.g. "energy", from energy_json()), as JSON text.
    void set_section(const std::string& key, std::string json_text) { sections_.emplace_back(key, std::move(json_text)); }
    std::string to_json() const;
    void write_json(const std::string& path) const;

private:
    std::string model_, backend_;
    bool trained_ = false;
    std::vector<std::pair<std::string, std::string>> sections_;
    std::vector<FrameRecord> frames_;
};

}  // namespace edgemoe
