// Loading a model file: parse the container, read the config, then fetch every tensor the config
// implies with its expected shape. Sizes that only the tensors know (MLP, expert and head widths)
// are taken from the first tensor that carries them and enforced on the rest.
#include "edgemoe/model.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "edgemoe/error.h"
#include "model/model_config.h"
#include "model/safetensors.h"

namespace edgemoe {

std::string shape_string(const std::vector<int64_t>& shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

bool ModelConfig::is_moe(int block) const {
    return std::find(moe_blocks.begin(), moe_blocks.end(), block) != moe_blocks.end();
}

int ModelConfig::task_index(std::string_view n) const {
    for (size_t i = 0; i < tasks.size(); ++i)
        if (tasks[i].name == n) return int(i);
    return -1;
}

double ModelConfig::backbone_macs() const {
    const double n = num_tokens(), d = embed_dim;
    double macs = double(num_patches()) * d * 3 * patch * patch;       // patch embedding
    for (int b = 0; b < depth; ++b) {
        macs += n * d * 3 * d + 2 * n * n * d + n * d * d;              // qkv, QK^T and AV, proj
        macs += is_moe(b) ? n * d * num_experts + top_k * n * 2 * d * expert_hidden
                          : n * 2 * d * mlp_hidden;
    }
    return macs;
}

double ModelConfig::head_macs() const {
    double macs = 0, h = grid_h(), w = grid_w();
    double cin = embed_dim;
    for (int i = 0; i < 4; ++i) {
        macs += h * w * cin * head_channels * 9;
        cin = head_channels;
        if (i < 3) h *= 2, w *= 2;
    }
    int out = 0;
    for (const TaskInfo& t : tasks) out = std::max(out, t.channels);
    return macs + h * w * head_channels * out;
}

namespace {

// Fetches tensors by name with shape checks, and remembers which names were used so that
// leftovers can be reported.
class TensorSource {
public:
    TensorSource(const safetensors::File& file, std::string label) : file_(file), label_(std::move(label)) {}

    [[noreturn]] void fail(const std::string& what) const { throw ModelError(label_ + ": " + what); }

    const std::vector<int64_t>& shape_of(const std::string& name) {
        auto it = file_.tensors.find(name);
        if (it == file_.tensors.end()) fail("missing tensor '" + name + "'");
        return it->second.shape;
    }

    Tensor take(const std::string& name, const std::vector<int64_t>& expected) {
        const auto& shape = shape_of(name);
        if (shape != expected)
            fail("tensor '" + name + "' has shape " + shape_string(shape) + ", expected " + shape_string(expected));
        used_.insert(name);
        Tensor t = file_.read(name);
        for (float v : t.data)
            if (!std::isfinite(v)) fail("tensor '" + name + "' contains NaN or infinity");
        return t;
    }

    // Size `dim` of tensor `name`, which must be rank `rank`.
    int64_t dim(const std::string& name, size_t rank, size_t i) {
        const auto& shape = shape_of(name);
        if (shape.size() != rank)
            fail("tensor '" + name + "' has shape " + shape_string(shape) + ", expected rank " + std::to_string(rank));
        return shape[i];
    }

    void check_all_used() const {
        for (const auto& [name, entry] : file_.tensors)
            if (!used_.count(name))
                fail("unexpected tensor '" + name + "' " + shape_string(entry.shape) +
                     " (not part of the model the config describes)");
    }

private:
    const safetensors::File& file_;
    std::string label_;
    std::set<std::string> used_;
};

void require_config(TensorSource& src, const char* what, int64_t in_config, int64_t in_tensors) {
    if (in_config != in_tensors)
        src.fail(std::string("config says ") + what + " = " + std::to_string(in_config) +
                 " but the tensors have " + std::to_string(in_tensors));
}

// BatchNorm(conv(x)) = conv'(x) with w' = w * g / sqrt(var + eps), b' = (b - mean) * g / sqrt(var + eps) + beta.
void fold_batchnorm(Tensor& w, Tensor& b, const Tensor& gamma, const Tensor& beta, const Tensor& mean,
                    const Tensor& var) {
    const int64_t out = w.dim(0), per_out = w.numel() / out;
    for (int64_t o = 0; o < out; ++o) {
        const double s = double(gamma.data[size_t(o)]) / std::sqrt(double(var.data[size_t(o)]) + 1e-5);
        for (int64_t k = 0; k < per_out; ++k) w.data[size_t(o * per_out + k)] = float(w.data[size_t(o * per_out + k)] * s);
        b.data[size_t(o)] = float((double(b.data[size_t(o)]) - mean.data[size_t(o)]) * s + beta.data[size_t(o)]);
    }
}

}  // namespace

std::shared_ptr<const Model> Model::load(const std::string& path) {
    const safetensors::File file = safetensors::read_file(path);
    auto meta = file.metadata.find(kConfigKey);
    if (meta == file.metadata.end())
        throw ModelError(path + ": no '" + std::string(kConfigKey) +
                         "' metadata (not an EdgeMoE model file; convert checkpoints with tools/convert_m3vit.py)");

    std::shared_ptr<Model> model(new Model());
    model->path_ = path;
    ModelConfig& c = model->config_;
    c = parse_model_config(meta->second, path);
    ModelWeights& w = model->weights_;
    TensorSource src(file, path);

    const int64_t D = c.embed_dim, P = c.patch;
    require_config(src, "embed_dim", D, src.dim("backbone.cls_token", 3, 2));
    require_config(src, "patch_size", P, src.dim("backbone.patch_embed.proj.weight", 4, 2));
    require_config(src, "number of tokens (from image_size and patch_size)", c.num_tokens(),
                   src.dim("backbone.pos_embed", 3, 1));
    w.patch_w = src.take("backbone.patch_embed.proj.weight", {D, 3, P, P});
    w.patch_b = src.take("backbone.patch_embed.proj.bias", {D});
    w.cls_token = src.take("backbone.cls_token", {1, 1, D});
    w.cls_token.shape = {D};
    w.pos_embed = src.take("backbone.pos_embed", {1, c.num_tokens(), D});
    w.pos_embed.shape = {c.num_tokens(), D};

    if (file.has("backbone.blocks." + std::to_string(c.depth) + ".norm1.weight"))
        src.fail("config says depth = " + std::to_string(c.depth) + " but the file has more blocks");
    const int T = int(c.tasks.size());
    for (int i = 0; i < c.depth; ++i) {
        const std::string p = "backbone.blocks." + std::to_string(i) + ".";
        BlockWeights b;
        b.norm1_w = src.take(p + "norm1.weight", {D});
        b.norm1_b = src.take(p + "norm1.bias", {D});
        b.qkv_w = src.take(p + "attn.qkv.weight", {3 * D, D});
        b.qkv_b = src.take(p + "attn.qkv.bias", {3 * D});
        b.proj_w = src.take(p + "attn.proj.weight", {D, D});
        b.proj_b = src.take(p + "attn.proj.bias", {D});
        b.norm2_w = src.take(p + "norm2.weight", {D});
        b.norm2_b = src.take(p + "norm2.bias", {D});
        if (c.is_moe(i)) {
            const std::string m = p + "mlp.";
            require_config(src, "num_experts", c.num_experts, src.dim(m + "experts.htoh4.weight", 3, 0));
            const int64_t E = c.num_experts;
            if (c.expert_hidden == 0) c.expert_hidden = int(src.dim(m + "experts.htoh4.weight", 3, 1));
            const int64_t He = c.expert_hidden;
            for (int t = 0; t < T; ++t) b.gate.push_back(src.take(m + "gate." + std::to_string(t) + ".w_gate", {D, E}));
            if (file.has(m + "gate." + std::to_string(T) + ".w_gate"))
                src.fail("block " + std::to_string(i) + " has more gates than the config's " + std::to_string(T) + " tasks");
            b.w1 = src.take(m + "experts.htoh4.weight", {E, He, D});
            b.b1 = src.take(m + "experts.htoh4.bias", {E, He});
            b.w2 = src.take(m + "experts.h4toh.weight", {E, D, He});
            b.b2 = src.take(m + "experts.h4toh.bias", {E, D});
        } else {
            if (c.mlp_hidden == 0) c.mlp_hidden = int(src.dim(p + "mlp.fc1.weight", 2, 0));
            const int64_t H = c.mlp_hidden;
            b.fc1_w = src.take(p + "mlp.fc1.weight", {H, D});
            b.fc1_b = src.take(p + "mlp.fc1.bias", {H});
            b.fc2_w = src.take(p + "mlp.fc2.weight", {D, H});
            b.fc2_b = src.take(p + "mlp.fc2.bias", {D});
        }
        w.blocks.push_back(std::move(b));
    }

    for (const TaskInfo& task : c.tasks) {
        const std::string p = "decoders." + task.name + ".";
        if (c.head_channels == 0) c.head_channels = int(src.dim(p + "conv_0.weight", 4, 0));
        const int64_t C = c.head_channels;
        HeadWeights h;
        h.norm_w = src.take(p + "norm.weight", {D});
        h.norm_b = src.take(p + "norm.bias", {D});
        for (int k = 0; k < 5; ++k) {
            const std::string conv = p + "conv_" + std::to_string(k) + ".";
            const int64_t in = k == 0 ? D : C, out = k == 4 ? task.channels : C, ks = k == 4 ? 1 : 3;
            if (k == 4) require_config(src, ("output channels of task '" + task.name + "'").c_str(), task.channels,
                                       src.dim(conv + "weight", 4, 0));
            h.conv_w[size_t(k)] = src.take(conv + "weight", {out, in, ks, ks});
            h.conv_b[size_t(k)] = src.take(conv + "bias", {out});
            if (k < 4) {
                const std::string bn = p + "syncbn_fc_" + std::to_string(k) + ".";
                const Tensor var = src.take(bn + "running_var", {C});
                for (float v : var.data)
                    if (!(v >= 0)) src.fail("tensor '" + bn + "running_var' has a negative variance");
                fold_batchnorm(h.conv_w[size_t(k)], h.conv_b[size_t(k)], src.take(bn + "weight", {C}),
                               src.take(bn + "bias", {C}), src.take(bn + "running_mean", {C}), var);
            }
        }
        w.heads.push_back(std::move(h));
    }
    src.check_all_used();

    for (const auto& [name, entry] : file.tensors) {
        size_t n = 1;
        for (int64_t d : entry.shape) n *= size_t(d);
        model->parameters_ += n;
    }
    return model;
}

}  // namespace edgemoe
