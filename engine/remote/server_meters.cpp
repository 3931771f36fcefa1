#include "remote/server_meters.h"

#include "edgemoe/backend.h"

namespace edgemoe::remote {

ServerMeters::ServerMeters(bool enabled, const std::string& sysfs_root, std::vector<energy::XrtDevice> xrt)
    : enabled_(enabled) {
    if (!enabled_) return;
    energy::DiscoveryOptions options;
    options.xrt = std::move(xrt);
    found_ = energy::discover_meters(sysfs_root, options);
    sampler_ = std::make_unique<energy::Sampler>(std::move(found_.meters));
    attribution_ = std::make_unique<energy::EnergyAttribution>(*sampler_);
    if (sampler_->size() > 0) sampler_->start();
}

ServerMeters::~ServerMeters() {
    if (sampler_) sampler_->stop();
}

ServerMeters::PerBackend& ServerMeters::state(const std::string& backend) {
    auto it = backends_.find(backend);
    if (it != backends_.end()) return it->second;
    PerBackend b;
    b.stream = attribution_->stream(backend, "all");
    for (const std::string& family : energy_meter_families(backend))
        for (size_t i = 0; i < sampler_->size() && b.meter < 0; ++i)
            if (sampler_->meter(i).family() == family) b.meter = int(i);
    if (b.meter < 0) {
        for (const std::string& family : energy_meter_families(backend))
            for (const energy::Unavailable& u : found_.unavailable)
                if (u.kind == family && b.why_not.empty()) b.why_not = "no " + family + " meter on the board: " + u.reason;
        if (b.why_not.empty()) b.why_not = "no sensor on the board for its " + backend + " backend";
    }
    return backends_.emplace(backend, std::move(b)).first->second;
}

void ServerMeters::frame(const std::string& backend, uint64_t sequence, energy::TimePoint start, energy::TimePoint end,
                         pb::Energy& out) {
    out.Clear();
    if (!enabled_) {
        out.set_why_not("the board's meters are off (edgemoe-serve --no-meters)");
        return;
    }
    std::lock_guard lock(mutex_);
    PerBackend& b = state(backend);
    if (b.meter < 0) {
        out.set_why_not(b.why_not);
        return;
    }
    attribution_->add_frame({b.stream, int64_t(sequence), start, end});
    attribution_->poll([this](const energy::FrameEnergy& e) {
        for (auto& [name, s] : backends_) {
            if (s.stream != e.frame.stream || s.meter < 0) continue;
            s.has_last = true;
            s.last_sequence = uint64_t(e.frame.index);
            s.last = e.meters[size_t(s.meter)];
            s.last_seconds = e.seconds;
        }
    });
    out.set_meter(sampler_->meter(size_t(b.meter)).name());
    if (!b.has_last) {
        out.set_why_not("no frame measured yet (the meters are sampled every " +
                        std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(sampler_->period()).count()) + " ms)");
        return;
    }
    out.set_frame_sequence(b.last_sequence);
    out.set_seconds(b.last_seconds);
    if (!b.last.ok()) {
        out.set_why_not(std::string("meter ") + out.meter() + ": " + energy::describe(b.last.status));
        return;
    }
    out.set_available(true);
    out.set_joules(b.last.total_j);
}

std::vector<std::string> ServerMeters::describe() const {
    std::vector<std::string> lines;
    if (!enabled_) return {"meters: off"};
    for (size_t i = 0; i < sampler_->size(); ++i)
        lines.push_back("meter " + sampler_->meter(i).name() + " (" + sampler_->meter(i).family() + ")");
    for (const energy::Unavailable& u : found_.unavailable)
        lines.push_back("no " + u.kind + (u.meter.empty() ? "" : " " + u.meter) + ": " + u.reason);
    return lines;
}

}  // namespace edgemoe::remote
