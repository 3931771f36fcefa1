// FrameRunner: the frame-size conversions against OpenCV's own resizes, the decoded outputs, and
// the promise that steady-state frames allocate nothing (this binary links the counting operator new).
#include <QtTest>

#include <opencv2/imgproc.hpp>

#include "alloc_counter.h"
#include "edgemoe/frame_runner.h"
#include "image_resize.h"

using namespace edgemoe;

class TestFrameRunner : public QObject {
    Q_OBJECT
private slots:
    void downscale_matches_opencv_area() {
        cv::Mat frame(720, 1280, CV_8UC3);
        cv::randu(frame, 0, 255);
        cv::GaussianBlur(frame, frame, cv::Size(0, 0), 3);
        FrameDownscaler d;
        cv::Mat ours, ref, ref_rgb;
        d.run(frame, cv::Size(256, 128), true, ours);
        cv::resize(frame, ref, cv::Size(256, 128), 0, 0, cv::INTER_AREA);
        cv::cvtColor(ref, ref_rgb, cv::COLOR_BGR2RGB);
        QVERIFY(cv::norm(ours, ref_rgb, cv::NORM_INF) <= 1);   // rounding differences only
        d.run(frame, cv::Size(256, 128), false, ours);
        QVERIFY(cv::norm(ours, ref, cv::NORM_INF) <= 1);
    }

    void downscale_box_mean_by_hand() {
        // 4x2 image to 2x1: each output is the mean of a 2x2 block.
        cv::Mat f(2, 4, CV_8UC3, cv::Scalar(0, 0, 0));
        f.at<cv::Vec3b>(0, 0) = {40, 0, 0};
        f.at<cv::Vec3b>(1, 1) = {40, 0, 0};
        f.at<cv::Vec3b>(0, 2) = {0, 0, 200};
        FrameDownscaler d;
        cv::Mat out;
        d.run(f, cv::Size(2, 1), false, out);
        QCOMPARE(int(out.at<cv::Vec3b>(0, 0)[0]), 20);
        QCOMPARE(int(out.at<cv::Vec3b>(0, 1)[2]), 50);
        d.run(f, cv::Size(2, 1), true, out);   // swapped: red lands in channel 0
        QCOMPARE(int(out.at<cv::Vec3b>(0, 1)[0]), 50);
    }

    void upscale_small_frames() {
        cv::Mat f(64, 128, CV_8UC3, cv::Scalar(10, 20, 30));
        FrameDownscaler d;
        cv::Mat out;
        d.run(f, cv::Size(256, 128), false, out);
        QCOMPARE(out.size(), cv::Size(256, 128));
        QVERIFY(cv::norm(out, cv::Mat(128, 256, CV_8UC3, cv::Scalar(10, 20, 30)), cv::NORM_INF) == 0);
    }

    void nearest_and_bilinear_maps() {
        cv::Mat classes = (cv::Mat_<uint8_t>(2, 2) << 1, 2, 3, 4);
        MapUpscaler u;
        cv::Mat big;
        u.nearest(classes, cv::Size(4, 4), big);
        QCOMPARE(int(big.at<uint8_t>(0, 1)), 1);
        QCOMPARE(int(big.at<uint8_t>(0, 2)), 2);
        QCOMPARE(int(big.at<uint8_t>(3, 3)), 4);
        cv::Mat depth = (cv::Mat_<float>(1, 3) << 0, 10, 20), up, ref;
        u.bilinear(depth, cv::Size(6, 1), up);
        cv::resize(depth, ref, cv::Size(6, 1), 0, 0, cv::INTER_LINEAR);   // same half-pixel convention
        QVERIFY(cv::norm(up, ref, cv::NORM_INF) < 1e-5);
    }

    void runs_frames_without_allocating() {
        auto model = Model::load(std::string(EDGEMOE_FIXTURES) + "/tiny.safetensors");
        FrameRunner runner(model, create_backend("cpu", model, {}));
        cv::Mat frame(720, 1280, CV_8UC3);
        cv::randu(frame, 0, 255);
        FrameResult r;
        for (int t = 0; t < 2; ++t) runner.run(frame, t, r);   // first frames size every buffer
        const long before = cli::heap_allocations();
        for (int i = 0; i < 4; ++i) runner.run(frame, i % 2, r);
        QCOMPARE(cli::heap_allocations() - before, 0L);
        // Decoded outputs have the frame's size and sensible content.
        runner.run(frame, 0, r);
        QCOMPARE(r.class_map_frame.size(), frame.size());
        QCOMPARE(r.class_map.size(), cv::Size(64, 32));
        double lo, hi;
        cv::minMaxLoc(r.class_map, &lo, &hi);
        QVERIFY(hi < 7);
        runner.run(frame, 1, r);
        QCOMPARE(r.depth_frame.size(), frame.size());
        QVERIFY(r.times.total >= r.times.backbone + r.times.head);
    }

    void rejects_bad_frames() {
        auto model = Model::load(std::string(EDGEMOE_FIXTURES) + "/tiny.safetensors");
        FrameRunner runner(model, create_backend("cpu", model, {}));
        FrameResult r;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, runner.run(cv::Mat(), 0, r));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, runner.run(cv::Mat(10, 10, CV_8UC1), 0, r));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, runner.run(cv::Mat(10, 10, CV_8UC3), 5, r));
    }
};

QTEST_GUILESS_MAIN(TestFrameRunner)
#include "test_frame_runner.moc"
