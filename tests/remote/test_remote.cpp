// The remote backend against edgemoe-serve's server, over loopback only: results bit-identical to the
// backend in process, the token check, the message cap and malformed frames, a model mismatch, the
// pipelined window that drops stale frames, a server killed mid-stream and back, a stalled server,
// and several clients on one board.
#include <QtTest>

#include <csignal>
#include <future>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <QProcess>
#include <QTemporaryDir>

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include "edgemoe/backend.h"
#include "edgemoe/frame_runner.h"
#include "edgemoe/model.h"
#include "remote/edgemoe_remote.grpc.pb.h"
#include "remote/remote_client.h"
#include "remote/server.h"
#include "remote/wire.h"
#include "remote_test_support.h"

using namespace edgemoe;
using namespace std::chrono_literals;
namespace pb = edgemoe::remote::pb;

namespace {

using test::fixture;

std::shared_ptr<const Model> tiny() {
    static auto m = Model::load(fixture("tiny.safetensors"));
    return m;
}

cv::Mat tiny_image() { return test::load_image("tiny_input.npy"); }

cv::Mat filled(uint8_t v) {
    const ModelConfig& c = tiny()->config();
    return cv::Mat(c.image_h, c.image_w, CV_8UC3, cv::Scalar(v, v, v));
}

BackendOptions remote_options(const remote::Server& s, const std::string& backend = {}) {
    BackendOptions o;
    o.remote = test::address_of(s) + (backend.empty() ? "" : "/" + backend);
    o.remote_deadline_ms = 5000;
    return o;
}

bool same_output(const NetworkOutput& a, const NetworkOutput& b) {
    if (a.channels != b.channels || a.height != b.height || a.width != b.width || a.raw.size() != b.raw.size()) return false;
    if (std::memcmp(a.raw.data(), b.raw.data(), a.raw.size() * sizeof(float)) != 0) return false;
    if (a.routing.size() != b.routing.size()) return false;
    for (size_t i = 0; i < a.routing.size(); ++i) {
        const ExpertRouting &x = a.routing[i], &y = b.routing[i];
        if (x.block != y.block || x.tokens != y.tokens || x.top_k != y.top_k || x.expert != y.expert) return false;
        if (std::memcmp(x.weight.data(), y.weight.data(), x.weight.size() * sizeof(float)) != 0) return false;
    }
    return true;
}

// A request as a client would send it, valid for the tiny model.
pb::FrameRequest valid_request(uint64_t sequence = 0) {
    const cv::Mat img = tiny_image();
    pb::FrameRequest r;
    r.set_sequence(sequence);
    r.set_task(0);
    r.set_height(uint32_t(img.rows));
    r.set_width(uint32_t(img.cols));
    r.set_image(std::string(reinterpret_cast<const char*>(img.data), img.total() * 3));
    return r;
}

// Sends raw bytes as one message of the Infer stream and returns the call's status.
grpc::Status send_raw(const std::string& target, const std::string& bytes) {
    auto channel = grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
    grpc::GenericStub stub(channel);
    grpc::Slice slice(bytes);
    grpc::ByteBuffer request(&slice, 1), response;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + 5s);
    std::promise<grpc::Status> done;
    stub.UnaryCall(&ctx, "/edgemoe.remote.v1.EdgeMoe/Infer", grpc::StubOptions(), &request, &response,
                   [&](grpc::Status s) { done.set_value(s); });
    return done.get_future().get();
}

}  // namespace

class TestRemote : public QObject {
    Q_OBJECT
private slots:
    void addresses() {
        const auto a = remote::parse_address("board.local:50613/fpga");
        QCOMPARE(QString::fromStdString(a.target), QString("board.local:50613"));
        QCOMPARE(QString::fromStdString(a.backend), QString("fpga"));
        QCOMPARE(QString::fromStdString(remote::parse_address("[::1]:7/cpu").target), QString("[::1]:7"));
        for (const char* bad : {"board", "board:", "board:0", "board:70000", "::1:5000", "board:5000/", "board:12x"}) {
            const QString e = test::error_of([&] { remote::parse_address(bad); });
            QVERIFY2(e.contains("HOST:PORT") || e.contains("backend"), qPrintable(QString(bad) + " -> " + e));
        }
        // The peer classifier that decides who must show the token.
        QVERIFY(remote::is_loopback_peer("ipv4:127.0.0.1:40000"));
        QVERIFY(remote::is_loopback_peer("ipv4:127.8.9.10:1"));
        QVERIFY(remote::is_loopback_peer("ipv6:[::1]:40000"));
        QVERIFY(remote::is_loopback_peer("ipv6:[::ffff:127.0.0.1]:40000"));
        QVERIFY(remote::is_loopback_peer("unix:/tmp/sock"));
        QVERIFY(!remote::is_loopback_peer("ipv4:10.0.0.7:40000"));
        QVERIFY(!remote::is_loopback_peer("ipv4:192.168.1.20:40000"));
        QVERIFY(!remote::is_loopback_peer("ipv6:[fe80::1]:40000"));
        QVERIFY(!remote::is_loopback_peer("ipv6:[::ffff:10.0.0.1]:40000"));
        QVERIFY(!remote::is_loopback_peer("ipv4:128.0.0.1:1"));
        QVERIFY(!remote::is_loopback_peer(""));
        QVERIFY(!remote::is_loopback_peer("garbage"));
        QVERIFY(remote::is_loopback_listen("127.0.0.1:50613"));
        QVERIFY(remote::is_loopback_listen("[::1]:0"));
        QVERIFY(remote::is_loopback_listen("localhost:1"));
        QVERIFY(!remote::is_loopback_listen("0.0.0.0:50613"));
        QVERIFY(!remote::is_loopback_listen("[::]:50613"));
    }

    void commandLines() {
        auto run = [](const QString& tool, const QStringList& args, int& code) {
            QProcess p;
            p.setProcessChannelMode(QProcess::MergedChannels);
            p.start(QString(EDGEMOE_BINARY_DIR) + "/engine/cli/" + tool, args);
            if (!p.waitForFinished(20000)) {
                p.kill();
                p.waitForFinished();
                code = -1;
                return QString("timed out");
            }
            code = p.exitCode();
            return QString::fromUtf8(p.readAll());
        };
        const QString model = QString::fromStdString(fixture("tiny.safetensors"));
        int code = 0;
        QString out = run("edgemoe-serve", {"--model", model, "--listen", "0.0.0.0:0"}, code);
        QCOMPARE(code, 2);
        QVERIFY2(out.contains("lets other machines connect") && out.contains("--token-file"), qPrintable(out));
        out = run("edgemoe-serve", {"--model", model, "--token-file", "/nonexistent/token"}, code);
        QCOMPARE(code, 1);
        QVERIFY2(out.contains("/nonexistent/token"), qPrintable(out));
        QTemporaryDir dir;
        QFile shortToken(dir.filePath("short"));
        QVERIFY(shortToken.open(QIODevice::WriteOnly));
        shortToken.write("abc\n");
        shortToken.close();
        out = run("edgemoe-serve", {"--model", model, "--token-file", shortToken.fileName()}, code);
        QVERIFY2(code == 1 && out.contains("shorter than 8"), qPrintable(out));
        // A client pointed at a port nobody listens on.
        out = run("edgemoe-run", {"--model", model, "--backend", "remote", "--remote", "127.0.0.1:1", "--input",
                                  QString(EDGEMOE_SOURCE_DIR) + "/tests/fixtures/test_scenes", "--frames", "1", "--out",
                                  dir.filePath("out")}, code);
        QVERIFY2(code != 0 && out.contains("cannot reach edgemoe-serve"), qPrintable(out));
        out = run("edgemoe-run", {"--model", model, "--backend", "remote", "--input",
                                  QString(EDGEMOE_SOURCE_DIR) + "/tests/fixtures/test_scenes", "--frames", "1"}, code);
        QVERIFY2(code != 0 && out.contains("--remote HOST:PORT"), qPrintable(out));
    }

    void tokenRules() {
        // Without a token only this machine is served.
        {
            remote::FrameService s(tiny(), test::loopback_options());
            QVERIFY(s.authorize("ipv4:127.0.0.1:5", "").ok());
            const grpc::Status st = s.authorize("ipv4:10.0.0.7:5", "whatever-token");
            QCOMPARE(st.error_code(), grpc::StatusCode::PERMISSION_DENIED);
            QVERIFY(QString::fromStdString(st.error_message()).contains("--token-file"));
        }
        // With one, other machines must present it; this machine need not.
        remote::ServeOptions o = test::loopback_options();
        o.token = "s3cret-token-1";
        remote::FrameService s(tiny(), o);
        QVERIFY(s.authorize("ipv6:[::1]:5", "").ok());
        QVERIFY(s.authorize("ipv4:10.0.0.7:5", "s3cret-token-1").ok());
        QCOMPARE(s.authorize("ipv4:10.0.0.7:5", "").error_code(), grpc::StatusCode::UNAUTHENTICATED);
        QVERIFY(QString::fromStdString(s.authorize("ipv4:10.0.0.7:5", "").error_message()).contains("no token"));
        QVERIFY(QString::fromStdString(s.authorize("ipv4:10.0.0.7:5", "s3cret-token-2").error_message()).contains("wrong token"));
        QVERIFY(!s.authorize("ipv4:10.0.0.7:5", "s3cret-token-").ok());
        o.require_token_for_all = true;
        o.token.clear();
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, remote::FrameService(tiny(), o));
    }

    void tokenOverTheWire() {
        // "Every client needs the token" applies the remote-client rule to loopback, so the refusal is
        // seen end to end on both sides.
        test::ServerLog log;
        remote::ServeOptions o = test::loopback_options(&log);
        o.token = "s3cret-token-1";
        o.require_token_for_all = true;
        remote::Server server(tiny(), o);
        BackendOptions b = remote_options(server);
        QString e = test::error_of([&] { create_backend("remote", tiny(), b); });
        QVERIFY2(e.contains("refused by the board") && e.contains("no token"), qPrintable(e));
        b.remote_token = "wrong-token-xx";
        e = test::error_of([&] { list_remote_backends(tiny(), b); });
        QVERIFY2(e.contains("refused by the board") && e.contains("wrong token"), qPrintable(e));
        QVERIFY(log.contains("refuses ipv4:127.0.0.1"));
        b.remote_token = "s3cret-token-1";
        auto backend = create_backend("remote", tiny(), b);
        NetworkOutput out;
        backend->infer(tiny_image(), 0, out);
        QCOMPARE(out.channels, 7);
        server.stop();
    }

    void bitIdenticalToInProcess() {
        test::ServerLog log;
        remote::Server server(tiny(), test::loopback_options(&log));
        const auto listed = list_remote_backends(tiny(), remote_options(server));
        QVERIFY(std::any_of(listed.begin(), listed.end(), [](const BackendInfo& b) { return b.name == "remote/cpu" && b.available; }));
        for (const std::string name : {"cpu", "fpga-emu"}) {
            BackendOptions local_opts;
            local_opts.threads = 1;
            auto local = create_backend(name, tiny(), local_opts);
            auto remote_backend = create_backend("remote/" + name, tiny(), remote_options(server));
            QCOMPARE(QString::fromStdString(remote_backend->name()), QString::fromStdString("remote/" + name));
            NetworkOutput a, b;
            for (int frame = 0; frame < 4; ++frame) {
                const int task = frame % 2;
                cv::Mat img = tiny_image();
                if (frame >= 2) img = 255 - img;
                local->infer(img, task, a);
                remote_backend->infer(img, task, b);
                QVERIFY2(same_output(a, b), qPrintable(QString::fromStdString(name) + " frame " + QString::number(frame)));
                QCOMPARE(b.task, task);
                // The board's energy: here no meter exists, and the reply says why.
                QVERIFY(b.energy.reported);
                QVERIFY(b.energy.available || !b.energy.why_not.empty());
                QVERIFY(b.backbone_ms > 0);
            }
        }
        // The same through the "remote" name with the backend in the address.
        auto via_address = create_backend("remote", tiny(), remote_options(server, "cpu"));
        QCOMPARE(QString::fromStdString(via_address->name()), QString("remote/cpu"));
        server.stop();
    }

    void otherModelIsRefused() {
        remote::Server server(Model::load(fixture("tiny_f16.safetensors")), test::loopback_options());
        const QString e = test::error_of([&] { create_backend("remote", tiny(), remote_options(server)); });
        QVERIFY2(e.contains("runs another model") && e.contains("hash") && e.contains("same --model"), qPrintable(e));
        server.stop();
    }

    void badFramesGetAnErrorAndTheServerStaysUp() {
        test::ServerLog log;
        remote::Server server(tiny(), test::loopback_options(&log));
        // Checked frames: wrong size, wrong task, unknown backend.
        remote::FrameService& s = server.service();
        pb::FrameReply reply;
        pb::FrameRequest r = valid_request();
        QVERIFY(s.handle(r, reply).ok());
        r.set_width(10);
        grpc::Status st = s.handle(r, reply);
        QCOMPARE(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
        QVERIFY2(QString::fromStdString(st.error_message()).contains("this model takes 64x32x3"), st.error_message().c_str());
        r = valid_request();
        r.set_task(9);
        QCOMPARE(s.handle(r, reply).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
        r = valid_request();
        r.set_backend("warp-drive");
        st = s.handle(r, reply);
        QCOMPARE(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
        QVERIFY(QString::fromStdString(st.error_message()).contains("warp-drive"));
        r.set_backend("remote/cpu");
        QCOMPARE(s.handle(r, reply).error_code(), grpc::StatusCode::FAILED_PRECONDITION);

        // Over the wire: oversized (a frame of 1 MiB), garbage, and a well-formed but wrong frame.
        const std::string target = test::address_of(server);
        pb::FrameRequest big = valid_request();
        big.set_image(std::string(1 << 20, 'x'));
        st = send_raw(target, big.SerializeAsString());
        QCOMPARE(st.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
        st = send_raw(target, std::string("\xff\xff\xff\xff\x0f garbage", 14));
        QVERIFY(!st.ok());
        QVERIFY(!st.error_message().empty());
        pb::FrameRequest wrong = valid_request();
        wrong.set_height(3);
        st = send_raw(target, wrong.SerializeAsString());
        QCOMPARE(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
        QVERIFY(log.contains("closing its stream"));
        // A client whose frame the board rejects is told why.
        {
            remote::ClientOptions co;
            co.address = target;
            remote::RemoteClient client(tiny(), co);
            QVERIFY_THROWS_EXCEPTION(std::invalid_argument, client.submit(cv::Mat(3, 3, CV_8UC3), 0));
        }
        // Still serving.
        auto backend = create_backend("remote", tiny(), remote_options(server));
        NetworkOutput out;
        backend->infer(tiny_image(), 1, out);
        QCOMPARE(out.channels, 1);
        server.stop();
    }

    void pipelinedWindowDropsStaleFrames() {
        test::HookedBackend::Hooks hooks;
        remote::ServeOptions o = test::loopback_options();
        o.factory = test::hooked_factory(hooks);
        remote::Server server(tiny(), o);
        remote::ClientOptions co;
        co.address = test::address_of(server);
        co.max_in_flight = 2;
        remote::RemoteClient client(tiny(), co);
        NetworkOutput out;
        // A board that does not answer: two frames go out, the next eight offered are refused (the
        // caller drops them); none waits anywhere.
        {
            std::lock_guard l(hooks.mutex);
            hooks.hold = true;
        }
        int sent = 0, dropped = 0;
        for (int offer = 0; offer < 10; ++offer) (client.submit(tiny_image(), sent % 2) ? sent : dropped)++;
        QCOMPARE(sent, 2);
        QCOMPARE(dropped, 8);
        QCOMPARE(client.in_flight(), 2);
        {
            std::lock_guard l(hooks.mutex);
            hooks.hold = false;
        }
        hooks.cv.notify_all();
        int received = 0;
        while (client.in_flight() > 0) {
            client.collect(out);
            QCOMPARE(out.task, received % 2);   // results in frame order
            ++received;
        }
        QCOMPARE(received, 2);
        {
            std::lock_guard l(hooks.mutex);
            QCOMPARE(int(hooks.first_bytes.size()), 2);   // the server saw only the frames sent
        }

        // A camera offering a frame every 5 ms to a 25 ms board: never more than 2 out, results in order.
        hooks.delay = 25ms;
        int max_in_flight = 0;
        for (int offer = 0; offer < 40; ++offer) {
            while (client.in_flight() > 0 && client.ready()) {
                client.collect(out);
                QCOMPARE(out.task, received % 2);
                ++received;
            }
            if (client.submit(tiny_image(), sent % 2)) ++sent;
            else ++dropped;
            max_in_flight = std::max(max_in_flight, client.in_flight());
            std::this_thread::sleep_for(5ms);
        }
        while (client.in_flight() > 0) {
            client.collect(out);
            QCOMPARE(out.task, received % 2);
            ++received;
        }
        QCOMPARE(received, sent);
        QCOMPARE(max_in_flight, 2);
        {
            std::lock_guard l(hooks.mutex);
            QCOMPARE(int(hooks.first_bytes.size()), sent);
        }
        server.stop();
    }

    void serverKilledMidStreamThenBack() {
        test::ServerLog log;
        auto server = std::make_unique<remote::Server>(tiny(), test::loopback_options(&log));
        const int port = server->port();
        BackendOptions b = remote_options(*server);
        auto backend = create_backend("remote", tiny(), b);
        NetworkOutput out;
        backend->infer(tiny_image(), 0, out);
        server->stop();
        server.reset();
        QString e = test::error_of([&] { backend->infer(tiny_image(), 0, out); });
        QVERIFY2(e.startsWith("board disconnected: "), qPrintable(e));
        // While it is away, a frame fails at once instead of waiting.
        const auto t0 = std::chrono::steady_clock::now();
        e = test::error_of([&] { backend->infer(tiny_image(), 0, out); });
        QVERIFY2(e.contains("reconnecting"), qPrintable(e));
        QVERIFY(std::chrono::steady_clock::now() - t0 < 1s);
        // Back on the same port: the backend reconnects by itself.
        remote::ServeOptions o = test::loopback_options(&log);
        o.listen = "127.0.0.1:" + std::to_string(port);
        server = std::make_unique<remote::Server>(tiny(), o);
        bool back = false;
        for (int attempt = 0; attempt < 40 && !back; ++attempt) {
            std::this_thread::sleep_for(100ms);
            back = test::error_of([&] { backend->infer(tiny_image(), 1, out); }).isEmpty();
        }
        QVERIFY(back);
        QCOMPARE(out.channels, 1);
        server->stop();
    }

    void stalledServerMissesItsDeadline() {
        test::HookedBackend::Hooks hooks;
        remote::ServeOptions o = test::loopback_options();
        o.factory = test::hooked_factory(hooks);
        remote::Server server(tiny(), o);
        BackendOptions b = remote_options(server);
        b.remote_deadline_ms = 300;
        auto backend = create_backend("remote", tiny(), b);
        NetworkOutput out;
        backend->infer(tiny_image(), 0, out);
        {
            std::lock_guard l(hooks.mutex);
            hooks.hold = true;
        }
        const auto t0 = std::chrono::steady_clock::now();
        const QString e = test::error_of([&] { backend->infer(tiny_image(), 0, out); });
        const auto waited = std::chrono::steady_clock::now() - t0;
        QVERIFY2(e.startsWith("board stalled: ") && e.contains("300 ms"), qPrintable(e));
        QVERIFY(waited >= 300ms && waited < 3s);
        {
            std::lock_guard l(hooks.mutex);
            hooks.hold = false;
        }
        hooks.cv.notify_all();
        server.stop();
    }

    void pipelinedBackendKeepsTwoInFlightInOrder() {
        test::HookedBackend::Hooks hooks;
        hooks.delay = 10ms;
        remote::ServeOptions o = test::loopback_options();
        o.factory = test::hooked_factory(hooks);
        remote::Server server(tiny(), o);
        auto backend = create_backend("remote/cpu", tiny(), remote_options(server));
        BackendOptions lo;
        lo.threads = 1;
        auto local = create_backend("cpu", tiny(), lo);
        QCOMPARE(backend->max_in_flight(), 2);
        // Through FrameRunner, as the desktop program and edgemoe-run drive it: 2 out, in order, exact.
        FrameRunner runner(tiny(), std::move(backend));
        QCOMPARE(runner.max_in_flight(), 2);
        std::vector<cv::Mat> images;
        for (int i = 0; i < 6; ++i) images.push_back(filled(uint8_t(20 + 30 * i)));
        FrameResult results[2], expect;
        int sent = 0, got = 0, most = 0;
        while (got < int(images.size())) {
            while (sent < int(images.size()) && runner.submit(images[size_t(sent)], sent % 2, results[sent % 2])) ++sent;
            most = std::max(most, runner.in_flight());
            FrameResult& r = runner.collect();
            QCOMPARE(&r, &results[got % 2]);   // the oldest first
            QCOMPARE(r.task, got % 2);
            local->infer(images[size_t(got)], got % 2, expect.net);
            QVERIFY2(same_output(expect.net, r.net), qPrintable(QString("frame %1").arg(got)));
            ++got;
        }
        QCOMPARE(most, 2);
        server.stop();
    }

    void cancelStopsWaitingAndTheLateResultIsDiscarded() {
        test::HookedBackend::Hooks hooks;
        remote::ServeOptions o = test::loopback_options();
        o.factory = test::hooked_factory(hooks);
        remote::Server server(tiny(), o);
        auto backend = create_backend("remote", tiny(), remote_options(server));
        std::atomic<bool> cancel{false};
        backend->set_cancel_flag(&cancel);
        NetworkOutput out, expect;
        backend->infer(tiny_image(), 0, out);
        {
            std::lock_guard l(hooks.mutex);
            hooks.hold = true;
        }
        QVERIFY(backend->submit_frame(filled(10), 0));
        std::thread canceller([&] {
            std::this_thread::sleep_for(50ms);
            cancel = true;
        });
        const auto t0 = std::chrono::steady_clock::now();
        QVERIFY_THROWS_EXCEPTION(FrameCancelled, backend->collect_frame(out));
        const double waited = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        canceller.join();
        qInfo("collect_frame gave up %.1f ms after the frame was sent (cancelled at 50 ms)", waited);
        QVERIFY2(waited < 150, qPrintable(QString::number(waited)));
        QCOMPARE(backend->frames_in_flight(), 0);
        cancel = false;
        {
            std::lock_guard l(hooks.mutex);
            hooks.hold = false;
        }
        hooks.cv.notify_all();
        // The next frame gets its own result (depth, one channel), not the abandoned one's (semseg).
        BackendOptions lo;
        lo.threads = 1;
        create_backend("cpu", tiny(), lo)->infer(filled(200), 1, expect);
        backend->infer(filled(200), 1, out);
        QCOMPARE(out.channels, 1);
        QVERIFY(same_output(expect, out));
        server.stop();
    }

    void probeOfASilentBoardIsCancelled() {
        // A port that accepts connections and never answers (a hung board): Hello would wait for its
        // whole deadline; the cancel flag ends it within milliseconds.
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        QVERIFY(fd >= 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        QVERIFY(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        QVERIFY(::listen(fd, 4) == 0);
        socklen_t len = sizeof a;
        QVERIFY(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
        BackendOptions b;
        b.remote = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
        std::atomic<bool> cancel{false};
        std::thread canceller([&] {
            std::this_thread::sleep_for(100ms);
            cancel = true;
        });
        const auto t0 = std::chrono::steady_clock::now();
        QVERIFY_THROWS_EXCEPTION(FrameCancelled, list_remote_backends(tiny(), b, &cancel));
        const auto waited = std::chrono::steady_clock::now() - t0;
        canceller.join();
        ::close(fd);
        QVERIFY(waited >= 100ms && waited < 300ms);
    }

    void edgemoeRunStopsOnCtrlC() {
        test::HookedBackend::Hooks hooks;
        remote::ServeOptions o = test::loopback_options();
        o.factory = test::hooked_factory(hooks);
        remote::Server server(tiny(), o);
        {
            std::lock_guard l(hooks.mutex);
            hooks.hold = true;   // the board computes "forever": only Ctrl-C ends the run
        }
        QTemporaryDir dir;
        QProcess p;
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.start(QString(EDGEMOE_BINARY_DIR) + "/engine/cli/edgemoe-run",
                {"--model", QString::fromStdString(fixture("tiny.safetensors")), "--backend", "remote", "--remote",
                 QString::fromStdString(test::address_of(server)), "--input", QString(EDGEMOE_SOURCE_DIR) + "/tests/fixtures/test_scenes",
                 "--idle-seconds", "0", "--out", dir.filePath("out")});
        QVERIFY(p.waitForStarted(5000));
        bool sent = false;
        for (int i = 0; i < 1000 && !sent; ++i) {
            std::this_thread::sleep_for(10ms);
            std::lock_guard l(hooks.mutex);
            sent = !hooks.first_bytes.empty();
        }
        QVERIFY(sent);
        const auto t0 = std::chrono::steady_clock::now();
        ::kill(pid_t(p.processId()), SIGINT);
        const bool finished = p.waitForFinished(3000);
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        {
            std::lock_guard l(hooks.mutex);
            hooks.hold = false;
        }
        hooks.cv.notify_all();
        if (!finished) p.kill(), p.waitForFinished();
        const QString out = QString::fromUtf8(p.readAll());
        QVERIFY2(finished, qPrintable(out));
        qInfo("edgemoe-run ended %.0f ms after Ctrl-C", ms);
        QCOMPARE(p.exitCode(), 130);
        QVERIFY2(out.contains("interrupted"), qPrintable(out));
        server.stop();
    }

    void severalClientsTakeTurns() {
        test::HookedBackend::Hooks hooks;
        hooks.delay = 5ms;
        test::ServerLog log;
        remote::ServeOptions o = test::loopback_options(&log);
        o.factory = test::hooked_factory(hooks);
        o.max_clients = 2;
        remote::Server server(tiny(), o);
        remote::ClientOptions co;
        co.address = test::address_of(server);
        constexpr int kFrames = 16;
        auto run_client = [&](uint8_t value, std::atomic<int>& done) {
            remote::RemoteClient client(tiny(), co);
            NetworkOutput out;
            int sent = 0;
            while (done < kFrames) {
                while (sent < kFrames && client.submit(filled(value), 0)) ++sent;
                client.collect(out);
                ++done;
            }
        };
        std::atomic<int> done_a{0}, done_b{0};
        std::thread a([&] { run_client(10, done_a); });
        std::thread b([&] { run_client(200, done_b); });
        a.join();
        b.join();
        QCOMPARE(done_a.load(), kFrames);
        QCOMPARE(done_b.load(), kFrames);
        // Until the first client finished, neither ran more than a few frames in a row.
        std::vector<int> order;
        {
            std::lock_guard l(hooks.mutex);
            order = hooks.first_bytes;
        }
        QCOMPARE(int(order.size()), 2 * kFrames);
        int seen_a = 0, seen_b = 0, run = 0, longest = 0;
        for (size_t i = 0; i < order.size() && seen_a < kFrames && seen_b < kFrames; ++i) {
            (order[i] == 10 ? seen_a : seen_b)++;
            run = i > 0 && order[i] == order[i - 1] ? run + 1 : 1;
            // The first frames of the first client may run before the second has connected.
            if (seen_a > 2 && seen_b > 2) longest = std::max(longest, run);
        }
        QVERIFY2(longest <= 6, qPrintable(QString("a client ran %1 frames in a row").arg(longest)));
        // A third client while two are connected is refused with a reason (once the server has seen
        // the first two leave).
        for (int i = 0; i < 200 && server.service().clients() > 0; ++i) std::this_thread::sleep_for(10ms);
        QCOMPARE(server.service().clients(), 0);
        {
            remote::RemoteClient c1(tiny(), co), c2(tiny(), co);
            remote::RemoteClient c3(tiny(), co);
            NetworkOutput out;
            c1.submit(filled(1), 0);
            c1.collect(out);
            c2.submit(filled(1), 0);
            c2.collect(out);
            bool refused = false;
            try {
                c3.submit(filled(1), 0);
                c3.collect(out);
            } catch (const remote::RemoteError& e) {
                refused = QString(e.what()).contains("board busy");
            }
            QVERIFY(refused);
            QVERIFY(log.contains("already serving 2 clients"));
        }
        server.stop();
    }
};

QTEST_GUILESS_MAIN(TestRemote)
#include "test_remote.moc"
