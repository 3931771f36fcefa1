#pragma once
// Stats: a table with the frame rate and the latency of every stage (capture, preprocess, backbone,
// head, postprocess, draw, and the UI thread's share) per backend stream, with power, J/frame and
// frames/J from the energy source (or why there are none); and a live plot of latency and power over
// the last minute, drawn with QPainter. refresh() (a UI timer, a few times a second) reads the
// collectors; nothing here runs per frame.
#include <array>
#include <optional>
#include <vector>

#include <QPointF>
#include <QWidget>

#include "core/energy_source.h"
#include "core/stats_collector.h"

namespace edgemoe::app {

class StatsTable : public QWidget {
    Q_OBJECT
public:
    // Latency: frames/s and ms per stage. Energy: power, J/frame, frames/J, and why not when none.
    enum class Part { Latency, Energy };
    explicit StatsTable(Part part, QWidget* parent = nullptr);
    void setData(const StreamStats s[2], int streams, const DisplayStats& display, const EnergyFigures e[2]);
    // The cell texts as shown (tests): rows of {label, stream 0, stream 1}.
    const std::vector<std::array<QString, 3>>& rows() const { return rows_; }
    QString footnote() const { return footnote_; }
    QSize sizeHint() const override { return {300, 240}; }
    QSize minimumSizeHint() const override;
    // The row labels (and the header) that do not fit their column at the widget's size (tests: none).
    QStringList clippedLabels() const;

protected:
    void paintEvent(QPaintEvent*) override;

private:
    // Where things go at the current size: the font size, the label column, the value columns.
    struct Geometry {
        int px = 12, line = 16, label_w = 80, col_w = 60;
    };
    Geometry geometry() const;
    int label_width(int px) const;
    int column_width(int px) const;
    QString header_label() const;

    std::vector<std::array<QString, 3>> rows_;
    QString head_[2];
    int streams_ = 1;
    int passes_ = 1;
    QString footnote_;
    Part part_;
};

// One line per backend stream: power, J/frame, frames/J; without a meter a short state ("Energy: no
// meter on this machine", one line for both streams when they share it), the full reason and hint
// in the tooltip.
class EnergyStrip : public QWidget {
    Q_OBJECT
public:
    explicit EnergyStrip(QWidget* parent = nullptr);
    void setData(const StreamStats s[2], int streams, const EnergyFigures e[2]);
    const QStringList& lines() const { return lines_; }
    QSize sizeHint() const override;

protected:
    void paintEvent(QPaintEvent*) override;

private:
    QStringList names_, lines_;
    std::vector<bool> measured_;
};

class LivePlot : public QWidget {
    Q_OBJECT
public:
    explicit LivePlot(QWidget* parent = nullptr);
    void setData(const std::vector<QPointF> latency[2], const std::vector<QPointF> power[2], int streams, double window_s,
                 const QString names[2], const QString& power_note);
    int pointCount() const { return int(latency_[0].size() + latency_[1].size()); }
    // The title as it fits at the current width (a shorter wording rather than a cut-off one).
    QString title() const;
    QSize sizeHint() const override { return {320, 200}; }

protected:
    void paintEvent(QPaintEvent*) override;

private:
    int key_width() const;
    bool key_on_second_line() const;

    std::vector<QPointF> latency_[2], power_[2];
    int streams_ = 1;
    double window_s_ = 60;
    QString names_[2];
    QString power_note_;
};

class StatsView : public QWidget {
    Q_OBJECT
public:
    explicit StatsView(QWidget* parent = nullptr);
    void setSources(StatsCollector* stats, EnergySource* energy);
    void setStreams(int streams);
    void refresh();
    StatsTable* table() const { return table_; }
    EnergyStrip* energyStrip() const { return energy_strip_; }
    LivePlot* plot() const { return plot_; }
    // The latest snapshot (the title line and the compare panel read it as well).
    const StreamStats& stream(int i) const { return streams_data_[i]; }
    const DisplayStats& display() const { return display_; }
    const EnergyFigures& energy(int i) const { return energy_data_[i]; }

private:
    StatsCollector* stats_ = nullptr;
    EnergySource* energy_ = nullptr;
    int streams_ = 1;
    StatsTable* table_;
    EnergyStrip* energy_strip_;
    LivePlot* plot_;
    StreamStats streams_data_[2];
    DisplayStats display_;
    EnergyFigures energy_data_[2];
    std::vector<QPointF> latency_[2], power_[2];
};

}  // namespace edgemoe::app
