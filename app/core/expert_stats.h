#pragma once
// Which experts the MoE blocks chose: the latest frame's choice per patch (for the 8x16 grid), and a
// histogram of expert use per task over the last `window` frames (for the sparsity view). Counts are
// slot-weighted, as in the engine's metrics: each (token, slot) pair counts once.
//
// add() is called from inference threads, the getters from the UI thread; all of it is guarded by
// one mutex, and every buffer is sized once in configure(), so that add() allocates nothing.
#include <cstdint>
#include <mutex>
#include <vector>

#include "core/types.h"

namespace edgemoe::app {

class ExpertStats {
public:
    explicit ExpertStats(int window = 120) : window_(window) {}

    // From the model: number of tasks, MoE blocks, experts and the patch grid.
    void configure(const ModelConfig& config);
    void reset();
    // Records every pass of a result (each pass is one task).
    void add(const InferenceResult& result);

    int window() const { return window_; }
    int tasks() const;
    int blocks() const;
    int experts() const;
    int gridH() const;
    int gridW() const;
    int blockNumber(int block_pos) const;   // the transformer block index of the MoE block at block_pos

    // The latest frame's top-1 expert per patch (row-major grid_h x grid_w) for a task and MoE block.
    // False when that task has not run yet.
    bool latestGrid(int task, int block_pos, std::vector<int16_t>& out, int64_t* frame_index = nullptr) const;
    // Share of (token, slot) pairs per expert over the window, for one task and MoE block (block_pos
    // -1: all MoE blocks together). Zeros when no frame was seen.
    void histogram(int task, int block_pos, std::vector<double>& share) const;
    // Frames in the window for a task.
    int frames(int task) const;
    // Experts with at least `min_share` of the routing in the window.
    int expertsUsed(int task, int block_pos, double min_share = 0.01) const;

private:
    int window_;
    mutable std::mutex mutex_;
    int tasks_ = 0, blocks_ = 0, experts_ = 0, grid_h_ = 0, grid_w_ = 0;
    std::vector<int> block_numbers_;
    struct PerTask {
        std::vector<int32_t> ring;     // [window][blocks][experts]
        std::vector<int64_t> sums;     // [blocks][experts]
        std::vector<int16_t> grid;     // [blocks][grid_h * grid_w]
        int head = 0, filled = 0;
        int64_t last_frame = -1;
    };
    std::vector<PerTask> per_task_;
};

}  // namespace edgemoe::app
