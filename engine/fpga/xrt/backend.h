#pragma once
// The `fpga` backend: the hls/ kernel on one or more cards through XRT's native C++ API.
// Internal: front ends use create_backend("fpga"); the batch runner and the energy meters reach
// the extra entry points below through as_xrt_backend() and xrt_electrical_json().
//
// Three ways to run frames:
//  - infer(): one frame, synchronous (the Backend interface);
//  - submit()/collect(): a pipeline with two frames in flight per card, so the caller's
//    pre-processing of the next frame and post-processing of the last overlap the device; frames
//    go round-robin over the cards and come back in submission order;
//  - infer_batch(): the kernel's num_images, several frames in one run per card (offline runner).
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "edgemoe/backend.h"
#include "fpga/xrt/transport.h"

namespace edgemoe::fpga {

// Counters for tests and diagnostics. Buffers are listed in allocation order.
struct XrtBufferStats {
    std::string name;          // kernel argument ("image", "gates"...) with a suffix for copies ("gates[1]", "out@slot1")
    int arg = -1;              // kernel argument index
    int bank = -1;             // memory bank it was allocated in
    size_t bytes = 0;
    uint64_t uploads = 0, bytes_uploaded = 0;       // host -> device syncs
    uint64_t downloads = 0, bytes_downloaded = 0;   // device -> host syncs
};

struct XrtCardStats {
    std::string device;
    std::vector<XrtBufferStats> buffers;
    int weight_uploads = 0;    // times the model's weights (one-time, every task's gates and heads) were sent
    uint64_t runs_started = 0, runs_completed = 0, images = 0;
};

class XrtBackend : public Backend {
public:
    // Frames that can be in flight: two per card (each card has two slots of frame buffers).
    virtual int pipeline_depth() const = 0;
    virtual int in_flight() const = 0;
    // Uploads the image and starts its run on the next card; throws std::logic_error when
    // pipeline_depth() frames are already in flight (collect one first).
    virtual void submit(const cv::Mat& image, int task) = 0;
    // Waits for the oldest submitted frame and reads it back; std::logic_error when none is in flight.
    virtual void collect(NetworkOutput& out) = 0;

    // num_images batching: the frames are split over the cards, up to max_batch() per run; results in
    // order, each with its own routing (and its own backbone, with capture_backbone).
    virtual int max_batch() const = 0;
    virtual void infer_batch(const std::vector<cv::Mat>& images, int task, std::vector<NetworkOutput>& outs) = 0;

    // Time allowed per image of a run before it counts as hung (default 5 s).
    virtual void set_run_timeout(std::chrono::milliseconds per_image) = 0;

    virtual int cards() const = 0;
    virtual std::string card_name(int card) const = 0;
    // The card's electrical JSON (XRT get_info<electrical>), or nullopt with the reason. It only
    // reads the card's sensors, so an energy sampler may call it from its own thread.
    virtual std::optional<std::string> electrical_json(int card, std::string& why_not) = 0;

    // Everything else, stats() included, belongs to the one thread that runs frames.
    virtual std::vector<XrtCardStats> stats() const = 0;
};

// The XRT backend behind a Backend, or nullptr for any other backend.
XrtBackend* as_xrt_backend(Backend& backend);

// create_backend("fpga"): checks the XRT runtime, the xclbin (options.xclbin) and the model's shape,
// opens the cards named by options.device and loads the xclbin on each.
std::unique_ptr<Backend> make_xrt_backend(std::shared_ptr<const Model> model, const BackendOptions& options);

// The same backend over devices that are already open (tests: XRT's noop shim, the in-process card).
std::unique_ptr<XrtBackend> make_xrt_backend_on(std::shared_ptr<const Model> model, const BackendOptions& options,
                                                std::vector<std::unique_ptr<Device>> devices);

// The key of the kernel shape the model matches ("img128x256-p16-...", see buffer_plan.h), or ""
// when the kernel is built for no such shape. An xclbin states the shape it was synthesised for.
std::string shape_key_for(const ModelConfig& c);

// Why the fpga backend cannot run here ("" when it can): "built without XRT", or no XRT runtime.
std::string xrt_unavailable_reason();

// Power for the energy meters, without loading anything on the card. `device` is one card as in
// BackendOptions.device. The JSON is xrt::device::get_info<xrt::info::device::electrical>()
// (power_consumption_watts, power_rails[]; figures are strings, "N/A" where the card has none).
// One reading, or nullopt with the reason when XRT, the card or the reading is missing:
std::optional<std::string> xrt_electrical_json(const std::string& device, std::string& why_not);
// A source that keeps the card open and reads it on every call (the shape of
// energy::XrtElectricalSource). Creating it throws BackendError when XRT or the card is missing; a
// call throws when the reading fails.
std::function<std::string()> make_xrt_electrical_source(const std::string& device);

}  // namespace edgemoe::fpga
