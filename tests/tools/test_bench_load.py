#!/usr/bin/env python3
"""tools/bench's load option: the busy processes start, really spin, and always end (leaving the
`with` block, on an exception, on Ctrl-C, when the benchmark is killed, and by their own time bound);
the report's ratios are computed right; edgemoe-bench's own --load ends its busy processes the same
ways; and a real bench_vs_torch.py --load run (tiny model, one round) prints every ratio line.

    /usr/bin/python3 tests/tools/test_bench_load.py [EDGEMOE_BENCH]

Without EDGEMOE_BENCH the end-to-end run is skipped. Every wait here is bounded (a few seconds).
"""

import os
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tools", "bench"))

import busy_load  # noqa: E402

failures = []


def check(name, ok, detail=""):
    print("%s: %s%s" % ("ok" if ok else "FAIL", name, "" if ok else " (%s)" % detail))
    if not ok:
        failures.append(name)


def alive(pid):
    """True while the process exists and is not a zombie."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def all_gone(pids, within):
    end = time.monotonic() + within
    while time.monotonic() < end:
        if not any(alive(p) for p in pids):
            return True
        time.sleep(0.02)
    return not any(alive(p) for p in pids)


def test_with_block():
    with busy_load.BusyLoad(2, max_seconds=10) as load:
        pids = load.pids()
        check("two busy processes started", len(pids) == 2 and all(alive(p) for p in pids), pids)
        # On a loaded machine a spinner may wait its turn: poll (bounded) rather than sleep a fixed time.
        start, cpu = time.monotonic(), 0.0
        while time.monotonic() - start < 5 and cpu <= 0.1:
            time.sleep(0.1)
            cpu = busy_load.busy_cpu_seconds(pids)
        check("the busy processes use the CPU", cpu > 0.1,
              "%.2f CPU-s in %.1f s" % (cpu, time.monotonic() - start))
    check("leaving the block ends them", all_gone(pids, 0), pids)
    check("BusyLoad(0) starts nothing", busy_load.BusyLoad(0).start().pids() == [])


def test_exception_and_interrupt():
    for exc in (RuntimeError("measurement failed"), KeyboardInterrupt()):
        pids = []
        try:
            with busy_load.BusyLoad(2, max_seconds=10) as load:
                pids = load.pids()
                raise exc
        except (RuntimeError, KeyboardInterrupt):
            pass
        check("%s inside the block ends them" % type(exc).__name__, pids and all_gone(pids, 0), pids)


def test_time_bound():
    load = busy_load.BusyLoad(1, max_seconds=0.5).start()
    p = load.procs[0]
    t0 = time.monotonic()
    try:
        rc = p.wait(timeout=5)
    except subprocess.TimeoutExpired:
        rc = None
    took = time.monotonic() - t0
    load.stop()
    check("a busy process ends by itself after max_seconds", rc == 0 and took < 3, "rc %s after %.1f s" % (rc, took))


# A benchmark stand-in: starts 2 busy processes, prints their pids, then sleeps until signalled.
_CHILD = r"""
import os, sys, time
sys.path.insert(0, %r)
import busy_load
pids = []
try:
    with busy_load.BusyLoad(2, max_seconds=20) as load:
        pids = load.pids()
        print(" ".join(map(str, pids)), flush=True)
        time.sleep(20)
except KeyboardInterrupt:
    # Still running: only the with block can have ended them by now.
    gone = all(not os.path.exists("/proc/%%d" %% p) for p in pids)
    print("interrupted, busy processes gone: %%s" %% gone, flush=True)
"""


def run_child():
    child = subprocess.Popen([sys.executable, "-c", _CHILD % os.path.join(REPO, "tools", "bench")],
                             stdout=subprocess.PIPE, text=True)
    pids = [int(p) for p in child.stdout.readline().split()]
    return child, pids


def test_ctrl_c():
    child, pids = run_child()
    child.send_signal(signal.SIGINT)
    try:
        out, _ = child.communicate(timeout=5)
    except subprocess.TimeoutExpired:
        child.kill()
        out, _ = child.communicate()
    check("Ctrl-C: the benchmark ends its busy processes itself",
          len(pids) == 2 and "busy processes gone: True" in out, out.strip())
    check("Ctrl-C: none left", all_gone(pids, 2), pids)


def test_benchmark_killed():
    child, pids = run_child()
    child.kill()   # SIGKILL: no cleanup code runs in the benchmark
    child.wait(timeout=5)
    check("SIGKILLed benchmark: its busy processes die with it", len(pids) == 2 and all_gone(pids, 2), pids)


def test_ratio_lines():
    """Made-up medians with known ratios; the lines must carry them and the right verdicts."""
    import bench_vs_torch as bvt

    s = bvt.Samples()
    figures = {
        # (condition, model, side, part): ms
        ("idle", "base", "cpu", "net"): 10.0, ("loaded", "base", "cpu", "net"): 20.0,
        ("idle", "base", "cpu", "backbone"): 8.0, ("loaded", "base", "cpu", "backbone"): 16.0,
        ("idle", "base", "fpga-emu", "net"): 20.0, ("loaded", "base", "fpga-emu", "net"): 100.0,
        ("idle", "base", "fpga-emu", "backbone"): 15.0, ("loaded", "base", "fpga-emu", "backbone"): 90.0,
        ("idle", "base", "pytorch@1", "net"): 100.0, ("loaded", "base", "pytorch@1", "net"): 150.0,
        ("idle", "base", "pytorch@2", "net"): 80.0, ("loaded", "base", "pytorch@2", "net"): 200.0,
        # the engine on 1 thread (like for like with pytorch@1): 18 -> 27 ms, 1.5x against pytorch's 1.5x
        ("idle", "base", "cpu@1", "net"): 18.0, ("loaded", "base", "cpu@1", "net"): 27.0,
        ("idle", "wide", "cpu", "net"): 100.0, ("idle", "wide", "pytorch@1", "net"): 300.0,
        ("idle", "wide", "pytorch@2", "net"): 200.0,
    }
    for (cond, model, side, part), ms in figures.items():
        # three rounds with the median in the middle: the report must take the median, not the mean
        for v in (ms * 0.9, ms, ms * 5):
            s.add((cond, model, side, "semseg", part), v)
    s.allocs = {("idle", "cpu"): [0, 15], ("loaded", "cpu"): [0, 15], ("idle", "fpga-emu"): [3, 15]}
    s.gflop = {"base": 1.0, "wide": 4.0}
    s.peaks = [40.0, 50.0, 45.0]   # the best of the run counts
    text = "\n".join(bvt.ratio_lines(s, ["semseg"], ["cpu", "fpga-emu"], [1, 2], 2, {"base": 64, "wide": 256}))
    want = [
        "load cpu semseg: loaded/idle 2.00x (target <= 2.5x with 2 busy processes, here 2) meets",
        # pytorch best: idle 80 (2 threads), loaded 150 (1 thread) -> 1.875x
        "load cpu semseg: slowdown 2.00x vs pytorch's 1.88x, ratio 1.07 (target <= 1) MISSES",
        "load cpu semseg, both on 1 thread: slowdown 1.50x vs pytorch's 1.50x, ratio 1.00 meets",
        # pytorch@2 loaded 200 / idle 80 = 2.5x; the engine's own count (2) is "cpu": 2.0x
        "load cpu semseg, both on 2 threads: slowdown 2.00x vs pytorch's 2.50x, ratio 0.80 meets",
        "load fpga-emu semseg: loaded/idle 5.00x (target <= 2.5x with 2 busy processes, here 2) MISSES",
        "idle C=64 semseg: cpu backbone + head 10.00 ms vs pytorch 80.00 ms, speed-up 8.00x (target >= 7.0x) meets",
        "idle C=256 semseg: cpu backbone + head 100.00 ms vs pytorch 200.00 ms, speed-up 2.00x (target >= 2.2x) MISSES",
        # 1 GFLOP in 10 ms = 100 GFLOP/s; 7x PyTorch's 80 ms needs 87.5 GFLOP/s, past the 50 peak
        "idle C=64 semseg: 1.00 GFLOP a frame; engine 100.0 GFLOP/s = 200% of the measured FMA peak 50.0; "
        "7.0x needs 87.5 GFLOP/s = 175% of it (above the peak: not reachable here)",
        "idle C=256 semseg: 4.00 GFLOP a frame; engine 40.0 GFLOP/s = 80% of the measured FMA peak 50.0; "
        "2.2x needs 44.0 GFLOP/s = 88% of it\n",
        "idle semseg: fpga-emu backbone 15.00 ms / cpu backbone 8.00 ms = 1.88x (target <= 2.0x) meets",
        "heap allocations per frame after the first, cpu idle: 0.00 (0 in 15 timed frames; target 0) meets",
        "heap allocations per frame after the first, fpga-emu idle: 0.20 (3 in 15 timed frames; target 0) MISSES",
    ]
    for w in want:
        check("ratio line: " + w[:60], w in text, text)


def test_end_to_end(bench):
    """A real --load run on the tiny model: one round, one frame, every ratio line printed."""
    model = os.path.join(REPO, "tests", "fixtures", "tiny.safetensors")
    cmd = [sys.executable, os.path.join(REPO, "tools", "bench", "bench_vs_torch.py"), "--bench", bench,
           "--model", model, "--load", "2", "--rounds", "1", "--frames", "1", "--warmup", "1",
           "--threads", "1,2", "--wide-heads", "32", "--load-seconds", "60"]
    t0 = time.monotonic()
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        out, rc = r.stdout + r.stderr, r.returncode
    except subprocess.TimeoutExpired as e:
        out, rc = str(e), None
    print("  (end-to-end run took %.1f s)" % (time.monotonic() - t0))
    check("--load run exits 0", rc == 0, out)
    for task in ("semseg", "depth"):
        for needle in ("load cpu %s: loaded/idle" % task, "load cpu %s: slowdown" % task,
                       "load fpga-emu %s: loaded/idle" % task, "load fpga-emu %s: slowdown" % task,
                       "idle C=16 %s: cpu backbone + head" % task, "idle C=32 %s: cpu backbone + head" % task,
                       "idle %s: fpga-emu backbone" % task, "load cpu %s, both on 1 thread: slowdown" % task,
                       "load fpga-emu %s, both on 1 thread: slowdown" % task, "idle C=32 %s: " % task,
                       "load cpu %s, both on 2 threads: slowdown" % task):
            check("report has '%s'" % needle, needle in out, out)
    for needle in ("heap allocations per frame after the first, cpu idle",
                   "heap allocations per frame after the first, cpu loaded",
                   "heap allocations per frame after the first, fpga-emu loaded",
                   "busy processes got", "fpga-emu backbone + head", "pytorch 1 thread ", "pytorch 2 threads",
                   "pytorch best", "C=32 heads (idle only)", "cpu b+h, 1 thread"):
        check("report has '%s'" % needle, needle in out, out)


def test_end_to_end_interleaved(bench):
    """The same with --interleave: idle and loaded frames in turn, every ratio line still printed."""
    model = os.path.join(REPO, "tests", "fixtures", "tiny.safetensors")
    cmd = [sys.executable, os.path.join(REPO, "tools", "bench", "bench_vs_torch.py"), "--bench", bench,
           "--model", model, "--load", "2", "--rounds", "1", "--frames", "1", "--warmup", "1",
           "--threads", "1,2", "--wide-heads", "32", "--load-seconds", "60", "--interleave"]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        out, rc = r.stdout + r.stderr, r.returncode
    except subprocess.TimeoutExpired as e:
        out, rc = str(e), None
    check("--load --interleave run exits 0", rc == 0, out)
    for needle in ("idle and loaded frames in turn", "load cpu semseg: loaded/idle", "load fpga-emu depth: slowdown",
                   "load cpu semseg, both on 1 thread: slowdown", "idle semseg: fpga-emu backbone",
                   "heap allocations per frame after the first, fpga-emu interleaved", "cpu b+h, 1 thread"):
        check("interleaved report has '%s'" % needle, needle in out, out)


def _ppid(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except FileNotFoundError:
        return None


def _start_bench(bench, extra):
    """edgemoe-bench --load 2 on the tiny model, long enough to be interrupted; returns it and its
    busy processes' pids (read from its 'load' line)."""
    model = os.path.join(REPO, "tests", "fixtures", "tiny.safetensors")
    p = subprocess.Popen([bench, "--model", model, "--load", "2", "--task", "semseg", "--warmup", "1"] + extra,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    pids, seen = [], []
    end = time.monotonic() + 30
    while time.monotonic() < end:
        line = p.stdout.readline()
        if not line:
            break
        seen.append(line)
        if line.startswith("load "):
            pids = [int(w.strip("()")) for w in line.split("(pids", 1)[1].split(")")[0].split()]
            break
    return p, pids, "".join(seen)


def test_engine_load(bench):
    """edgemoe-bench --load N: its busy processes are its children, and they end with it."""
    p, pids, seen = _start_bench(bench, ["--frames", "100000"])
    check("edgemoe-bench --load 2 prints its 2 busy processes", len(pids) == 2, seen)
    check("they are its running children", pids and all(alive(q) and _ppid(q) == p.pid for q in pids),
          [(q, _ppid(q)) for q in pids])
    p.send_signal(signal.SIGINT)
    try:
        p.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
    check("Ctrl-C on edgemoe-bench ends its busy processes", all_gone(pids, 2), pids)

    p, pids, seen = _start_bench(bench, ["--frames", "100000"])
    p.kill()
    p.communicate()
    check("SIGKILLed edgemoe-bench: its busy processes die with it", pids and all_gone(pids, 2), pids)

    p, pids, seen = _start_bench(bench, ["--frames", "3"])
    out, _ = p.communicate(timeout=60)
    check("edgemoe-bench --load: normal end, rc 0", p.returncode == 0, seen + out)
    check("edgemoe-bench --load: normal end ends them", pids and all_gone(pids, 0.5), pids)

    # --interleave: the busy processes are stopped and continued around frames; killed (even while
    # stopped) they still die with the benchmark, and a normal run prints each idle/loaded ratio.
    p, pids, seen = _start_bench(bench, ["--frames", "100000", "--interleave"])
    time.sleep(0.5)
    p.kill()
    p.communicate()
    check("SIGKILLed edgemoe-bench --interleave: its (maybe stopped) busy processes die with it",
          pids and all_gone(pids, 2), pids)
    p, pids, seen = _start_bench(bench, ["--frames", "4", "--interleave", "--backend", "cpu,fpga-emu"])
    out, _ = p.communicate(timeout=60)
    check("edgemoe-bench --interleave: rc 0 and a loaded/idle line per backend",
          p.returncode == 0 and out.count("interleaved   idle frames:") == 2 and "loaded/idle" in out, seen + out)
    check("edgemoe-bench --interleave: its busy processes end with it", pids and all_gone(pids, 0.5), pids)
    r = subprocess.run([bench, "--model", os.path.join(REPO, "tests", "fixtures", "tiny.safetensors"), "--interleave"],
                       capture_output=True, text=True, timeout=60)
    check("--interleave without --load is refused by name", r.returncode == 1 and "--interleave needs --load" in r.stderr,
          r.stdout + r.stderr)

    # A bound shorter than the timing: the busy processes end by themselves, and the bench says so.
    p, pids, seen = _start_bench(bench, ["--frames", "100", "--backend", "fpga-emu", "--load-seconds", "0.05"])
    out, _ = p.communicate(timeout=60)
    check("edgemoe-bench --load-seconds: the bound ends them and the bench reports it",
          p.returncode == 0 and "2 of 2 busy processes ended" in out, seen + out)


def test_side_by_side(bench):
    """edgemoe-bench --side-by-side: every backend alone, then all at once; the figures are its own."""
    import json
    import tempfile
    model = os.path.join(REPO, "tests", "fixtures", "tiny.safetensors")
    with tempfile.TemporaryDirectory() as tmp:
        out_json = os.path.join(tmp, "r.json")
        r = subprocess.run([bench, "--model", model, "--backend", "cpu,fpga-emu", "--frames", "1", "--warmup", "1",
                            "--side-by-side", "0.5", "--json", out_json], capture_output=True, text=True, timeout=60)
        check("--side-by-side run exits 0", r.returncode == 0, r.stdout + r.stderr)
        check("--side-by-side prints the shares", "shares add up to" in r.stdout, r.stdout)
        sbs = json.load(open(out_json)).get("side_by_side", {}) if r.returncode == 0 else {}
        rows = sbs.get("backends", [])
        check("--side-by-side: a row per backend, in order", [b["backend"] for b in rows] == ["cpu", "fpga-emu"], sbs)
        for b in rows:
            check("--side-by-side %s: frames alone and together" % b["backend"],
                  b["alone_frames"] > 0 and b["together_frames"] > 0, b)
            check("--side-by-side %s: share = together / alone" % b["backend"],
                  abs(b["share"] - b["together_fps"] / b["alone_fps"]) < 1e-9, b)
        check("--side-by-side: the sum is the shares'", rows and abs(sbs["share_sum"] - sum(b["share"] for b in rows)) < 1e-9, sbs)
    r = subprocess.run([bench, "--model", model, "--backend", "cpu", "--side-by-side", "1"], capture_output=True, text=True,
                       timeout=60)
    check("--side-by-side with one backend is refused by name",
          r.returncode == 1 and "--side-by-side needs two or more backends" in r.stderr, r.stdout + r.stderr)


def main():
    test_with_block()
    test_exception_and_interrupt()
    test_time_bound()
    test_ctrl_c()
    test_benchmark_killed()
    test_ratio_lines()
    if len(sys.argv) > 1:
        test_engine_load(sys.argv[1])
        test_side_by_side(sys.argv[1])
        test_end_to_end(sys.argv[1])
        test_end_to_end_interleaved(sys.argv[1])
    else:
        print("skipped: the end-to-end --load run (no edgemoe-bench given)")
    print("%d failure(s)" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
