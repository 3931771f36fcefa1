#pragma once
// The transport seam of the `fpga` backend: the few things it asks of a card, shaped like XRT's
// native API (xrt::device + xrt::kernel, xrt::bo, xrt::run) and nothing more. Two implementations:
//  - native_device.cpp: XRT itself (a real board, or XRT's noop shim in tests);
//  - tests/fpga/xrt_sim_device.cpp: an in-process card whose "device memory" is separate from the mapped host
//    copies and whose kernel is the hls/ source run on that device memory, so tests can check that
//    the backend moves every byte it must (an upload or read-back it forgets changes the result).
// The backend (backend.cpp) is written against this interface only; errors thrown by these
// calls are turned into BackendError naming the card by the backend.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace edgemoe::fpga {

// How a run ended (XRT's ert_cmd_state, reduced to what the backend acts on).
enum class RunState { Completed, Timeout, Error, Abort, NoResponse, Other };

const char* run_state_name(RunState s);

// One buffer object: device memory in one bank, with a host mapping (xrt::bo + bo.map()).
class DeviceBuffer {
public:
    virtual ~DeviceBuffer() = default;
    virtual size_t bytes() const = 0;
    virtual int bank() const = 0;
    virtual void* host() = 0;                                  // the mapped host copy
    virtual void to_device(size_t bytes, size_t offset) = 0;   // bo.sync(XCL_BO_SYNC_BO_TO_DEVICE, ...)
    virtual void from_device(size_t bytes, size_t offset) = 0; // bo.sync(XCL_BO_SYNC_BO_FROM_DEVICE, ...)
};

// One execution context of the kernel (xrt::run): arguments stay set between starts.
class KernelRun {
public:
    virtual ~KernelRun() = default;
    virtual void set_buffer(int arg, DeviceBuffer& buffer) = 0;
    virtual void set_scalar(int arg, int32_t value) = 0;
    virtual void start() = 0;
    // Waits up to `timeout` (> 0); RunState::Timeout when the run has not finished by then.
    virtual RunState wait(std::chrono::milliseconds timeout) = 0;
    virtual void abort() = 0;   // after a timeout: stop the run before its buffers are reused
};

// A card with the xclbin loaded and the kernel opened (xrt::device + xrt::kernel).
class Device {
public:
    virtual ~Device() = default;
    virtual std::string name() const = 0;         // for messages: "card 0 (xilinx_u50_...)"
    virtual int arg_bank(int arg) const = 0;      // memory bank the xclbin connects `arg` to (kernel.group_id)
    virtual std::unique_ptr<DeviceBuffer> allocate(size_t bytes, int bank) = 0;
    virtual std::unique_ptr<KernelRun> create_run() = 0;
    // xrt::device::get_info<xrt::info::device::electrical>() JSON text, or nullopt with the reason.
    virtual std::optional<std::string> electrical_json(std::string& why_not) = 0;
};

}  // namespace edgemoe::fpga
