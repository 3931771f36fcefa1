#pragma once
// The M³ViT model: its config (from the file's metadata, checked against the tensor shapes) and its
// weights in float32, arranged once at load time for the forward pass and shared read-only by every
// backend. See docs/model-format.md for the file format.
#include <array>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "edgemoe/tensor.h"

namespace edgemoe {

enum class TaskKind { Segmentation, Depth };

struct ClassInfo {
    std::string name;
    std::array<uint8_t, 3> rgb{};
};

struct TaskInfo {
    std::string name;
    TaskKind kind = TaskKind::Segmentation;
    int channels = 0;                  // output channels of the head (classes, or 1 for depth)
    std::vector<ClassInfo> classes;    // segmentation only, one per channel
    std::string depth_quantity;        // depth only: "depth" or "disparity"
    std::string depth_unit;            // depth only: e.g. "m"
    std::array<float, 2> depth_range{0.f, 1.f};  // depth only: the range to display
};

struct InputNorm {
    bool bgr = false;                        // channel order the model expects
    float scale = 1.0f / 255.0f;             // pixel byte -> (p * scale - mean) / std
    std::array<float, 3> mean{0.f, 0.f, 0.f};
    std::array<float, 3> std{1.f, 1.f, 1.f};
};

struct ModelConfig {
    std::string name;
    std::string description;
    bool trained = false;
    int image_h = 0, image_w = 0;
    int patch = 0;
    int embed_dim = 0;
    int depth = 0;
    int num_heads = 0;
    int mlp_hidden = 0;      // dense MLP hidden width
    int num_experts = 0;
    int expert_hidden = 0;
    int top_k = 0;
    int head_channels = 0;   // SETR-PUP channels C
    float ln_eps = 1e-6f;
    std::vector<int> moe_blocks;
    InputNorm input;
    std::vector<TaskInfo> tasks;

    int grid_h() const { return image_h / patch; }
    int grid_w() const { return image_w / patch; }
    int num_patches() const { return grid_h() * grid_w(); }
    int num_tokens() const { return num_patches() + 1; }
    int head_dim() const { return embed_dim / num_heads; }
    bool is_moe(int block) const;
    int task_index(std::string_view name) const;   // -1 when absent
    // Multiply-accumulates of one frame for one task: backbone (with top_k experts per token) and head.
    double backbone_macs() const;
    double head_macs() const;
};

// Weights of one transformer block, float32, in the layouts the CPU forward pass multiplies with.
// Linear weights keep PyTorch's [out, in] layout (rows are output features).
struct BlockWeights {
    Tensor norm1_w, norm1_b;
    Tensor qkv_w, qkv_b;       // [3D, D], [3D]
    Tensor proj_w, proj_b;     // [D, D], [D]
    Tensor norm2_w, norm2_b;
    // dense blocks
    Tensor fc1_w, fc1_b;       // [Hm, D]
    Tensor fc2_w, fc2_b;       // [D, Hm]
    // MoE blocks
    std::vector<Tensor> gate;  // per task: [D, E]
    Tensor w1, b1;             // [E, He, D], [E, He]
    Tensor w2, b2;             // [E, D, He], [E, D]
};

// One SETR-PUP head with BatchNorm folded into conv_0..conv_3.
struct HeadWeights {
    Tensor norm_w, norm_b;
    std::array<Tensor, 5> conv_w;  // PyTorch layout [out, in, kh, kw]
    std::array<Tensor, 5> conv_b;  // [out]
};

struct ModelWeights {
    Tensor patch_w, patch_b;   // [D, 3, P, P], [D]
    Tensor cls_token;          // [D]
    Tensor pos_embed;          // [N, D]
    std::vector<BlockWeights> blocks;
    std::vector<HeadWeights> heads;   // per task
};

class Model {
public:
    // Loads and validates a model file. Throws ModelError naming the file and the problem.
    static std::shared_ptr<const Model> load(const std::string& path);

    const ModelConfig& config() const { return config_; }
    const ModelWeights& weights() const { return weights_; }
    const std::string& path() const { return path_; }
    size_t parameter_count() const { return parameters_; }

private:
    Model() = default;
    ModelConfig config_;
    ModelWeights weights_;
    std::string path_;
    size_t parameters_ = 0;
};

}  // namespace edgemoe
