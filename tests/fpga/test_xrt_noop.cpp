// The fpga backend on XRT itself, without a card: XRT's noop shim (XCL_EMULATION_MODE=noop) opens
// devices, loads any well-formed xclbin, creates buffers and completes runs without computing.
// The xclbins are written by xclbin_writer from xrt/xclbin.h. These tests therefore check control
// flow and sizes, never output values:
//  - the runtime check says what is missing (XILINX_XRT, the shim) and how to set it;
//  - each kind of wrong or damaged xclbin gets its own message naming the file;
//  - device open, xclbin check and load, buffers in the banks XRT reads from the xclbin's
//    connectivity with BufferSizes' sizes, weights uploaded once, task switches without upload,
//    runs started and completed, read-back, pipelining, batching, two cards round-robin;
//  - the card's electrical JSON;
//  - on the hardware shim with no card (a child process: XRT loads one shim per process), opening a
//    card fails clearly.
// What noop cannot show: timeouts and error states (its wait ignores the timeout and every run
// completes) and a card disappearing; test_xrt_backend covers those with the in-process card.
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <cstring>
#include <filesystem>
#include <map>

#include <nlohmann/json.hpp>

#include "edgemoe/backend.h"
#include "edgemoe/error.h"
#include "edgemoe/npy.h"
#include "fpga/xrt/backend.h"
#include "fpga/xrt/buffer_plan.h"
#include "fpga/xrt/native_device.h"
#include "fpga/xrt/runtime_env.h"
#include "fpga/xrt/xclbin_check.h"
#include "test_fixtures.h"
#include "xclbin_writer.h"

using namespace edgemoe;
using namespace edgemoe::fpga;
using edgemoe::test::XclbinSpec;

namespace {

using edgemoe::test::error_of;
using edgemoe::test::fixture;
using edgemoe::test::load_image;
const std::string kMultiarch = std::string("/usr/lib/") + EDGEMOE_TEST_MULTIARCH;
using Tiny = edgemoe_hls::TinyShape;

const XrtBufferStats& buffer(const XrtCardStats& s, const std::string& name) {
    for (const auto& b : s.buffers)
        if (b.name == name) return b;
    throw std::runtime_error("no buffer " + name);
}

}  // namespace

class TestXrtNoop : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    std::string root_;               // our XILINX_XRT
    bool hw_child_ = false;          // this process is the hardware-shim child
    std::shared_ptr<const Model> tiny_;
    std::map<std::string, std::string> files_;   // xclbins by purpose

    std::string write(const std::string& name, const std::vector<char>& bytes) {
        const std::string path = dir_.filePath(QString::fromStdString(name)).toStdString();
        edgemoe::test::write_file(path, bytes);
        files_[name] = path;
        return path;
    }

    std::unique_ptr<Backend> open(const std::string& xclbin, const std::string& device = "0") {
        BackendOptions o;
        o.xclbin = files_.at(xclbin);
        o.device = device;
        return create_backend("fpga", tiny_, o);
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        hw_child_ = qEnvironmentVariableIsSet("EDGEMOE_TEST_HW_CHILD");
        if (!std::filesystem::exists(std::string(kMultiarch) + "/libxrt_noop.so.2"))
            QSKIP("libxrt1's noop shim is not installed");
        // XRT loads $XILINX_XRT/lib/libxrt_<shim>.so.2; Debian's shims are in the multiarch folder.
        root_ = dir_.filePath("xrt").toStdString();
        std::filesystem::create_directories(root_);
        std::filesystem::create_directory_symlink(kMultiarch, root_ + "/lib");
        qputenv("XILINX_XRT", QByteArray::fromStdString(root_));
        if (hw_child_) qunsetenv("XCL_EMULATION_MODE");
        else qputenv("XCL_EMULATION_MODE", "noop");

        tiny_ = Model::load(fixture("tiny.safetensors"));
        const std::string tiny_shape = shape_key_for(tiny_->config());
        QCOMPARE(tiny_shape, shape_key<Tiny>());
        const XclbinSpec good = edgemoe::test::edgemoe_spec(tiny_shape);
        const std::vector<char> good_bytes = edgemoe::test::build_xclbin(good);
        write("good", good_bytes);

        XclbinSpec s = good;
        s.kernel = "vadd";
        write("wrong_kernel", edgemoe::test::build_xclbin(s));
        s = good;
        s.args.pop_back();
        write("missing_arg", edgemoe::test::build_xclbin(s));
        s = good;
        s.args[5].name = "layernorm";
        write("renamed_arg", edgemoe::test::build_xclbin(s));
        s = good;
        s.args[18].size = 8;
        write("wrong_size", edgemoe::test::build_xclbin(s));
        s = good;
        s.args[20].offset += 4;
        write("wrong_offset", edgemoe::test::build_xclbin(s));
        s = good;
        s.key_values[0].second = "0x1234";
        write("wrong_signature", edgemoe::test::build_xclbin(s));
        s = good;
        s.key_values.erase(s.key_values.begin());
        write("no_signature", edgemoe::test::build_xclbin(s));
        write("wrong_shape", edgemoe::test::build_xclbin(edgemoe::test::edgemoe_spec(shape_key<edgemoe_hls::EdgeMoeShape>())));
        write("truncated", std::vector<char>(good_bytes.begin(), good_bytes.begin() + long(good_bytes.size() / 2)));
        write("not_xclbin", std::vector<char>(2000, 'x'));
        files_["missing"] = dir_.filePath("nowhere.xclbin").toStdString();
    }

    // Checked before XRT is asked anything, so it can say how to fix the environment.
    void runtime_check_explains_what_is_missing() {
        if (hw_child_) QSKIP("parent process only");
        const QByteArray saved = qgetenv("XILINX_XRT");
        qunsetenv("XILINX_XRT");
        QString e = error_of([&] { check_xrt_runtime(); });
        QVERIFY2(e.contains("XILINX_XRT is not set") && e.contains(QString::fromStdString("ln -sfn " + kMultiarch)), qPrintable(e));
        // The registry reports the same reason, and create_backend refuses with it.
        for (const BackendInfo& b : list_backends())
            if (b.name == "fpga") QVERIFY2(!b.available && b.why_not.find("XILINX_XRT") != std::string::npos, b.why_not.c_str());
        e = error_of([&] { open("good"); });
        QVERIFY2(e.contains("fpga: not available") && e.contains("XILINX_XRT is not set"), qPrintable(e));

        const std::string empty = dir_.filePath("empty").toStdString();
        std::filesystem::create_directories(empty + "/lib");
        qputenv("XILINX_XRT", QByteArray::fromStdString(empty));
        e = error_of([&] { check_xrt_runtime(); });
        QVERIFY2(e.contains(QString::fromStdString(empty + "/lib/libxrt_noop.so.2")) && e.contains("does not exist"),
                 qPrintable(e));
        qputenv("XCL_EMULATION_MODE", "bogus");
        e = error_of([&] { check_xrt_runtime(); });
        QVERIFY2(e.contains("XCL_EMULATION_MODE='bogus'"), qPrintable(e));
        qputenv("XCL_EMULATION_MODE", "noop");
        qputenv("XILINX_XRT", saved);
        QCOMPARE(check_xrt_runtime().shim, root_ + "/lib/libxrt_noop.so.2");
        for (const BackendInfo& b : list_backends())
            if (b.name == "fpga") QVERIFY2(b.available, b.why_not.c_str());
    }

    void wrong_xclbins_are_refused_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("says");
        QTest::newRow("no xclbin option") << "" << "no xclbin given";
        QTest::newRow("missing file") << "missing" << "cannot open it";
        QTest::newRow("not an xclbin") << "not_xclbin" << "not an xclbin";
        QTest::newRow("truncated") << "truncated" << "truncated: its header says";
        QTest::newRow("wrong kernel name") << "wrong_kernel" << "has no kernel 'edgemoe_top' (it has: vadd)";
        QTest::newRow("argument missing") << "missing_arg"
                                          << "has 22 arguments, this build expects 23; missing: debug_step";
        QTest::newRow("argument renamed") << "renamed_arg" << "argument 5 is 'layernorm', this build expects 'ln'";
        QTest::newRow("scalar size") << "wrong_size" << "argument 18 'num_images' is 8 bytes, this build expects 4";
        QTest::newRow("register offset") << "wrong_offset"
                                         << "argument 20 'out_channels' is at register 0xfc, this build expects 0xf8";
        QTest::newRow("wrong signature") << "wrong_signature"
                                         << "kernel signature 0x1234 differs from this build's 0x99572a201966fd3b";
        QTest::newRow("no signature") << "no_signature" << "carries no kernel signature";
        QTest::newRow("other kernel shape") << "wrong_shape"
                                            << "built for shape img128x256-p16-d192-l12-h3-mlp768-e16x384-k2-c64-t2-o7, "
                                               "the model needs img32x64-p8";
    }
    void wrong_xclbins_are_refused() {
        if (hw_child_) QSKIP("parent process only");
        QFETCH(QString, file);
        QFETCH(QString, says);
        BackendOptions o;
        if (!file.isEmpty()) o.xclbin = files_.at(file.toStdString());
        const QString e = error_of([&] { create_backend("fpga", tiny_, o); });
        qInfo().noquote() << e;
        QVERIFY2(e.contains(says), qPrintable(e));
        if (!file.isEmpty()) QVERIFY2(e.contains(QString::fromStdString(o.xclbin)), qPrintable(e));
    }

    // The XRT release an xclbin was linked for (stamped by tools/vitis_flow.sh) against the XRT this
    // process loaded: a clear note when they differ, nothing when they agree or it is not stamped.
    void xrt_release_is_checked_against_the_running_xrt() {
        if (hw_child_) QSKIP("parent process only");
        const std::string running = running_xrt_version();
        QVERIFY2(QString::fromStdString(running).contains(QRegularExpression("^[0-9]+\\.[0-9]+")), running.c_str());
        QVERIFY(xrt_release_note("f.xclbin", std::nullopt, std::nullopt, running).empty());
        QVERIFY(xrt_release_note("f.xclbin", std::string("2.13"), std::nullopt, "2.13.466").empty());
        const std::string n = xrt_release_note("f.xclbin", std::string("2.14"), std::string("xilinx_kv260_base"), "2.13.0");
        QVERIFY2(n.find("f.xclbin was linked for XRT 2.14 (platform xilinx_kv260_base), this machine runs XRT 2.13.0") !=
                     std::string::npos, n.c_str());

        // Through check_xclbin, on xclbins as the flow stamps them.
        XclbinSpec spec = edgemoe::test::edgemoe_spec(shape_key<Tiny>());
        spec.key_values.push_back({kPlatformKey, "xilinx_zcu102_base_202210_1"});
        spec.key_values.push_back({kXrtKey, running});
        const std::string same = write("same_xrt", edgemoe::test::build_xclbin(spec));
        QVERIFY(check_xclbin(same, shape_key<Tiny>()).note.empty());
        spec.key_values.back().second = "1.0";
        const std::string old = write("old_xrt", edgemoe::test::build_xclbin(spec));
        const std::string note = check_xclbin(old, shape_key<Tiny>()).note;
        QVERIFY2(note.find("linked for XRT 1.0 (platform xilinx_zcu102_base_202210_1), this machine runs XRT " + running) !=
                     std::string::npos, note.c_str());
        // A note, not a refusal: the backend still opens the card.
        QVERIFY(open("old_xrt"));
    }

    // The whole control flow on one noop card.
    void frames_run_through_xrt() {
        if (hw_child_) QSKIP("parent process only");
        auto b = open("good");
        XrtBackend* x = as_xrt_backend(*b);
        QVERIFY(x);
        QVERIFY2(b->description().find("card 0") != std::string::npos, b->description().c_str());

        // Buffers: in the bank XRT reads for each argument from our CONNECTIVITY, sized from BufferSizes.
        const XclbinSpec spec = edgemoe::test::edgemoe_spec(shape_key<Tiny>());
        auto st = x->stats()[0];
        for (const auto& buf : st.buffers) {
            QCOMPARE(buf.bank, spec.args[size_t(buf.arg)].bank);
            QCOMPARE(buf.bytes, arg_bytes<Tiny>(buf.arg, 1));
        }
        QVERIFY(buffer(st, "weights").bank != buffer(st, "image@slot0").bank);   // the spec puts them apart
        QCOMPARE(st.weight_uploads, 1);

        const cv::Mat img = load_image("tiny_input.npy");
        NetworkOutput out;
        const int tasks[] = {0, 1, 0, 1};
        for (int t : tasks) {
            b->infer(img, t, out);
            const TaskInfo& ti = tiny_->config().tasks[size_t(t)];
            QCOMPARE(out.task, t);
            QCOMPARE(out.channels, ti.channels);
            QCOMPARE(out.raw.size(), size_t(ti.channels) * Tiny::IMG_H * Tiny::IMG_W);
            QCOMPARE(out.routing.size(), size_t(Tiny::MOE_BLOCKS));
            QCOMPARE(out.routing[0].expert.size(), size_t(Tiny::N) * Tiny::TOPK);
        }
        st = x->stats()[0];
        QCOMPARE(st.weight_uploads, 1);
        for (const char* w : {"weights", "gates[0]", "gates[1]", "head[0]", "head[1]"})
            QCOMPARE(buffer(st, w).uploads, uint64_t(1));
        QCOMPARE(st.runs_started, uint64_t(4));
        QCOMPARE(st.runs_completed, uint64_t(4));
        const uint64_t images = buffer(st, "image@slot0").uploads + buffer(st, "image@slot1").uploads;
        QCOMPARE(images, uint64_t(2 + 4));   // zeroed once per slot, then one upload per frame
        QCOMPARE(buffer(st, "out@slot0").downloads + buffer(st, "out@slot1").downloads, uint64_t(4));

        // Pipelined and batched through XRT's runs.
        x->submit(img, 0);
        x->submit(img, 1);
        QCOMPARE(x->in_flight(), 2);
        x->collect(out);
        QCOMPARE(out.task, 0);
        x->collect(out);
        QCOMPARE(out.task, 1);
        std::vector<NetworkOutput> outs;
        x->infer_batch({img, img, img}, 1, outs);
        QCOMPARE(outs.size(), size_t(3));
        // Every frame of a batch has its own routing (the noop shim computes nothing, so only its
        // shape can be checked here; test_xrt_backend checks the values on a simulated card).
        for (const auto& o : outs) QCOMPARE(o.routing.size(), size_t(Tiny::MOE_BLOCKS));
        QVERIFY(outs[0].backbone.empty());
        st = x->stats()[0];
        QCOMPARE(st.runs_completed, uint64_t(7));
        QCOMPARE(st.images, uint64_t(9));
        QCOMPARE(buffer(st, "image@batch").bytes, arg_bytes<Tiny>(kArgImage, x->max_batch()));
        QCOMPARE(buffer(st, "routing@batch").bytes, arg_bytes<Tiny>(kArgRouting, x->max_batch()));
    }

    void two_cards_round_robin() {
        if (hw_child_) QSKIP("parent process only");
        auto b = open("good", "0,1");
        XrtBackend* x = as_xrt_backend(*b);
        QCOMPARE(x->cards(), 2);
        QCOMPARE(x->card_name(1), std::string("card 1"));
        const cv::Mat img = load_image("tiny_input.npy");
        NetworkOutput out;
        for (int i = 0; i < 4; ++i) b->infer(img, i % 2, out);
        for (const auto& s : x->stats()) {
            QCOMPARE(s.images, uint64_t(2));
            QCOMPARE(s.weight_uploads, 1);
        }
    }

    // XRT's electrical info as JSON text for the energy meters (noop: every figure "N/A").
    void electrical_json() {
        if (hw_child_) QSKIP("parent process only");
        auto b = open("good");
        std::string why;
        const auto text = as_xrt_backend(*b)->electrical_json(0, why);
        QVERIFY2(text.has_value(), why.c_str());
        const auto j = nlohmann::json::parse(*text);
        QVERIFY(j.contains("power_consumption_watts"));
        QVERIFY(j.contains("power_rails"));
        QVERIFY(xrt_electrical_json("0", why).has_value());
        // The meters' source keeps the card open and reads it on each call.
        const auto source = make_xrt_electrical_source("0");
        for (int i = 0; i < 2; ++i) QVERIFY(nlohmann::json::parse(source()).contains("power_consumption_watts"));
        QVERIFY(!xrt_electrical_json("all", why));
        QVERIFY2(why.find("one card at a time") != std::string::npos, why.c_str());
    }

    // With the hardware shim and no card, the registry lists fpga as unavailable, and opening a card
    // fails with XRT's reason and the card count.
    void no_card_on_the_hardware_shim() {
        if (hw_child_) QSKIP("parent process only");
        QProcess child;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("EDGEMOE_TEST_HW_CHILD", "1");
        child.setProcessEnvironment(env);
        child.start(QCoreApplication::applicationFilePath(), {"no_card_child"});
        QVERIFY(child.waitForFinished(60000));
        const QByteArray log = child.readAllStandardOutput() + child.readAllStandardError();
        QVERIFY2(child.exitStatus() == QProcess::NormalExit && child.exitCode() == 0, log.constData());
        QVERIFY2(log.contains("PASS   : TestXrtNoop::no_card_child()"), log.constData());
    }
    void no_card_child() {
        if (!hw_child_) QSKIP("runs in the child process of no_card_on_the_hardware_shim");
        if (xrt_card_count() > 0) QSKIP("this machine has a card");
        QCOMPARE(check_xrt_runtime().shim, root_ + "/lib/libxrt_core.so.2");
        // The registry already knows there is no card...
        QString e = error_of([&] { open("good", "0"); });
        qInfo().noquote() << e;
        QVERIFY2(e.contains("fpga: not available: XRT finds no card"), qPrintable(e));
        // ...and opening one regardless says which and why.
        BackendOptions o;
        o.xclbin = files_.at("good");
        o.device = "57";
        e = error_of([&] { make_xrt_backend(tiny_, o); });
        qInfo().noquote() << e;
        QVERIFY2(e.contains("fpga: cannot open card 57") && e.contains("XRT finds 0 cards"), qPrintable(e));
    }
};

QTEST_GUILESS_MAIN(TestXrtNoop)
#include "test_xrt_noop.moc"
