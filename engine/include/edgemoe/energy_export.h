#pragma once
// Energy metrics out: a CSV with one row per frame, a JSON summary object (for metrics.json, the
// benchmark's JSON and the GUI's export), and a plain-text summary. A figure that is not available
// is written as "NA" in the CSV and as {"available": false, "reason": ...} in JSON, never as a number.
#include <iosfwd>
#include <string>
#include <vector>

#include "edgemoe/energy_attribution.h"
#include "edgemoe/meter_discovery.h"

namespace edgemoe::energy {

// Columns: time_s (frame start, seconds after `origin`), index, backend, task, frame_ms,
// <stage>_ms for each of the attribution's stages, then per meter <meter>_j, <meter>_dynamic_j and
// <meter>_w (mean power over the frame).
class EnergyCsvWriter {
public:
    EnergyCsvWriter(std::ostream& out, const EnergyAttribution& attribution, TimePoint origin);
    void write_header();
    void write(const FrameEnergy& frame);

private:
    std::ostream& out_;
    const EnergyAttribution& attribution_;
    TimePoint origin_;
};

// The "energy" object:
// {"meters": [{"name", "kind", "measures", "method", "update_interval_ms", "reads", "failed_reads",
//              "last_error"?}],
//  "unavailable": [{"kind", "meter"?, "reason", "hint"?}],
//  "idle": {"seconds", "power_w": {<meter>: W | {"available": false, "reason"}}} | null,
//  "summary": [{"backend", "task", "frames", "ops_per_frame", "meters": {<meter>: {
//       "available": true, "frames", "frames_without", "seconds", "energy_j", "mean_power_w",
//       "j_per_frame", "frames_per_j", "gops_per_w"?, "idle_power_w"?, "dynamic_j_per_frame"?,
//       "dynamic_frames_per_j"?, "dynamic_gops_per_w"?}
//     | {"available": false, "reason", "frames_without"}}}]}
// Optional keys are absent when their input is missing (no ops count, no idle baseline).
std::string energy_json(const EnergyAttribution& attribution, const std::vector<Unavailable>& unavailable, int indent = 1);

// Lines of text for people: per meter, mean power, J/frame, frames/J, GOPS/W, or "not available: why".
std::string format_summary(const EnergySummary& summary);

}  // namespace edgemoe::energy
