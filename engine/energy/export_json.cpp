#include <nlohmann/json.hpp>

#include "edgemoe/energy_export.h"

namespace edgemoe::energy {
namespace {

using json = nlohmann::json;

void put(json& j, const char* key, const std::optional<double>& v) {
    if (v) j[key] = *v;
}

json meter_summary_json(const MeterSummary& s) {
    if (!s.available) return {{"available", false}, {"reason", s.reason}, {"frames_without", s.frames_without}};
    json j = {{"available", true},         {"frames", s.frames},         {"frames_without", s.frames_without},
              {"seconds", s.seconds},      {"energy_j", s.energy_j},     {"mean_power_w", s.mean_power_w},
              {"j_per_frame", s.j_per_frame}};
    put(j, "frames_per_j", s.frames_per_j);
    put(j, "gops_per_w", s.gops_per_w);
    put(j, "idle_power_w", s.idle_power_w);
    put(j, "dynamic_j_per_frame", s.dynamic_j_per_frame);
    put(j, "dynamic_frames_per_j", s.dynamic_frames_per_j);
    put(j, "dynamic_gops_per_w", s.dynamic_gops_per_w);
    if (!s.dynamic_reason.empty()) j["dynamic_reason"] = s.dynamic_reason;
    return j;
}

}  // namespace

std::string energy_json(const EnergyAttribution& attribution, const std::vector<Unavailable>& unavailable, int indent) {
    const Sampler& sampler = attribution.sampler();
    json meters = json::array();
    for (size_t i = 0; i < sampler.size(); ++i) {
        const Meter& m = sampler.meter(i);
        const MeterHealth h = sampler.health(i);
        json j = {{"name", m.name()},
                  {"kind", m.family()},
                  {"measures", m.what()},
                  {"method", to_string(m.kind())},
                  {"update_interval_ms", std::chrono::duration<double, std::milli>(m.update_interval()).count()},
                  {"reads", h.reads},
                  {"failed_reads", h.failed_reads}};
        if (!h.last_error.empty()) j["last_error"] = h.last_error;
        meters.push_back(std::move(j));
    }
    json absent = json::array();
    for (const Unavailable& u : unavailable) {
        json j = {{"kind", u.kind}, {"reason", u.reason}};
        if (!u.meter.empty()) j["meter"] = u.meter;
        if (!u.hint.empty()) j["hint"] = u.hint;
        absent.push_back(std::move(j));
    }
    json idle = nullptr;
    const IdleBaseline& b = attribution.idle();
    if (b.measured()) {
        idle = {{"seconds", b.seconds}, {"power_w", json::object()}};
        for (size_t i = 0; i < sampler.size(); ++i) {
            if (const auto w = b.watts(i))
                idle["power_w"][sampler.meter(i).name()] = *w;
            else
                idle["power_w"][sampler.meter(i).name()] = {{"available", false}, {"reason", describe(b.energy[i].status)}};
        }
    }
    json summary = json::array();
    for (const EnergySummary& s : attribution.summaries()) {
        json j = {{"backend", s.backend}, {"task", s.task}, {"frames", s.frames}, {"ops_per_frame", s.ops_per_frame},
                  {"meters", json::object()}};
        for (const MeterSummary& m : s.meters) j["meters"][m.meter] = meter_summary_json(m);
        summary.push_back(std::move(j));
    }
    const json out = {{"meters", meters}, {"unavailable", absent}, {"idle", idle}, {"summary", summary}};
    return out.dump(indent);
}

}  // namespace edgemoe::energy
