"""Competing CPU load for benchmarks: N busy processes that a benchmark starts and ends.

    with BusyLoad(2, max_seconds=60):
        ...  # time something while two other processes spin

Each busy process is a separate Python interpreter running a plain spin loop (no sleeping, no I/O),
so the OS scheduler sees what a compiler or a browser tab looks like to it: a runnable thread that
never yields. They are ended three ways, so none outlives the benchmark:
  - leaving the `with` block (normally, on an exception, on Ctrl-C's KeyboardInterrupt) kills them;
  - each one stops by itself after `max_seconds` (a hard bound even if the benchmark is SIGKILLed);
  - on Linux each one also gets SIGKILL when the process that started it dies (PR_SET_PDEATHSIG).
"""

import ctypes
import os
import signal
import subprocess
import sys
import time

# The spinner's whole program: spin until its own deadline. It checks the clock only every ~100k
# iterations so nearly all its time is the busy loop itself.
_SPIN = (
    "import time\n"
    "end = time.monotonic() + float(%r)\n"
    "while time.monotonic() < end:\n"
    "    for _ in range(100000): pass\n"
)


def _die_with_parent():
    """preexec_fn: SIGKILL this child when its parent dies (Linux prctl PR_SET_PDEATHSIG = 1)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: the time bound still ends it


class BusyLoad:
    """Context manager owning `count` busy processes (0 = no load, a no-op)."""

    def __init__(self, count, max_seconds=60.0, python=sys.executable):
        if count < 0:
            raise ValueError("busy process count must be >= 0, not %d" % count)
        if not max_seconds > 0:
            raise ValueError("max_seconds must be positive")
        self.count = count
        self.max_seconds = float(max_seconds)
        self.python = python
        self.procs = []

    def start(self):
        try:
            for _ in range(self.count):
                self.procs.append(subprocess.Popen(
                    [self.python, "-S", "-c", _SPIN % self.max_seconds],
                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                    preexec_fn=_die_with_parent))
        except BaseException:
            self.stop()
            raise
        return self

    def pids(self):
        return [p.pid for p in self.procs]

    def _signal(self, sig):
        for p in self.procs:
            if p.poll() is None:
                try:
                    os.kill(p.pid, sig)
                except ProcessLookupError:
                    pass

    def pause(self):
        """SIGSTOP every busy process (--interleave: an idle frame between loaded ones). A stopped
        process still dies by stop(), by its parent's death (SIGKILL) and after resume() by its bound."""
        self._signal(signal.SIGSTOP)

    def resume(self):
        """SIGCONT every busy process."""
        self._signal(signal.SIGCONT)

    def stop(self):
        """Kill every busy process and reap it (so no zombie is left either). Idempotent."""
        for p in self.procs:
            if p.poll() is None:
                try:
                    p.kill()
                except ProcessLookupError:
                    pass
        for p in self.procs:
            p.wait()
        self.procs = []

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False


def busy_cpu_seconds(pids):
    """CPU seconds (user + system) the given live processes have used, from /proc (Linux only)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


if __name__ == "__main__":
    # Manual check: python3 busy_load.py N SECONDS spins N processes for SECONDS (bounded).
    n, secs = int(sys.argv[1]), float(sys.argv[2])
    with BusyLoad(n, max_seconds=secs + 1) as load:
        print("busy pids", load.pids(), flush=True)
        time.sleep(secs)
