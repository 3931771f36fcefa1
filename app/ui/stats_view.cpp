#include "ui/stats_view.h"

#include <algorithm>
#include <cmath>

#include <QHBoxLayout>
#include <QPainter>
#include <QPainterPath>

#include "core/palette.h"

namespace edgemoe::app {

namespace {

QString ms(double v) { return v >= 100 ? QString::number(v, 'f', 0) : QString::number(v, 'f', 1); }

QString opt(const std::optional<double>& v, int decimals) { return v ? QString::number(*v, 'f', decimals) : QStringLiteral("—"); }

}  // namespace

StatsTable::StatsTable(Part part, QWidget* parent) : QWidget(parent), part_(part) {
    // The minimum width comes from minimumSizeHint(): the labels and values it must show.
    setMinimumHeight(part == Part::Latency ? 150 : 50);
}

void StatsTable::setData(const StreamStats s[2], int streams, const DisplayStats& d, const EnergyFigures e[2]) {
    const QString old_heads[2] = {head_[0], head_[1]};
    const int old_streams = streams_;
    streams_ = streams;
    passes_ = s[0].passes;
    rows_.clear();
    for (int i = 0; i < 2; ++i) head_[i] = s[i].backend.isEmpty() ? QStringLiteral("—") : s[i].backend;
    auto row = [&](const QString& label, auto&& f) {
        std::array<QString, 3> r{label, f(0), streams > 1 ? f(1) : QString()};
        rows_.push_back(r);
    };
    // No recent result (a source that failed, paused, an error): a dash, not a 0.0 that looks measured.
    const QString dash = QStringLiteral("—");
    auto stage = [&](int i, double v) { return s[i].active ? ms(v) : dash; };
    const bool drawn = d.fps > 0;
    footnote_.clear();
    if (part_ == Part::Latency) {
        row(tr("frames/s"), [&](int i) { return s[i].active ? QString::number(s[i].fps, 'f', 1) : dash; });
        row(tr("capture"), [&](int i) { return stage(i, s[i].mean.capture); });
        row(tr("preprocess"), [&](int i) { return stage(i, s[i].mean.preprocess); });
        row(tr("backbone"), [&](int i) { return stage(i, s[i].mean.backbone); });
        row(tr("head"), [&](int i) { return stage(i, s[i].mean.head); });
        row(tr("postprocess"), [&](int i) { return stage(i, s[i].mean.postprocess); });
        row(tr("draw"), [&](int) { return drawn ? ms(d.draw_ms) : dash; });
        row(tr("UI thread"), [&](int) { return drawn ? QString::number(d.ui_ms, 'f', 2) : dash; });
        row(tr("total"), [&](int i) { return s[i].active ? ms(s[i].mean.total + d.draw_ms) : dash; });
    } else {
        row(tr("power W"), [&](int i) { return opt(e[i].power_w, 1); });
        row(tr("J/frame"), [&](int i) { return opt(e[i].joules_per_frame, 3); });
        row(tr("frames/J"), [&](int i) { return opt(e[i].frames_per_joule, 1); });
        if (!e[0].available()) footnote_ = tr("Energy: ") + energy_state(e[0]);
        else if (streams > 1 && !e[1].available()) footnote_ = head_[1] + tr(" energy: ") + energy_state(e[1]);
    }
    if (old_streams != streams_ || old_heads[0] != head_[0] || old_heads[1] != head_[1]) updateGeometry();
    update();
}

QString StatsTable::header_label() const {
    if (part_ == Part::Energy) return tr("energy");
    return passes_ > 1 ? tr("ms, 2 passes") : tr("ms / stage");   // both tasks: each stage twice a frame
}

int StatsTable::label_width(int px) const {
    const QFontMetrics fm(palette::font(px)), fs(palette::font(std::min(px, 11)));
    int w = fs.horizontalAdvance(header_label());
    for (const auto& r : rows_) w = std::max(w, fm.horizontalAdvance(r[0]));
    return w + 10;
}

int StatsTable::column_width(int px) const {
    const QFontMetrics fm(palette::font(px)), fmb(palette::font(px, QFont::DemiBold));
    int w = fmb.horizontalAdvance(QStringLiteral("0000.0")) + 8;
    for (int c = 0; c < streams_; ++c) w = std::max(w, fmb.horizontalAdvance(head_[c]) + 8);
    for (const auto& r : rows_)
        for (int c = 0; c < streams_; ++c) w = std::max(w, fmb.horizontalAdvance(r[size_t(c + 1)]) + 8);
    return w;
}

QSize StatsTable::minimumSizeHint() const {
    // Labels and values at the smallest font the table uses, never cut.
    return {label_width(10) + streams_ * column_width(10), part_ == Part::Latency ? 150 : 50};
}

StatsTable::Geometry StatsTable::geometry() const {
    Geometry g;
    // Rows shrink (font and spacing) to fit the height they get, and the font to fit the width.
    const int rows = int(rows_.size()) + 1 + (footnote_.isEmpty() ? 0 : 1);
    const int room = height() - 8;   // less the gap under the header and the two separator lines
    g.px = std::clamp(room / std::max(1, rows) - 3, 10, 12);
    while (g.px > 10 && label_width(g.px) + streams_ * column_width(g.px) > width()) --g.px;
    const QFontMetrics fm(palette::font(g.px));
    g.line = std::min(fm.height() + 3, std::max(fm.height() - 1, room / std::max(1, rows)));
    g.label_w = label_width(g.px);
    g.col_w = std::max(column_width(g.px), (width() - g.label_w) / std::max(1, streams_));
    return g;
}

QStringList StatsTable::clippedLabels() const {
    const Geometry g = geometry();
    const QFontMetrics fm(palette::font(g.px)), fs(palette::font(std::min(g.px, 11))), fmb(palette::font(g.px, QFont::DemiBold));
    QStringList out;
    // The label column must hold every label, and the value columns must lie inside the widget.
    const int fits = g.label_w + streams_ * column_width(g.px) <= width() ? g.label_w : width() - streams_ * column_width(g.px);
    if (fs.horizontalAdvance(header_label()) > fits - 4) out << header_label();
    for (const auto& r : rows_)
        if (fm.horizontalAdvance(r[0]) > fits - 4) out << r[0];
    for (int c = 0; c < streams_; ++c)
        if (fmb.horizontalAdvance(head_[c]) > g.col_w - 6) out << head_[c];
    return out;
}

void StatsTable::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    p.setRenderHint(QPainter::TextAntialiasing);
    const Geometry g = geometry();
    const QFont f = palette::font(g.px), fb = palette::font(g.px, QFont::DemiBold), fs = palette::font(std::min(g.px, 11));
    const int cols = streams_, line = g.line, label_w = g.label_w, col_w = g.col_w;
    int y = 0;
    p.setFont(fb);
    for (int c = 0; c < cols; ++c) {
        p.setPen(c == 0 ? palette::kAccent : palette::kAccent2);
        p.drawText(QRect(label_w + c * col_w, y, col_w - 6, line), Qt::AlignRight | Qt::AlignVCenter, head_[c]);
    }
    p.setPen(palette::kTextDim);
    p.setFont(fs);
    p.drawText(QRect(0, y, label_w, line), Qt::AlignLeft | Qt::AlignVCenter, header_label());
    y += line + 2;
    for (size_t r = 0; r < rows_.size(); ++r) {
        const bool strong = part_ == Part::Latency && (r == 0 || rows_[r][0] == tr("total"));
        if (strong && r > 0) {
            p.setPen(QPen(palette::kPanelLine, 1));
            p.drawLine(0, y, width(), y);
            y += 2;
        }
        p.setFont(f);
        p.setPen(palette::kTextDim);
        p.drawText(QRect(0, y, label_w, line), Qt::AlignLeft | Qt::AlignVCenter, rows_[r][0]);
        p.setFont(strong ? fb : f);
        for (int c = 0; c < cols; ++c) {
            p.setPen(strong ? (c == 0 ? palette::kAccent : palette::kAccent2) : palette::kText);
            p.drawText(QRect(label_w + c * col_w, y, col_w - 6, line), Qt::AlignRight | Qt::AlignVCenter, rows_[r][size_t(c + 1)]);
        }
        y += line;
    }
    if (!footnote_.isEmpty()) {
        p.setFont(fs);
        p.setPen(palette::kWarn);
        p.drawText(QRect(0, y + 2, width(), height() - y - 2), Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap, footnote_);
    }
}

EnergyStrip::EnergyStrip(QWidget* parent) : QWidget(parent) { setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed); }

QSize EnergyStrip::sizeHint() const {
    const QFontMetrics fm(palette::font(11));
    return {300, std::max(1, int(lines_.size())) * (fm.height() + 2) + 2};
}

void EnergyStrip::setData(const StreamStats s[2], int streams, const EnergyFigures e[2]) {
    const int before = int(lines_.size());
    names_.clear();
    lines_.clear();
    measured_.clear();
    QStringList tips;
    bool none = true, same = true;
    for (int i = 0; i < streams; ++i) {
        none = none && !e[i].available();
        same = same && energy_state(e[i]) == energy_state(e[0]);
    }
    for (int i = 0; i < streams; ++i) {
        const QString name = s[i].backend.isEmpty() ? QStringLiteral("—") : s[i].backend;
        tips << name + ": " + energy_details(e[i]);
        if (none && same && i > 0) continue;   // one line says it for both
        names_ << (none && same && streams > 1 ? QString() : name);
        if (e[i].available())
            lines_ << tr("power %1 W · %2 J/frame · %3 frames/J · %4")
                          .arg(opt(e[i].power_w, 1), opt(e[i].joules_per_frame, 3), opt(e[i].frames_per_joule, 1), e[i].meter);
        else
            lines_ << tr("Energy: %1").arg(energy_state(e[i]));
        measured_.push_back(e[i].available());
    }
    const QString tip = tips.join("\n\n");
    if (toolTip() != tip) setToolTip(tip);
    if (int(lines_.size()) != before) updateGeometry();
    update();
}

void EnergyStrip::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.setRenderHint(QPainter::TextAntialiasing);
    const QFont f = palette::font(11), fb = palette::font(11, QFont::DemiBold);
    const QFontMetrics fm(f), fmb(fb);
    const int line = fm.height() + 2;
    int name_w = 0;
    for (const QString& n : names_) name_w = std::max(name_w, fmb.horizontalAdvance(n));
    for (int i = 0; i < int(lines_.size()); ++i) {
        const int y = 1 + i * line;
        p.setFont(fb);
        p.setPen(i == 0 ? palette::kAccent : palette::kAccent2);
        p.drawText(QRect(0, y, name_w, line), Qt::AlignLeft | Qt::AlignVCenter, names_[i]);
        p.setFont(f);
        p.setPen(measured_[size_t(i)] ? palette::kText : palette::kWarn);
        const int x = name_w > 0 ? name_w + 10 : 0;
        p.drawText(QRect(x, y, width() - x, line), Qt::AlignLeft | Qt::AlignVCenter,
                   fm.elidedText(lines_[i], Qt::ElideRight, std::max(0, width() - x)));
    }
}

LivePlot::LivePlot(QWidget* parent) : QWidget(parent) { setMinimumSize(120, 120); }

void LivePlot::setData(const std::vector<QPointF> latency[2], const std::vector<QPointF> power[2], int streams, double window_s,
                       const QString names[2], const QString& power_note) {
    for (int i = 0; i < 2; ++i) {
        latency_[i].assign(latency[i].begin(), latency[i].end());
        power_[i].assign(power[i].begin(), power[i].end());
        names_[i] = names[i];
    }
    streams_ = streams;
    window_s_ = window_s;
    power_note_ = power_note;
    update();
}

int LivePlot::key_width() const {
    const QFontMetrics fm(palette::font(11));
    int key_w = 0;
    for (int s = 0; s < streams_; ++s) key_w += fm.horizontalAdvance(names_[s].isEmpty() ? QStringLiteral("—") : names_[s]) + 26;
    return key_w;
}

// Narrow (compare mode at 1280 wide): the key goes under the title rather than squeeze it.
bool LivePlot::key_on_second_line() const {
    return QFontMetrics(palette::font(11)).horizontalAdvance(tr("latency ms")) > width() - key_width() - 8;
}

QString LivePlot::title() const {
    const QFontMetrics fm(palette::font(11));
    const int room = key_on_second_line() ? width() : width() - key_width() - 8;
    const bool has_power = !power_[0].empty() || !power_[1].empty();
    // The longest wording that fits, rather than a cut-off one.
    const QString wordings[] = {has_power ? tr("latency ms (solid), power W (dashed), last minute") : tr("latency ms, last minute"),
                                has_power ? tr("latency ms, power W (dashed)") : tr("latency ms, 60 s"),
                                has_power ? tr("ms, W (dashed)") : tr("latency ms"), tr("ms")};
    for (const QString& w : wordings)
        if (fm.horizontalAdvance(w) <= room) return w;
    return {};
}

void LivePlot::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QFont fs = palette::font(11);
    const QFontMetrics fm(fs);
    p.setFont(fs);
    const bool has_power = !power_[0].empty() || !power_[1].empty();
    const int left = fm.horizontalAdvance("1000") + 8, right = has_power ? fm.horizontalAdvance("100 W") + 8 : 8;
    const bool two_lines = key_on_second_line();
    const int key_y = two_lines ? fm.height() + 2 : 0;
    const int top = key_y + fm.height() + 6, bottom = fm.height() + 6;
    const QRect plot(left, top, width() - left - right, height() - top - bottom);
    if (plot.width() < 20 || plot.height() < 20) return;

    double lat_max = 10;
    for (int s = 0; s < streams_; ++s)
        for (const QPointF& pt : latency_[s]) lat_max = std::max(lat_max, pt.y());
    const double step = std::pow(10.0, std::floor(std::log10(lat_max)));
    lat_max = std::ceil(lat_max / step * 1.1) * step;
    double pow_max = 1;
    for (int s = 0; s < streams_; ++s)
        for (const QPointF& pt : power_[s]) pow_max = std::max(pow_max, pt.y());
    pow_max = std::ceil(pow_max * 1.15);

    auto map = [&](double t, double v, double vmax) {
        return QPointF(plot.left() + (t + window_s_) / window_s_ * plot.width(), plot.bottom() - v / vmax * plot.height());
    };
    // Grid, axes.
    p.setPen(QPen(palette::kPanelLine, 1));
    for (int k = 0; k <= 4; ++k) {
        const double y = plot.bottom() - plot.height() * k / 4.0;
        p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y));
    }
    for (int k = 0; k <= 6; ++k) {
        const double x = plot.left() + plot.width() * k / 6.0;
        p.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()));
    }
    p.setPen(palette::kTextDim);
    for (int k = 0; k <= 4; k += 2) {
        const double y = plot.bottom() - plot.height() * k / 4.0;
        const double lv = lat_max * k / 4, pv = pow_max * k / 4;
        p.drawText(QRectF(0, y - fm.height() / 2.0, left - 4, fm.height()), Qt::AlignRight | Qt::AlignVCenter,
                   QString::number(lv, 'f', lv < 10 && lv != 0 ? 1 : 0));
        if (has_power)
            p.drawText(QRectF(plot.right() + 4, y - fm.height() / 2.0, right - 4, fm.height()), Qt::AlignLeft | Qt::AlignVCenter,
                       QString::number(pv, 'f', pv < 10 && pv != 0 ? 1 : 0) + (k == 4 ? " W" : ""));
    }
    p.drawText(QRect(plot.left(), plot.bottom() + 3, plot.width(), fm.height()), Qt::AlignLeft, tr("−%1 s").arg(int(window_s_)));
    p.drawText(QRect(plot.left(), plot.bottom() + 3, plot.width(), fm.height()), Qt::AlignRight, tr("now"));
    // The title gives way to the key at the right: measure the key first.
    const int key_w = two_lines ? 0 : key_width();
    p.drawText(QRect(0, 0, std::max(0, width() - key_w - 8), fm.height() + 2), Qt::AlignLeft | Qt::AlignVCenter, title());

    // Series: latency solid, power dashed.
    p.setClipRect(plot.adjusted(-1, -1, 1, 1));
    QPainterPath path;
    for (int s = 0; s < streams_; ++s) {
        const QColor c = s == 0 ? palette::kAccent : palette::kAccent2;
        if (latency_[s].size() >= 2) {
            path.clear();
            path.moveTo(map(latency_[s].front().x(), latency_[s].front().y(), lat_max));
            for (size_t i = 1; i < latency_[s].size(); ++i) path.lineTo(map(latency_[s][i].x(), latency_[s][i].y(), lat_max));
            p.setPen(QPen(c, 1.6));
            p.setBrush(Qt::NoBrush);
            p.drawPath(path);
        }
        if (power_[s].size() >= 2) {
            path.clear();
            path.moveTo(map(power_[s].front().x(), power_[s].front().y(), pow_max));
            for (size_t i = 1; i < power_[s].size(); ++i) path.lineTo(map(power_[s][i].x(), power_[s][i].y(), pow_max));
            p.setPen(QPen(c.lighter(130), 1.4, Qt::DashLine));
            p.drawPath(path);
        }
    }
    p.setClipping(false);
    // Key.
    int x = width() - 4;
    for (int s = streams_ - 1; s >= 0; --s) {
        const QString t = names_[s].isEmpty() ? QStringLiteral("—") : names_[s];
        const int w = fm.horizontalAdvance(t);
        x -= w;
        p.setPen(s == 0 ? palette::kAccent : palette::kAccent2);
        p.drawText(QPoint(x, key_y + fm.ascent() + 1), t);
        x -= 16;
        p.drawLine(x, key_y + fm.height() / 2 + 1, x + 12, key_y + fm.height() / 2 + 1);
        x -= 10;
    }
    if (!has_power && !power_note_.isEmpty()) {
        p.setPen(palette::kWarn);
        p.drawText(plot.adjusted(6, 4, -6, -4), Qt::AlignTop | Qt::AlignRight | Qt::TextWordWrap, tr("power: ") + power_note_);
    }
}

StatsView::StatsView(QWidget* parent)
    : QWidget(parent), table_(new StatsTable(StatsTable::Part::Latency, this)), energy_strip_(new EnergyStrip(this)),
      plot_(new LivePlot(this)) {
    auto* v = new QVBoxLayout(this);
    v->setContentsMargins(0, 0, 0, 0);
    v->setSpacing(4);
    auto* l = new QHBoxLayout;
    l->setSpacing(14);
    l->addWidget(table_, 5);
    l->addWidget(plot_, 6);
    v->addLayout(l, 1);
    v->addWidget(energy_strip_);
}

void StatsView::setSources(StatsCollector* stats, EnergySource* energy) {
    stats_ = stats;
    energy_ = energy;
}

void StatsView::setStreams(int streams) { streams_ = std::clamp(streams, 1, 2); }

void StatsView::refresh() {
    if (!stats_) return;
    for (int i = 0; i < 2; ++i) streams_data_[i] = stats_->stream(i);
    display_ = stats_->display();
    for (int i = 0; i < 2; ++i) {
        energy_data_[i] = energy_ ? energy_->figures(streams_data_[i].backend) : EnergyFigures{};
        if (energy_data_[i].power_w && streams_data_[i].active) stats_->addPower(i, *energy_data_[i].power_w);
    }
    table_->setData(streams_data_, streams_, display_, energy_data_);
    energy_strip_->setData(streams_data_, streams_, energy_data_);
    for (int i = 0; i < 2; ++i) {
        stats_->latencySeries(i, latency_[i]);
        stats_->powerSeries(i, power_[i]);
    }
    const QString names[2] = {streams_data_[0].backend, streams_data_[1].backend};
    // Why there is no power curve is said in the energy line under the plot.
    plot_->setData(latency_, power_, streams_, stats_->windowSeconds(), names, QString());
}

}  // namespace edgemoe::app
