// Frame sources on real files made here: a video written with OpenCV's encoder, images, a folder,
// and every way a source can be bad.
#include <QtTest>

#include <fstream>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "edgemoe/error.h"
#include "edgemoe/frame_source.h"

using namespace edgemoe;

class TestFrameSource : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    std::string path(const char* n) const { return (dir_.path() + "/" + n).toStdString(); }

    static cv::Mat pattern(int i) {
        cv::Mat m(120, 160, CV_8UC3, cv::Scalar(20 * i, 100, 200 - 20 * i));
        cv::circle(m, cv::Point(20 + 10 * i, 60), 15, cv::Scalar(255, 255, 255), -1);
        return m;
    }

    void expect_source_error(const std::string& spec, const std::string& expect) {
        try {
            FrameSource::open(spec);
            QFAIL(qPrintable(QString::fromStdString("opened " + spec)));
        } catch (const SourceError& e) {
            const std::string msg = e.what();
            QVERIFY2(msg.find(expect) != std::string::npos, msg.c_str());
        }
    }

private slots:
    void video_file_plays_seeks_and_rewinds() {
        const std::string p = path("clip.avi");
        cv::VideoWriter w(p, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 25, cv::Size(160, 120));
        QVERIFY(w.isOpened());
        for (int i = 0; i < 8; ++i) w.write(pattern(i));
        w.release();
        auto src = FrameSource::open(p);
        QVERIFY(!src->live());
        QCOMPARE(src->frame_count(), int64_t(8));
        QVERIFY(std::abs(src->fps() - 25) < 0.01);
        cv::Mat f;
        int n = 0;
        while (src->read(f)) {
            QCOMPARE(f.type(), CV_8UC3);
            QCOMPARE(f.cols, 160);
            ++n;
        }
        QCOMPARE(n, 8);
        QVERIFY(src->rewind());
        QVERIFY(src->read(f));
        QVERIFY(src->seek(5));
        QVERIFY(src->read(f));
        // Frame 5's circle is at x = 70: bright there, not at frame 0's x = 20.
        QVERIFY(f.at<cv::Vec3b>(60, 70)[1] > 200);
        QVERIFY(f.at<cv::Vec3b>(60, 20)[1] < 200);
    }

    void folder_of_images_in_name_order() {
        QDir().mkpath(dir_.path() + "/frames");
        for (int i = 2; i >= 0; --i) cv::imwrite(path("frames/") + "f" + std::to_string(i) + ".png", pattern(i));
        std::ofstream(path("frames/notes.txt")) << "not an image";
        auto src = FrameSource::open(path("frames"));
        QCOMPARE(src->frame_count(), int64_t(3));
        cv::Mat f;
        QVERIFY(src->read(f));
        QVERIFY(cv::norm(f, pattern(0), cv::NORM_INF) == 0);
        QVERIFY(src->read(f) && src->read(f));
        QVERIFY(!src->read(f));
    }

    void single_image() {
        cv::imwrite(path("one.png"), pattern(1));
        auto src = FrameSource::open(path("one.png"));
        cv::Mat f;
        QVERIFY(src->read(f));
        QVERIFY(!src->read(f));
        QVERIFY(src->rewind() && src->read(f));
    }

    void bad_sources() {
        expect_source_error(path("missing.mp4"), "missing.mp4: no such file or directory");
        std::ofstream(path("corrupt.mp4")) << "this is not a video at all";
        expect_source_error(path("corrupt.mp4"), "corrupt.mp4: cannot open as video");
        std::ofstream(path("corrupt.png")) << "not a png";
        expect_source_error(path("corrupt.png"), "corrupt.png: cannot decode image");
        QDir().mkpath(dir_.path() + "/empty");
        expect_source_error(path("empty"), "folder holds no images");
        expect_source_error("", "no input given");
        // No camera exists on test machines: index 57 must fail with a message, not hang or crash.
        expect_source_error("57", "camera 57: cannot open");
        expect_source_error("/dev/video57", "camera /dev/video57: cannot open");
    }
};

QTEST_GUILESS_MAIN(TestFrameSource)
#include "test_frame_source.moc"
