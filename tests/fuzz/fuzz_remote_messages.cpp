// A bounded fuzz of edgemoe-serve's message handling: deterministic mutations of a valid FrameRequest
// (bit flips, boundary bytes, truncations, insertions, random field values) go through the parser and
// FrameService::handle, which must answer each with a reply or an error that has a message, never
// crash. Then garbage messages go over loopback to a real server, which must still answer afterwards.
//
// usage: fuzz_remote_messages MODEL CASES WIRE_CASES   (ctest runs a short run; see README.md here)
#include <chrono>
#include <cstdio>
#include <future>
#include <random>
#include <string>

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include "edgemoe/model.h"
#include "remote/remote_client.h"
#include "remote/server.h"

using namespace edgemoe;
namespace pb = edgemoe::remote::pb;

namespace {

int failures = 0;
void check(bool ok, const std::string& what) {
    if (!ok && failures++ < 20) std::fprintf(stderr, "FAIL: %s\n", what.c_str());
}

std::string mutate(const std::string& seed, std::mt19937& rng) {
    std::string v = seed;
    const uint8_t boundary[] = {0, 1, 0x7f, 0x80, 0xff, 0x08, 0x10, 0x18, 0x20, 0x2a, 0x32};
    const int edits = 1 + int(rng() % 4);
    for (int e = 0; e < edits; ++e) {
        // Most of a request is image bytes; aim at the field headers (the first and last bytes).
        const size_t hot = v.empty() ? 0 : (rng() % 2 ? rng() % std::min<size_t>(v.size(), 24) : rng() % v.size());
        switch (rng() % 6) {
        case 0: if (!v.empty()) v[hot] = char(uint8_t(v[hot]) ^ (1u << (rng() % 8))); break;
        case 1: if (!v.empty()) v[hot] = char(boundary[rng() % sizeof boundary]); break;
        case 2: v.resize(rng() % (v.size() + 1)); break;
        case 3: v.insert(std::min(hot, v.size()), std::string(1 + rng() % 8, char(rng()))); break;
        case 4: if (!v.empty()) v.erase(hot, 1 + rng() % 8); break;
        default: for (int i = 0; i < 8 && !v.empty(); ++i) v[rng() % v.size()] = char(rng()); break;
        }
    }
    return v;
}

pb::FrameRequest random_fields(const pb::FrameRequest& seed, std::mt19937& rng) {
    pb::FrameRequest r = seed;
    switch (rng() % 6) {
    case 0: r.set_height(uint32_t(rng() % 3 == 0 ? rng() : rng() % 300)); break;
    case 1: r.set_width(uint32_t(rng() % 3 == 0 ? rng() : rng() % 300)); break;
    case 2: r.set_task(uint32_t(rng() % 2 ? rng() : rng() % 4)); break;
    case 3: r.mutable_image()->resize(rng() % (r.image().size() * 2 + 1)); break;
    case 4: r.set_backend(rng() % 2 ? std::string(1 + rng() % 20, char('a' + rng() % 26)) : std::string("fpga-emu")); break;
    default: r.set_sequence(uint64_t(rng()) << 32 | rng()); break;
    }
    return r;
}

grpc::Status send_raw(grpc::GenericStub& stub, const std::string& bytes) {
    grpc::Slice slice(bytes);
    grpc::ByteBuffer request(&slice, 1), response;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    std::promise<grpc::Status> done;
    stub.UnaryCall(&ctx, "/edgemoe.remote.v1.EdgeMoe/Infer", grpc::StubOptions(), &request, &response,
                   [&](grpc::Status s) { done.set_value(s); });
    return done.get_future().get();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: %s MODEL CASES WIRE_CASES\n", argv[0]);
        return 2;
    }
    const auto model = Model::load(argv[1]);
    const long cases = std::stol(argv[2]), wire_cases = std::stol(argv[3]);
    const ModelConfig& c = model->config();
    remote::ServeOptions o;
    o.listen = "127.0.0.1:0";
    o.meters = false;
    o.backend_options.threads = 1;
    o.log = [](const std::string&) {};

    pb::FrameRequest seed;
    seed.set_sequence(7);
    seed.set_task(1);
    seed.set_height(uint32_t(c.image_h));
    seed.set_width(uint32_t(c.image_w));
    std::string image(size_t(c.image_h) * c.image_w * 3, '\0');
    for (size_t i = 0; i < image.size(); ++i) image[i] = char(i * 31);
    seed.set_image(image);
    const std::string seed_bytes = seed.SerializeAsString();

    const auto t0 = std::chrono::steady_clock::now();
    std::mt19937 rng(20260603);
    long parsed = 0, served = 0, refused = 0;
    {
        remote::FrameService service(model, o);
        pb::FrameRequest req;
        pb::FrameReply reply;
        for (long i = 0; i < cases; ++i) {
            const bool structured = i % 4 == 3;
            if (structured) {
                req = random_fields(seed, rng);
            } else {
                const std::string bytes = mutate(seed_bytes, rng);
                if (!req.ParseFromString(bytes)) continue;
            }
            ++parsed;
            const grpc::Status st = service.handle(req, reply);
            if (st.ok()) {
                ++served;
                check(reply.sequence() == req.sequence(), "reply carries another sequence");
                check(size_t(reply.raw_size()) == size_t(c.tasks[req.task()].channels) * c.image_h * c.image_w,
                      "reply has the wrong size");
            } else {
                ++refused;
                check(!st.error_message().empty(), "an error without a message");
            }
        }
    }
    const double handler_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    // Over the wire: the server survives garbage and keeps answering.
    long wire_errors = 0;
    {
        remote::Server server(model, o);
        const std::string target = "127.0.0.1:" + std::to_string(server.port());
        auto channel = grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
        grpc::GenericStub stub(channel);
        for (long i = 0; i < wire_cases; ++i) {
            const std::string bytes = i % 5 == 4 ? std::string(size_t(rng() % 200000), char(rng())) : mutate(seed_bytes, rng);
            const grpc::Status st = send_raw(stub, bytes);
            if (!st.ok()) ++wire_errors;
        }
        remote::ClientOptions co;
        co.address = target;
        try {
            remote::RemoteClient client(model, co);
            client.submit(cv::Mat(c.image_h, c.image_w, CV_8UC3, cv::Scalar(1, 2, 3)), 0);
            NetworkOutput out;
            client.collect(out);
            check(out.channels == c.tasks[0].channels, "the server answers wrongly after the fuzz");
        } catch (const std::exception& e) {
            check(false, std::string("the server no longer answers after the fuzz: ") + e.what());
        }
        server.stop();
    }
    const double total_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("fuzz_remote_messages: %ld handler cases (%ld parsed: %ld served, %ld refused) in %.1f s; "
                "%ld wire cases (%ld errors); %.1f s in all; %d failures\n",
                cases, parsed, served, refused, handler_s, wire_cases, wire_errors, total_s, failures);
    return failures == 0 ? 0 : 1;
}
