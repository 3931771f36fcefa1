#pragma once
// The machine's own float32 FMA peak, measured with a short register-only loop on every thread, so
// the benchmark can say how much of the hardware the engine uses.

namespace edgemoe::cli {

// GFLOP/s (one FMA = 2 flops) summed over `threads` threads: the fastest of a few short trials
// that take about `seconds` together.
double measure_peak_gflops(int threads, double seconds = 0.3);

}  // namespace edgemoe::cli
