#include "edgemoe/metrics.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace edgemoe {
namespace {

using json = nlohmann::json;

struct Stage {
    const char* name;
    double StageTimes::*field;
};
constexpr Stage kStages[] = {{"capture", &StageTimes::capture},
                             {"preprocess", &StageTimes::preprocess},
                             {"backbone", &StageTimes::backbone},
                             {"head", &StageTimes::head},
                             {"postprocess", &StageTimes::postprocess},
                             {"total", &StageTimes::total}};

json stage_json(const StageTimes& t) {
    json j;
    for (const Stage& s : kStages) j[s.name] = t.*s.field;
    return j;
}

}  // namespace

std::vector<std::vector<int>> count_expert_tokens(const NetworkOutput& net, int num_experts) {
    std::vector<std::vector<int>> out;
    for (const ExpertRouting& r : net.routing) {
        std::vector<int> counts(static_cast<size_t>(num_experts), 0);
        for (int16_t e : r.expert) ++counts[size_t(e)];
        out.push_back(std::move(counts));
    }
    return out;
}

double MetricsLog::percentile(double StageTimes::*stage, double q) const {
    if (frames_.empty()) return 0;
    std::vector<double> v;
    for (const FrameRecord& f : frames_) v.push_back(f.times.*stage);
    std::sort(v.begin(), v.end());
    const size_t rank = size_t(std::ceil(q * double(v.size())));
    return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

std::string MetricsLog::to_json() const {
    json j;
    j["model"] = model_;
    j["trained"] = trained_;
    j["backend"] = backend_;
    std::set<std::string> tasks;
    json frames = json::array();
    for (const FrameRecord& f : frames_) {
        tasks.insert(f.task);
        frames.push_back({{"index", f.index}, {"task", f.task}, {"latency_ms", stage_json(f.times)},
                          {"experts", f.expert_tokens}});
    }
    j["task"] = tasks.size() == 1 ? json(*tasks.begin()) : json(std::vector<std::string>(tasks.begin(), tasks.end()));
    j["frames"] = frames;
    json median, p90;
    for (const Stage& s : kStages) {
        median[s.name] = percentile(s.field, 0.5);
        p90[s.name] = percentile(s.field, 0.9);
    }
    j["summary"] = {{"frames", frames_.size()}, {"latency_ms", {{"median", median}, {"p90", p90}}}};
    for (const auto& [key, text] : sections_) j[key] = json::parse(text);
    return j.dump(1);
}

void MetricsLog::write_json(const std::string& path) const {
    std::ofstream f(path);
    if (!f) throw std::runtime_error(path + ": cannot open for writing");
    f << to_json() << "\n";
    if (!f) throw std::runtime_error(path + ": write error");
}

}  // namespace edgemoe
