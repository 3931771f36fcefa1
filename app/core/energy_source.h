#pragma once
// Power and energy figures for the stats view, per backend. The app only sees this interface; the
// real meters (edgemoe_energy: RAPL, board current monitors, XRT, NVML, with per-frame attribution)
// plug in behind it later. The default reports that no meter is wired, and the views show that
// reason instead of a number: no figure is ever made up.
#include <optional>
#include <string>

#include <QString>

#include "core/types.h"
#include "edgemoe/result.h"

namespace edgemoe::app {

struct EnergyFigures {
    std::optional<double> power_w;            // mean power while this backend ran, recent window
    std::optional<double> joules_per_frame;
    std::optional<double> frames_per_joule;
    QString meter;                            // which sensor, for people ("rapl:package-0")
    QString unavailable;                      // when there are no figures: "not available: <reason>"
    QString hint;                             // how to get figures, when there is a known way
    bool available() const { return power_w.has_value() || joules_per_frame.has_value(); }
};

// A few words for the panels, where the full reason does not fit: "no meter on this machine",
// "waiting for the first reading", or the meter's name. The full reason and hint: energy_details().
QString energy_state(const EnergyFigures& e);
// The whole story, for a tooltip: the meter, or the reason and the hint.
QString energy_details(const EnergyFigures& e);

class EnergySource {
public:
    virtual ~EnergySource() = default;
    // An inference worker finished a frame (its thread; must be cheap and thread-safe).
    virtual void frameFinished(int /*worker*/, const std::string& /*backend*/, int64_t /*frame_index*/,
                               SteadyClock::time_point /*start*/, SteadyClock::time_point /*end*/) {}
    // A backend that measures its own energy (a remote board) reported it with a frame (the
    // pipeline's thread). Its figures then come from these reports, not from this machine's meters.
    virtual void frameReported(const std::string& /*backend*/, const ReportedEnergy& /*energy*/) {}
    // The latest figures for a backend (UI thread, a few times a second).
    virtual EnergyFigures figures(const QString& backend) const = 0;
    // For the metrics export: the energy summary as JSON text (engine/energy's energy_json schema),
    // and one CSV row per frame; both say why nothing was measured when nothing was.
    virtual std::string summaryJson() const = 0;
    virtual void exportCsv(const QString& path) const = 0;
};

class NoEnergySource final : public EnergySource {
public:
    explicit NoEnergySource(QString reason = QStringLiteral("no meter wired yet")) : reason_(std::move(reason)) {}
    EnergyFigures figures(const QString&) const override {
        EnergyFigures f;
        f.unavailable = QStringLiteral("not available: ") + reason_;
        return f;
    }

    std::string summaryJson() const override {
        return "{\"meters\": [], \"unavailable\": [{\"kind\": \"all\", \"reason\": \"" + reason_.toStdString() + "\"}]}";
    }
    void exportCsv(const QString&) const override {}

private:
    QString reason_;
};

}  // namespace edgemoe::app
