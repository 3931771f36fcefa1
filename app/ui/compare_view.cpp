#include "ui/compare_view.h"

#include <QPainter>

#include "core/palette.h"

namespace edgemoe::app {

CompareView::CompareView(QWidget* parent) : QWidget(parent) { setMinimumSize(240, 170); }

void CompareView::setData(const CompareMetrics& m, const StreamStats& a, const StreamStats& b, const EnergyFigures& ea,
                          const EnergyFigures& eb, const QStringList& task_names) {
    names_[0] = a.backend.isEmpty() ? QStringLiteral("—") : a.backend;
    names_[1] = b.backend.isEmpty() ? QStringLiteral("—") : b.backend;
    agreement_.clear();
    if (!m.valid) {
        agreement_ << tr("waiting for a frame from both backends");
    } else {
        for (int p = 0; p < m.passes; ++p) {
            const QString task = m.task[p] >= 0 && m.task[p] < task_names.size() ? task_names[m.task[p]] : tr("(task changed)");
            if (m.task[p] < 0) continue;
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
    auto ratio = [](double x, double y, const QString& better, const QString& worse) {
        if (!(x > 0) || !(y > 0)) return QStringLiteral("—");
        const double r = x / y;
        return r >= 1 ? QStringLiteral("×%1 %2").arg(r, 0, 'f', r >= 10 ? 0 : 2).arg(better)
                      : QStringLiteral("×%1 %2").arg(1 / r, 0, 'f', 1 / r >= 10 ? 0 : 2).arg(worse);
    };
    auto num = [](double v, int d) { return v > 0 ? QString::number(v, 'f', d) : QStringLiteral("—"); };
    auto opt = [](const std::optional<double>& v, int d) { return v ? QString::number(*v, 'f', d) : QStringLiteral("—"); };
    // In compare mode both backends get the same frames (the slower one sets the pace), so the speed
    // to compare is each one's own inference time per frame, and the rate it alone would reach.
    const double la = a.mean.total - a.mean.capture, lb = b.mean.total - b.mean.capture;
    rows_.push_back({tr("inference ms"), num(la, 1), num(lb, 1), ratio(la, lb, tr("faster"), tr("slower"))});
    rows_.push_back({tr("frames/s alone"), num(la > 0 ? 1000 / la : 0, 1), num(lb > 0 ? 1000 / lb : 0, 1),
                     ratio(la, lb, tr("faster"), tr("slower"))});
    rows_.push_back({tr("power W"), opt(ea.power_w, 1), opt(eb.power_w, 1),
                     ea.power_w && eb.power_w ? ratio(*ea.power_w, *eb.power_w, tr("less"), tr("more")) : QStringLiteral("—")});
    rows_.push_back({tr("J/frame"), opt(ea.joules_per_frame, 3), opt(eb.joules_per_frame, 3),
                     ea.joules_per_frame && eb.joules_per_frame
                         ? ratio(*ea.joules_per_frame, *eb.joules_per_frame, tr("less energy"), tr("more energy"))
                         : QStringLiteral("—")});
    rows_.push_back({tr("frames/J"), opt(ea.frames_per_joule, 1), opt(eb.frames_per_joule, 1),
                     ea.frames_per_joule && eb.frames_per_joule
                         ? ratio(*eb.frames_per_joule, *ea.frames_per_joule, tr("better"), tr("worse"))
                         : QStringLiteral("—")});
    note_ = !ea.available() ? tr("energy: ") + ea.unavailable : !eb.available() ? tr("energy: ") + eb.unavailable : QString();
    update();
}

void CompareView::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.setRenderHint(QPainter::TextAntialiasing);
    const QFont f = palette::font(12), fb = palette::font(12, QFont::DemiBold), fs = palette::font(11);
    const QFontMetrics fm(f);
    const int line = fm.height() + 3;
    int y = 0;
    p.setFont(fb);
    p.setPen(palette::kAccent);
    const QString a = names_[0];
    p.drawText(QPoint(0, y + fm.ascent()), a);
    int x = fm.horizontalAdvance(a) + 8;
    p.setPen(palette::kTextDim);
    p.drawText(QPoint(x, y + fm.ascent()), tr("vs"));
    x += fm.horizontalAdvance(tr("vs")) + 8;
    p.setPen(palette::kAccent2);
    p.drawText(QPoint(x, y + fm.ascent()), names_[1]);
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
    const int label_w = fm.horizontalAdvance(tr("frames/s alone")) + 10;
    const int col = std::max(46, (width() - label_w) * 27 / 100);   // the ratio column gets the rest
    p.setFont(fs);
    p.setPen(palette::kAccent);
    p.drawText(QRect(label_w, y, col - 6, line), Qt::AlignRight | Qt::AlignVCenter, names_[0]);
    p.setPen(palette::kAccent2);
    p.drawText(QRect(label_w + col, y, col - 6, line), Qt::AlignRight | Qt::AlignVCenter, names_[1]);
    p.setPen(palette::kTextDim);
    p.drawText(QRect(label_w + 2 * col, y, width() - label_w - 2 * col, line), Qt::AlignRight | Qt::AlignVCenter, tr("ratio"));
    y += line;
    for (const auto& r : rows_) {
        p.setFont(f);
        p.setPen(palette::kTextDim);
        p.drawText(QRect(0, y, label_w, line), Qt::AlignLeft | Qt::AlignVCenter, r[0]);
        p.setPen(palette::kText);
        p.drawText(QRect(label_w, y, col - 6, line), Qt::AlignRight | Qt::AlignVCenter, r[1]);
        p.drawText(QRect(label_w + col, y, col - 6, line), Qt::AlignRight | Qt::AlignVCenter, r[2]);
        p.setFont(fb);
        p.setPen(palette::kGood);
        p.drawText(QRect(label_w + 2 * col, y, width() - label_w - 2 * col, line), Qt::AlignRight | Qt::AlignVCenter, r[3]);
        y += line;
    }
    if (!note_.isEmpty()) {
        p.setFont(fs);
        p.setPen(palette::kWarn);
        p.drawText(QRect(0, y + 2, width(), height() - y - 2), Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap, note_);
    }
}

}  // namespace edgemoe::app
