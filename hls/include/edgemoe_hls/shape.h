#pragma once
// Sizes are compile-time parameters of the kernel (hardware has no run-time array sizes). A Shape
// names one M3ViT configuration; the kernel is a template over it. `EdgeMoeShape` is the design of
// the paper (with 64-channel heads, as in our demo model), the others exist for tests and for
// M3ViT's own 256-channel heads.
//
// WeightLayout<S> is the one place that says where each tensor sits in the weight buffers. The
// kernel reads through it and the host packer writes through it, so the two cannot disagree.
#include <cstddef>
#include <cstdint>

namespace edgemoe_hls {

constexpr int ceil16(int n) { return (n + 15) / 16 * 16; }

template <int ImgH, int ImgW, int Patch, int Dim, int Depth, int Heads, int Mlp, int Experts, int ExpertHidden,
          int TopK, int HeadC, int Tasks, int MaxOut>
struct Shape {
    static constexpr int IMG_H = ImgH, IMG_W = ImgW, PATCH = Patch, D = Dim, DEPTH = Depth, HEADS = Heads;
    static constexpr int MLP = Mlp, E = Experts, HE = ExpertHidden, TOPK = TopK, HEAD_C = HeadC;
    static constexpr int TASKS = Tasks, MAX_OUT = MaxOut;
    static constexpr int GH = ImgH / Patch, GW = ImgW / Patch, PATCHES = GH * GW, N = PATCHES + 1;
    static constexpr int HD = Dim / Heads;
    static constexpr int MOE_BLOCKS = Depth / 2;   // blocks 1, 3, 5, ...: M3ViT alternates dense and MoE
    static constexpr int PATCH_IN = 3 * Patch * Patch;
    // The head upsamples x2 three times (8x); the last resize is x2 for patch 16, none for patch 8.
    static constexpr int FINAL_UP = Patch / 8;

    static_assert(ImgH % Patch == 0 && ImgW % Patch == 0, "image must tile into patches");
    static_assert(Dim % Heads == 0, "heads must divide the embedding");
    static_assert(Dim % 16 == 0 && Mlp % 16 == 0, "the 16x16 linear unit needs widths in multiples of 16");
    static_assert(Patch == 8 || Patch == 16, "the head's final resize is x1 or x2");
    static_assert(Dim >= 32, "LayerNorm's 1/D constant is sized for D >= 32");
};

// The Edge-MoE design (M3ViT ViT-tiny, two tasks), with the demo model's 64-channel heads.
using EdgeMoeShape = Shape<128, 256, 16, 192, 12, 3, 768, 16, 384, 2, 64, 2, 7>;
// The same backbone with M3ViT's 256-channel heads.
using EdgeMoeShapeC256 = Shape<128, 256, 16, 192, 12, 3, 768, 16, 384, 2, 256, 2, 7>;
// tests/fixtures/tiny.safetensors: small and deliberately odd (6 experts of 40, not multiples of 16).
using TinyShape = Shape<32, 64, 8, 48, 4, 3, 96, 6, 40, 2, 16, 2, 7>;

// Offsets (in 16-bit words) of every tensor in the kernel's weight buffers. Linear layers are stored
// [out][in] with both sizes padded to multiples of 16 (zero padding), so the 16x16 unit never needs
// a ragged tile.
template <class S>
struct WeightLayout {
    static constexpr int D = S::D, D3 = 3 * S::D;
    static constexpr int E16 = ceil16(S::E), HE16 = ceil16(S::HE);

    // One-time weights ("weights" buffer): patch embedding, tokens, then the blocks.
    static constexpr size_t patch_w = 0;                                             // [D][PATCH_IN]
    static constexpr size_t patch_b = patch_w + size_t(D) * S::PATCH_IN;             // [D]
    static constexpr size_t cls = patch_b + D;                                       // [D]
    static constexpr size_t pos = cls + D;                                           // [N][D]
    static constexpr size_t blocks = pos + size_t(S::N) * D;

    struct Block {
        size_t ln1_g, ln1_b, qkv_w, qkv_b, proj_w, proj_b, ln2_g, ln2_b;
        size_t fc1_w, fc1_b, fc2_w, fc2_b;        // dense blocks
        size_t w1, b1, w2, b2;                    // MoE blocks: [E][HE16][D], [E][HE16], [E][D][HE16], [E][D]
        size_t end;
    };
    static constexpr Block block(int b) {
        size_t at = blocks;
        Block k{};
        for (int i = 0; i <= b; ++i) {
            k.ln1_g = at; at += D;
            k.ln1_b = at; at += D;
            k.qkv_w = at; at += size_t(D3) * D;
            k.qkv_b = at; at += D3;
            k.proj_w = at; at += size_t(D) * D;
            k.proj_b = at; at += D;
            k.ln2_g = at; at += D;
            k.ln2_b = at; at += D;
            if (i % 2 == 0) {
                k.fc1_w = at; at += size_t(S::MLP) * D;
                k.fc1_b = at; at += S::MLP;
                k.fc2_w = at; at += size_t(D) * S::MLP;
                k.fc2_b = at; at += D;
            } else {
                k.w1 = at; at += size_t(S::E) * HE16 * D;
                k.b1 = at; at += size_t(S::E) * HE16;
                k.w2 = at; at += size_t(S::E) * D * HE16;
                k.b2 = at; at += size_t(S::E) * D;
            }
            k.end = at;
        }
        return k;
    }
    static constexpr size_t weights_size = block(S::DEPTH - 1).end;

    // Per-task gate matrices ("gates" buffer): [MOE_BLOCKS][E16][D], the transpose of w_gate, so the
    // gate is one more linear layer (E outputs) on the linear unit. Task switch = another buffer.
    static constexpr size_t gate(int moe_index) { return size_t(moe_index) * E16 * D; }
    static constexpr size_t gates_size = size_t(S::MOE_BLOCKS) * E16 * D;

    // Per-task head ("head" buffer): LayerNorm, four 3x3 convs as linear layers over 3x3
    // neighbourhoods ([out][tap][in], tap = ky*3 + kx), and the 1x1 conv padded to 16 outputs.
    static constexpr int C = S::HEAD_C, OUT16 = ceil16(S::MAX_OUT);
    static constexpr size_t head_ln_g = 0, head_ln_b = D;
    static constexpr size_t conv_w(int k) {
        return 2 * size_t(D) + (k == 0 ? 0 : size_t(C) * 9 * D + size_t(k - 1) * C * 9 * C) + size_t(k) * C;
    }
    static constexpr size_t conv_b(int k) { return conv_w(k) + size_t(C) * 9 * (k == 0 ? D : C); }
    static constexpr size_t conv4_w = conv_b(3) + C;          // [OUT16][C]
    static constexpr size_t conv4_b = conv4_w + size_t(OUT16) * C;
    static constexpr size_t head_size = conv4_b + OUT16;
};

}  // namespace edgemoe_hls
