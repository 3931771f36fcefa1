// Accuracy metrics on hand-made cases with known answers.
#include <QtTest>

#include <cmath>

#include "edgemoe/eval_metrics.h"

using namespace edgemoe;

class TestEvalMetrics : public QObject {
    Q_OBJECT
private slots:
    void segmentation_by_hand() {
        // truth  0 0 1 1     predicted  0 1 1 1
        // class 0: TP 1, union 3 (two true, one predicted... : truth {0,1}, pred {0}) -> 1/2
        // class 1: truth {2,3}, pred {1,2,3} -> inter 2, union 3 -> 2/3
        const cv::Mat truth = (cv::Mat_<uint8_t>(1, 4) << 0, 0, 1, 1);
        const cv::Mat pred = (cv::Mat_<uint8_t>(1, 4) << 0, 1, 1, 1);
        SegmentationScore s(3);
        s.add(pred, truth);
        QVERIFY(std::abs(s.iou()[0] - 0.5) < 1e-12);
        QVERIFY(std::abs(s.iou()[1] - 2.0 / 3) < 1e-12);
        QVERIFY(std::isnan(s.iou()[2]));   // never seen: not in the mean
        QVERIFY(std::abs(s.miou() - (0.5 + 2.0 / 3) / 2) < 1e-12);
        QCOMPARE(s.pixel_accuracy(), 0.75);
        SegmentationScore perfect(3);
        perfect.add(truth, truth);
        QCOMPARE(perfect.miou(), 1.0);
        // Ignored truth pixels do not count.
        const cv::Mat ignoring = (cv::Mat_<uint8_t>(1, 4) << 0, 255, 1, 1);
        SegmentationScore ig(3);
        ig.add(pred, ignoring);
        QCOMPARE(ig.pixels(), int64_t(3));
        QCOMPARE(ig.pixel_accuracy(), 1.0);
    }

    void depth_by_hand() {
        const cv::Mat truth = (cv::Mat_<float>(1, 4) << 10, 20, 0, 40);    // the 0 is invalid (sky)
        const cv::Mat pred = (cv::Mat_<float>(1, 4) << 11, 30, 99, 40);
        DepthScore d;
        d.add(pred, truth);
        QCOMPARE(d.pixels(), int64_t(3));
        QVERIFY(std::abs(d.abs_rel() - (0.1 + 0.5 + 0) / 3) < 1e-9);
        QVERIFY(std::abs(d.rmse() - std::sqrt((1.0 + 100 + 0) / 3)) < 1e-9);
        QVERIFY(std::abs(d.delta1() - 2.0 / 3) < 1e-12);   // 30/20 = 1.5 fails
        DepthScore same;
        same.add(truth, truth);
        QCOMPARE(same.delta1(), 1.0);
        QCOMPARE(same.abs_rel(), 0.0);
    }

    void relative_difference() {
        const cv::Mat a = (cv::Mat_<float>(1, 2) << 1, 3), b = (cv::Mat_<float>(1, 2) << 2, 2);
        QCOMPARE(mean_relative_difference(a, b), 0.5);
        QCOMPARE(mean_relative_difference(b, b), 0.0);
    }

    void bad_shapes() {
        SegmentationScore s(7);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, s.add(cv::Mat(2, 2, CV_8U), cv::Mat(3, 3, CV_8U)));
        DepthScore d;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, d.add(cv::Mat(2, 2, CV_8U), cv::Mat(2, 2, CV_32F)));
    }
};

QTEST_GUILESS_MAIN(TestEvalMetrics)
#include "test_eval_metrics.moc"
