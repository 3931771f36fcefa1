#include "core/recorder.h"
#include "core/loop_thread.h"

#include <QDir>
#include <QFileInfo>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "core/types.h"

namespace edgemoe::app {

Recorder::Recorder(QObject* parent) : QObject(parent) {}

Recorder::~Recorder() { stop(); }

int Recorder::fourccFor(const QString& path) {
    const QString ext = QFileInfo(path).suffix().toLower();
    if (ext == "mp4" || ext == "m4v") return cv::VideoWriter::fourcc('m', 'p', '4', 'v');
    return cv::VideoWriter::fourcc('M', 'J', 'P', 'G');
}

QString Recorder::path() const {
    std::lock_guard lock(mutex_);
    return path_;
}

bool Recorder::start(const QString& path, double fps, Timing timing, QString* error) {
    auto fail = [&](const QString& why) {
        if (error) *error = why;
        return false;
    };
    if (thread_) return fail(QStringLiteral("already recording to %1").arg(this->path()));
    if (!(fps >= 1 && fps <= 240)) return fail(QStringLiteral("recording rate %1 fps is out of range (1..240)").arg(fps));
    const QFileInfo info(path);
    if (!info.absoluteDir().exists()) return fail(QStringLiteral("%1: folder does not exist").arg(info.absolutePath()));
    {
        std::lock_guard lock(mutex_);
        path_ = path;
        fps_ = fps;
        timing_ = timing;
        stop_ = false;
        q_head_ = q_size_ = 0;
        latest_ = QImage();
        latest_new_ = false;
    }
    written_ = 0;
    dropped_ = 0;
    size_ = cv::Size();
    recording_ = true;
    thread_ = start_loop_thread(QStringLiteral("recorder"), [this] { loop_thread(); });
    emit started(path);
    return true;
}

void Recorder::stop() {
    if (!thread_) return;
    stop_loop_thread(thread_, mutex_, stop_, wake_);
    recording_ = false;
    emit finished(path(), written_.load());
}

void Recorder::push(const QImage& image) {
    if (!recording_.load() || image.isNull()) return;
    {
        std::lock_guard lock(mutex_);
        if (stop_) return;
        if (timing_ == Timing::EveryFrame) {
            if (q_size_ == kQueue) {
                dropped_.fetch_add(1);
                return;
            }
            queue_[(q_head_ + q_size_) % kQueue] = image;
            ++q_size_;
        } else {
            latest_ = image;
            latest_new_ = true;
        }
    }
    wake_.notify_all();
}

bool Recorder::write(const QImage& image, QString& error) {
    auto* writer = static_cast<cv::VideoWriter*>(writer_);
    const cv::Mat src(image.height(), image.width(), CV_8UC4, const_cast<uchar*>(image.constBits()), size_t(image.bytesPerLine()));
    if (!writer) {
        size_ = cv::Size(image.width() & ~1, image.height() & ~1);
        writer = new cv::VideoWriter();
        writer_ = writer;
        try {
            writer->open(path().toStdString(), fourccFor(path()), fps_, size_, true);
        } catch (const cv::Exception& e) {
            error = QString::fromStdString(e.what());
        }
        if (!writer->isOpened()) {
            if (error.isEmpty()) error = QStringLiteral("%1: cannot open for writing (codec or folder)").arg(path());
            return false;
        }
    }
    if (src.cols == size_.width * 1 && src.rows == size_.height) {
        cv::cvtColor(src, bgr_, cv::COLOR_BGRA2BGR);
    } else if (src.cols >= size_.width && src.rows >= size_.height && src.cols - size_.width <= 1 && src.rows - size_.height <= 1) {
        cv::cvtColor(src(cv::Rect(0, 0, size_.width, size_.height)), bgr_, cv::COLOR_BGRA2BGR);
    } else {
        // Letterbox into the recording's size.
        const double scale = std::min(double(size_.width) / src.cols, double(size_.height) / src.rows);
        const cv::Size fit(std::max(1, int(src.cols * scale)), std::max(1, int(src.rows * scale)));
        cv::resize(src, scaled_, fit, 0, 0, cv::INTER_AREA);
        bgr_.create(size_, CV_8UC3);
        bgr_.setTo(cv::Scalar(0x17, 0x13, 0x11));
        cv::Mat roi = bgr_(cv::Rect((size_.width - fit.width) / 2, (size_.height - fit.height) / 2, fit.width, fit.height));
        cv::cvtColor(scaled_, roi, cv::COLOR_BGRA2BGR);
    }
    try {
        writer->write(bgr_);
    } catch (const cv::Exception& e) {
        error = QString::fromStdString(e.what());
        return false;
    }
    written_.fetch_add(1);
    return true;
}

void Recorder::loop_thread() {
    std::unique_lock lock(mutex_);
    const Timing timing = timing_;
    const auto period = std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(1.0 / fps_));
    auto next = SteadyClock::now();
    QImage current;
    bool have_bgr = false;
    QString error;
    while (true) {
        if (timing == Timing::EveryFrame) {
            wake_.wait(lock, [&] { return stop_ || q_size_ > 0; });
            if (q_size_ == 0 && stop_) break;
            current = std::move(queue_[q_head_]);
            queue_[q_head_] = QImage();
            q_head_ = (q_head_ + 1) % kQueue;
            --q_size_;
            lock.unlock();
            const bool ok = write(current, error);
            current = QImage();
            lock.lock();
            if (!ok) break;
        } else {
            wake_.wait_until(lock, next, [&] { return stop_; });
            if (stop_) break;
            if (SteadyClock::now() < next) continue;
            next += period;
            if (next < SteadyClock::now() - period) next = SteadyClock::now();   // fell behind: skip, do not burst
            const bool fresh = latest_new_;
            if (fresh) {
                current = std::move(latest_);
                latest_ = QImage();
                latest_new_ = false;
            }
            lock.unlock();
            bool ok = true;
            if (fresh) {
                ok = write(current, error);
                current = QImage();
                have_bgr = ok;
            } else if (have_bgr) {
                // Nothing new: repeat the last picture so the file keeps real time.
                try {
                    static_cast<cv::VideoWriter*>(writer_)->write(bgr_);
                    written_.fetch_add(1);
                } catch (const cv::Exception& e) {
                    error = QString::fromStdString(e.what());
                    ok = false;
                }
            }
            lock.lock();
            if (!ok) break;
        }
    }
    lock.unlock();
    if (auto* writer = static_cast<cv::VideoWriter*>(writer_)) {
        writer->release();
        delete writer;
        writer_ = nullptr;
    }
    bgr_.release();
    scaled_.release();
#if defined(__GLIBC__)
    // A recording's encoder and its queued 720p-and-up frames were tens of MiB, allocated on this
    // thread and the encoder's; glibc keeps what they freed in those threads' arenas, so without
    // this the program's RSS rises by ~10 MiB after each recording and stays there (the soak saw
    // it). malloc_trim hands the free pages of every arena back to the system; once per recording.
    malloc_trim(0);
#endif
    recording_ = false;
    if (!error.isEmpty()) emit this->error(error);
}

}  // namespace edgemoe::app
