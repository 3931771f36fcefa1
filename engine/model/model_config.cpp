#include "model/model_config.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "edgemoe/error.h"

namespace edgemoe {
namespace {

using json = nlohmann::json;

struct Reader {
    const std::string& label;

    [[noreturn]] void fail(const std::string& what) const {
        throw ModelError(label + ": config: " + what);
    }
    const json& need(const json& j, const char* key) const {
        if (!j.is_object() || !j.contains(key)) fail(std::string("missing '") + key + "'");
        return j.at(key);
    }
    int positive_int(const json& j, const char* key) const {
        const json& v = need(j, key);
        if (!v.is_number_integer() || v.get<int64_t>() <= 0 || v.get<int64_t>() > 1'000'000)
            fail(std::string("'") + key + "' must be a positive integer");
        return v.get<int>();
    }
    float number(const json& j, const char* key, float fallback) const {
        if (!j.contains(key)) return fallback;
        if (!j.at(key).is_number()) fail(std::string("'") + key + "' must be a number");
        return j.at(key).get<float>();
    }
    std::array<float, 3> triple(const json& j, const char* key, float fallback) const {
        if (!j.contains(key)) return {fallback, fallback, fallback};
        const json& v = j.at(key);
        if (!v.is_array() || v.size() != 3 || !std::all_of(v.begin(), v.end(), [](const json& x) { return x.is_number(); }))
            fail(std::string("'") + key + "' must be three numbers");
        return {v[0].get<float>(), v[1].get<float>(), v[2].get<float>()};
    }
    std::string string(const json& j, const char* key) const {
        const json& v = need(j, key);
        if (!v.is_string()) fail(std::string("'") + key + "' must be a string");
        return v.get<std::string>();
    }
};

}  // namespace

ModelConfig parse_model_config(const std::string& text, const std::string& label) {
    Reader r{label};
    json j;
    try {
        j = json::parse(text);
    } catch (const json::exception& e) {
        r.fail(std::string("not valid JSON: ") + e.what());
    }
    if (!j.is_object()) r.fail("not a JSON object");
    if (j.value("format_version", 0) != 1)
        r.fail("format_version must be 1 (this build reads version 1)");

    ModelConfig c;
    c.name = j.value("name", std::string("unnamed"));
    c.description = j.value("description", std::string());
    const json& trained = r.need(j, "trained");
    if (!trained.is_boolean()) r.fail("'trained' must be true or false");
    c.trained = trained.get<bool>();

    const json& size = r.need(j, "image_size");
    if (!size.is_array() || size.size() != 2 || !size[0].is_number_integer() || !size[1].is_number_integer())
        r.fail("'image_size' must be [height, width]");
    c.image_h = size[0].get<int>();
    c.image_w = size[1].get<int>();
    c.patch = r.positive_int(j, "patch_size");
    if (c.image_h <= 0 || c.image_w <= 0 || c.image_h > 4096 || c.image_w > 4096 ||
        c.image_h % c.patch || c.image_w % c.patch)
        r.fail("image_size must be positive multiples of patch_size");
    c.embed_dim = r.positive_int(j, "embed_dim");
    c.depth = r.positive_int(j, "depth");
    c.num_heads = r.positive_int(j, "num_heads");
    if (c.embed_dim % c.num_heads) r.fail("embed_dim is not divisible by num_heads");
    c.num_experts = r.positive_int(j, "num_experts");
    c.top_k = r.positive_int(j, "top_k");
    if (c.top_k > c.num_experts) r.fail("top_k exceeds num_experts");
    c.ln_eps = r.number(j, "layer_norm_eps", 1e-6f);

    const json& moe = r.need(j, "moe_blocks");
    if (!moe.is_array()) r.fail("'moe_blocks' must be an array");
    for (const json& b : moe) {
        if (!b.is_number_integer() || b.get<int>() < 0 || b.get<int>() >= c.depth)
            r.fail("'moe_blocks' entries must be block indices below depth");
        c.moe_blocks.push_back(b.get<int>());
    }

    if (j.contains("input")) {
        const json& in = j.at("input");
        if (!in.is_object()) r.fail("'input' must be an object");
        const std::string order = in.value("channel_order", std::string("RGB"));
        if (order != "RGB" && order != "BGR") r.fail("input.channel_order must be RGB or BGR");
        c.input.bgr = order == "BGR";
        c.input.scale = r.number(in, "scale", 1.0f / 255.0f);
        c.input.mean = r.triple(in, "mean", 0.f);
        c.input.std = r.triple(in, "std", 1.f);
        for (float s : c.input.std)
            if (!(s > 0)) r.fail("input.std values must be positive");
    }

    const json& tasks = r.need(j, "tasks");
    if (!tasks.is_array() || tasks.empty()) r.fail("'tasks' must be a non-empty array");
    for (const json& t : tasks) {
        TaskInfo task;
        task.name = r.string(t, "name");
        if (task.name.empty() || task.name.find('.') != std::string::npos)
            r.fail("task names must be non-empty and contain no '.'");
        const std::string kind = r.string(t, "kind");
        if (kind == "segmentation") {
            task.kind = TaskKind::Segmentation;
            const json& classes = r.need(t, "classes");
            if (!classes.is_array() || classes.empty()) r.fail("task '" + task.name + "' needs a class list");
            for (const json& cl : classes) {
                ClassInfo ci;
                ci.name = r.string(cl, "name");
                const json& col = r.need(cl, "color");
                if (!col.is_array() || col.size() != 3) r.fail("class '" + ci.name + "' color must be [r, g, b]");
                for (int k = 0; k < 3; ++k) {
                    if (!col[k].is_number_integer() || col[k].get<int>() < 0 || col[k].get<int>() > 255)
                        r.fail("class '" + ci.name + "' color values must be 0..255");
                    ci.rgb[size_t(k)] = uint8_t(col[k].get<int>());
                }
                task.classes.push_back(ci);
            }
            task.channels = int(task.classes.size());
        } else if (kind == "depth") {
            task.kind = TaskKind::Depth;
            task.channels = 1;
            task.depth_quantity = t.value("quantity", std::string("depth"));
            if (task.depth_quantity != "depth" && task.depth_quantity != "disparity")
                r.fail("task '" + task.name + "' quantity must be depth or disparity");
            task.depth_unit = t.value("unit", std::string("m"));
            if (t.contains("range")) {
                const json& rg = t.at("range");
                if (!rg.is_array() || rg.size() != 2 || !rg[0].is_number() || !rg[1].is_number() ||
                    !(rg[1].get<float>() > rg[0].get<float>()))
                    r.fail("task '" + task.name + "' range must be [low, high] with high > low");
                task.depth_range = {rg[0].get<float>(), rg[1].get<float>()};
            }
        } else {
            r.fail("task '" + task.name + "' has unknown kind '" + kind + "' (segmentation or depth)");
        }
        for (const TaskInfo& other : c.tasks)
            if (other.name == task.name) r.fail("task '" + task.name + "' appears twice");
        c.tasks.push_back(std::move(task));
    }
    return c;
}

}  // namespace edgemoe
