#pragma once
// Compare mode's numbers: how well the two backends agree on the same frame (pixel agreement and mIoU
// between their class maps; mean relative difference between their depth maps), and their speed and
// energy next to each other with the ratio.
#include <QWidget>

#include "core/compare_summary.h"
#include "core/compare_stats.h"
#include "core/energy_source.h"
#include "core/stats_collector.h"

namespace edgemoe::app {

class CompareView : public QWidget {
    Q_OBJECT
public:
    explicit CompareView(QWidget* parent = nullptr);
    void setData(const CompareMetrics& m, const StreamStats& a, const StreamStats& b, const EnergyFigures& ea,
                 const EnergyFigures& eb, const QStringList& task_names, const CompareSummary& summary = {});
    // As shown (tests): one line per pass, and the rows {label, a, b, ratio}; energy rows only when
    // a meter gives figures, else one short line (note()) with the full reasons in the tooltip.
    const QStringList& agreementLines() const { return agreement_; }
    const std::vector<std::array<QString, 4>>& rows() const { return rows_; }
    // Per row: +1 the ratio favours the second backend (green), -1 it does not (red), 0 no ratio.
    const std::vector<int>& ratioTones() const { return tones_; }
    QString note() const { return note_; }
    // Which stream is the bottleneck, in a sentence (empty when neither is).
    QString bottleneck() const { return summary_.text; }
    // Whether the table did not fit the width at the last paint (tests: it fits at 1280x720).
    bool clipped() const { return clipped_; }
    QSize sizeHint() const override { return {300, 210}; }

protected:
    void paintEvent(QPaintEvent*) override;

private:
    QString names_[2];
    QStringList agreement_;
    std::vector<std::array<QString, 4>> rows_;
    std::vector<int> tones_;
    QString note_, pair_note_;
    bool clipped_ = false;
    CompareSummary summary_;
};

}  // namespace edgemoe::app
