#include "ui/compare_view.h"

#include <QPainter>

#include "core/palette.h"

namespace edgemoe::app {

CompareView::CompareView(QWidget* parent) : QWidget(parent) { setMinimumSize(220, 170); }

void CompareView::setData(const CompareMetrics& m, const StreamStats& a, const StreamStats& b, const EnergyFigures& ea,
                          const EnergyFigures& eb, const QStringList& task_names, const CompareSummary& summary) {
    names_[0] = a.backend.isEmpty() ? QStringLiteral("—") : a.backend;
    names_[1] = b.backend.isEmpty() ? QStringLiteral("—") : b.backend;
    // The frame the agreement was measured on (both backends ran it), shown next to the names.
    pair_note_ = m.valid && m.frame_index >= 0 ? tr("agreement on frame %1").arg(m.frame_index + 1) : QString();
    summary_ = summary;
    agreement_.clear();
    if (!m.valid) {
        agreement_ << tr("waiting for a frame both backends ran");
    } else {
        for (int p = 0; p < m.passes; ++p) {
            if (m.task[p] < 0) continue;
            const QString task = m.task[p] < task_names.size() ? task_names[m.task[p]] : tr("(task changed)");
            if (m.segmentation[p])
                agreement_ << tr("%1: %2% of pixels agree · mIoU %3")
                                  .arg(task)
                                  .arg(m.seg[p].pixel_agreement * 100, 0, 'f', 2)
                                  .arg(m.seg[p].miou, 0, 'f', 3);
            else
                agreement_ << tr("%1: mean relative difference %2%").arg(task).arg(m.depth_mrd[p] * 100, 0, 'f', 3);
        }
    }
    rows_.clear();
    tones_.clear();
    // "×14 slower" is the second backend doing worse: it is drawn as such (red), a better one green.
    auto add = [&](const QString& label, const QString& va, const QString& vb, double x, double y, const QString& better,
                   const QString& worse) {
        QString ratio = QStringLiteral("—");
        int tone = 0;
        if (x > 0 && y > 0) {
            const double r = x / y;
            if (r >= 1) ratio = QStringLiteral("×%1 %2").arg(r, 0, 'f', r >= 10 ? 0 : 2).arg(better), tone = r > 1.005 ? 1 : 0;
            else ratio = QStringLiteral("×%1 %2").arg(1 / r, 0, 'f', 1 / r >= 10 ? 0 : 2).arg(worse), tone = 1 / r > 1.005 ? -1 : 0;
        }
        rows_.push_back({label, va, vb, ratio});
        tones_.push_back(tone);
    };
    auto num = [](double v, int d) { return v > 0 ? QString::number(v, 'f', d) : QStringLiteral("—"); };
    auto opt = [](const std::optional<double>& v, int d) { return v ? QString::number(*v, 'f', d) : QStringLiteral("—"); };
    auto val = [](const std::optional<double>& v) { return v ? *v : 0.0; };
    // Each backend's own inference time per frame, and the rate it alone would reach: in compare
    // mode each stream runs at its own pace (a slow partner skips frames).
    const double la = a.mean.total - a.mean.capture, lb = b.mean.total - b.mean.capture;
    add(tr("inference ms"), num(la, 1), num(lb, 1), la, lb, tr("faster"), tr("slower"));
    add(tr("fps alone"), num(la > 0 ? 1000 / la : 0, 1), num(lb > 0 ? 1000 / lb : 0, 1), la, lb, tr("faster"), tr("slower"));
    if (ea.available() || eb.available()) {
        add(tr("power W"), opt(ea.power_w, 1), opt(eb.power_w, 1), val(ea.power_w), val(eb.power_w), tr("less"), tr("more"));
        add(tr("J/frame"), opt(ea.joules_per_frame, 3), opt(eb.joules_per_frame, 3), val(ea.joules_per_frame),
            val(eb.joules_per_frame), tr("less energy"), tr("more energy"));
        add(tr("frames/J"), opt(ea.frames_per_joule, 1), opt(eb.frames_per_joule, 1), val(eb.frames_per_joule),
            val(ea.frames_per_joule), tr("better"), tr("worse"));
    }
    // Without figures: a short state here, the full reasons and hints in the tooltip.
    note_.clear();
    if (!ea.available() && !eb.available() && energy_state(ea) == energy_state(eb))
        note_ = tr("Energy: %1").arg(energy_state(ea));
    else if (!ea.available())
        note_ = tr("Energy of %1: %2").arg(names_[0], energy_state(ea));
    else if (!eb.available())
        note_ = tr("Energy of %1: %2").arg(names_[1], energy_state(eb));
    const QString tip = names_[0] + ": " + energy_details(ea) + "\n\n" + names_[1] + ": " + energy_details(eb);
    if (toolTip() != tip) setToolTip(tip);
    update();
}

void CompareView::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.setRenderHint(QPainter::TextAntialiasing);
    // The largest font (12 down to 10 px) at which the table's labels and ratios fit the width.
    int px = 12, label_w = 0, col = 0, ratio_w = 0;
    for (;; --px) {
        const QFontMetrics fm(palette::font(px)), fmb(palette::font(px, QFont::DemiBold)), fms(palette::font(std::min(px, 11)));
        label_w = 0, ratio_w = fms.horizontalAdvance(tr("ratio"));
        col = std::max(fms.horizontalAdvance(names_[0]), fms.horizontalAdvance(names_[1])) + 6;   // the column heads
        for (const auto& r : rows_) {
            label_w = std::max(label_w, fm.horizontalAdvance(r[0]) + 6);
            col = std::max({col, fm.horizontalAdvance(r[1]) + 6, fm.horizontalAdvance(r[2]) + 6});
            ratio_w = std::max(ratio_w, fmb.horizontalAdvance(r[3]) + 2);
        }
        if (px == 10 || label_w + 2 * col + ratio_w <= width()) break;
    }
    const QFont f = palette::font(px), fb = palette::font(px, QFont::DemiBold), fs = palette::font(std::min(px, 11));
    const QFontMetrics fm(f);
    const int line = fm.height() + 3;
    int y = 0;
    p.setFont(fb);
    p.setPen(palette::kAccent);
    p.drawText(QPoint(0, y + fm.ascent()), names_[0]);
    int x = fm.horizontalAdvance(names_[0]) + 8;
    p.setPen(palette::kTextDim);
    p.drawText(QPoint(x, y + fm.ascent()), tr("vs"));
    x += fm.horizontalAdvance(tr("vs")) + 8;
    p.setPen(palette::kAccent2);
    p.drawText(QPoint(x, y + fm.ascent()), names_[1]);
    x += QFontMetrics(fb).horizontalAdvance(names_[1]) + 10;
    if (!pair_note_.isEmpty()) {
        p.setFont(fs);
        p.setPen(palette::kTextDim);
        p.drawText(QRect(x, y, std::max(0, width() - x), line), Qt::AlignRight | Qt::AlignVCenter,
                   QFontMetrics(fs).elidedText(pair_note_, Qt::ElideRight, std::max(0, width() - x)));
    }
    y += line + 2;
    p.setFont(f);
    for (const QString& l : agreement_) {
        p.setPen(palette::kText);
        p.drawText(QRect(0, y, width(), line), Qt::AlignLeft | Qt::AlignVCenter, fm.elidedText(l, Qt::ElideRight, width()));
        y += line;
    }
    y += 4;
    p.setPen(QPen(palette::kPanelLine, 1));
    p.drawLine(0, y, width(), y);
    y += 4;
    // Value columns right after the labels; the ratio column takes the rest.
    col = std::max(col, std::min(70, (width() - label_w - ratio_w) / 2));
    clipped_ = label_w + 2 * col + ratio_w > width();
    p.setFont(fs);
    p.setPen(palette::kAccent);
    p.drawText(QRect(label_w, y, col - 6, line), Qt::AlignRight | Qt::AlignVCenter, names_[0]);
    p.setPen(palette::kAccent2);
    p.drawText(QRect(label_w + col, y, col - 6, line), Qt::AlignRight | Qt::AlignVCenter, names_[1]);
    p.setPen(palette::kTextDim);
    p.drawText(QRect(label_w + 2 * col, y, width() - label_w - 2 * col, line), Qt::AlignRight | Qt::AlignVCenter, tr("ratio"));
    y += line;
    for (size_t i = 0; i < rows_.size(); ++i) {
        const auto& r = rows_[i];
        p.setFont(f);
        p.setPen(palette::kTextDim);
        p.drawText(QRect(0, y, label_w, line), Qt::AlignLeft | Qt::AlignVCenter, r[0]);
        p.setPen(palette::kText);
        p.drawText(QRect(label_w, y, col - 6, line), Qt::AlignRight | Qt::AlignVCenter, r[1]);
        p.drawText(QRect(label_w + col, y, col - 6, line), Qt::AlignRight | Qt::AlignVCenter, r[2]);
        p.setFont(fb);
        p.setPen(tones_[i] > 0 ? palette::kGood : tones_[i] < 0 ? palette::kError : palette::kTextDim);
        p.drawText(QRect(label_w + 2 * col, y, width() - label_w - 2 * col, line), Qt::AlignRight | Qt::AlignVCenter, r[3]);
        y += line;
    }
    p.setFont(fs);
    if (!note_.isEmpty()) {
        p.setPen(palette::kTextDim);
        p.drawText(QRect(0, y + 2, width(), line), Qt::AlignLeft | Qt::AlignVCenter, note_);
        y += line + 2;
    }
    if (!summary_.text.isEmpty()) {
        p.setPen(palette::kWarn);
        p.drawText(QRect(0, y + 4, width(), height() - y - 4), Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap, summary_.text);
    }
}

}  // namespace edgemoe::app
