#pragma once
// Two small building blocks of the pipeline.
//
// NewestSlot<T>: a one-element mailbox between threads. put() replaces whatever is waiting (the
// replaced value is "dropped" and counted); take() empties it. A producer that is faster than its
// consumer therefore never builds a queue: the consumer always gets the newest value. A value put
// "held" is not replaced by a plain put() (that one is dropped instead), only by another held one:
// compare mode holds the frame both backends must see, so the pair is not broken by a newer frame.
//
// SharedPool<T>: recycles objects handed out as shared pointers. An object is free again once every
// holder outside the pool has let go of it, so buffers inside (cv::Mat, vectors) keep their storage
// from one frame to the next. Only one thread (the producer) calls acquire().
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace edgemoe::app {

template <class T>
class NewestSlot {
public:
    // Returns true when a value was dropped: the untaken one it replaced, or `value` itself when the
    // waiting one is held and `value` is not.
    bool put(T value, bool held = false) {
        [[maybe_unused]] T old;
        bool replaced;
        {
            std::lock_guard lock(mutex_);
            if (closed_) return false;
            replaced = full_;
            if (replaced) ++dropped_;
            if (full_ && held_ && !held) return true;   // `value` is released here, outside the lock
            old = std::move(value_);
            value_ = std::move(value);
            full_ = true;
            held_ = held;
        }
        ready_.notify_one();
        return replaced;   // `old` is released here, outside the lock
    }

    bool try_take(T& out) {
        std::lock_guard lock(mutex_);
        if (!full_) return false;
        out = std::move(value_);
        value_ = T();
        full_ = held_ = false;
        return true;
    }

    // Blocks until a value is there (true) or the slot is closed (false). `on_take(held)` runs under
    // the slot's lock as the value is taken (so that "taken" and "being worked on" are one step).
    template <class F>
    bool wait_take(T& out, F&& on_take) {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [&] { return full_ || closed_; });
        if (!full_) return false;
        out = std::move(value_);
        value_ = T();
        const bool held = held_;
        full_ = held_ = false;
        on_take(held);
        return true;
    }
    bool wait_take(T& out) {
        return wait_take(out, [](bool) {});
    }

    // wait_take() that gives up after `timeout`. 1: taken, 0: timed out, -1: the slot is closed.
    template <class Rep, class Period, class F>
    int wait_take_for(T& out, std::chrono::duration<Rep, Period> timeout, F&& on_take) {
        std::unique_lock lock(mutex_);
        if (!ready_.wait_for(lock, timeout, [&] { return full_ || closed_; })) return 0;
        if (!full_) return -1;
        out = std::move(value_);
        value_ = T();
        const bool held = held_;
        full_ = held_ = false;
        on_take(held);
        return 1;
    }

    // Closes the slot: pending and future put()s are discarded, waiters wake with false.
    void close() {
        [[maybe_unused]] T old;
        {
            std::lock_guard lock(mutex_);
            closed_ = true;
            old = std::move(value_);
            value_ = T();
            full_ = held_ = false;
        }
        ready_.notify_all();
    }
    void reopen() {
        std::lock_guard lock(mutex_);
        closed_ = false;
    }
    void clear() {
        [[maybe_unused]] T old;
        std::lock_guard lock(mutex_);
        old = std::move(value_);
        value_ = T();
        full_ = held_ = false;
    }
    bool full() const {
        std::lock_guard lock(mutex_);
        return full_;
    }
    bool closed() const {
        std::lock_guard lock(mutex_);
        return closed_;
    }
    uint64_t dropped() const {
        std::lock_guard lock(mutex_);
        return dropped_;
    }

private:
    mutable std::mutex mutex_;
    std::condition_variable ready_;
    T value_{};
    bool full_ = false;
    bool held_ = false;
    bool closed_ = false;
    uint64_t dropped_ = 0;
};

template <class T>
class SharedPool {
public:
    explicit SharedPool(size_t keep = 4) : keep_(keep) { items_.reserve(keep); }

    // An object nobody else holds (its old contents still there, to be overwritten), or a new one.
    // Past `keep` pooled objects, new ones are handed out unpooled (and counted).
    std::shared_ptr<T> acquire() {
        for (auto& item : items_) {
            if (item.use_count() == 1) {
                // The last outside holder's release (an acq_rel decrement) happens-before our reuse.
                std::atomic_thread_fence(std::memory_order_acquire);
                return item;
            }
        }
        if (items_.size() < keep_) {
            items_.push_back(std::make_shared<T>());
            return items_.back();
        }
        ++overflow_;
        return std::make_shared<T>();
    }
    size_t pooled() const { return items_.size(); }
    uint64_t overflow() const { return overflow_; }

private:
    size_t keep_;
    std::vector<std::shared_ptr<T>> items_;
    uint64_t overflow_ = 0;
};

}  // namespace edgemoe::app
