#pragma once
// A backend's worker threads: a oneTBB task arena of the backend's thread count, and the one
// parallel loop the engine's backends use (for_each), with the frame's cancellation check in it.
//
// Why TBB and not OpenMP: OpenMP's threads spin at every join (libgomp's default wait policy), so on
// a busy machine a frame with ~70 joins waited for descheduled partners most of its time (6x slower
// than PyTorch under load, issue 14). TBB's workers spin briefly and then sleep, idle items are
// stolen by whichever thread is running, and all arenas of a process share one pool of workers, so
// two backends in one process (compare mode) share the cores instead of each spinning on them.
//
// Determinism is the callers' business and does not depend on this class: they split work into
// items that do not depend on the thread count, and per-thread scratch (slot()) is aligned alike.
#include <atomic>
#include <functional>
#include <string>

// Qt defines `emit` as a macro, and TBB's profiling.h has a function of that name: keep the macro out
// of TBB's headers when a Qt file (a Qt Test suite) included Qt first.
#pragma push_macro("emit")
#undef emit
#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/partitioner.h>
#include <oneapi/tbb/task_arena.h>
#include <oneapi/tbb/task_group.h>
#pragma pop_macro("emit")

namespace edgemoe {

class WorkArena {
public:
    // threads: 0 = every core (and more than the cores is the cores: see resolve()).
    explicit WorkArena(int threads = 0);
    WorkArena(const WorkArena&) = delete;
    WorkArena& operator=(const WorkArena&) = delete;

    // 0 -> the cores this process may use; otherwise at least 1 and at most those cores.
    static int resolve(int threads);

    // The thread count from the next apply() on. Safe to call from any thread, also while a frame runs.
    void set_threads(int threads) { pending_.store(resolve(threads), std::memory_order_relaxed); }
    // Applies a thread count set since the last call (re-creates the arena); true when it changed.
    // Call between frames, outside run(), from the thread that runs the frames.
    bool apply();
    // The arena's thread count: the bound of slot(). May be read from any thread.
    int threads() const { return threads_.load(std::memory_order_relaxed); }

    // The frame's cancellation: `cancelled` says whether the caller gave up on the frame (polled per
    // work item, so it must be cheap); `who` names the backend in FrameCancelled's message.
    void set_cancel_check(std::function<bool()> cancelled, std::string who);
    bool cancelled() const { return cancelled_ && cancelled_(); }
    // Throws FrameCancelled when cancelled() reads true.
    void throw_if_cancelled() const;

    // Runs f() inside the arena, so that every for_each it makes runs on this arena's threads. A whole
    // frame goes in one run(): the calling thread keeps its place in the arena between loops.
    template <class F>
    void run(F&& f) {
        arena_.execute(std::forward<F>(f));
    }

    // body(i) for every i in [0, n), one item per task, on the arena's threads (the calling thread
    // takes part). Items must write disjoint memory. Once cancelled() reads true, the items not yet
    // started are skipped, and after the join for_each throws FrameCancelled (never from inside a
    // task). A body must not call for_each itself (per-thread scratch would be shared).
    template <class F>
    void for_each(int n, F&& body) {
        if (n <= 0) return;
        throw_if_cancelled();
        if (n == 1 || threads() == 1) {
            for (int i = 0; i < n; ++i) {
                body(i);
                if (i + 1 < n) throw_if_cancelled();
            }
        } else {
            arena_.execute([&] {
                tbb::task_group_context ctx;
                tbb::parallel_for(
                    tbb::blocked_range<int>(0, n, 1),
                    [&](const tbb::blocked_range<int>& r) {
                        for (int i = r.begin(); i != r.end(); ++i) {
                            if (cancelled()) {
                                ctx.cancel_group_execution();
                                return;
                            }
                            body(i);
                        }
                    },
                    tbb::simple_partitioner(), ctx);
            });
        }
        throw_if_cancelled();
    }

    // The calling thread's place in the arena it runs in: 0 <= slot() < threads() inside run() or a
    // for_each body, unique among the threads running items at the same time. Index per-thread
    // scratch with it.
    static int slot() {
        const int s = tbb::this_task_arena::current_thread_index();
        return s < 0 ? 0 : s;
    }

private:
    std::atomic<int> threads_;
    std::atomic<int> pending_;
    tbb::task_arena arena_;
    std::function<bool()> cancelled_;
    std::string who_;
};

}  // namespace edgemoe
