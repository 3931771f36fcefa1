#include "core/compare_summary.h"

#include <algorithm>

namespace edgemoe::app {

QString default_compare_backend(const std::vector<BackendInfo>& backends, const QString& primary) {
    const std::string self = primary.toStdString();
    for (const BackendInfo& b : backends)
        if (b.available && b.name == "fpga" && b.name != self) return QStringLiteral("fpga");
    for (const BackendInfo& b : backends)
        if (b.available && b.name != self) return QString::fromStdString(b.name);
    return {};
}

namespace {

QString ms_text(double ms) { return QString::number(ms, 'f', ms >= 100 ? 0 : 1) + " ms"; }

}  // namespace

CompareSummary summarize_compare(const StreamStats& a, const StreamStats& b, double partner_age_ms) {
    CompareSummary out;
    if (a.frames == 0 || b.frames == 0) return out;
    const double la = a.mean.total - a.mean.capture, lb = b.mean.total - b.mean.capture;
    if (!(la > 0) || !(lb > 0)) return out;
    const QString na = a.backend.isEmpty() ? QStringLiteral("primary") : a.backend;
    const QString nb = b.backend.isEmpty() ? QStringLiteral("partner") : b.backend;
    if (lb > 1.5 * la) {
        out.slower = 1;
        out.ratio = lb / la;
        out.text = QStringLiteral("%1 is the bottleneck: %2 a frame against %3 for %4. The %4 view stays live; "
                                  "%1's panel shows its latest result")
                       .arg(nb, ms_text(lb), ms_text(la), na);
        if (partner_age_ms >= 50) out.text += QStringLiteral(", %1 s older").arg(partner_age_ms / 1000.0, 0, 'f', 1);
        out.text += QStringLiteral(".");
    } else if (la > 1.5 * lb) {
        out.slower = 0;
        out.ratio = la / lb;
        out.text = QStringLiteral("%1 is the slower one: %2 a frame against %3 for %4, which runs ahead on the frames "
                                  "in between.")
                       .arg(na, ms_text(la), ms_text(lb), nb);
    }
    return out;
}

}  // namespace edgemoe::app
