#pragma once
// The one way the app's workers (capture, inference, compositor, recorder) run their loop on a
// thread of its own and stop it: set the worker's stop flag under its mutex, wake the loop, join.
#include <condition_variable>
#include <mutex>
#include <utility>

#include <QString>
#include <QThread>

namespace edgemoe::app {

// Starts `loop` on a new thread named `name` (for debuggers and profilers).
template <class Loop>
QThread* start_loop_thread(const QString& name, Loop&& loop) {
    QThread* thread = QThread::create(std::forward<Loop>(loop));
    thread->setObjectName(name);
    thread->start();
    return thread;
}

// Joins and deletes `thread` after `request_stop` (called with nothing locked) has told the loop to
// end. A null thread is left alone.
template <class RequestStop>
void join_loop_thread(QThread*& thread, RequestStop&& request_stop) {
    if (!thread) return;
    request_stop();
    thread->wait();
    delete thread;
    thread = nullptr;
}

// The common stop request: `stop = true` under `mutex`, then wake the loop waiting on `wake`.
inline void stop_loop_thread(QThread*& thread, std::mutex& mutex, bool& stop, std::condition_variable& wake) {
    join_loop_thread(thread, [&] {
        {
            std::lock_guard lock(mutex);
            stop = true;
        }
        wake.notify_all();
    });
}

}  // namespace edgemoe::app
