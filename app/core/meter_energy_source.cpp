#include "core/meter_energy_source.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <stdexcept>

#include "edgemoe/backend.h"

namespace edgemoe::app {

MeterEnergySource::MeterEnergySource(const std::string& sysfs_root) : found_(energy::discover_meters(sysfs_root)) {
    sampler_ = std::make_unique<energy::Sampler>(std::move(found_.meters));
    attribution_ = std::make_unique<energy::EnergyAttribution>(*sampler_);
    energy::FrameEnergy blank;
    blank.meters.resize(sampler_->size());
    history_.assign(sampler_->size() > 0 ? kHistory : 0, blank);
    sampler_->start();
}

MeterEnergySource::~MeterEnergySource() { sampler_->stop(); }

int MeterEnergySource::meter_for(const std::string& backend) const {
    for (const std::string& family : energy_meter_families(backend))
        for (size_t i = 0; i < sampler_->size(); ++i)
            if (sampler_->meter(i).family() == family) return int(i);
    return -1;
}

// Why the sensor families that speak for `backend` are missing here (the first one found).
const energy::Unavailable* MeterEnergySource::unavailable_for(const std::string& backend) const {
    for (const std::string& family : energy_meter_families(backend))
        for (const energy::Unavailable& u : found_.unavailable)
            if (u.kind == family) return &u;
    return nullptr;
}

QString MeterEnergySource::reason_for(const std::string& backend) const {
    const energy::Unavailable* u = unavailable_for(backend);
    return u ? QString::fromStdString(u->kind + ": " + u->reason) : QStringLiteral("no sensor for this backend");
}

QString MeterEnergySource::hint_for(const std::string& backend) const {
    const energy::Unavailable* u = unavailable_for(backend);
    return u ? QString::fromStdString(u->hint) : QString();
}

MeterEnergySource::PerBackend& MeterEnergySource::backend_state(const std::string& backend) {
    auto it = backends_.find(backend);
    if (it != backends_.end()) return it->second;
    PerBackend b;
    b.stream = attribution_->stream(backend, "all");
    b.meter = meter_for(backend);
    return backends_.emplace(backend, b).first->second;
}

void MeterEnergySource::frameReported(const std::string& backend, const ReportedEnergy& energy) {
    std::lock_guard<std::mutex> lock(mutex_);
    Reported& r = reported_[backend];
    r.last = energy;
    if (!energy.available || energy.seconds <= 0) return;
    const double w = energy.joules / energy.seconds;
    r.j_per_frame = r.frames == 0 ? energy.joules : 0.9 * r.j_per_frame + 0.1 * energy.joules;
    r.watts = r.frames == 0 ? w : 0.9 * r.watts + 0.1 * w;
    ++r.frames;
}

void MeterEnergySource::frameFinished(int, const std::string& backend, int64_t frame_index,
                                      SteadyClock::time_point start, SteadyClock::time_point end) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (reported_.count(backend)) return;   // its own device's meters speak for it, not this machine's
    PerBackend& b = backend_state(backend);
    if (b.meter < 0) return;
    energy::FrameMark mark{b.stream, frame_index, start, end};
    attribution_->add_frame(mark);
    poll_locked();
}

void MeterEnergySource::resolvePending() {
    std::lock_guard<std::mutex> lock(mutex_);
    poll_locked();
}

void MeterEnergySource::poll_locked() {
    attribution_->poll([this](const energy::FrameEnergy& e) {
        if (!history_.empty()) {
            history_[history_next_] = e;   // same meter count: copies into existing storage
            history_next_ = (history_next_ + 1) % history_.size();
            history_size_ = std::min(history_size_ + 1, history_.size());
        }
        for (auto& [name, state] : backends_) {
            if (state.stream != e.frame.stream || state.meter < 0) continue;
            const energy::MeterEnergy& m = e.meters[size_t(state.meter)];
            if (!m.ok()) continue;
            state.j_per_frame = state.frames == 0 ? m.total_j : 0.9 * state.j_per_frame + 0.1 * m.total_j;
            ++state.frames;
        }
    });
}

EnergyFigures MeterEnergySource::figures(const QString& backend_name) const {
    const std::string backend = backend_name.toStdString();
    EnergyFigures f;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        auto r = reported_.find(backend);
        if (r != reported_.end()) {
            f.meter = QStringLiteral("board ") + QString::fromStdString(r->second.last.meter);
            if (r->second.frames > 0) {
                f.power_w = r->second.watts;
                f.joules_per_frame = r->second.j_per_frame;
                if (r->second.j_per_frame > 0) f.frames_per_joule = 1.0 / r->second.j_per_frame;
            } else {
                f.unavailable = QStringLiteral("not available on the board: ") + QString::fromStdString(r->second.last.why_not);
            }
            return f;
        }
    }
    const int meter = meter_for(backend);
    if (meter < 0) {
        f.unavailable = QStringLiteral("not available: ") + reason_for(backend);
        f.hint = hint_for(backend);
        return f;
    }
    f.meter = QString::fromStdString(sampler_->meter(size_t(meter)).name());
    double seconds = 0;
    const energy::IntervalEnergy recent = sampler_->recent_energy(size_t(meter), std::chrono::seconds(1), &seconds);
    if (recent.ok() && seconds > 0) f.power_w = recent.joules / seconds;
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = backends_.find(backend);
    if (it != backends_.end() && it->second.frames > 0 && it->second.j_per_frame > 0) {
        f.joules_per_frame = it->second.j_per_frame;
        f.frames_per_joule = 1.0 / it->second.j_per_frame;
    }
    if (!f.available()) f.unavailable = QStringLiteral("not available: no reading yet from ") + f.meter;
    return f;
}

std::string MeterEnergySource::summaryJson() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return energy::energy_json(*attribution_, found_.unavailable);
}

void MeterEnergySource::exportCsv(const QString& path) const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::ofstream f(path.toStdString());
    if (!f) throw std::runtime_error(path.toStdString() + ": cannot open for writing");
    energy::EnergyCsvWriter csv(f, *attribution_, origin_);
    csv.write_header();
    const size_t start = (history_next_ + history_.size() - history_size_) % std::max<size_t>(history_.size(), 1);
    for (size_t i = 0; i < history_size_; ++i) csv.write(history_[(start + i) % history_.size()]);
    if (!f) throw std::runtime_error(path.toStdString() + ": write error");
}

}  // namespace edgemoe::app
