// fpga: the Edge-MoE kernel on cards, through the transport seam (transport.h). Per card, in
// the order of Xilinx's Vitis examples: buffer objects in the banks the xclbin connects each
// argument to, the model's weights uploaded once; then per frame: image to the device, point the
// run at the task's gate and head buffers, start, wait (with a timeout), read back, dequantise.
//
// Pipelining: each card has two slots, each a complete set of frame buffers (image, every
// activation and scratch buffer, routing, output) and its own run. Weights, gates and heads are
// shared. While one slot's run is on the device the host fills or reads the other. Giving each
// slot its own scratch means two runs never share memory, whether the xclbin has one compute unit
// (XRT queues the runs) or several (they overlap). The kernel is templated on its shape, so this
// backend is too, with the same shape dispatch as fpga-emu.
#include "fpga/xrt/backend.h"
#include "fpga/kernel_output.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>

#include "edgemoe/error.h"
#include "fpga/fpga_emu_backend.h"
#include "fpga/kernel_shapes.h"
#include "fpga/packing.h"
#include "fpga/xrt/buffer_plan.h"

namespace edgemoe::fpga {

const char* run_state_name(RunState s) {
    switch (s) {
        case RunState::Completed: return "completed";
        case RunState::Timeout: return "timeout";
        case RunState::Error: return "error (ERT_CMD_STATE_ERROR)";
        case RunState::Abort: return "aborted (ERT_CMD_STATE_ABORT)";
        case RunState::NoResponse: return "no response (ERT_CMD_STATE_NORESPONSE)";
        case RunState::Other: break;
    }
    return "an unexpected state";
}

namespace {

using namespace edgemoe_hls;
using Clock = std::chrono::steady_clock;

constexpr int kSlots = 2;          // frame buffer sets per card
constexpr int kMaxBatch = 16;      // images per run (the kernel's num_images trip count)

template <class S>
class XrtBackendImpl final : public XrtBackend {
    using Z = BufferSizes<S>;
    using L = WeightLayout<S>;

    struct Bo {
        std::unique_ptr<DeviceBuffer> buf;
        size_t stat = 0;    // index in the card's stats.buffers
    };
    struct Slot {
        std::array<Bo, kKernelArgCount> bo;   // every memory argument except weights, gates, head
        std::unique_ptr<KernelRun> run;
        int capacity = 1;                     // images the image and out buffers hold
        bool busy = false;
        int task = 0, images = 0;
        Clock::time_point started;
    };
    struct Card {
        std::unique_ptr<Device> dev;          // first member: destroyed last, after its buffers
        XrtCardStats stats;
        Bo weights;
        std::vector<Bo> gates, heads;         // one per task
        std::array<Slot, kSlots> slots;
        int next_slot = 0;
        int queued_images = 0;                // images of started, uncollected runs
        bool broken = false;                  // failed: never touch it again
    };
    struct Ticket {
        int card = 0, slot = 0;
    };

public:
    XrtBackendImpl(std::shared_ptr<const Model> model, const BackendOptions& options,
                   std::vector<std::unique_ptr<Device>> devices)
        : model_(std::move(model)), packed_(pack<S>(*model_)), capture_(options.capture_backbone) {
        if (devices.empty()) throw BackendError("fpga: no card to run on");
        if (packed_.weights.size() != L::weights_size) throw std::logic_error("fpga: packed weights size");
        cards_.resize(devices.size());
        for (size_t i = 0; i < devices.size(); ++i) {
            cards_[i].dev = std::move(devices[i]);
            set_up(cards_[i]);
        }
        ring_.resize(cards_.size() * kSlots);
        batch_first_.resize(cards_.size());
    }

    ~XrtBackendImpl() override {
        // Runs still in flight write into this backend's buffers: let them end before freeing them.
        for (Card& c : cards_) {
            if (c.broken) continue;
            for (Slot& s : c.slots) {
                if (!s.busy) continue;
                try {
                    if (s.run->wait(timeout_ * std::max(1, c.queued_images)) != RunState::Completed) s.run->abort();
                } catch (const std::exception&) {
                    // nothing more to do in a destructor; the card is left as XRT has it
                }
            }
        }
    }

    std::string name() const override { return "fpga"; }

    std::string description() const override {
        std::string d = "Edge-MoE kernel through XRT on ";
        for (size_t i = 0; i < cards_.size(); ++i) d += (i ? ", " : "") + cards_[i].stats.device;
        d += " (bit-accurate fixed point, as fpga-emu; " + std::to_string(kSlots) + " frames in flight per card";
        d += cards_.size() > 1 ? ", frames round-robin)" : ")";
        if (packed_.saturated)
            d += "; " + std::to_string(packed_.saturated) + " weights saturated (most in " + packed_.worst + ")";
        return d;
    }

    void infer(const cv::Mat& image, int task, NetworkOutput& out) override {
        if (in_flight_ != 0)
            throw std::logic_error("fpga: infer() while frames from submit() are in flight; collect() them first");
        // One run per frame, milliseconds on the card: the cancel flag is read before it starts, and a
        // started run is left to finish (aborting it would cost more than it saves).
        throw_if_cancelled();
        submit(image, task);
        collect(out);
    }

    int pipeline_depth() const override { return int(cards_.size()) * kSlots; }
    int in_flight() const override { return in_flight_; }

    void submit(const cv::Mat& image, int task) override {
        check_usable();
        check_input(image, task);
        if (in_flight_ == pipeline_depth())
            throw std::logic_error("fpga: submit() with " + std::to_string(in_flight_) +
                                   " frames in flight (the most there can be); collect() one first");
        // Round-robin: with frames collected in order, the next card always has a free slot.
        const int ci = next_card_;
        Card& c = cards_[size_t(ci)];
        const int si = c.next_slot;
        Slot& s = c.slots[size_t(si)];
        if (s.busy) throw std::logic_error("fpga: round-robin found a busy slot");
        guard(c, "starting a frame", [&] { start(c, s, &image, 1, task); });
        next_card_ = (ci + 1) % int(cards_.size());
        c.next_slot = (si + 1) % kSlots;
        ring_[(ring_head_ + size_t(in_flight_)) % ring_.size()] = Ticket{ci, si};
        ++in_flight_;
    }

    void collect(NetworkOutput& out) override {
        check_usable();
        if (in_flight_ == 0) throw std::logic_error("fpga: collect() with no frame in flight");
        const Ticket t = ring_[ring_head_];
        ring_head_ = (ring_head_ + 1) % ring_.size();
        --in_flight_;
        Card& c = cards_[size_t(t.card)];
        guard(c, "finishing a frame", [&] { finish(c, c.slots[size_t(t.slot)], &out); });
    }

    int max_batch() const override { return kMaxBatch; }

    void infer_batch(const std::vector<cv::Mat>& images, int task, std::vector<NetworkOutput>& outs) override {
        check_usable();
        if (in_flight_ != 0)
            throw std::logic_error("fpga: infer_batch() while frames from submit() are in flight; collect() them first");
        for (const cv::Mat& m : images) check_input(m, task);
        outs.resize(images.size());
        const size_t n_cards = cards_.size();
        size_t next = 0;
        while (next < images.size()) {
            // Between the runs of a long batch (none in flight here): give up if the caller asked.
            throw_if_cancelled();
            // One run per card, each with up to kMaxBatch consecutive frames; all cards run at once.
            const size_t left = images.size() - next;
            const size_t per_card = std::min<size_t>(kMaxBatch, (left + n_cards - 1) / n_cards);
            size_t used = 0;
            for (; used < n_cards && next < images.size(); ++used) {
                Card& c = cards_[used];
                Slot& s = c.slots[0];
                const int n = int(std::min(per_card, images.size() - next));
                guard(c, "starting a batch", [&] {
                    grow(c, s, n);
                    start(c, s, &images[next], n, task);
                });
                batch_first_[used] = next;
                next += size_t(n);
            }
            for (size_t ci = 0; ci < used; ++ci) {
                Card& c = cards_[ci];
                guard(c, "finishing a batch", [&] { finish(c, c.slots[0], &outs[batch_first_[ci]]); });
            }
        }
    }

    void set_run_timeout(std::chrono::milliseconds per_image) override {
        if (per_image.count() <= 0) throw std::invalid_argument("fpga: run timeout must be positive");
        timeout_ = per_image;
    }

    int cards() const override { return int(cards_.size()); }
    std::string card_name(int card) const override { return cards_.at(size_t(card)).stats.device; }

    std::optional<std::string> electrical_json(int card, std::string& why_not) override {
        if (card < 0 || card >= int(cards_.size())) {
            why_not = "no card " + std::to_string(card) + " (this backend drives " + std::to_string(cards_.size()) + ")";
            return std::nullopt;
        }
        Card& c = cards_[size_t(card)];
        try {
            return c.dev->electrical_json(why_not);
        } catch (const std::exception& e) {
            why_not = c.stats.device + ": reading electrical info failed: " + e.what();
            return std::nullopt;
        }
    }

    std::vector<XrtCardStats> stats() const override {
        std::vector<XrtCardStats> s;
        for (const Card& c : cards_) s.push_back(c.stats);
        return s;
    }

private:
    // One card: its buffers, the weights on it, its runs.
    void set_up(Card& c) {
        c.stats.device = c.dev->name();
        const ModelConfig& cfg = model_->config();
        guard(c, "allocating and uploading the model's weights", [&] {
            // Weights, every task's gate matrices and head: allocated in the banks the xclbin connects
            // `weights`, `gates` and `head` to, and uploaded once. A task switch later only points the
            // run at the other task's buffers.
            c.weights = allocate(c, kArgWeights, 1, "weights");
            upload(c, c.weights, packed_.weights.data(), packed_.weights.size() * sizeof(int16_t));
            for (size_t t = 0; t < cfg.tasks.size(); ++t) {
                const std::string k = "[" + std::to_string(t) + "]";
                c.gates.push_back(allocate(c, kArgGates, 1, "gates" + k));
                upload(c, c.gates.back(), packed_.gates[t].data(), packed_.gates[t].size() * sizeof(int16_t));
                c.heads.push_back(allocate(c, kArgHead, 1, "head" + k));
                upload(c, c.heads.back(), packed_.heads[t].data(), packed_.heads[t].size() * sizeof(int16_t));
            }
            ++c.stats.weight_uploads;
        });
        for (int si = 0; si < kSlots; ++si) {
            Slot& s = c.slots[size_t(si)];
            guard(c, "allocating frame buffers", [&] {
                for (int arg = 0; arg < kKernelArgCount; ++arg) {
                    if (!is_memory_arg(arg) || is_weight_arg(arg)) continue;
                    s.bo[size_t(arg)] = allocate(c, arg, 1, std::string(kKernelArgs[arg].name) + "@slot" + std::to_string(si));
                    clear(c, s.bo[size_t(arg)]);
                }
                s.run = c.dev->create_run();
                for (int arg = 0; arg < kKernelArgCount; ++arg)
                    if (is_memory_arg(arg) && !is_weight_arg(arg)) s.run->set_buffer(arg, *s.bo[size_t(arg)].buf);
                s.run->set_buffer(kArgWeights, *c.weights.buf);
            });
        }
    }

    Bo allocate(Card& c, int arg, int images, std::string name) {
        XrtBufferStats st;
        st.name = std::move(name);
        st.arg = arg;
        st.bank = c.dev->arg_bank(arg);
        st.bytes = arg_bytes<S>(arg, images);
        Bo bo;
        bo.buf = c.dev->allocate(st.bytes, st.bank);
        bo.stat = c.stats.buffers.size();
        c.stats.buffers.push_back(std::move(st));
        return bo;
    }

    void to_device(Card& c, Bo& bo, size_t bytes) {
        bo.buf->to_device(bytes, 0);
        XrtBufferStats& st = c.stats.buffers[bo.stat];
        ++st.uploads;
        st.bytes_uploaded += bytes;
    }
    void from_device(Card& c, Bo& bo, size_t bytes) {
        bo.buf->from_device(bytes, 0);
        XrtBufferStats& st = c.stats.buffers[bo.stat];
        ++st.downloads;
        st.bytes_downloaded += bytes;
    }
    void upload(Card& c, Bo& bo, const void* src, size_t bytes) {
        std::memcpy(bo.buf->host(), src, bytes);
        to_device(c, bo, bytes);
    }
    // Device memory starts undefined; zeroing every frame buffer once makes the card start from the
    // state the emulator's zero-initialised vectors have.
    void clear(Card& c, Bo& bo) {
        std::memset(bo.buf->host(), 0, bo.buf->bytes());
        to_device(c, bo, bo.buf->bytes());
    }

    // Larger per-frame buffers (image, tokens, routing, output) for a batch (once: straight to the
    // largest batch).
    void grow(Card& c, Slot& s, int images) {
        if (images <= s.capacity) return;
        for (int arg : {kArgImage, kArgX, kArgRouting, kArgOut}) {
            s.bo[size_t(arg)] = allocate(c, arg, kMaxBatch, std::string(kKernelArgs[arg].name) + "@batch");
            clear(c, s.bo[size_t(arg)]);
            s.run->set_buffer(arg, *s.bo[size_t(arg)].buf);
        }
        s.capacity = kMaxBatch;
    }

    void start(Card& c, Slot& s, const cv::Mat* images, int n, int task) {
        // 1. The frames into the slot's image buffer, and to the device.
        auto* dst = static_cast<uint8_t*>(s.bo[size_t(kArgImage)].buf->host());
        for (int i = 0; i < n; ++i) std::memcpy(dst + size_t(i) * Z::image, images[i].data, Z::image);
        to_device(c, s.bo[size_t(kArgImage)], size_t(n) * Z::image);
        // 2. The task: its gate and head buffers are already on the card.
        s.run->set_buffer(kArgGates, *c.gates[size_t(task)].buf);
        s.run->set_buffer(kArgHead, *c.heads[size_t(task)].buf);
        // 3. Scalars: backbone and head in one run per frame (a batch needs both per image anyway).
        s.run->set_scalar(kArgNumImages, n);
        s.run->set_scalar(kArgStages, kBackbone | kHead);
        s.run->set_scalar(kArgOutChannels, channels(task));
        s.run->set_scalar(kArgDebugBlock, -1);
        s.run->set_scalar(kArgDebugStep, 0);
        // 4. Start.
        s.run->start();
        s.busy = true;
        s.task = task;
        s.images = n;
        s.started = Clock::now();
        c.queued_images += n;
        ++c.stats.runs_started;
    }

    // Waits for the slot's run and reads its `images` frames back into outs[0..images).
    void finish(Card& c, Slot& s, NetworkOutput* outs) {
        // A run may wait behind the card's other queued run: allow time for both.
        const RunState st = s.run->wait(timeout_ * std::max(1, c.queued_images));
        if (st == RunState::Timeout) {
            try {
                s.run->abort();
            } catch (const std::exception&) {
                // the card is given up below either way
            }
            fail(c, "kernel run did not finish within " + std::to_string((timeout_ * std::max(1, c.queued_images)).count()) +
                        " ms; aborted it. The card may need a reset (xbutil reset)");
        }
        if (st != RunState::Completed) fail(c, std::string("kernel run ended in state ") + run_state_name(st));
        const double device_ms = std::chrono::duration<double, std::milli>(Clock::now() - s.started).count();
        s.busy = false;
        c.queued_images -= s.images;
        ++c.stats.runs_completed;
        c.stats.images += uint64_t(s.images);

        // Read back every image's head output and routing, and with capture_backbone its tokens
        // (the kernel gives each frame of a run its own token buffer).
        const int ch = channels(s.task);
        const size_t per_image = size_t(ch) * S::IMG_H * S::IMG_W;
        from_device(c, s.bo[size_t(kArgOut)], size_t(s.images) * per_image * sizeof(int32_t));
        from_device(c, s.bo[size_t(kArgRouting)], size_t(s.images) * Z::routing * sizeof(int32_t));
        if (capture_) from_device(c, s.bo[size_t(kArgX)], size_t(s.images) * Z::x * sizeof(int32_t));
        const auto* out_raw = static_cast<const int32_t*>(s.bo[size_t(kArgOut)].buf->host());
        const auto* routing = static_cast<const int32_t*>(s.bo[size_t(kArgRouting)].buf->host());
        const auto* x = static_cast<const int32_t*>(s.bo[size_t(kArgX)].buf->host());
        for (int i = 0; i < s.images; ++i)
            read_back(out_raw + size_t(i) * per_image, routing + size_t(i) * Z::routing, x + size_t(i) * Z::x, s.task,
                      device_ms / s.images, outs[i]);
    }

    // Dequantisation exactly as fpga-emu's.
    void read_back(const int32_t* out_raw, const int32_t* routing, const int32_t* x, int task, double device_ms,
                   NetworkOutput& out) const {
        decode_head_output<S>(out_raw, task, channels(task), out);
        // The device ran backbone and head in one run: the whole device time is reported as backbone.
        out.backbone_ms = device_ms;
        out.head_ms = 0;
        decode_routing<S>(routing, out);
        if (capture_)
            decode_backbone<S>(x, out);
        else
            out.backbone.clear();
    }

    int channels(int task) const { return model_->config().tasks[size_t(task)].channels; }

    void check_input(const cv::Mat& image, int task) const {
        if (task < 0 || task >= int(model_->config().tasks.size())) throw BackendError("fpga: task index out of range");
        if (image.type() != CV_8UC3 || image.rows != S::IMG_H || image.cols != S::IMG_W || !image.isContinuous())
            throw BackendError("fpga: input must be a continuous CV_8UC3 image of the model's size");
    }

    void check_usable() const {
        if (!failed_.empty())
            throw BackendError("fpga: stopped after an earlier failure (" + failed_ +
                               "); create the backend again or use another one");
    }

    // A failed card is given up, with every frame in flight: a run that timed out or a card that
    // went away leaves its buffers in an unknown state.
    [[noreturn]] void fail(Card& c, const std::string& what) {
        c.broken = true;
        failed_ = c.stats.device + ": " + what;
        for (Card& k : cards_)
            for (Slot& s : k.slots)
                if (k.broken) s.busy = false;
        in_flight_ = 0;
        throw BackendError("fpga: " + failed_);
    }

    // Runs a step on a card; an exception from the device (XRT's, or the transport's) becomes a
    // BackendError naming the card and the step.
    template <class F>
    void guard(Card& c, const char* step, F&& f) {
        try {
            f();
        } catch (const BackendError&) {
            throw;
        } catch (const std::exception& e) {
            fail(c, std::string(step) + " failed: " + e.what());
        }
    }

    std::shared_ptr<const Model> model_;
    PackedWeights packed_;
    bool capture_;
    std::vector<Card> cards_;
    std::vector<Ticket> ring_;        // frames in flight, oldest at ring_head_
    size_t ring_head_ = 0;
    int in_flight_ = 0;
    int next_card_ = 0;
    std::vector<size_t> batch_first_;   // first frame of each card's run in infer_batch
    std::chrono::milliseconds timeout_{5000};
    std::string failed_;
};

}  // namespace

std::string shape_key_for(const ModelConfig& c) {
    return with_kernel_shape(c, []<class S>(ShapeTag<S>) { return shape_key<S>(); });
}

XrtBackend* as_xrt_backend(Backend& backend) { return dynamic_cast<XrtBackend*>(&backend); }

std::unique_ptr<XrtBackend> make_xrt_backend_on(std::shared_ptr<const Model> model, const BackendOptions& options,
                                                std::vector<std::unique_ptr<Device>> devices) {
    if (!model) throw BackendError("fpga: no model loaded");
    if (auto b = with_kernel_shape(model->config(), [&]<class S>(ShapeTag<S>) -> std::unique_ptr<XrtBackend> {
            return std::make_unique<XrtBackendImpl<S>>(model, options, std::move(devices));
        }))
        return b;
    throw BackendError("fpga: " + emu_unsupported_reason(model->config()));
}

}  // namespace edgemoe::fpga
