#include "core/expert_stats.h"

#include <algorithm>

namespace edgemoe::app {

void ExpertStats::configure(const ModelConfig& c) {
    std::lock_guard lock(mutex_);
    tasks_ = int(c.tasks.size());
    blocks_ = int(c.moe_blocks.size());
    experts_ = c.num_experts;
    grid_h_ = c.grid_h();
    grid_w_ = c.grid_w();
    block_numbers_ = c.moe_blocks;
    per_task_.assign(size_t(tasks_), PerTask{});
    for (PerTask& t : per_task_) {
        t.ring.assign(size_t(window_) * blocks_ * experts_, 0);
        t.sums.assign(size_t(blocks_) * experts_, 0);
        t.grid.assign(size_t(blocks_) * grid_h_ * grid_w_, -1);
    }
}

void ExpertStats::reset() {
    std::lock_guard lock(mutex_);
    for (PerTask& t : per_task_) {
        std::fill(t.ring.begin(), t.ring.end(), 0);
        std::fill(t.sums.begin(), t.sums.end(), 0);
        std::fill(t.grid.begin(), t.grid.end(), int16_t(-1));
        t.head = t.filled = 0;
        t.last_frame = -1;
    }
}

void ExpertStats::add(const InferenceResult& r) {
    std::lock_guard lock(mutex_);
    for (int p = 0; p < r.passes; ++p) {
        const FrameResult& out = r.out[p];
        const int task = out.task;
        if (task < 0 || task >= tasks_) continue;
        PerTask& t = per_task_[size_t(task)];
        const size_t frame_cells = size_t(blocks_) * experts_;
        int32_t* slot = t.ring.data() + size_t(t.head) * frame_cells;
        // Retire the oldest frame of the window.
        if (t.filled == window_)
            for (size_t i = 0; i < frame_cells; ++i) t.sums[i] -= slot[i];
        std::fill(slot, slot + frame_cells, 0);
        const int nb = std::min<int>(blocks_, int(out.net.routing.size()));
        const int patches = grid_h_ * grid_w_;
        for (int b = 0; b < nb; ++b) {
            const ExpertRouting& routing = out.net.routing[size_t(b)];
            int32_t* counts = slot + size_t(b) * experts_;
            for (int16_t e : routing.expert)
                if (e >= 0 && e < experts_) ++counts[e];
            int16_t* grid = t.grid.data() + size_t(b) * patches;
            // Token 0 is the class token; tokens 1.. are the patches, row-major.
            for (int i = 0; i < patches && i + 1 < routing.tokens; ++i) grid[i] = int16_t(routing.expert_at(i + 1, 0));
        }
        for (size_t i = 0; i < frame_cells; ++i) t.sums[i] += slot[i];
        t.head = (t.head + 1) % window_;
        t.filled = std::min(t.filled + 1, window_);
        t.last_frame = out.frame_index;
    }
}

int ExpertStats::tasks() const {
    std::lock_guard lock(mutex_);
    return tasks_;
}
int ExpertStats::blocks() const {
    std::lock_guard lock(mutex_);
    return blocks_;
}
int ExpertStats::experts() const {
    std::lock_guard lock(mutex_);
    return experts_;
}
int ExpertStats::gridH() const {
    std::lock_guard lock(mutex_);
    return grid_h_;
}
int ExpertStats::gridW() const {
    std::lock_guard lock(mutex_);
    return grid_w_;
}
int ExpertStats::blockNumber(int block_pos) const {
    std::lock_guard lock(mutex_);
    return block_pos >= 0 && block_pos < int(block_numbers_.size()) ? block_numbers_[size_t(block_pos)] : -1;
}

bool ExpertStats::latestGrid(int task, int block_pos, std::vector<int16_t>& out, int64_t* frame_index) const {
    std::lock_guard lock(mutex_);
    if (task < 0 || task >= tasks_ || block_pos < 0 || block_pos >= blocks_) return false;
    const PerTask& t = per_task_[size_t(task)];
    if (t.filled == 0) return false;
    const size_t patches = size_t(grid_h_) * grid_w_;
    out.assign(t.grid.begin() + long(block_pos * patches), t.grid.begin() + long((block_pos + 1) * patches));
    if (frame_index) *frame_index = t.last_frame;
    return true;
}

void ExpertStats::histogram(int task, int block_pos, std::vector<double>& share) const {
    std::lock_guard lock(mutex_);
    share.assign(size_t(std::max(experts_, 0)), 0.0);
    if (task < 0 || task >= tasks_ || block_pos >= blocks_) return;
    const PerTask& t = per_task_[size_t(task)];
    double total = 0;
    for (int b = 0; b < blocks_; ++b) {
        if (block_pos >= 0 && b != block_pos) continue;
        for (int e = 0; e < experts_; ++e) {
            const double v = double(t.sums[size_t(b) * experts_ + e]);
            share[size_t(e)] += v;
            total += v;
        }
    }
    if (total > 0)
        for (double& v : share) v /= total;
}

int ExpertStats::frames(int task) const {
    std::lock_guard lock(mutex_);
    return task >= 0 && task < tasks_ ? per_task_[size_t(task)].filled : 0;
}

int ExpertStats::expertsUsed(int task, int block_pos, double min_share) const {
    std::vector<double> share;
    histogram(task, block_pos, share);
    return int(std::count_if(share.begin(), share.end(), [&](double v) { return v > 0 && v >= min_share; }));
}

}  // namespace edgemoe::app
