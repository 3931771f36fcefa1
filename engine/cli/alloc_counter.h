#pragma once
// Counts heap allocations: linking alloc_counter.cpp replaces the global operator new/delete of
// the program with versions that count. Only the benchmark links it.

namespace edgemoe::cli {

// operator new calls so far in this process.
long heap_allocations();

}  // namespace edgemoe::cli
