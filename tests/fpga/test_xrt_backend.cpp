// The fpga backend over in-process cards (tests/fpga/xrt_sim_device.h): the same backend code that
// drives XRT, with "device memory" kept apart from the mapped host copies and the hls/ kernel run on
// that device memory. So these tests see every byte the backend moves, and need no XRT:
//  - results bit-identical to fpga-emu (sync, pipelined, several cards, batched);
//  - uploads and read-backs: weights once per model, a task switch uploads nothing, each frame
//    uploads its image and reads its output and routing;
//  - buffers in the banks the kernel's arguments connect to, with BufferSizes' sizes;
//  - two frames in flight per card, frames round-robin over cards and back in order;
//  - a hung run, an error state and a card that disappears each give their own clear error;
//  - the device list option, and how the registry lists "fpga" in this build.
#include <QtTest>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <opencv2/core.hpp>

#include "edgemoe/backend.h"
#include "edgemoe/error.h"
#include "edgemoe/npy.h"
#include "edgemoe/selftest.h"
#include "test_fixtures.h"
#include "fpga/xrt/backend.h"
#include "fpga/xrt/buffer_plan.h"
#include "fpga/xrt/device_spec.h"
#include "fpga/xrt/runtime_env.h"
#include "fpga/xrt_sim_device.h"

using namespace edgemoe;
using namespace edgemoe::fpga;

namespace {

using test::fixture;
using test::load_image;
const std::string& kUntrained = test::kUntrainedModel;

// Two different frames of the model's size: the fixture and its mirror image.
std::vector<cv::Mat> frames(const std::string& input) {
    cv::Mat a = load_image(input), b;
    cv::flip(a, b, 1);
    return {a, b};
}

std::vector<std::unique_ptr<Device>> sim_cards(const Model& m, int n, SimDeviceOptions o = {}) {
    std::vector<std::unique_ptr<Device>> v;
    for (int i = 0; i < n; ++i) {
        SimDeviceOptions k = o;
        k.name = "sim card " + std::to_string(i);
        k.threads = 2;
        v.push_back(make_sim_device(m.config(), k));
    }
    return v;
}

std::unique_ptr<XrtBackend> on_sim(const std::shared_ptr<const Model>& m, int cards, SimDeviceOptions o = {},
                                   bool capture = true) {
    BackendOptions opt;
    opt.capture_backbone = capture;
    auto b = make_xrt_backend_on(m, opt, sim_cards(*m, cards, o));
    // Under qemu (a cross build's tests) a full-size frame on the simulated card takes longer than
    // the backend's 5 s per image before it calls a run hung.
    if (qEnvironmentVariableIsSet("EDGEMOE_TEST_EMULATED")) b->set_run_timeout(std::chrono::minutes(5));
    return b;
}

std::unique_ptr<Backend> emu(const std::shared_ptr<const Model>& m) {
    BackendOptions opt;
    opt.capture_backbone = true;
    opt.threads = 2;
    return create_backend("fpga-emu", m, opt);
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// Bit-identical outputs, routing and backbone (the backends here capture it).
void expect_same(const NetworkOutput& got, const NetworkOutput& want) {
    QCOMPARE(got.task, want.task);
    QCOMPARE(got.channels, want.channels);
    QCOMPARE(got.height, want.height);
    QCOMPARE(got.width, want.width);
    QVERIFY(same_bits(got.raw, want.raw));
    QCOMPARE(got.routing.size(), want.routing.size());
    for (size_t k = 0; k < got.routing.size(); ++k) {
        QCOMPARE(got.routing[k].block, want.routing[k].block);
        QVERIFY(got.routing[k].expert == want.routing[k].expert);
        QVERIFY(same_bits(got.routing[k].weight, want.routing[k].weight));
    }
    QVERIFY(!got.backbone.empty());
    QVERIFY(same_bits(got.backbone, want.backbone));
}

const XrtBufferStats& buffer(const XrtCardStats& s, const std::string& name) {
    for (const auto& b : s.buffers)
        if (b.name == name) return b;
    throw std::runtime_error("no buffer " + name);
}

using test::error_of;

}  // namespace

class TestXrtBackend : public QObject {
    Q_OBJECT
private slots:
    void device_option_is_parsed() {
        DeviceSpec s = parse_device_spec("");
        QCOMPARE(s.cards.size(), size_t(1));
        QCOMPARE(s.cards[0].index, 0u);
        s = parse_device_spec(" 0, 1 ");
        QCOMPARE(s.cards.size(), size_t(2));
        QCOMPARE(s.cards[1].index, 1u);
        QVERIFY(parse_device_spec("all").all);
        s = parse_device_spec("0000:65:00.1,66:00.1");
        QVERIFY(s.cards[0].by_bdf && s.cards[0].bdf == "0000:65:00.1");
        QVERIFY(s.cards[1].by_bdf && s.cards[1].bdf == "66:00.1");
        QVERIFY_THROWS_EXCEPTION(BackendError, parse_device_spec("card0"));
        QVERIFY_THROWS_EXCEPTION(BackendError, parse_device_spec("0,,1"));
        QVERIFY_THROWS_EXCEPTION(BackendError, parse_device_spec("1,1"));
    }

    void registry_lists_fpga() {
        bool found = false;
        for (const BackendInfo& b : list_backends()) {
            if (b.name != "fpga") continue;
            found = true;
#if EDGEMOE_HAVE_XRT
            // Available exactly when XRT could load its shim; otherwise the reason names XILINX_XRT or the shim.
            QCOMPARE(b.available, b.why_not.empty());
            if (!b.available) QVERIFY2(b.why_not.find("XRT") != std::string::npos, b.why_not.c_str());
#else
            QVERIFY(!b.available);
            QVERIFY2(b.why_not.rfind("built without XRT", 0) == 0, b.why_not.c_str());
#endif
        }
        QVERIFY(found);
    }

    void create_needs_an_xclbin() {
        auto m = Model::load(fixture("tiny.safetensors"));
        const QString e = error_of([&] { create_backend("fpga", m, BackendOptions{}); });
#if EDGEMOE_HAVE_XRT
        // Unavailable (no runtime here) or, when XRT is set up, refused for the missing xclbin.
        QVERIFY2(e.contains("not available") || e.contains("no xclbin given"), qPrintable(e));
#else
        QVERIFY2(e.contains("built without XRT"), qPrintable(e));
#endif
    }

    void bit_identical_to_fpga_emu_data() {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("input");
        QTest::newRow("tiny") << QString::fromStdString(fixture("tiny.safetensors")) << "tiny_input.npy";
        QTest::newRow("edge-moe shape") << QString::fromStdString(kUntrained) << "untrained_input.npy";
    }
    void bit_identical_to_fpga_emu() {
        QFETCH(QString, model);
        QFETCH(QString, input);
        auto m = Model::load(model.toStdString());
        auto ref = emu(m);
        auto b = on_sim(m, 1);
        const cv::Mat img = load_image(input.toStdString());
        for (int t = 0; t < 2; ++t) {
            NetworkOutput want, got;
            ref->infer(img, t, want);
            b->infer(img, t, got);
            expect_same(got, want);
        }
    }

    // Six frames, alternating images and tasks, two cards, submitted ahead: each result is the frame
    // it belongs to, in order, and each card computed half of them.
    void pipelined_over_two_cards_in_order() {
        auto m = Model::load(fixture("tiny.safetensors"));
        auto ref = emu(m);
        auto b = on_sim(m, 2);
        const auto imgs = frames("tiny_input.npy");
        std::vector<NetworkOutput> want(6);
        for (int i = 0; i < 6; ++i) ref->infer(imgs[size_t(i % 2)], (i / 2) % 2, want[size_t(i)]);
        QCOMPARE(b->pipeline_depth(), 4);
        int next = 0;
        NetworkOutput got;
        for (int i = 0; i < 6; ++i) {
            while (next < 6 && b->in_flight() < b->pipeline_depth()) {
                b->submit(imgs[size_t(next % 2)], (next / 2) % 2);
                ++next;
            }
            b->collect(got);
            expect_same(got, want[size_t(i)]);
        }
        QCOMPARE(b->in_flight(), 0);
        const auto st = b->stats();
        QCOMPARE(st[0].images, uint64_t(3));
        QCOMPARE(st[1].images, uint64_t(3));
    }

    // submit() only uploads and starts: with 200 ms of device time per run, two submits return
    // before the first run has finished, and collect() waits.
    void submit_overlaps_the_device() {
        auto m = Model::load(fixture("tiny.safetensors"));
        SimDeviceOptions o;
        o.run_delay = std::chrono::milliseconds(200);
        o.log = std::make_shared<SimDeviceLog>();
        auto b = on_sim(m, 1, o, false);
        const auto imgs = frames("tiny_input.npy");
        b->submit(imgs[0], 0);
        b->submit(imgs[1], 1);
        QCOMPARE(o.log->runs_started.load(), 2);
        QCOMPARE(o.log->runs_executed.load(), 0);
        NetworkOutput a, c;
        b->collect(a);
        b->collect(c);
        QCOMPARE(o.log->runs_executed.load(), 2);
        QCOMPARE(a.task, 0);
        QCOMPARE(c.task, 1);
        QVERIFY(a.backbone_ms >= 150);   // device time, measured from start to completion
    }

    // What moves: the weights once per card; per frame the image up, the output and routing down;
    // a task switch moves nothing (the run is pointed at the task's buffers already on the card).
    void uploads_weights_once_and_switches_task_without_upload() {
        using Z = edgemoe_hls::BufferSizes<edgemoe_hls::TinyShape>;
        auto m = Model::load(fixture("tiny.safetensors"));
        auto b = on_sim(m, 1, {}, false);
        auto before = b->stats()[0];
        QCOMPARE(before.weight_uploads, 1);
        for (const char* w : {"weights", "gates[0]", "gates[1]", "head[0]", "head[1]"}) {
            QCOMPARE(buffer(before, w).uploads, uint64_t(1));
            QCOMPARE(buffer(before, w).bytes_uploaded, uint64_t(buffer(before, w).bytes));
        }
        const cv::Mat img = load_image("tiny_input.npy");
        NetworkOutput out;
        const int tasks[] = {0, 1, 1, 0, 1};
        for (int t : tasks) b->infer(img, t, out);
        const auto after = b->stats()[0];
        QCOMPARE(after.weight_uploads, 1);
        for (const char* w : {"weights", "gates[0]", "gates[1]", "head[0]", "head[1]"})
            QCOMPARE(buffer(after, w).uploads, uint64_t(1));
        QCOMPARE(after.runs_completed, uint64_t(5));
        // Image and outputs, summed over the two slots (frames alternate between them).
        auto moved = [&](const char* arg, bool up) {
            uint64_t n = 0, bytes = 0;
            for (const char* slot : {"@slot0", "@slot1"}) {
                const auto& a = buffer(after, std::string(arg) + slot);
                const auto& z = buffer(before, std::string(arg) + slot);
                n += up ? a.uploads - z.uploads : a.downloads - z.downloads;
                bytes += up ? a.bytes_uploaded - z.bytes_uploaded : a.bytes_downloaded - z.bytes_downloaded;
            }
            return std::make_pair(n, bytes);
        };
        QCOMPARE(moved("image", true), std::make_pair(uint64_t(5), uint64_t(5 * Z::image)));
        const auto& tk = m->config().tasks;
        uint64_t out_bytes = 0;
        for (int t : tasks) out_bytes += uint64_t(tk[size_t(t)].channels) * 32 * 64 * 4;
        QCOMPARE(moved("out", false), std::make_pair(uint64_t(5), out_bytes));
        QCOMPARE(moved("routing", false), std::make_pair(uint64_t(5), uint64_t(5 * Z::routing * 4)));
        QCOMPARE(moved("x", false).first, uint64_t(0));   // backbone not captured: not read
        QCOMPARE(moved("scores", true).first, uint64_t(0));   // scratch stays on the card
    }

    void buffers_in_connected_banks_with_kernel_sizes() {
        auto m = Model::load(fixture("tiny.safetensors"));
        auto b = on_sim(m, 1);
        const auto st = b->stats()[0];
        int per_slot = 0;
        for (const auto& buf : st.buffers) {
            QCOMPARE(buf.bank, sim_arg_bank(buf.arg));
            QCOMPARE(buf.bytes, arg_bytes<edgemoe_hls::TinyShape>(buf.arg, 1));
            per_slot += buf.name.find("@slot0") != std::string::npos;
        }
        // Every memory argument but weights, gates and head has its own buffer in each slot.
        int memory_args = 0;
        for (int a = 0; a < edgemoe_hls::kKernelArgCount; ++a) memory_args += is_memory_arg(a) && !is_weight_arg(a);
        QCOMPARE(per_slot, memory_args);
        QCOMPARE(st.buffers.size(), size_t(1 + 2 * 2 + 2 * memory_args));
    }

    // num_images: one run per card; outputs, routing and backbone per frame as single runs give them
    // (each frame of a run has its own token buffer).
    void batch_matches_single_frames() {
        auto m = Model::load(fixture("tiny.safetensors"));
        auto ref = emu(m);
        SimDeviceOptions o;
        o.log = std::make_shared<SimDeviceLog>();
        auto b = on_sim(m, 1, o);
        const auto imgs = frames("tiny_input.npy");
        const std::vector<cv::Mat> batch = {imgs[0], imgs[1], imgs[0]};
        std::vector<NetworkOutput> want(3), got;
        for (size_t i = 0; i < batch.size(); ++i) ref->infer(batch[i], 1, want[i]);
        b->infer_batch(batch, 1, got);
        QCOMPARE(o.log->last_num_images.load(), 3);
        QCOMPARE(o.log->runs_executed.load(), 1);
        QCOMPARE(got.size(), size_t(3));
        for (size_t i = 0; i < batch.size(); ++i) expect_same(got[i], want[i]);
        QVERIFY(!same_bits(got[0].backbone, got[1].backbone));   // two different pictures, two backbones
        // Single frames still work after the batch buffers grew.
        NetworkOutput one;
        b->infer(imgs[1], 0, one);
        NetworkOutput want1;
        ref->infer(imgs[1], 0, want1);
        expect_same(one, want1);

        // Two cards: 5 frames as runs of 3 and 2, in order.
        auto b2 = on_sim(m, 2);
        std::vector<cv::Mat> five = {imgs[0], imgs[1], imgs[1], imgs[0], imgs[1]};
        b2->infer_batch(five, 0, got);
        QCOMPARE(got.size(), size_t(5));
        for (size_t i = 0; i < 5; ++i) {
            NetworkOutput w;
            ref->infer(five[i], 0, w);
            QVERIFY(same_bits(got[i].raw, w.raw));
        }
        QCOMPARE(b2->stats()[0].images, uint64_t(3));
        QCOMPARE(b2->stats()[1].images, uint64_t(2));
    }

    void hung_run_times_out_and_stops_the_backend() {
        auto m = Model::load(fixture("tiny.safetensors"));
        SimDeviceOptions o;
        o.hang = true;
        auto b = on_sim(m, 1, o);
        b->set_run_timeout(std::chrono::milliseconds(50));
        const cv::Mat img = load_image("tiny_input.npy");
        NetworkOutput out;
        QString e = error_of([&] { b->infer(img, 0, out); });
        QVERIFY2(e.contains("sim card 0") && e.contains("did not finish within 50 ms") && e.contains("aborted"),
                 qPrintable(e));
        e = error_of([&] { b->infer(img, 0, out); });
        QVERIFY2(e.contains("stopped after an earlier failure"), qPrintable(e));
    }

    void error_state_is_reported() {
        auto m = Model::load(fixture("tiny.safetensors"));
        SimDeviceOptions o;
        o.error_after_runs = 1;
        auto b = on_sim(m, 1, o);
        const cv::Mat img = load_image("tiny_input.npy");
        NetworkOutput out;
        b->infer(img, 0, out);
        const QString e = error_of([&] { b->infer(img, 0, out); });
        QVERIFY2(e.contains("sim card 0") && e.contains("ERT_CMD_STATE_ERROR"), qPrintable(e));
    }

    void vanished_card_is_reported() {
        auto m = Model::load(fixture("tiny.safetensors"));
        SimDeviceOptions o;
        o.vanish_after_runs = 2;
        auto b = on_sim(m, 1, o);
        const cv::Mat img = load_image("tiny_input.npy");
        NetworkOutput out;
        b->infer(img, 0, out);
        const QString e = error_of([&] { b->infer(img, 1, out); });
        QVERIFY2(e.contains("sim card 0") && e.contains("no longer present"), qPrintable(e));
    }

    void misuse_is_refused() {
        auto m = Model::load(fixture("tiny.safetensors"));
        auto b = on_sim(m, 1);
        const cv::Mat img = load_image("tiny_input.npy");
        NetworkOutput out;
        QVERIFY_THROWS_EXCEPTION(std::logic_error, b->collect(out));
        b->submit(img, 0);
        b->submit(img, 1);
        QVERIFY_THROWS_EXCEPTION(std::logic_error, b->submit(img, 0));
        QVERIFY_THROWS_EXCEPTION(std::logic_error, b->infer(img, 0, out));
        b->collect(out);
        b->collect(out);
        QVERIFY_THROWS_EXCEPTION(BackendError, b->infer(img, 5, out));
        cv::Mat small(8, 8, CV_8UC3);
        QVERIFY_THROWS_EXCEPTION(BackendError, b->infer(small, 0, out));
        b->infer(img, 0, out);   // still usable: those were refused before touching the card
    }

    void power_reading_says_why_not() {
        auto m = Model::load(fixture("tiny.safetensors"));
        auto b = on_sim(m, 1);
        std::string why;
        QVERIFY(!b->electrical_json(0, why));
        QVERIFY2(why.find("simulated") != std::string::npos, why.c_str());
        QVERIFY(!b->electrical_json(3, why));
        QVERIFY2(why.find("no card 3") != std::string::npos, why.c_str());
        XrtBackend* x = as_xrt_backend(*b);
        QVERIFY(x == b.get());
#if !EDGEMOE_HAVE_XRT
        QVERIFY(!xrt_electrical_json("0", why));
        QVERIFY2(why.find("built without XRT") != std::string::npos, why.c_str());
        QVERIFY_THROWS_EXCEPTION(BackendError, make_xrt_electrical_source("0"));
#endif
    }

    // The hint printed when XILINX_XRT is missing names the folders of the machine it runs on: the
    // multiarch triplet of this build's architecture (CMake's, EDGEMOE_TEST_MULTIARCH, against the
    // compiler's own macros in the engine), PetaLinux's /usr/lib, Xilinx's /opt/xilinx/xrt.
    void xrt_setup_hint_fits_the_machine() {
        const std::string debian = std::string("/usr/lib/") + EDGEMOE_TEST_MULTIARCH;
        QCOMPARE(multiarch_lib_dir(), debian);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::filesystem::path root = dir.path().toStdString();
        const auto touch = [&](const std::string& p) {
            std::filesystem::create_directories((root / p).parent_path());
            std::ofstream(root / p) << "";
        };
        std::string h = xrt_setup_hint(root);
        QVERIFY2(h.find("no XRT found in " + debian) != std::string::npos && h.find("ln -sfn " + debian) != std::string::npos,
                 h.c_str());
        touch("usr/lib/libxrt_coreutil.so.2");
        h = xrt_setup_hint(root);
        QVERIFY2(h.find("export XILINX_XRT=/usr") != std::string::npos, h.c_str());
        touch(debian.substr(1) + "/libxrt_coreutil.so.2");
        h = xrt_setup_hint(root);
        QVERIFY2(h.find("ln -sfn " + debian + " ~/.local/xrt/lib") != std::string::npos && h.find("no XRT") == std::string::npos,
                 h.c_str());
        touch("opt/xilinx/xrt/setup.sh");
        h = xrt_setup_hint(root);
        QVERIFY2(h.find("source /opt/xilinx/xrt/setup.sh") != std::string::npos, h.c_str());
    }

    // edgemoe-selftest's comparison: the backend on a simulated card is identical to fpga-emu on the
    // bundled frame; one flipped bit in one output is found and located.
    void selftest_compares_bit_for_bit() {
        const auto m = Model::load(kUntrained);
        const std::string frame_path = default_selftest_frame_path();
        QVERIFY2(!frame_path.empty(), "resources/selftest/frame.npy not found");
        const cv::Mat frame = load_image("demo_input.npy");
        auto card = on_sim(m, 1, {}, false);
        const SelftestReport ok = compare_with_emulation(*card, m, frame, 2);
        QVERIFY(ok.identical);
        QCOMPARE(ok.lines.size(), m->config().tasks.size());
        QVERIFY2(ok.lines[0].find("identical to fpga-emu") != std::string::npos, ok.lines[0].c_str());

        // A backend whose output has one bit flipped: the report names the place.
        struct OneBitOff final : Backend {
            Backend& inner;
            explicit OneBitOff(Backend& b) : inner(b) {}
            std::string name() const override { return "one-bit-off"; }
            std::string description() const override { return inner.description(); }
            void infer(const cv::Mat& image, int task, NetworkOutput& out) override {
                inner.infer(image, task, out);
                uint32_t bits;
                std::memcpy(&bits, &out.raw[5], 4);
                bits ^= 1;
                std::memcpy(&out.raw[5], &bits, 4);
            }
        } bad(*card);
        const SelftestReport r = compare_with_emulation(bad, m, frame, 2);
        QVERIFY(!r.identical);
        QVERIFY2(r.lines[0].find("DIFFERS from fpga-emu: 1 of ") != std::string::npos &&
                     r.lines[0].find("channel 0, y 0, x 5") != std::string::npos,
                 r.lines[0].c_str());
    }
};

QTEST_GUILESS_MAIN(TestXrtBackend)
#include "test_xrt_backend.moc"
