// The shipped demo model against ground truth it never trained on:
//  - 20 held-out TEST scenes at the model's input size (tests/fixtures/test_scenes, written by
//    tools/eval/make_test_scenes.py): the float engine must meet the demo model's targets there;
//  - the bundled sample video (frames 0-9 of resources/samples/street.mp4, a street from the test
//    seeds, 720p through the codec and the resize): accuracy must not regress below what the README
//    reports, and the FPGA kernel in emulation must stay within one point of the float engine on the
//    same frames (issue: "accuracy within 1 point of the CPU backend").
#include <QtTest>

#include <opencv2/imgcodecs.hpp>

#include "edgemoe/eval_metrics.h"
#include "edgemoe/frame_runner.h"
#include "edgemoe/frame_source.h"
#include "edgemoe/resources.h"

using namespace edgemoe;

namespace {

const std::string kSamples = std::string(EDGEMOE_SOURCE_DIR) + "/resources/samples";
const std::string kDemo = std::string(EDGEMOE_SOURCE_DIR) + "/resources/models/edgemoe-demo.safetensors";
const std::string kTestScenes = std::string(EDGEMOE_FIXTURES) + "/test_scenes";
constexpr int kTestSceneCount = 20;
// The demo model's targets on held-out test scenes (mIoU, depth delta<1.25), and regression floors:
// what the shipped model measures on these 20 scenes, less 0.02.
constexpr double kMiouTarget = 0.70, kDelta1Target = 0.85;
constexpr double kSceneMiouFloor = 0.65, kSceneDelta1Floor = 0.73;
constexpr int kFrames = 10;
// Regression floors: the figures the README reports for this model on these frames, less 0.02.
constexpr double kMiouFloor = 0.58, kDelta1Floor = 0.75;

struct Scores {
    double miou, pixel_accuracy, abs_rel, delta1;
};

cv::Mat ground_truth_depth(int i) {
    char name[64];
    std::snprintf(name, sizeof name, "/street_gt/%06d_depth.png", i);
    const cv::Mat mm = cv::imread(kSamples + name, cv::IMREAD_UNCHANGED);
    cv::Mat m;
    mm.convertTo(m, CV_32F, 1e-3);
    m.setTo(0, mm >= 65535);   // saturated PNG values (65.5 m and beyond) are not a measurement
    return m;
}

cv::Mat ground_truth_classes(int i) {
    char name[64];
    std::snprintf(name, sizeof name, "/street_gt/%06d_class.png", i);
    return cv::imread(kSamples + name, cv::IMREAD_GRAYSCALE);
}

Scores score(const std::string& backend, std::shared_ptr<const Model> model) {
    FrameRunner runner(model, create_backend(backend, model));
    auto source = FrameSource::open(kSamples + "/street.mp4");
    SegmentationScore seg(int(model->config().tasks[0].channels));
    DepthScore depth;
    cv::Mat frame;
    FrameResult r;
    for (int i = 0; i < kFrames && source->read(frame); ++i) {
        runner.run(frame, 0, r);
        seg.add(r.class_map_frame, ground_truth_classes(i));
        runner.run(frame, 1, r);
        depth.add(r.depth_frame, ground_truth_depth(i));
    }
    return {seg.miou(), seg.pixel_accuracy(), depth.abs_rel(), depth.delta1()};
}

cv::Mat test_scene(int i, const char* kind, int flags) {
    char name[64];
    std::snprintf(name, sizeof name, "/%06d_%s.png", i, kind);
    cv::Mat m = cv::imread(kTestScenes + name, flags);
    if (m.empty()) throw std::runtime_error(kTestScenes + name + ": cannot read");
    return m;
}

// The float engine on the held-out test scenes, metric conventions of tools/eval/metrics.py
// (depth predictions clamped to [0.1, 80] m, the ground truth's range; sky = 0 = invalid).
Scores score_test_scenes(std::shared_ptr<const Model> model) {
    FrameRunner runner(model, create_backend("cpu", model));
    SegmentationScore seg(int(model->config().tasks[0].channels));
    DepthScore depth;
    FrameResult r;
    for (int i = 0; i < kTestSceneCount; ++i) {
        const cv::Mat rgb = test_scene(i, "rgb", cv::IMREAD_COLOR);   // BGR, like a camera frame
        runner.run(rgb, 0, r);
        seg.add(r.class_map, test_scene(i, "class", cv::IMREAD_GRAYSCALE));
        runner.run(rgb, 1, r);
        cv::Mat pred = cv::max(cv::min(r.depth, 80.0), 0.1), truth;
        test_scene(i, "depth_cm", cv::IMREAD_UNCHANGED).convertTo(truth, CV_32F, 0.01);
        depth.add(pred, truth);
    }
    return {seg.miou(), seg.pixel_accuracy(), depth.abs_rel(), depth.delta1()};
}

}  // namespace

class TestDemoModel : public QObject {
    Q_OBJECT
private slots:
    void accuracy_on_held_out_test_scenes() {
        auto model = Model::load(kDemo);
        const Scores s = score_test_scenes(model);
        qInfo("20 test scenes, cpu: mIoU %.3f  pixel acc %.3f  AbsRel %.3f  delta<1.25 %.3f", s.miou, s.pixel_accuracy,
              s.abs_rel, s.delta1);
        QVERIFY2(s.miou >= kSceneMiouFloor, qPrintable(QString("mIoU %1 < %2").arg(s.miou).arg(kSceneMiouFloor)));
        QVERIFY2(s.delta1 >= kSceneDelta1Floor, qPrintable(QString("delta1 %1 < %2").arg(s.delta1).arg(kSceneDelta1Floor)));
        // The targets are not met yet (the demo-model issue stays open). An expected failure turns into
        // a test failure (XPASS) the day a shipped model meets them, so this line cannot go stale.
        QEXPECT_FAIL("", "the shipped demo model is below its targets (resources/models/edgemoe-demo.md)", Continue);
        QVERIFY2(s.miou >= kMiouTarget && s.delta1 >= kDelta1Target,
                 qPrintable(QString("mIoU %1 (target %2), delta1 %3 (target %4)")
                                .arg(s.miou).arg(kMiouTarget).arg(s.delta1).arg(kDelta1Target)));
    }

    void accuracy_on_the_sample_video() {
        auto model = Model::load(kDemo);
        QVERIFY(model->config().trained);
        const Scores cpu = score("cpu", model);
        const Scores emu = score("fpga-emu", model);
        qInfo("cpu:      mIoU %.3f  pixel acc %.3f  AbsRel %.3f  delta<1.25 %.3f", cpu.miou, cpu.pixel_accuracy, cpu.abs_rel,
              cpu.delta1);
        qInfo("fpga-emu: mIoU %.3f  pixel acc %.3f  AbsRel %.3f  delta<1.25 %.3f", emu.miou, emu.pixel_accuracy, emu.abs_rel,
              emu.delta1);
        QVERIFY(cpu.miou >= kMiouFloor);
        QVERIFY(cpu.delta1 >= kDelta1Floor);
        // The FPGA kernel within one point of the float engine.
        QVERIFY(std::abs(emu.miou - cpu.miou) <= 0.01);
        QVERIFY(std::abs(emu.delta1 - cpu.delta1) <= 0.01);
    }
};

QTEST_GUILESS_MAIN(TestDemoModel)
#include "test_demo_model.moc"
