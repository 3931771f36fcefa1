#pragma once
// A backend runs the network (backbone + one task head) on one preprocessed image. Backends are
// created by name at run time; callers never include a backend's own header.
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <stdexcept>
#include <string_view>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "edgemoe/model.h"
#include "edgemoe/result.h"

namespace edgemoe {

struct BackendOptions {
    int threads = 0;            // worker threads; 0 = every core
    std::string xclbin;         // fpga: kernel binary
    std::string device;         // fpga: device index or PCIe BDF
    bool capture_backbone = false;  // also return the backbone output (tests, layer checks)
    bool emu_kernel_linear_unit = false;  // fpga-emu: use the kernel's own (slow) linear unit code
    std::string emu_gemm;       // fpga-emu: the exact GEMM's micro-kernel ("avx512", "avx2", "baseline";
                                // empty = the fastest this CPU runs)
    std::string remote;         // remote: "HOST:PORT[/backend]" of an edgemoe-serve
    std::string remote_token;   // remote: the server's shared token (needed from another machine)
    int remote_deadline_ms = 5000;  // remote: the longest wait for one frame's result
};

// A figure a backend counts while it runs, for benchmarks and diagnostics: why a run is as fast or as
// slow as it is (e.g. fpga-emu's rows that left the fast GEMM for the exact integer path).
struct BackendCounter {
    std::string name;
    double value = 0;
};

// Thrown by Backend::infer when the frame was cancelled through the backend's cancel flag. Not an
// error: the caller asked for it (a task or backend switch, a window closing, a run stopping).
struct FrameCancelled : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class Backend {
public:
    virtual ~Backend() = default;
    // The registry name ("cpu", "fpga-emu", "fpga").
    virtual std::string name() const = 0;
    // One line for people: what computes, with which precision and threads.
    virtual std::string description() const = 0;
    // image: CV_8UC3, exactly the model's input size, in the model's channel order.
    // Fills `out`, reusing its storage; must not allocate per frame after the first.
    virtual void infer(const cv::Mat& image, int task, NetworkOutput& out) = 0;
    // Totals since construction; none by default. Not for the per-frame path (it allocates).
    virtual std::vector<BackendCounter> counters() const { return {}; }

    // Worker threads from the next frame on (0 = every core); results do not depend on it. May be
    // called from another thread while a frame runs. A backend without threads of its own ignores it.
    virtual void set_threads(int threads) { (void)threads; }

    // A flag the backend polls while it computes a frame: once it reads true, infer() gives up within a
    // few milliseconds and throws FrameCancelled. The caller owns the flag, keeps it alive as long as the
    // backend, and clears it before the next frame. nullptr (the default): frames are never cancelled.
    void set_cancel_flag(const std::atomic<bool>* flag) { cancel_flag_ = flag; }

    // Pipelined use, for a backend whose frames can overlap (a remote board: the network's latency
    // hides behind the board's work). submit_frame() hands a frame over without waiting for its
    // result; collect_frame() waits for the oldest submitted frame's result. Results come in submit
    // order, up to max_in_flight() frames at once. The defaults keep one frame: submit_frame() holds the
    // image (its header: the pixels must stay unchanged until collect_frame() returns) and
    // collect_frame() runs infer(), so any backend can be driven this way and gains nothing from it.
    // Do not mix with infer() while frames are in flight. No allocation per frame. When
    // collect_frame() throws (FrameCancelled, a lost link), every frame in flight is dropped:
    // frames_in_flight() is 0 afterwards. (The XRT backend's own submit/collect are not these.)
    virtual int max_in_flight() const { return 1; }
    // False (nothing done) when max_in_flight() frames are already out.
    virtual bool submit_frame(const cv::Mat& image, int task) {
        if (held_) return false;
        held_image_ = image;
        held_task_ = task;
        held_ = true;
        return true;
    }
    virtual void collect_frame(NetworkOutput& out) {
        if (!held_) throw std::logic_error(name() + ": collect_frame() with no frame in flight");
        held_ = false;
        infer(held_image_, held_task_, out);
    }
    virtual int frames_in_flight() const { return held_ ? 1 : 0; }
    // True when collect_frame() would not wait for another machine (the default computes there and then).
    virtual bool frame_ready() const { return true; }
    // Drops every frame in flight; their results, should they still come, are discarded.
    virtual void drop_frames_in_flight() { held_ = false; }

protected:
    const std::atomic<bool>* cancel_flag() const { return cancel_flag_; }
    bool cancel_requested() const { return cancel_flag_ && cancel_flag_->load(std::memory_order_relaxed); }
    // Throws FrameCancelled naming the backend when the flag is set; cheap enough to call per work item.
    void throw_if_cancelled() const {
        if (cancel_requested()) throw FrameCancelled(name() + ": frame cancelled");
    }

private:
    const std::atomic<bool>* cancel_flag_ = nullptr;
    cv::Mat held_image_;   // the default one-frame window
    int held_task_ = -1;
    bool held_ = false;
};

struct BackendInfo {
    std::string name;
    bool available = false;
    std::string why_not;        // empty when available
};

// A power reading a backend's device offers the energy meters: for the fpga backend on an Alveo
// card, XRT's electrical info as JSON (see edgemoe/meter_xrt.h). `read` throws when a reading fails.
struct DevicePowerSource {
    std::string name;    // meter name, e.g. "xrt:0"
    std::string what;    // what it measures, for people
    std::function<std::string()> read;
};

// The energy-meter families (Meter::family(), Unavailable::kind of edgemoe/meter_discovery.h) whose
// readings describe the work of `backend`, in order of preference: the host processor's package
// ("rapl", "amd_energy") for cpu and fpga-emu, the board or card ("zcu102", "kv260", "xrt") for fpga.
// Empty for "remote" (its frames carry the server's own readings: no sensor here speaks for the board)
// and for a name the registry does not know.
std::vector<std::string> energy_meter_families(std::string_view backend);

// The power sources of the device(s) `backend` would use with `options`; none for host backends.
// `why_not` says why a device backend offers none (no XRT, no card).
std::vector<DevicePowerSource> device_power_sources(std::string_view backend, const BackendOptions& options,
                                                    std::string& why_not);

// Every backend this build knows, and whether it can run here.
std::vector<BackendInfo> list_backends();

// The backends an edgemoe-serve at options.remote offers, named "remote/<its backend>" for
// create_backend. Throws BackendError saying why the server cannot be used (unreachable, refused,
// another model than `model`). `cancel` (optional): once it reads true the call gives up within a few
// milliseconds and throws FrameCancelled (a background probe that must not hold up a program closing).
std::vector<BackendInfo> list_remote_backends(std::shared_ptr<const Model> model, const BackendOptions& options,
                                              const std::atomic<bool>* cancel = nullptr);

// Creates a backend by name. Throws BackendError naming the backend and the reason.
std::unique_ptr<Backend> create_backend(std::string_view name, std::shared_ptr<const Model> model,
                                        const BackendOptions& options = {});

}  // namespace edgemoe
