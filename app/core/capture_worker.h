#pragma once
// Reads frames from a source on a thread of its own and hands each one on, stamped with a sequence
// number, its index in the source and its media time. Files play at their frame rate times the
// playback speed (pause, step, seek, loop); cameras deliver as fast as they capture; a still image is
// repeated so that task and view switches show at once; a folder is a slide show.
//
// Every command is asynchronous (the calling thread never waits for the source). Failures never
// stop the worker: a source that cannot be opened, a corrupt file, a camera that stops delivering
// (unplugged) are reported through sourceError() and the worker waits for the next open(); a lost
// camera is retried every two seconds.
#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include <QObject>
#include <QThread>

#include "core/slots.h"
#include "core/types.h"
#include "edgemoe/frame_source.h"

namespace edgemoe::app {

class CaptureWorker : public QObject {
    Q_OBJECT
public:
    using SourceOpener = std::function<std::unique_ptr<FrameSource>(const std::string& spec)>;
    using FrameSink = std::function<void(const FramePtr&)>;

    // `opener` defaults to open_source() (everything the engine opens, plus synthetic test patterns).
    explicit CaptureWorker(SourceOpener opener = {}, QObject* parent = nullptr);
    ~CaptureWorker() override;

    // Called on the capture thread for every frame, before frameCaptured() is emitted. Set it before
    // start(); it must be cheap and thread-safe (the pipeline's newest-frame dispatch).
    void setFrameSink(FrameSink sink) { sink_ = std::move(sink); }

    void start();   // starts the thread (idempotent)
    void stop();    // stops and joins; the source is closed

    void open(const QString& spec, bool play = true);
    void close();
    void play();
    void pause();
    void togglePlay();
    void step();                 // next frame (pauses playback)
    void stepBack();             // previous frame of a file or folder (pauses playback)
    void seek(int64_t index);    // shows that frame at once, playing or not
    void setSpeed(double speed); // 0.1 .. 8, files and folders only
    void setLoop(bool loop);
    // Rate for a still image (repeated) and for a folder (images per second) before `speed`.
    void setStillFps(double fps);
    void setFolderFps(double fps);

    bool playing() const { return playing_.load(); }
    double speed() const;
    bool loop() const;
    uint64_t framesEmitted() const { return emitted_.load(); }
    QString currentSpec() const;

signals:
    // Emitted on the capture thread. Receivers in other threads get it queued.
    void frameCaptured(edgemoe::app::FramePtr frame);
    void sourceOpened(edgemoe::app::SourceInfo info);
    void sourceError(QString message);
    void sourceFinished();                       // end of a file without loop
    void playingChanged(bool playing);
    void positionChanged(qint64 index, qint64 count);   // at most about 10 per second

private:
    void loop_thread();
    void do_open(const std::string& spec, bool play);
    // Reads one frame and emits it; false when the source ended or failed (handled inside).
    bool read_and_emit(std::unique_lock<std::mutex>& lock);
    void handle_end(std::unique_lock<std::mutex>& lock);
    void close_source_locked();
    double interval_ms_locked() const;

    SourceOpener opener_;
    FrameSink sink_;
    QThread* thread_ = nullptr;

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stop_ = false;
    bool open_pending_ = false;
    bool open_play_ = true;
    std::string open_spec_;
    std::string spec_;           // of the current (or lost) source
    bool close_pending_ = false;
    int steps_ = 0;
    int64_t seek_to_ = -1;
    double speed_ = 1.0;
    bool loop_ = true;
    double still_fps_ = 10, folder_fps_ = 2;
    std::atomic<bool> playing_{false};

    // Owned by the capture thread.
    std::unique_ptr<FrameSource> source_;
    SourceInfo info_;
    bool still_ = false;                 // one image, repeated
    cv::Mat still_frame_;
    bool reconnect_ = false;             // a camera was lost: retry opening it
    SteadyClock::time_point next_due_{}, reconnect_at_{}, opened_at_{}, last_position_signal_{};
    uint64_t source_id_ = 0;
    uint64_t seq_ = 0;
    int64_t live_index_ = 0;
    int64_t last_index_ = -1;
    int64_t delivered_ = 0;              // frames delivered since the source was opened
    SharedPool<Frame> pool_{8};
    std::atomic<uint64_t> emitted_{0};
};

}  // namespace edgemoe::app
