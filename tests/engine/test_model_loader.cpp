// Bad model files: each kind of damage gets its own clear error that names the file, never a crash
// or a silent default. Damaged files are made from the tiny fixture by editing its header.
#include <QtTest>

#include <fstream>

#include <nlohmann/json.hpp>

#include "edgemoe/error.h"
#include "edgemoe/model.h"

using namespace edgemoe;
using json = nlohmann::json;

namespace {

std::vector<uint8_t> read_bytes(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
    std::ofstream f(path, std::ios::binary);
    f.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

struct Parts {
    json header;
    std::vector<uint8_t> data;
};

Parts split(const std::vector<uint8_t>& b) {
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = n << 8 | b[size_t(i)];
    return {json::parse(b.begin() + 8, b.begin() + 8 + long(n)), std::vector<uint8_t>(b.begin() + 8 + long(n), b.end())};
}

std::vector<uint8_t> join(const Parts& p) {
    const std::string h = p.header.dump();
    std::vector<uint8_t> out;
    out.reserve(8 + h.size() + p.data.size());
    for (int i = 0; i < 8; ++i) out.push_back(uint8_t(uint64_t(h.size()) >> (8 * i)));
    out.insert(out.end(), h.begin(), h.end());
    out.insert(out.end(), p.data.begin(), p.data.end());
    return out;
}

}  // namespace

class TestModelLoader : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    std::vector<uint8_t> good_;

    std::string path(const char* name) const { return (dir_.path() + "/" + name).toStdString(); }

    // Loads `bytes` from a file and checks that the error names the file and contains `expect`.
    void expect_error(const std::vector<uint8_t>& bytes, const std::string& expect) {
        const std::string p = path("bad.safetensors");
        write_bytes(p, bytes);
        try {
            Model::load(p);
            QFAIL(qPrintable(QString::fromStdString("loaded a bad file; expected: " + expect)));
        } catch (const ModelError& e) {
            const std::string msg = e.what();
            QVERIFY2(msg.find(p) != std::string::npos, msg.c_str());
            QVERIFY2(msg.find(expect) != std::string::npos, msg.c_str());
        }
    }

    void expect_header_error(const std::function<void(Parts&)>& damage, const std::string& expect) {
        Parts p = split(good_);
        damage(p);
        expect_error(join(p), expect);
    }

    static void edit_config(Parts& p, const std::function<void(json&)>& f) {
        json c = json::parse(p.header["__metadata__"]["edgemoe.config"].get<std::string>());
        f(c);
        p.header["__metadata__"]["edgemoe.config"] = c.dump();
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        good_ = read_bytes(std::string(EDGEMOE_FIXTURES) + "/tiny.safetensors");
        QVERIFY(good_.size() > 1000);
    }

    void good_file_loads() {
        const std::string p = path("good.safetensors");
        write_bytes(p, join(split(good_)));   // re-serialised header must still load
        auto m = Model::load(p);
        QCOMPARE(m->config().embed_dim, 48);
        QCOMPARE(m->config().mlp_hidden, 96);
        QCOMPARE(m->config().expert_hidden, 40);
        QCOMPARE(m->config().head_channels, 16);
        QCOMPARE(m->config().tasks.size(), size_t(2));
        QCOMPARE(m->config().tasks[0].classes[6].name, std::string("sky"));
        QVERIFY(!m->config().trained);
    }

    void missing_file() {
        try {
            Model::load(path("nope.safetensors"));
            QFAIL("loaded a missing file");
        } catch (const ModelError& e) {
            QVERIFY(std::string(e.what()).find("nope.safetensors: cannot open") != std::string::npos);
        }
    }

    void too_short() { expect_error({1, 2, 3}, "too short"); }

    void header_past_end() {
        expect_error(std::vector<uint8_t>(good_.begin(), good_.begin() + 100), "runs past the end");
    }

    void header_over_cap() {
        std::vector<uint8_t> b = good_;
        b[5] = 1;   // 2^40-ish header length
        expect_error(b, "exceeds the");
    }

    void truncated_data() {
        expect_error(std::vector<uint8_t>(good_.begin(), good_.end() - 1000), "lies past the end");
    }

    void header_not_json() {
        std::vector<uint8_t> b = good_;
        b[8] = '[';
        b[9] = '{';
        expect_error(b, "not valid JSON");
    }

    void unknown_dtype() {
        expect_header_error([](Parts& p) { p.header["backbone.cls_token"]["dtype"] = "BF16"; },
                            "unsupported dtype 'BF16'");
    }

    void size_disagrees_with_shape() {
        expect_header_error([](Parts& p) { p.header["backbone.cls_token"]["shape"] = {1, 1, 47}; },
                            "tensor 'backbone.cls_token' has 192 bytes but shape [1, 1, 47] needs 188");
    }

    void overlapping_offsets() {
        expect_header_error(
            [](Parts& p) {
                p.header["backbone.blocks.0.norm1.bias"]["data_offsets"] = p.header["backbone.blocks.0.norm1.weight"]["data_offsets"];
            },
            "overlap");
    }

    void offsets_out_of_range() {
        expect_header_error([](Parts& p) { p.header["backbone.cls_token"]["data_offsets"] = {1ull << 40, (1ull << 40) + 192}; },
                            "past the end");
    }

    void end_before_begin() {
        expect_header_error([](Parts& p) { p.header["backbone.cls_token"]["data_offsets"] = {192, 0}; },
                            "end before begin");
    }

    void missing_tensor() {
        expect_header_error([](Parts& p) { p.header.erase("backbone.blocks.2.attn.proj.weight"); },
                            "missing tensor 'backbone.blocks.2.attn.proj.weight'");
    }

    void wrong_shape() {
        // Same byte count, transposed shape.
        expect_header_error([](Parts& p) { p.header["backbone.blocks.0.attn.qkv.weight"]["shape"] = {48, 144}; },
                            "tensor 'backbone.blocks.0.attn.qkv.weight' has shape [48, 144], expected [144, 48]");
    }

    void config_disagrees_with_tensors() {
        expect_header_error([](Parts& p) { edit_config(p, [](json& c) { c["embed_dim"] = 60; }); },
                            "config says embed_dim = 60 but the tensors have 48");
        expect_header_error([](Parts& p) { edit_config(p, [](json& c) { c["num_experts"] = 8; }); },
                            "config says num_experts = 8 but the tensors have 6");
        expect_header_error([](Parts& p) { edit_config(p, [](json& c) { c["depth"] = 3, c["moe_blocks"] = {1}; }); },
                            "more blocks");
        expect_header_error([](Parts& p) { edit_config(p, [](json& c) { c["moe_blocks"] = {1}; }); },
                            "missing tensor 'backbone.blocks.3.mlp.fc1.weight'");
        expect_header_error([](Parts& p) { edit_config(p, [](json& c) { c["tasks"][0]["classes"].erase(6); }); },
                            "output channels of task 'semseg'");
    }

    void bad_config() {
        expect_header_error([](Parts& p) { p.header.erase("__metadata__"); }, "no 'edgemoe.config' metadata");
        expect_header_error([](Parts& p) { p.header["__metadata__"]["edgemoe.config"] = "{oops"; }, "config: not valid JSON");
        expect_header_error([](Parts& p) { edit_config(p, [](json& c) { c["tasks"][1]["kind"] = "normals"; }); },
                            "unknown kind 'normals'");
        expect_header_error([](Parts& p) { edit_config(p, [](json& c) { c.erase("num_heads"); }); }, "missing 'num_heads'");
        expect_header_error([](Parts& p) { edit_config(p, [](json& c) { c["num_heads"] = 5; }); },
                            "not divisible by num_heads");
        expect_header_error([](Parts& p) { edit_config(p, [](json& c) { c["top_k"] = 7; }); }, "top_k exceeds");
        expect_header_error([](Parts& p) { edit_config(p, [](json& c) { c["format_version"] = 2; }); }, "format_version");
    }

    void unexpected_tensor() {
        expect_header_error(
            [](Parts& p) {
                const size_t end = p.data.size();
                p.data.resize(end + 8);
                p.header["tam_model.weight"] = {{"dtype", "F32"}, {"shape", {2}}, {"data_offsets", {end, end + 8}}};
            },
            "unexpected tensor 'tam_model.weight'");
    }

    void nan_weight() {
        Parts p = split(good_);
        const uint64_t at = p.header["backbone.cls_token"]["data_offsets"][0].get<uint64_t>();
        const float nan = std::numeric_limits<float>::quiet_NaN();
        std::memcpy(p.data.data() + at, &nan, 4);
        expect_error(join(p), "tensor 'backbone.cls_token' contains NaN");
    }

    void negative_variance() {
        Parts p = split(good_);
        const uint64_t at = p.header["decoders.depth.syncbn_fc_1.running_var"]["data_offsets"][0].get<uint64_t>();
        const float neg = -1.f;
        std::memcpy(p.data.data() + at, &neg, 4);
        expect_error(join(p), "negative variance");
    }
};

QTEST_GUILESS_MAIN(TestModelLoader)
#include "test_model_loader.moc"
