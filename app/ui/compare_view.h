#pragma once
// Compare mode's numbers: how well the two backends agree on the same frame (pixel agreement and mIoU
// between their class maps; mean relative difference between their depth maps), and their speed and
// energy next to each other with the ratio.
#include <QWidget>

#include "core/compositor.h"
#include "core/energy_source.h"
#include "core/stats_collector.h"

namespace edgemoe::app {

class CompareView : public QWidget {
    Q_OBJECT
public:
    explicit CompareView(QWidget* parent = nullptr);
    void setData(const CompareMetrics& m, const StreamStats& a, const StreamStats& b, const EnergyFigures& ea,
                 const EnergyFigures& eb, const QStringList& task_names);
    // As shown (tests): one line per pass, and the rows {label, a, b, ratio}.
    const QStringList& agreementLines() const { return agreement_; }
    const std::vector<std::array<QString, 4>>& rows() const { return rows_; }
    QSize sizeHint() const override { return {300, 210}; }

protected:
    void paintEvent(QPaintEvent*) override;

private:
    QString names_[2];
    QStringList agreement_;
    std::vector<std::array<QString, 4>> rows_;
    QString note_;
};

}  // namespace edgemoe::app
