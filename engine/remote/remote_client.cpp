#include "remote/remote_client.h"

#include <algorithm>
#include <cstring>

#include <grpcpp/grpcpp.h>

#include "edgemoe/backend.h"
#include "remote/edgemoe_remote.grpc.pb.h"

namespace edgemoe::remote {
namespace {

std::shared_ptr<grpc::Channel> make_channel(const std::string& target, size_t max_receive) {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(int(max_receive));
    // Fail fast while the board is away, and notice a dead peer within seconds, not minutes.
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
    args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 2000);
    args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 2000);
    args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
    // Loopback and LAN links: no proxy from the environment.
    args.SetInt(GRPC_ARG_ENABLE_HTTP_PROXY, 0);
    return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
}

std::string status_text(const grpc::Status& s) {
    std::string m = s.error_message();
    if (m.empty()) m = "gRPC status " + std::to_string(int(s.error_code()));
    return m;
}

// Hello, waiting for the answer in slices so that `cancel` can abandon the call (TryCancel) within
// milliseconds: a background probe of an unreachable board must not hold up a program closing.
grpc::Status hello_call(pb::EdgeMoe::Stub& stub, grpc::ClientContext& ctx, const pb::HelloRequest& req,
                        pb::HelloReply& reply, const std::atomic<bool>* cancel) {
    if (!cancel) return stub.Hello(&ctx, req, &reply);
    std::mutex m;
    std::condition_variable cv;
    bool done = false, cancelled = false;
    grpc::Status status;
    stub.async()->Hello(&ctx, &req, &reply, [&](grpc::Status s) {
        std::lock_guard l(m);
        status = std::move(s);
        done = true;
        cv.notify_all();
    });
    std::unique_lock l(m);
    while (!cv.wait_for(l, std::chrono::milliseconds(5), [&] { return done; }))
        if (!cancelled && cancel->load()) {
            cancelled = true;
            ctx.TryCancel();   // the callback still runs (CANCELLED) before we return
        }
    if (cancelled) throw FrameCancelled("remote: Hello cancelled");
    return status;
}

ServerInfo call_hello(grpc::Channel& channel, const ClientOptions& options, const RemoteAddress& address,
                      const std::atomic<bool>* cancel = nullptr) {
    auto stub = pb::EdgeMoe::NewStub(std::shared_ptr<grpc::Channel>(&channel, [](grpc::Channel*) {}));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + options.connect_timeout);
    if (!options.token.empty()) ctx.AddMetadata(kTokenKey, options.token);
    pb::HelloRequest req;
    req.set_protocol_version(kProtocolVersion);
    req.set_client("edgemoe remote backend");
    ServerInfo info;
    const grpc::Status s = hello_call(*stub, ctx, req, info.hello, cancel);
    const std::string where = "board " + address.target;
    if (s.error_code() == grpc::StatusCode::UNAUTHENTICATED || s.error_code() == grpc::StatusCode::PERMISSION_DENIED)
        throw RemoteError(where + ": refused by the board: " + status_text(s));
    if (s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED || s.error_code() == grpc::StatusCode::UNAVAILABLE)
        throw RemoteError(where + ": cannot reach edgemoe-serve there within " +
                          std::to_string(options.connect_timeout.count()) + " ms: " + status_text(s));
    if (s.error_code() == grpc::StatusCode::UNIMPLEMENTED)
        throw RemoteError(where + ": the server there speaks another protocol (not edgemoe.remote.v1): " + status_text(s));
    if (!s.ok()) throw RemoteError(where + ": " + status_text(s));
    if (info.hello.protocol_version() != kProtocolVersion)
        throw RemoteError(where + ": the server speaks protocol " + std::to_string(info.hello.protocol_version()) +
                          ", this program " + std::to_string(kProtocolVersion) + ": install the same version on both");
    info.backend = address.backend.empty() ? info.hello.default_backend() : address.backend;
    return info;
}

}  // namespace

ServerInfo hello(const ClientOptions& options, const std::atomic<bool>* cancel) {
    const RemoteAddress address = parse_address(options.address);
    auto channel = make_channel(address.target, 1 << 20);
    return call_hello(*channel, options, address, cancel);
}

RemoteClient::RemoteClient(std::shared_ptr<const Model> model, ClientOptions options)
    : model_(std::move(model)), options_(std::move(options)), address_(parse_address(options_.address)) {
    if (options_.max_in_flight < 1) throw std::invalid_argument("max_in_flight must be at least 1");
    const ModelConfig& c = model_->config();
    channel_ = make_channel(address_.target, max_reply_bytes(c));
    info_ = call_hello(*channel_, options_, address_);
    const pb::ModelIdentity mine = identify(*model_);
    if (!same_model(mine, info_.hello.model()))
        throw RemoteError("board " + address_.target + " runs another model: the board has " + describe(info_.hello.model()) +
                          ", this program " + describe(mine) + ": start edgemoe-serve with the same --model file");
    bool known = false;
    for (const pb::BackendEntry& b : info_.hello.backends()) {
        if (b.name() != info_.backend) continue;
        known = true;
        if (!b.available()) throw RemoteError("board " + address_.target + ": backend " + b.name() + " not available there: " + b.why_not());
    }
    if (!known) throw RemoteError("board " + address_.target + " has no backend '" + info_.backend + "'");

    ready_.resize(size_t(options_.max_in_flight));
    request_.set_backend(info_.backend);
    request_.mutable_image()->reserve(size_t(c.image_h) * c.image_w * 3);
    context_ = std::make_unique<grpc::ClientContext>();
    if (!options_.token.empty()) context_->AddMetadata(kTokenKey, options_.token);
    stream_ = pb::EdgeMoe::NewStub(channel_)->Infer(context_.get());
    reader_ = std::thread([this] { reader_loop(); });
}

RemoteClient::~RemoteClient() { close_stream(); }

void RemoteClient::close_stream() {
    if (context_) context_->TryCancel();
    if (reader_.joinable()) reader_.join();
}

bool RemoteClient::healthy() const {
    std::lock_guard lock(mutex_);
    return failure_.empty();
}

bool RemoteClient::ready() const {
    std::lock_guard lock(mutex_);
    // The abandoned frames are the oldest: their replies come first.
    return ready_count_ > size_t(abandoned_) || !failure_.empty();
}

bool RemoteClient::wait_reply(std::unique_lock<std::mutex>& lock) {
    const auto ready = [this] { return ready_count_ > 0 || !failure_.empty() || reader_done_; };
    if (!cancel_) return arrived_.wait_for(lock, options_.frame_deadline, ready);
    // Polled in slices: the flag has no way to wake us.
    const auto deadline = std::chrono::steady_clock::now() + options_.frame_deadline;
    while (!ready()) {
        if (cancelled()) {
            lock.unlock();
            abandon();
            lock.lock();
            throw FrameCancelled("remote/" + info_.backend + ": frame cancelled");
        }
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline) return false;
        arrived_.wait_for(lock, std::min<std::chrono::steady_clock::duration>(deadline - now, std::chrono::milliseconds(5)));
    }
    return true;
}

// Waits for the oldest reply; throws RemoteError when none came (the link failed, or the deadline
// passed: then the client is failed as "board stalled" first). Returns with the lock held.
void RemoteClient::await_reply(std::unique_lock<std::mutex>& lock) {
    const bool got = wait_reply(lock);
    if (ready_count_ > 0) return;
    lock.unlock();
    if (!got)
        fail("board stalled: " + address_.target + ": no result for frame " + std::to_string(expect_sequence_) +
             " within " + std::to_string(options_.frame_deadline.count()) + " ms");
    lock.lock();
    throw RemoteError(failure_);
}

void RemoteClient::reap_abandoned(bool wait) {
    while (abandoned_ > 0) {
        std::unique_lock lock(mutex_);
        if (ready_count_ == 0) {
            if (!failure_.empty()) throw RemoteError(failure_);
            if (!wait) return;
            await_reply(lock);
        }
        // Thrown away unread: the slot is free for the next reply.
        ready_head_ = (ready_head_ + 1) % ready_.size();
        --ready_count_;
        lock.unlock();
        ++expect_sequence_;
        --in_flight_;
        --abandoned_;
    }
}

void RemoteClient::reader_loop() {
    pb::FrameReply scratch;
    while (stream_->Read(&scratch)) {
        std::lock_guard lock(mutex_);
        if (ready_count_ == ready_.size()) {   // the server sent more results than frames went out
            if (failure_.empty()) failure_ = "board " + address_.target + " sent a result for a frame never sent";
            context_->TryCancel();
            continue;
        }
        ready_[(ready_head_ + ready_count_) % ready_.size()].Swap(&scratch);
        ++ready_count_;
        arrived_.notify_all();
    }
    const grpc::Status s = stream_->Finish();
    std::lock_guard lock(mutex_);
    if (failure_.empty()) {
        if (s.error_code() == grpc::StatusCode::UNAUTHENTICATED || s.error_code() == grpc::StatusCode::PERMISSION_DENIED)
            failure_ = "board " + address_.target + ": refused by the board: " + status_text(s);
        else if (s.error_code() == grpc::StatusCode::INVALID_ARGUMENT || s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED)
            failure_ = "board " + address_.target + " rejected a frame: " + status_text(s);
        else
            failure_ = "board disconnected: " + address_.target + ": " + (s.ok() ? std::string("the server ended the stream") : status_text(s));
    }
    reader_done_ = true;
    arrived_.notify_all();
}

void RemoteClient::fail(const std::string& why) {
    {
        std::lock_guard lock(mutex_);
        if (failure_.empty()) failure_ = why;
    }
    context_->TryCancel();
    std::lock_guard lock(mutex_);
    throw RemoteError(failure_);
}

bool RemoteClient::submit(const cv::Mat& image, int task) {
    const ModelConfig& c = model_->config();
    if (image.type() != CV_8UC3 || image.rows != c.image_h || image.cols != c.image_w)
        throw std::invalid_argument("remote: image must be CV_8UC3 " + std::to_string(c.image_w) + "x" + std::to_string(c.image_h));
    {
        std::lock_guard lock(mutex_);
        if (!failure_.empty()) throw RemoteError(failure_);
    }
    reap_abandoned(false);
    // Abandoned frames alone fill the window: the server still works on them, and a new frame would
    // wait behind them there anyway.
    if (in_flight_ >= options_.max_in_flight && abandoned_ == in_flight_) reap_abandoned(true);
    if (in_flight_ >= options_.max_in_flight) return false;
    request_.set_sequence(next_sequence_);
    request_.set_task(uint32_t(task));
    request_.set_height(uint32_t(image.rows));
    request_.set_width(uint32_t(image.cols));
    std::string& bytes = *request_.mutable_image();
    bytes.resize(size_t(image.rows) * image.cols * 3);
    for (int y = 0; y < image.rows; ++y)
        std::memcpy(bytes.data() + size_t(y) * image.cols * 3, image.ptr(y), size_t(image.cols) * 3);
    if (!stream_->Write(request_)) {
        // The reader thread sees the same break and records why; wait for it briefly.
        std::unique_lock lock(mutex_);
        arrived_.wait_for(lock, std::chrono::seconds(1), [this] { return reader_done_; });
        if (failure_.empty()) failure_ = "board disconnected: " + address_.target + ": the stream closed while sending";
        throw RemoteError(failure_);
    }
    ++next_sequence_;
    ++in_flight_;
    return true;
}

void RemoteClient::collect(NetworkOutput& out, double* server_ms) {
    if (in_flight() == 0) throw std::logic_error("remote: collect() with no frame in flight");
    reap_abandoned(true);
    std::unique_lock lock(mutex_);
    await_reply(lock);
    pb::FrameReply& reply = ready_[ready_head_];
    lock.unlock();
    // The reader never touches a slot that holds an unread reply, so this one is ours until popped.
    if (reply.sequence() != expect_sequence_)
        fail("board " + address_.target + " returned frame " + std::to_string(reply.sequence()) + " where frame " +
             std::to_string(expect_sequence_) + " was due");
    try {
        read_reply(reply, model_->config(), out);
    } catch (const std::exception& e) {
        fail("board " + address_.target + " sent a malformed result: " + e.what());
    }
    ReportedEnergy& en = out.energy;
    en.reported = true;
    const pb::Energy& pe = reply.energy();
    en.available = pe.available();
    en.joules = pe.joules();
    en.seconds = pe.seconds();
    en.meter = pe.meter();
    en.why_not = pe.why_not();
    if (server_ms) *server_ms = reply.server_ms();
    lock.lock();
    ready_head_ = (ready_head_ + 1) % ready_.size();
    --ready_count_;
    lock.unlock();
    ++expect_sequence_;
    --in_flight_;
}

}  // namespace edgemoe::remote
