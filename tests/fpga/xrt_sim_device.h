#pragma once
// An in-process card behind the transport seam (engine/fpga/xrt/transport.h), for tests and for working on the
// host side without a board. It behaves like XRT where the backend could get it wrong:
//  - each buffer has a mapped host copy and a separate "device memory" (filled with a pattern until
//    the host writes it), and only to_device()/from_device() move bytes between them;
//  - the kernel (the hls/ source, with fpga-emu's exact fast linear unit) runs on device memory, on
//    a worker thread that plays the compute unit: runs execute one at a time, in start order;
//  - a buffer bound to an argument must be in the bank the "xclbin" connects that argument to
//    (AXI bundles alternate between two banks), and big enough for what the kernel touches.
// Failure injection (hang, error state, a card that disappears) exercises the backend's error paths.
// Like fpga-emu, the linear unit converts each weight matrix once, keyed by its address: weight
// buffers must be written before the first run and not after (the backend uploads them once).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "edgemoe/model.h"
#include "fpga/xrt/transport.h"

namespace edgemoe::fpga {

// What the simulated card saw, for tests.
struct SimDeviceLog {
    std::atomic<int> runs_started{0};
    std::atomic<int> runs_executed{0};     // kernel invocations that completed
    std::atomic<int> last_num_images{0};
    std::atomic<int> buffers_allocated{0};
};

struct SimDeviceOptions {
    std::string name = "simulated card";
    int threads = 1;                       // threads of the emulated kernel's linear unit
    uint8_t fill = 0xA5;                   // device memory before the host writes it
    std::chrono::milliseconds run_delay{0};  // extra device time per run
    bool hang = false;                     // runs never finish until aborted
    int error_after_runs = -1;             // runs after this many end in RunState::Error
    int vanish_after_runs = -1;            // after this many runs every call throws: the card is gone
    std::shared_ptr<SimDeviceLog> log;     // optional
};

// The memory bank the simulated xclbin connects kernel argument `arg` to.
int sim_arg_bank(int arg);

// A card running the kernel shape that `model` matches (throws BackendError when none does).
std::unique_ptr<Device> make_sim_device(const ModelConfig& model, SimDeviceOptions options = {});

}  // namespace edgemoe::fpga
