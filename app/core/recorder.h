#pragma once
// Records the composed view to a video file with OpenCV's VideoWriter, on a thread of its own.
// .avi and .mkv get Motion-JPEG (plays everywhere, no extra codecs), .mp4 MPEG-4 part 2.
//
// Two timings: RealTime (the default in the window) writes at a fixed rate, repeating the latest
// image when no new one came, so that the file plays at the speed the demo ran; EveryFrame writes
// each image pushed exactly once. The size is fixed by the first image; later images of another
// size (a window resize, a task switch to side by side) are letterboxed into it. push() never blocks:
// past a few images waiting, new ones are dropped and counted.
#include <atomic>
#include <condition_variable>
#include <mutex>

#include <QImage>
#include <QObject>
#include <QString>
#include <QThread>

#include <opencv2/core/mat.hpp>

namespace edgemoe::app {

class Recorder : public QObject {
    Q_OBJECT
public:
    enum class Timing { RealTime, EveryFrame };
    explicit Recorder(QObject* parent = nullptr);
    ~Recorder() override;

    // Begins a recording (the file opens with the first image). False with a reason when already
    // recording, or the path's folder is missing, or fps is out of range.
    bool start(const QString& path, double fps = 25, Timing timing = Timing::RealTime, QString* error = nullptr);
    // Writes what is waiting, closes the file, emits finished(). No-op when not recording.
    void stop();
    bool recording() const { return recording_.load(); }
    QString path() const;
    int64_t framesWritten() const { return written_.load(); }
    int64_t dropped() const { return dropped_.load(); }

    // Any thread. An RGB32/ARGB32 image; ignored when not recording.
    void push(const QImage& image);

    static int fourccFor(const QString& path);

signals:
    void started(QString path);
    void finished(QString path, qint64 frames);
    void error(QString message);

private:
    void loop_thread();
    bool write(const QImage& image, QString& error);

    QThread* thread_ = nullptr;
    std::atomic<bool> recording_{false};
    std::atomic<int64_t> written_{0}, dropped_{0};

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stop_ = false;
    QString path_;
    double fps_ = 25;
    Timing timing_ = Timing::RealTime;
    static constexpr int kQueue = 6;
    QImage queue_[kQueue];
    int q_head_ = 0, q_size_ = 0;
    QImage latest_;
    bool latest_new_ = false;

    // Recorder thread only.
    void* writer_ = nullptr;   // cv::VideoWriter*, kept out of this header
    cv::Size size_;
    cv::Mat bgr_, scaled_;
};

}  // namespace edgemoe::app
