#pragma once
// The expert panel's drawing: for the chosen MoE block, the latest frame's top-1 expert for every
// patch as a coloured grid (8 x 16 for the Edge-MoE model), one grid per task shown, and a histogram
// of expert use per task over the recent frames, so that the task-level sparsity shows: each task
// leans on a few experts of its own. It reads ExpertStats when refresh() is called (a UI timer).
#include <vector>

#include <QWidget>

namespace edgemoe::app {

class ExpertStats;

class ExpertView : public QWidget {
    Q_OBJECT
public:
    explicit ExpertView(QWidget* parent = nullptr);

    void setSource(const ExpertStats* stats, QStringList task_names);
    void setBlock(int block_pos);
    int block() const { return block_; }
    // Model task indices whose grid and histogram to show (1 or 2).
    void setTasks(const std::vector<int>& tasks);
    const std::vector<int>& tasks() const { return tasks_; }
    void refresh();

    // What was read at the last refresh (tests).
    const std::vector<int16_t>& grid(int i) const { return grids_[size_t(i)]; }
    bool hasGrid(int i) const { return i < int(has_grid_.size()) && has_grid_[size_t(i)]; }
    const std::vector<double>& histogram(int i) const { return hist_[size_t(i)]; }
    int expertsUsed(int i) const { return used_[size_t(i)]; }
    QRect gridRect(int i) const { return i < int(grid_rects_.size()) ? grid_rects_[size_t(i)] : QRect(); }

    QSize sizeHint() const override { return {420, 210}; }

protected:
    void paintEvent(QPaintEvent*) override;

private:
    const ExpertStats* stats_ = nullptr;
    QStringList task_names_;
    int block_ = 0;
    std::vector<int> tasks_{0};
    std::vector<int16_t> grids_[2];
    std::vector<double> hist_[2];
    std::vector<bool> has_grid_;
    int used_[2] = {0, 0};
    int frames_[2] = {0, 0};
    int64_t frame_index_[2] = {-1, -1};
    std::vector<QRect> grid_rects_;
};

}  // namespace edgemoe::app
