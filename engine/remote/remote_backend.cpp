#include "remote/remote_backend.h"

#include <chrono>

#include "edgemoe/error.h"
#include "remote/remote_client.h"

namespace edgemoe::remote {
namespace {

using Clock = std::chrono::steady_clock;

// "remote" + "HOST:PORT/fpga", or "remote/fpga" + "HOST:PORT": the address with its backend.
std::string full_address(std::string_view name, const BackendOptions& options) {
    if (options.remote.empty())
        throw BackendError(std::string(name) + ": no server address (give --remote HOST:PORT[/backend])");
    const RemoteAddress a = parse_address(options.remote);
    const size_t slash = name.find('/');
    if (slash == std::string_view::npos) return options.remote;
    const std::string backend(name.substr(slash + 1));
    if (!a.backend.empty() && a.backend != backend)
        throw BackendError(std::string(name) + ": the address " + options.remote + " names another backend");
    return a.target + "/" + backend;
}

ClientOptions client_options(std::string address, const BackendOptions& options) {
    ClientOptions o;
    o.address = std::move(address);
    o.token = options.remote_token;
    o.frame_deadline = std::chrono::milliseconds(options.remote_deadline_ms);
    // Two frames out at once for callers that pipeline (Backend::submit/collect): the network's
    // latency hides behind the board's inference. infer() uses one of them.
    o.max_in_flight = 2;
    return o;
}

class RemoteBackend final : public Backend {
public:
    RemoteBackend(std::shared_ptr<const Model> model, ClientOptions options)
        : model_(std::move(model)), options_(std::move(options)) {
        try {
            client_ = std::make_unique<RemoteClient>(model_, options_);
        } catch (const RemoteError& e) {
            throw BackendError(std::string("remote: ") + e.what());
        }
        backend_ = client_->server().backend;
        target_ = client_->target();
        server_ = client_->server().hello.server();
    }

    std::string name() const override { return "remote/" + backend_; }
    std::string description() const override {
        return "board " + target_ + " (" + server_ + "): its " + backend_ + " backend over gRPC";
    }

    void infer(const cv::Mat& image, int task, NetworkOutput& out) override {
        if (frames_in_flight() > 0) throw std::logic_error(name() + ": infer() while frames are in flight");
        submit_frame(image, task);
        collect_frame(out);
    }

    int max_in_flight() const override { return options_.max_in_flight; }
    int frames_in_flight() const override { return client_ ? client_->in_flight() : 0; }
    bool frame_ready() const override { return !client_ || client_->ready(); }

    bool submit_frame(const cv::Mat& image, int task) override {
        if (!client_) reconnect();
        client_->set_cancel_flag(cancel_flag());   // set on this backend after it was made
        try {
            return client_->submit(image, task);
        } catch (const RemoteError& e) {
            lost(e);
        }
    }

    void collect_frame(NetworkOutput& out) override {
        if (!client_) throw std::logic_error(name() + ": collect() with no frame in flight");
        client_->set_cancel_flag(cancel_flag());
        try {
            client_->collect(out);
        } catch (const RemoteError& e) {
            lost(e);
        }
        // FrameCancelled passes through: the client abandoned every frame in flight, and their
        // results are read and thrown away as they come.
    }

    void drop_frames_in_flight() override {
        if (client_) client_->abandon();
    }

private:
    // Drops the broken connection (every frame in flight with it); the next frame tries again (at
    // most once a second).
    [[noreturn]] void lost(const RemoteError& e) {
        client_.reset();
        last_error_ = e.what();
        last_attempt_ = Clock::now();
        throw BackendError(last_error_);
    }

    void reconnect() {
        if (Clock::now() - last_attempt_ < std::chrono::seconds(1))
            throw BackendError(last_error_ + " (reconnecting)");
        last_attempt_ = Clock::now();
        try {
            client_ = std::make_unique<RemoteClient>(model_, options_);
        } catch (const RemoteError& e) {
            last_error_ = e.what();
            throw BackendError(last_error_ + " (reconnecting)");
        }
    }

    std::shared_ptr<const Model> model_;
    ClientOptions options_;
    std::unique_ptr<RemoteClient> client_;
    std::string backend_, target_, server_, last_error_;
    Clock::time_point last_attempt_{};
};

}  // namespace

std::string unavailable_reason() { return {}; }

std::unique_ptr<Backend> make_remote_backend(std::string_view name, std::shared_ptr<const Model> model,
                                             const BackendOptions& options) {
    return std::make_unique<RemoteBackend>(std::move(model), client_options(full_address(name, options), options));
}

std::vector<BackendInfo> list_backends_of(std::shared_ptr<const Model> model, const BackendOptions& options,
                                         const std::atomic<bool>* cancel) {
    ServerInfo info;
    try {
        info = hello(client_options(full_address("remote", options), options), cancel);
    } catch (const RemoteError& e) {
        throw BackendError(std::string("remote: ") + e.what());
    }
    if (model) {
        const pb::ModelIdentity mine = identify(*model);
        if (!same_model(mine, info.hello.model()))
            throw BackendError("remote: board " + parse_address(options.remote).target + " runs another model: the board has " +
                               describe(info.hello.model()) + ", this program " + describe(mine));
    }
    std::vector<BackendInfo> out;
    for (const pb::BackendEntry& b : info.hello.backends()) out.push_back({"remote/" + b.name(), b.available(), b.why_not()});
    return out;
}

}  // namespace edgemoe::remote
