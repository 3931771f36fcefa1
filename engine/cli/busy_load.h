#pragma once
// Competing CPU load for edgemoe-bench --load N: N child processes that spin (no sleep, no I/O),
// what a compiler or a browser tab looks like to the scheduler. They end three ways, so none
// outlives the benchmark: the destructor kills and reaps them (normal end, an exception); each one
// stops by itself after max_seconds; and on Linux each gets SIGKILL when the benchmark dies
// (PR_SET_PDEATHSIG: Ctrl-C, a crash, kill -9). POSIX only (fork).
#include <sys/types.h>

#include <vector>

namespace edgemoe::cli {

class BusyLoad {
public:
    // Starts `count` busy processes; throws std::system_error (after ending those started) when
    // fork fails.
    BusyLoad(int count, double max_seconds);
    ~BusyLoad();
    BusyLoad(const BusyLoad&) = delete;
    BusyLoad& operator=(const BusyLoad&) = delete;

    const std::vector<pid_t>& pids() const { return pids_; }
    // How many have already exited (their time bound ran out): not 0 means the load did not last
    // the whole measurement.
    int ended();
    // Stops (SIGSTOP) and continues (SIGCONT) every one still running: edgemoe-bench --interleave
    // takes idle and loaded frames in turn with the same processes, so a slow spell of a shared
    // machine falls on both alike. A stopped one still dies with the benchmark (SIGKILL ends it).
    void pause();
    void resume();
    // Kills and reaps every one still running. Idempotent.
    void stop();

private:
    std::vector<pid_t> pids_;
    std::vector<bool> reaped_;
};

}  // namespace edgemoe::cli
