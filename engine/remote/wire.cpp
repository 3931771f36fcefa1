#include "remote/wire.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <map>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "edgemoe/error.h"

namespace edgemoe::remote {
namespace {

uint64_t fnv1a_file(const std::string& path, uint64_t& size) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw ModelError(path + ": cannot open to compute the model's identity");
    uint64_t h = 14695981039346656037ull;
    std::vector<char> buf(1 << 20);
    size = 0;
    while (f) {
        f.read(buf.data(), std::streamsize(buf.size()));
        const std::streamsize n = f.gcount();
        for (std::streamsize i = 0; i < n; ++i) h = (h ^ uint8_t(buf[size_t(i)])) * 1099511628211ull;
        size += uint64_t(n);
    }
    return h;
}

bool parse_port(std::string_view s, int& port) {
    if (s.empty()) return false;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), port);
    return ec == std::errc() && end == s.data() + s.size() && port >= 0 && port <= 65535;
}

// Splits "HOST:PORT" / "[V6]:PORT"; false when malformed.
bool split_host_port(std::string_view text, std::string_view& host, int& port) {
    size_t colon;
    if (!text.empty() && text.front() == '[') {
        const size_t close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') return false;
        host = text.substr(1, close - 1);
        colon = close + 1;
    } else {
        colon = text.rfind(':');
        if (colon == std::string_view::npos) return false;
        host = text.substr(0, colon);
        if (host.find(':') != std::string_view::npos) return false;   // bare IPv6 needs brackets
    }
    return !host.empty() && parse_port(text.substr(colon + 1), port);
}

bool is_loopback_host(std::string_view host) {
    if (host == "localhost" || host == "::1") return true;
    if (host.substr(0, 7) == "::ffff:") host.remove_prefix(7);
    return host.substr(0, 4) == "127.";
}

}  // namespace

size_t max_request_bytes(const ModelConfig& c) { return size_t(c.image_h) * c.image_w * 3 + 1024; }

size_t max_reply_bytes(const ModelConfig& c) {
    int channels = 1;
    for (const TaskInfo& t : c.tasks) channels = std::max(channels, t.channels);
    const size_t routing = c.moe_blocks.size() * (size_t(c.num_tokens()) * std::max(c.top_k, 1) * 11 + 64);
    return size_t(channels) * c.image_h * c.image_w * 4 + routing + 64 * 1024;
}

pb::ModelIdentity identify(const Model& model) {
    static std::mutex mutex;
    static std::map<std::string, std::pair<uint64_t, uint64_t>> cache;   // path -> hash, size
    std::pair<uint64_t, uint64_t> hs;
    {
        std::lock_guard lock(mutex);
        auto it = cache.find(model.path());
        if (it == cache.end()) {
            uint64_t size = 0;
            const uint64_t h = fnv1a_file(model.path(), size);
            it = cache.emplace(model.path(), std::make_pair(h, size)).first;
        }
        hs = it->second;
    }
    const ModelConfig& c = model.config();
    pb::ModelIdentity id;
    id.set_name(c.name);
    id.set_file_hash(hs.first);
    id.set_file_size(hs.second);
    id.set_image_h(uint32_t(c.image_h));
    id.set_image_w(uint32_t(c.image_w));
    for (const TaskInfo& t : c.tasks) id.add_tasks(t.name);
    return id;
}

bool same_model(const pb::ModelIdentity& a, const pb::ModelIdentity& b) {
    return a.file_hash() == b.file_hash() && a.file_size() == b.file_size() && a.image_h() == b.image_h() &&
           a.image_w() == b.image_w();
}

std::string describe(const pb::ModelIdentity& id) {
    char hash[17];
    std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(id.file_hash()));
    return "'" + id.name() + "' (" + std::to_string(id.image_w()) + "x" + std::to_string(id.image_h()) + ", " +
           std::to_string(id.file_size()) + " bytes, hash " + hash + ")";
}

RemoteAddress parse_address(std::string_view text) {
    RemoteAddress a;
    std::string_view hp = text;
    const size_t slash = text.find('/');
    if (slash != std::string_view::npos) {
        hp = text.substr(0, slash);
        a.backend = std::string(text.substr(slash + 1));
        if (a.backend.empty() || a.backend.find('/') != std::string::npos)
            throw BackendError("remote address '" + std::string(text) + "': the part after '/' must name one backend (cpu, fpga-emu, fpga)");
    }
    std::string_view host;
    int port = 0;
    if (!split_host_port(hp, host, port) || port == 0)
        throw BackendError("remote address '" + std::string(text) +
                           "': expected HOST:PORT[/backend] with a port from 1 to 65535 (IPv6 as [addr]:port)");
    a.target = std::string(hp);
    return a;
}

bool is_loopback_peer(std::string_view peer) {
    if (peer.substr(0, 5) == "unix:") return true;   // a Unix socket is this machine by construction
    std::string_view rest;
    if (peer.substr(0, 5) == "ipv4:" || peer.substr(0, 5) == "ipv6:") rest = peer.substr(5);
    else return false;
    std::string_view host;
    int port = 0;
    if (!split_host_port(rest, host, port)) return false;
    return is_loopback_host(host);
}

bool is_loopback_listen(std::string_view address) {
    std::string_view host;
    int port = 0;
    return split_host_port(address, host, port) && is_loopback_host(host);
}

void fill_reply(const NetworkOutput& net, pb::FrameReply& reply) {
    reply.set_task(uint32_t(net.task));
    reply.set_channels(uint32_t(net.channels));
    reply.set_height(uint32_t(net.height));
    reply.set_width(uint32_t(net.width));
    auto* raw = reply.mutable_raw();
    raw->Resize(int(net.raw.size()), 0.f);
    std::copy(net.raw.begin(), net.raw.end(), raw->mutable_data());
    auto* routing = reply.mutable_routing();
    while (routing->size() > int(net.routing.size())) routing->RemoveLast();
    while (routing->size() < int(net.routing.size())) routing->Add();
    for (size_t b = 0; b < net.routing.size(); ++b) {
        const ExpertRouting& r = net.routing[b];
        pb::Routing& w = (*routing)[int(b)];
        w.set_block(uint32_t(r.block));
        w.set_tokens(uint32_t(r.tokens));
        w.set_top_k(uint32_t(r.top_k));
        w.mutable_expert()->Resize(int(r.expert.size()), 0);
        std::copy(r.expert.begin(), r.expert.end(), w.mutable_expert()->mutable_data());
        w.mutable_weight()->Resize(int(r.weight.size()), 0.f);
        std::copy(r.weight.begin(), r.weight.end(), w.mutable_weight()->mutable_data());
    }
    reply.set_backbone_ms(net.backbone_ms);
    reply.set_head_ms(net.head_ms);
}

void read_reply(const pb::FrameReply& reply, const ModelConfig& c, NetworkOutput& net) {
    const int task = int(reply.task());
    if (task >= int(c.tasks.size())) throw std::runtime_error("reply for task " + std::to_string(task) + ", which the model does not have");
    const int channels = c.tasks[size_t(task)].channels;
    if (int(reply.channels()) != channels || int(reply.height()) != c.image_h || int(reply.width()) != c.image_w ||
        size_t(reply.raw_size()) != size_t(channels) * c.image_h * c.image_w)
        throw std::runtime_error("reply output is " + std::to_string(reply.channels()) + "x" + std::to_string(reply.height()) +
                                 "x" + std::to_string(reply.width()) + " with " + std::to_string(reply.raw_size()) +
                                 " values; the model gives " + std::to_string(channels) + "x" + std::to_string(c.image_h) +
                                 "x" + std::to_string(c.image_w));
    net.task = task;
    net.channels = channels;
    net.height = c.image_h;
    net.width = c.image_w;
    net.raw.assign(reply.raw().begin(), reply.raw().end());
    net.routing.resize(size_t(reply.routing_size()));
    for (int b = 0; b < reply.routing_size(); ++b) {
        const pb::Routing& w = reply.routing(b);
        ExpertRouting& r = net.routing[size_t(b)];
        const size_t n = size_t(w.tokens()) * w.top_k();
        if (size_t(w.expert_size()) != n || size_t(w.weight_size()) != n || int(w.tokens()) > c.num_tokens())
            throw std::runtime_error("reply routing of block " + std::to_string(w.block()) + " is inconsistent");
        r.block = int(w.block());
        r.tokens = int(w.tokens());
        r.top_k = int(w.top_k());
        r.expert.resize(n);
        for (size_t i = 0; i < n; ++i) {
            const int e = w.expert(int(i));
            if (e < 0 || e >= c.num_experts) throw std::runtime_error("reply names expert " + std::to_string(e) + ", out of range");
            r.expert[i] = int16_t(e);
        }
        r.weight.assign(w.weight().begin(), w.weight().end());
    }
    net.backbone.clear();
    net.backbone_ms = reply.backbone_ms();
    net.head_ms = reply.head_ms();
}

}  // namespace edgemoe::remote
