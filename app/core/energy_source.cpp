#include "core/energy_source.h"

namespace edgemoe::app {

QString energy_state(const EnergyFigures& e) {
    if (e.available()) return e.meter.isEmpty() ? QStringLiteral("measured") : e.meter;
    const QString& why = e.unavailable;
    if (why.isEmpty()) return QStringLiteral("not measured");
    if (why.contains(QLatin1String("no reading yet"))) return QStringLiteral("waiting for the first reading");
    if (why.contains(QLatin1String("no meter wired"))) return QStringLiteral("no meter wired");
    return QStringLiteral("no meter on this machine");
}

QString energy_details(const EnergyFigures& e) {
    if (e.available()) return QStringLiteral("measured by ") + (e.meter.isEmpty() ? QStringLiteral("a meter") : e.meter);
    QString text = e.unavailable.isEmpty() ? QStringLiteral("not measured") : e.unavailable;
    if (!e.hint.isEmpty()) text += QStringLiteral("\nhint: ") + e.hint;
    return text;
}

}  // namespace edgemoe::app
