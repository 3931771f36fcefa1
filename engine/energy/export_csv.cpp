#include <cstdio>
#include <ostream>

#include "edgemoe/energy_export.h"

namespace edgemoe::energy {
namespace {

// A field, quoted when it holds a comma, a quote or a line break.
void field(std::ostream& out, const std::string& s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos) {
        out << s;
        return;
    }
    out << '"';
    for (char c : s) {
        if (c == '"') out << '"';
        out << c;
    }
    out << '"';
}

void number(std::ostream& out, double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.9g", v);
    out << buf;
}

}  // namespace

EnergyCsvWriter::EnergyCsvWriter(std::ostream& out, const EnergyAttribution& attribution, TimePoint origin)
    : out_(out), attribution_(attribution), origin_(origin) {}

void EnergyCsvWriter::write_header() {
    out_ << "time_s,index,backend,task,frame_ms";
    for (const std::string& s : attribution_.stages()) {
        out_ << ',';
        field(out_, s + "_ms");
    }
    const Sampler& sampler = attribution_.sampler();
    for (size_t i = 0; i < sampler.size(); ++i)
        for (const char* suffix : {"_j", "_dynamic_j", "_w"}) {
            out_ << ',';
            field(out_, sampler.meter(i).name() + suffix);
        }
    out_ << '\n';
}

void EnergyCsvWriter::write(const FrameEnergy& e) {
    const FrameMark& f = e.frame;
    number(out_, std::chrono::duration<double>(f.start - origin_).count());
    out_ << ',' << f.index << ',';
    field(out_, attribution_.backend_of(f.stream));
    out_ << ',';
    field(out_, attribution_.task_of(f.stream));
    out_ << ',';
    number(out_, e.seconds * 1e3);
    for (size_t s = 0; s < attribution_.stages().size(); ++s) {
        out_ << ',';
        number(out_, f.latency_ms[s]);
    }
    for (const MeterEnergy& m : e.meters) {
        out_ << ',';
        if (m.ok()) number(out_, m.total_j); else out_ << "NA";
        out_ << ',';
        if (m.ok() && m.has_dynamic) number(out_, m.dynamic_j); else out_ << "NA";
        out_ << ',';
        if (m.ok() && e.seconds > 0) number(out_, m.mean_power_w); else out_ << "NA";
    }
    out_ << '\n';
}

}  // namespace edgemoe::energy
