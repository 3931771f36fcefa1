#include <cstdio>

#include "edgemoe/energy_export.h"

namespace edgemoe::energy {
namespace {

std::string fmt(const char* format, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, format, v);
    return buf;
}

}  // namespace

std::string format_summary(const EnergySummary& s) {
    std::string out = s.backend + " / " + s.task + ": " + std::to_string(s.frames) + " frames";
    if (s.ops_per_frame > 0) out += fmt(", %.2f GOP/frame", s.ops_per_frame / 1e9);
    out += "\n";
    for (const MeterSummary& m : s.meters) {
        out += "  " + m.meter + ": ";
        if (!m.available) {
            out += "not available: " + m.reason + "\n";
            continue;
        }
        out += fmt("%.3f W", m.mean_power_w) + fmt(", %.4f J/frame", m.j_per_frame);
        out += m.frames_per_j ? fmt(", %.3f frames/J", *m.frames_per_j) : ", frames/J not available";
        if (m.gops_per_w) out += fmt(", %.3f GOPS/W", *m.gops_per_w);
        if (m.frames_without > 0) out += " (" + std::to_string(m.frames_without) + " frames without a reading left out)";
        out += "\n    dynamic: ";
        if (m.dynamic_j_per_frame) {
            out += fmt("idle %.3f W, ", m.idle_power_w.value_or(0)) + fmt("%.4f J/frame", *m.dynamic_j_per_frame);
            if (m.dynamic_frames_per_j) out += fmt(", %.3f frames/J", *m.dynamic_frames_per_j);
            if (m.dynamic_gops_per_w) out += fmt(", %.3f GOPS/W", *m.dynamic_gops_per_w);
            if (!m.dynamic_reason.empty()) out += " (" + m.dynamic_reason + ")";
        } else {
            out += "not available: " + m.dynamic_reason;
        }
        out += "\n";
    }
    return out;
}

}  // namespace edgemoe::energy
