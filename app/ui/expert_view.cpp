#include "ui/expert_view.h"

#include <algorithm>
#include <cmath>

#include <QPainter>

#include "core/expert_stats.h"
#include "core/palette.h"

namespace edgemoe::app {

ExpertView::ExpertView(QWidget* parent) : QWidget(parent) {
    setMinimumSize(220, 150);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
    has_grid_.assign(2, false);
}

void ExpertView::setSource(const ExpertStats* stats, QStringList task_names) {
    stats_ = stats;
    task_names_ = std::move(task_names);
    refresh();
}

void ExpertView::setBlock(int block_pos) {
    block_ = block_pos;
    refresh();
}

void ExpertView::setTasks(const std::vector<int>& tasks) {
    tasks_ = tasks;
    if (tasks_.empty()) tasks_.push_back(0);
    if (tasks_.size() > 2) tasks_.resize(2);
    refresh();
}

void ExpertView::refresh() {
    has_grid_.assign(2, false);
    if (stats_) {
        for (size_t i = 0; i < tasks_.size(); ++i) {
            int64_t frame = -1;
            has_grid_[i] = stats_->latestGrid(tasks_[i], block_, grids_[i], &frame);
            frame_index_[i] = frame;
            stats_->histogram(tasks_[i], block_, hist_[i]);
            used_[i] = stats_->expertsUsed(tasks_[i], block_);
            frames_[i] = stats_->frames(tasks_[i]);
        }
    }
    update();
}

void ExpertView::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    p.fillRect(rect(), palette::kPanel);
    grid_rects_.clear();
    if (!stats_ || stats_->experts() <= 0) {
        p.setPen(palette::kTextDim);
        p.drawText(rect(), Qt::AlignCenter, tr("no model"));
        return;
    }
    const int gh = stats_->gridH(), gw = stats_->gridW(), experts = stats_->experts();
    const int n = int(tasks_.size());
    const QFont small = palette::font(11), bold = palette::font(11, QFont::DemiBold);
    const QFontMetrics fm(small);
    const bool wide = width() > height() * 1.5;
    const int pad = 6;

    // Grids: one per task, stacked in the left part (wide) or side by side in the top part.
    const QRect grid_area = wide ? QRect(pad, pad, width() * 45 / 100 - pad, height() - 2 * pad)
                                 : QRect(pad, pad, width() - 2 * pad, height() * 50 / 100 - pad);
    const int cap_h = fm.height() + 2;
    for (int i = 0; i < n; ++i) {
        QRect slot = wide ? QRect(grid_area.left(), grid_area.top() + i * grid_area.height() / n, grid_area.width(), grid_area.height() / n)
                          : QRect(grid_area.left() + i * grid_area.width() / n, grid_area.top(), grid_area.width() / n, grid_area.height());
        slot.adjust(0, 0, -4, -4);
        const QColor tc = i == 0 ? palette::kTask0 : palette::kTask1;
        const int t = tasks_[size_t(i)];
        const QString name = t >= 0 && t < task_names_.size() ? task_names_[t] : QString::number(t);
        p.setFont(bold);
        p.setPen(tc);
        p.drawText(QRect(slot.left(), slot.top(), slot.width(), cap_h), Qt::AlignLeft | Qt::AlignVCenter, name);
        p.setFont(small);
        p.setPen(palette::kTextDim);
        if (frame_index_[i] >= 0)
            p.drawText(QRect(slot.left(), slot.top(), slot.width(), cap_h), Qt::AlignRight | Qt::AlignVCenter,
                       tr("frame %1").arg(frame_index_[i]));
        const QRect cells_area = slot.adjusted(0, cap_h + 2, 0, 0);
        const double cell = std::max(1.0, std::min(double(cells_area.width()) / gw, double(cells_area.height()) / gh));
        const QRectF grid(cells_area.left(), cells_area.top(), cell * gw, cell * gh);
        grid_rects_.push_back(grid.toRect());
        p.setPen(Qt::NoPen);
        if (!has_grid_[size_t(i)]) {
            p.setBrush(QColor(0x22, 0x26, 0x2e));
            p.drawRoundedRect(grid, 4, 4);
            p.setPen(palette::kTextDim);
            p.drawText(grid, Qt::AlignCenter, tr("waiting for frames"));
            continue;
        }
        const auto& g = grids_[size_t(i)];
        for (int y = 0; y < gh; ++y)
            for (int x = 0; x < gw; ++x) {
                const size_t k = size_t(y) * gw + x;
                p.setBrush(palette::expert(k < g.size() ? g[k] : -1));
                p.drawRect(QRectF(grid.left() + x * cell + 0.5, grid.top() + y * cell + 0.5, cell - 1, cell - 1));
            }
    }

    // Histogram: share of routing per expert, one bar per task, over the recent frames.
    const QRect hist_area = wide ? QRect(grid_area.right() + 3 * pad, pad, width() - grid_area.right() - 4 * pad, height() - 2 * pad)
                                 : QRect(pad, grid_area.bottom() + pad, width() - 2 * pad, height() - grid_area.bottom() - 2 * pad);
    const int legend_h = fm.height() + 2;
    const QRect plot(hist_area.left() + fm.horizontalAdvance("100%") + 4, hist_area.top() + n * legend_h + 4,
                     hist_area.width() - fm.horizontalAdvance("100%") - 4, hist_area.height() - (n + 1) * legend_h - 6);
    double top = 0.05;
    for (int i = 0; i < n; ++i)
        for (double v : hist_[size_t(i)]) top = std::max(top, v);
    top = std::ceil(top * 10) / 10;
    p.setPen(QPen(palette::kPanelLine, 1));
    for (int k = 0; k <= 2; ++k) {
        const int y = plot.bottom() - int(plot.height() * k / 2.0);
        p.drawLine(plot.left(), y, plot.right(), y);
        p.setPen(palette::kTextDim);
        p.setFont(small);
        p.drawText(QRect(hist_area.left(), y - fm.height() / 2, plot.left() - hist_area.left() - 4, fm.height()),
                   Qt::AlignRight | Qt::AlignVCenter, QString::number(int(std::lround(top * k / 2 * 100))) + "%");
        p.setPen(QPen(palette::kPanelLine, 1));
    }
    const double group = double(plot.width()) / std::max(1, experts);
    const double bar = std::max(1.0, (group - 2) / n);
    p.setPen(Qt::NoPen);
    for (int e = 0; e < experts; ++e) {
        for (int i = 0; i < n; ++i) {
            const auto& h = hist_[size_t(i)];
            const double v = e < int(h.size()) ? h[size_t(e)] : 0;
            const double bh = v / top * plot.height();
            p.setBrush(i == 0 ? palette::kTask0 : palette::kTask1);
            p.drawRect(QRectF(plot.left() + e * group + 1 + i * bar, plot.bottom() - bh, bar - (n > 1 ? 0.5 : 1), bh));
        }
        // Expert colour key under each group (matches the grid).
        p.setBrush(palette::expert(e));
        p.drawRect(QRectF(plot.left() + e * group + 1, plot.bottom() + 2, group - 2, 3));
        const int label_every = std::max(1, int(std::ceil((fm.horizontalAdvance("00") + 6) / group)));
        const QString label = QString::number(e);
        const double label_right = plot.left() + (e + 0.5) * group + fm.horizontalAdvance(label) / 2.0;
        if (e % label_every == 0 && label_right <= width()) {
            p.setPen(palette::kTextDim);
            p.drawText(QRectF(plot.left() + e * group - group, plot.bottom() + 5, 3 * group, fm.height()),
                       Qt::AlignHCenter | Qt::AlignTop, label);
            p.setPen(Qt::NoPen);
        }
    }
    // Legend, one line per task: how many experts carry at least 1% of its routing, over how many frames.
    p.setFont(small);
    for (int i = 0; i < n; ++i) {
        const int t = tasks_[size_t(i)];
        const QString name = t >= 0 && t < task_names_.size() ? task_names_[t] : QString::number(t);
        QString text = tr("%1 uses %2 of %3 experts").arg(name).arg(used_[i]).arg(experts);
        if (fm.horizontalAdvance(text) + 14 > plot.width()) text = tr("%1 %2/%3").arg(name).arg(used_[i]).arg(experts);
        const QString frames = tr("%1 frames").arg(frames_[i]);
        const int y = hist_area.top() + i * legend_h;
        p.setBrush(i == 0 ? palette::kTask0 : palette::kTask1);
        p.setPen(Qt::NoPen);
        p.drawRoundedRect(QRect(plot.left(), y + (legend_h - 9) / 2, 9, 9), 2, 2);
        p.setPen(palette::kText);
        p.drawText(QRect(plot.left() + 14, y, plot.width() - 14, legend_h), Qt::AlignLeft | Qt::AlignVCenter, text);
        if (fm.horizontalAdvance(text) + fm.horizontalAdvance(frames) + 24 < plot.width()) {
            p.setPen(palette::kTextDim);
            p.drawText(QRect(plot.left(), y, plot.width(), legend_h), Qt::AlignRight | Qt::AlignVCenter, frames);
        }
    }
}

}  // namespace edgemoe::app
