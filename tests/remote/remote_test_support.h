#pragma once
// Servers for the remote tests: on 127.0.0.1 with a port the OS picks, every one stopped by its test.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "edgemoe/backend.h"
#include "remote/server.h"
#include "test_fixtures.h"

namespace edgemoe::test {

// A log the server writes into, for checking what the board side says.
struct ServerLog {
    std::mutex mutex;
    std::vector<std::string> lines;
    void add(const std::string& s) {
        std::lock_guard l(mutex);
        lines.push_back(s);
    }
    bool contains(const std::string& needle) {
        std::lock_guard l(mutex);
        for (const std::string& s : lines)
            if (s.find(needle) != std::string::npos) return true;
        return false;
    }
};

inline remote::ServeOptions loopback_options(ServerLog* log = nullptr) {
    remote::ServeOptions o;
    o.listen = "127.0.0.1:0";
    o.backend_options.threads = 1;
    if (log) o.log = [log](const std::string& s) { log->add(s); };
    else o.log = [](const std::string&) {};
    return o;
}

inline std::string address_of(const remote::Server& s) { return "127.0.0.1:" + std::to_string(s.port()); }

// The cpu backend with hooks: a delay per frame, a gate that holds frames (a stalled board), and the
// first byte of every frame it ran (which client sent it).
class HookedBackend final : public Backend {
public:
    struct Hooks {
        std::chrono::milliseconds delay{0};
        std::mutex mutex;
        std::condition_variable cv;
        bool hold = false;                // frames wait (up to 5 s) while set
        std::vector<int> first_bytes;     // in the order frames ran
    };
    HookedBackend(std::unique_ptr<Backend> inner, Hooks& hooks) : inner_(std::move(inner)), hooks_(hooks) {}
    std::string name() const override { return inner_->name(); }
    std::string description() const override { return "hooked " + inner_->description(); }
    void infer(const cv::Mat& image, int task, NetworkOutput& out) override {
        {
            std::unique_lock l(hooks_.mutex);
            hooks_.first_bytes.push_back(image.data[0]);
            hooks_.cv.wait_for(l, std::chrono::seconds(5), [&] { return !hooks_.hold; });
        }
        if (hooks_.delay.count() > 0) std::this_thread::sleep_for(hooks_.delay);
        inner_->infer(image, task, out);
    }

private:
    std::unique_ptr<Backend> inner_;
    Hooks& hooks_;
};

inline remote::BackendMaker hooked_factory(HookedBackend::Hooks& hooks) {
    return [&hooks](std::string_view name, std::shared_ptr<const Model> model, const BackendOptions& o) -> std::unique_ptr<Backend> {
        return std::make_unique<HookedBackend>(create_backend(name, std::move(model), o), hooks);
    };
}

}  // namespace edgemoe::test
