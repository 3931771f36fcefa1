#include "busy_load.h"

#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <cerrno>
#include <system_error>

namespace edgemoe::cli {

namespace {

double now_s() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

// The child's whole life. Only async-signal-safe calls: the parent may have had threads when it forked.
[[noreturn]] void spin(pid_t parent, double max_seconds) {
#ifdef __linux__
    prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
    if (getppid() != parent) _exit(0);  // the benchmark died before prctl took effect
    // The benchmark's own handlers (if any) are not ours: Ctrl-C and SIGTERM end a spinner.
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    const double end = now_s() + max_seconds;
    volatile unsigned long sink = 0;
    while (now_s() < end)
        for (unsigned long i = 0; i < (1ul << 20); ++i) sink = sink + i;
    _exit(0);
}

}  // namespace

BusyLoad::BusyLoad(int count, double max_seconds) {
    const pid_t parent = getpid();
    for (int i = 0; i < count; ++i) {
        const pid_t pid = fork();
        if (pid == 0) spin(parent, max_seconds);
        if (pid < 0) {
            const int err = errno;
            stop();
            throw std::system_error(err, std::generic_category(), "--load: cannot start a busy process");
        }
        pids_.push_back(pid);
        reaped_.push_back(false);
    }
}

BusyLoad::~BusyLoad() { stop(); }

int BusyLoad::ended() {
    int n = 0;
    for (size_t i = 0; i < pids_.size(); ++i) {
        if (!reaped_[i] && waitpid(pids_[i], nullptr, WNOHANG) == pids_[i]) reaped_[i] = true;
        n += reaped_[i] ? 1 : 0;
    }
    return n;
}

void BusyLoad::pause() {
    for (size_t i = 0; i < pids_.size(); ++i)
        if (!reaped_[i]) kill(pids_[i], SIGSTOP);
}

void BusyLoad::resume() {
    for (size_t i = 0; i < pids_.size(); ++i)
        if (!reaped_[i]) kill(pids_[i], SIGCONT);
}

void BusyLoad::stop() {
    for (size_t i = 0; i < pids_.size(); ++i)
        if (!reaped_[i]) kill(pids_[i], SIGKILL);
    for (size_t i = 0; i < pids_.size(); ++i)
        if (!reaped_[i]) {
            while (waitpid(pids_[i], nullptr, 0) < 0 && errno == EINTR) {
            }
            reaped_[i] = true;
        }
}

}  // namespace edgemoe::cli
