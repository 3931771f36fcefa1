#include "fpga/xrt_sim_device.h"

#include <array>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <vector>

#include "edgemoe/error.h"
#include "fpga/fast_linear_unit.h"
#include "fpga/fpga_emu_backend.h"
#include "fpga/kernel_shapes.h"
#include "fpga/packing.h"
#include "fpga/xrt/buffer_plan.h"
#include "kernel.h"

namespace edgemoe::fpga {
namespace {

using namespace edgemoe_hls;

// One buffer's two copies. Shared by the buffer and the runs it is bound to, so a run in flight
// keeps its memory alive (as xrt::run keeps its xrt::bo arguments).
struct Storage {
    std::vector<uint8_t> host, device;
    int bank = 0;
};

// The kernel of one shape: what it needs from each buffer, and running it.
class SimKernel {
public:
    virtual ~SimKernel() = default;
    virtual size_t needed_bytes(int arg, int images, int out_channels) const = 0;
    virtual void run(const KernelArgs& a) = 0;
};

template <class S>
class SimKernelOf final : public SimKernel {
public:
    explicit SimKernelOf(int threads) : lu_(threads) {}
    size_t needed_bytes(int arg, int images, int out_channels) const override {
        if (arg == kArgOut) return size_t(images) * out_channels * S::IMG_H * S::IMG_W * sizeof(int32_t);
        return arg_bytes<S>(arg, arg == kArgImage ? images : 1);
    }
    void run(const KernelArgs& a) override {
        lu_.workers().run([&] { run_kernel<S>(a, lu_); });
    }

private:
    FastLinearUnit lu_;
};

std::unique_ptr<SimKernel> make_kernel(const ModelConfig& c, int threads) {
    if (auto k = with_kernel_shape(c, [&]<class S>(ShapeTag<S>) -> std::unique_ptr<SimKernel> {
            return std::make_unique<SimKernelOf<S>>(threads);
        }))
        return k;
    throw BackendError("fpga: " + emu_unsupported_reason(c));
}

// One started run: its arguments as they were at start().
struct Job {
    std::array<std::shared_ptr<Storage>, kKernelArgCount> buffers;
    std::array<int32_t, kKernelArgCount> scalars{};
    bool done = false, aborted = false;
    RunState state = RunState::Other;
};

// The card: its compute unit is a worker thread running jobs in start order.
class Card {
public:
    Card(const ModelConfig& c, SimDeviceOptions o) : opt_(std::move(o)), kernel_(make_kernel(c, opt_.threads)) {
        worker_ = std::thread([this] { work(); });
    }
    ~Card() {
        {
            std::lock_guard lk(mu_);
            stop_ = true;
        }
        cv_.notify_all();
        worker_.join();
    }

    const SimDeviceOptions& options() const { return opt_; }
    SimDeviceLog* log() const { return opt_.log.get(); }

    // Every call on a card that has gone away fails, as XRT's do once the device is removed.
    void check_present() const {
        if (gone_) throw std::runtime_error(opt_.name + " is no longer present (device removed)");
    }

    void enqueue(const std::shared_ptr<Job>& job) {
        {
            std::lock_guard lk(mu_);
            queue_.push_back(job);
        }
        cv_.notify_all();
    }

    RunState wait(const std::shared_ptr<Job>& job, std::chrono::milliseconds timeout) {
        std::unique_lock lk(mu_);
        if (!cv_.wait_for(lk, timeout, [&] { return job->done; })) return RunState::Timeout;
        return job->state;
    }

    void abort(const std::shared_ptr<Job>& job) {
        {
            std::lock_guard lk(mu_);
            job->aborted = true;
        }
        cv_.notify_all();
        std::unique_lock lk(mu_);
        cv_.wait(lk, [&] { return job->done; });
    }

    size_t needed_bytes(int arg, int images, int out_channels) const {
        return kernel_->needed_bytes(arg, images, out_channels);
    }

private:
    void work() {
        std::unique_lock lk(mu_);
        while (true) {
            cv_.wait(lk, [&] { return stop_ || !queue_.empty(); });
            if (stop_) {   // the card is being destroyed: runs still queued never execute
                for (auto& j : queue_) j->state = RunState::Abort, j->done = true;
                queue_.clear();
                cv_.notify_all();
                return;
            }
            std::shared_ptr<Job> job = queue_.front();
            queue_.pop_front();
            RunState state = RunState::Completed;
            if (job->aborted) {
                state = RunState::Abort;
            } else if (opt_.hang) {
                cv_.wait(lk, [&] { return stop_ || job->aborted; });
                state = RunState::Abort;
            } else if (opt_.error_after_runs >= 0 && executed_ >= opt_.error_after_runs) {
                state = RunState::Error;
            } else {
                lk.unlock();
                execute(*job);
                if (opt_.run_delay.count() > 0) std::this_thread::sleep_for(opt_.run_delay);
                lk.lock();
                ++executed_;
                if (opt_.vanish_after_runs >= 0 && executed_ >= opt_.vanish_after_runs) gone_ = true;
                if (log()) ++log()->runs_executed;
            }
            job->state = state;
            job->done = true;
            cv_.notify_all();
        }
    }

    void execute(Job& j) {
        auto dev = [&](int arg) { return j.buffers[size_t(arg)]->device.data(); };
        KernelArgs a{};
        a.image = dev(kArgImage);
        a.weights = reinterpret_cast<const int16_t*>(dev(kArgWeights));
        a.gates = reinterpret_cast<const int16_t*>(dev(kArgGates));
        a.head = reinterpret_cast<const int16_t*>(dev(kArgHead));
        int32_t** fields[] = {&a.x, &a.ln, &a.qkv, &a.attn, &a.hidden, &a.scores, &a.stats, &a.logits,
                              &a.queue, &a.qscore, &a.routing, &a.map_a, &a.map_b, &a.out};
        const char* names[] = {"x", "ln", "qkv", "attn", "hidden", "scores", "stats", "logits",
                               "queue", "qscore", "routing", "map_a", "map_b", "out"};
        for (size_t i = 0; i < std::size(fields); ++i)
            *fields[i] = reinterpret_cast<int32_t*>(dev(kernel_arg(names[i])));
        a.num_images = j.scalars[size_t(kArgNumImages)];
        a.stages = j.scalars[size_t(kArgStages)];
        a.out_channels = j.scalars[size_t(kArgOutChannels)];
        a.debug_block = j.scalars[size_t(kArgDebugBlock)];
        a.debug_step = j.scalars[size_t(kArgDebugStep)];
        if (log()) log()->last_num_images = a.num_images;
        kernel_->run(a);
    }

    SimDeviceOptions opt_;
    std::unique_ptr<SimKernel> kernel_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<std::shared_ptr<Job>> queue_;
    bool stop_ = false;
    int executed_ = 0;
    std::atomic<bool> gone_{false};
    std::thread worker_;   // last: started after everything it uses exists
};

class SimBuffer final : public DeviceBuffer {
public:
    SimBuffer(std::shared_ptr<Card> card, size_t bytes, int bank) : card_(std::move(card)), s_(std::make_shared<Storage>()) {
        s_->host.assign(bytes, 0);
        s_->device.assign(bytes, card_->options().fill);
        s_->bank = bank;
    }
    size_t bytes() const override { return s_->host.size(); }
    int bank() const override { return s_->bank; }
    void* host() override { return s_->host.data(); }
    void to_device(size_t bytes, size_t offset) override {
        card_->check_present();
        check_range(bytes, offset);
        std::memcpy(s_->device.data() + offset, s_->host.data() + offset, bytes);
    }
    void from_device(size_t bytes, size_t offset) override {
        card_->check_present();
        check_range(bytes, offset);
        std::memcpy(s_->host.data() + offset, s_->device.data() + offset, bytes);
    }
    const std::shared_ptr<Storage>& storage() const { return s_; }

private:
    void check_range(size_t bytes, size_t offset) const {
        if (offset > s_->host.size() || bytes > s_->host.size() - offset)
            throw std::out_of_range("sync of " + std::to_string(bytes) + " bytes at " + std::to_string(offset) +
                                    " exceeds the buffer's " + std::to_string(s_->host.size()));
    }
    std::shared_ptr<Card> card_;
    std::shared_ptr<Storage> s_;
};

class SimRun final : public KernelRun {
public:
    explicit SimRun(std::shared_ptr<Card> card) : card_(std::move(card)) {}

    void set_buffer(int arg, DeviceBuffer& buffer) override {
        if (arg < 0 || arg >= kKernelArgCount || !is_memory_arg(arg))
            throw std::logic_error("set_buffer: argument " + std::to_string(arg) + " is not a buffer argument");
        auto* b = dynamic_cast<SimBuffer*>(&buffer);
        if (!b) throw std::logic_error("set_buffer: a buffer of another device");
        // XRT refuses a buffer in a bank the argument is not connected to.
        if (b->bank() != sim_arg_bank(arg))
            throw std::logic_error(std::string("set_buffer: '") + kKernelArgs[arg].name + "' is connected to bank " +
                                   std::to_string(sim_arg_bank(arg)) + ", the buffer is in bank " + std::to_string(b->bank()));
        buffers_[size_t(arg)] = b->storage();
    }

    void set_scalar(int arg, int32_t value) override {
        if (arg < 0 || arg >= kKernelArgCount || is_memory_arg(arg))
            throw std::logic_error("set_scalar: argument " + std::to_string(arg) + " is not a scalar argument");
        scalars_[size_t(arg)] = value;
    }

    void start() override {
        card_->check_present();
        if (job_ && !job_->done) throw std::logic_error("start: the run is still in flight");
        const int images = scalars_[size_t(kArgNumImages)], channels = scalars_[size_t(kArgOutChannels)];
        for (int arg = 0; arg < kKernelArgCount; ++arg) {
            if (!is_memory_arg(arg)) continue;
            const auto& b = buffers_[size_t(arg)];
            if (!b) throw std::logic_error(std::string("start: argument '") + kKernelArgs[arg].name + "' has no buffer");
            const size_t need = card_->needed_bytes(arg, images, channels);
            if (b->host.size() < need)
                throw std::logic_error(std::string("start: buffer of '") + kKernelArgs[arg].name + "' has " +
                                       std::to_string(b->host.size()) + " bytes, the kernel uses " + std::to_string(need));
        }
        job_ = std::make_shared<Job>();
        job_->buffers = buffers_;
        job_->scalars = scalars_;
        if (card_->log()) ++card_->log()->runs_started;
        card_->enqueue(job_);
    }

    RunState wait(std::chrono::milliseconds timeout) override {
        card_->check_present();
        if (!job_) throw std::logic_error("wait: the run was never started");
        return card_->wait(job_, timeout);
    }

    void abort() override {
        if (job_) card_->abort(job_);
    }

private:
    std::shared_ptr<Card> card_;
    std::array<std::shared_ptr<Storage>, kKernelArgCount> buffers_;
    std::array<int32_t, kKernelArgCount> scalars_{};
    std::shared_ptr<Job> job_;
};

class SimDevice final : public Device {
public:
    SimDevice(const ModelConfig& c, SimDeviceOptions o) : card_(std::make_shared<Card>(c, std::move(o))) {}
    std::string name() const override { return card_->options().name; }
    int arg_bank(int arg) const override { return sim_arg_bank(arg); }
    std::unique_ptr<DeviceBuffer> allocate(size_t bytes, int bank) override {
        card_->check_present();
        if (card_->log()) ++card_->log()->buffers_allocated;
        return std::make_unique<SimBuffer>(card_, bytes, bank);
    }
    std::unique_ptr<KernelRun> create_run() override {
        card_->check_present();
        return std::make_unique<SimRun>(card_);
    }
    std::optional<std::string> electrical_json(std::string& why_not) override {
        why_not = name() + " is simulated: it has no power sensors";
        return std::nullopt;
    }

private:
    std::shared_ptr<Card> card_;
};

}  // namespace

int sim_arg_bank(int arg) {
    // AXI bundles, in order of first use, alternate between bank 0 and bank 1.
    std::string_view seen[kKernelArgCount];
    int n = 0;
    for (int i = 0; i < kKernelArgCount; ++i) {
        if (kKernelArgs[i].kind != ArgKind::Memory) continue;
        const std::string_view b = kKernelArgs[i].bundle;
        int k = 0;
        while (k < n && seen[k] != b) ++k;
        if (k == n) seen[n++] = b;
        if (i == arg) return k % 2;
    }
    return -1;
}

std::unique_ptr<Device> make_sim_device(const ModelConfig& model, SimDeviceOptions options) {
    return std::make_unique<SimDevice>(model, std::move(options));
}

}  // namespace edgemoe::fpga
