#pragma once
// The Edge-MoE kernel: one frame of M3ViT (backbone, and optionally one task head) per image.
// Read top to bottom it is the network; each step is one of the units in this folder. The
// synthesis top function (edgemoe_top.cpp) and the emulation backend (engine/fpga) both call
// run_kernel, so the emulator runs exactly this code.
#include <cstdint>

#include "attention.h"
#include "edgemoe_hls/shape.h"
#include "edgemoe_hls/types.h"
#include "layernorm.h"
#include "linear_unit.h"
#include "moe.h"
#include "patch_embed.h"
#include "pup_head.h"
#include "rows.h"

namespace edgemoe_hls {

// Which parts of a frame to run (the `stages` argument).
enum Stage : int { kBackbone = 1, kHead = 2 };

// The debug tap: with debug_block = b >= 0 the kernel stops after sub-step `debug_step` of block b,
// leaving that sub-step's output in its buffer, so the host can check the design layer by layer.
enum DebugStep : int {
    kAfterNorm1 = 1,       // ln      = norm1(x)
    kAfterQkv = 2,         // qkv     = ln W_qkv^T + b
    kAfterAttention = 3,   // attn    = softmax(Q K^T / sqrt(hd)) V, per head
    kAfterProj = 4,        // x      += attn W_proj^T + b
    kAfterNorm2 = 5,       // ln      = norm2(x)
    kAfterMlp = 6,         // x      += MLP(ln) or MoE(ln)
};

// Sizes of every buffer, in elements (int32 for activations, int16 for weights).
template <class S>
struct BufferSizes {
    static constexpr int HE16 = ceil16(S::HE), E16 = ceil16(S::E), O16 = ceil16(S::MAX_OUT);
    static constexpr int HIDDEN = S::MLP > HE16 ? S::MLP : HE16;
    static constexpr int MAP_H = S::GH * 8, MAP_W = S::GW * 8;
    static constexpr size_t image = size_t(S::IMG_H) * S::IMG_W * 3;   // bytes
    static constexpr size_t x = size_t(S::N) * S::D;
    static constexpr size_t ln = x, attn = x;
    static constexpr size_t qkv = size_t(S::N) * 3 * S::D;
    static constexpr size_t hidden = size_t(S::N) * S::TOPK * HIDDEN;
    static constexpr size_t scores = size_t(S::HEADS) * S::N * S::N;
    static constexpr size_t stats = size_t(S::HEADS) * S::N * 2;
    static constexpr size_t logits = size_t(S::N) * E16;
    static constexpr size_t queue = size_t(S::E) * S::N * S::TOPK;
    static constexpr size_t routing = size_t(S::MOE_BLOCKS) * S::N * S::TOPK * 2;
    static constexpr size_t map = size_t(MAP_H) * MAP_W * (S::HEAD_C > O16 ? S::HEAD_C : O16) +
                                  size_t(S::PATCHES) * S::D;
    static constexpr size_t out = size_t(S::MAX_OUT) * S::IMG_H * S::IMG_W;
};

// The kernel's memory-mapped arguments (one AXI master each in hardware) and scalars (AXI-Lite).
struct KernelArgs {
    const uint8_t* image;      // num_images frames, RGB bytes in the model's channel order
    const int16_t* weights;    // one-time weights (WeightLayout)
    const int16_t* gates;      // the task's gate matrices: switching task = pointing here elsewhere
    const int16_t* head;       // the task's head weights
    int32_t* x;                // tokens [num_images][N][D]: each frame's backbone output
    int32_t* ln;               // LayerNorm output [N][D]
    int32_t* qkv;              // [N][3D]
    int32_t* attn;             // attention output [N][D]
    int32_t* hidden;           // MLP / expert hidden rows
    int32_t* scores;           // attention scores [HEADS][N][N]
    int32_t* stats;            // softmax statistics [HEADS][N][2]
    int32_t* logits;           // gate logits [N][E16]
    int32_t* queue;            // per-expert token queues [E][N*TOPK]
    int32_t* qscore;           // their gate probabilities
    int32_t* routing;          // [num_images][MOE_BLOCKS][N][TOPK][2]: expert, probability (prob_t raw)
    int32_t* map_a;            // head feature maps
    int32_t* map_b;
    int32_t* out;              // head output [out_channels][IMG_H][IMG_W] per image
    int num_images = 1;
    int stages = kBackbone | kHead;
    int out_channels = 1;
    int debug_block = -1;
    int debug_step = 0;
};

// `lu` is the linear unit: HlsLinearUnit is the hardware's; the emulator may pass a faster
// implementation that is proven bit-identical (engine/fpga/fast_linear_unit.h).
template <class S, class LU = HlsLinearUnit>
void run_kernel(const KernelArgs& a, LU& lu) {
    using L = WeightLayout<S>;
    constexpr int N = S::N, D = S::D;
    using Qkv = LinearLayer<fm_t, wt_t, wt_attn_bias_t, acc_t, D, 3 * D>;
    using Proj = LinearLayer<fm_t, wt_t, wt_attn_bias_t, acc_t, D, D>;
    using Fc1 = LinearLayer<fm_t, wt_t, wt_bias_t, acc_t, D, S::MLP>;
    using Fc2 = LinearLayer<fm_t, wt_t, wt_bias_t, acc_t, S::MLP, D>;
    const int16_t* w = a.weights;

frames:
    for (int img = 0; img < a.num_images; ++img) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 16
        // Each frame keeps its own token buffer (the rest of the scratch is reused per frame): the
        // head reads it, and the host can read every frame's backbone of a batch, not just the last.
        // It costs only DRAM space (N x D words a frame): the offset is one add to the master's base address.
        int32_t* const x = a.x + size_t(img) * BufferSizes<S>::x;
        if (a.stages & kBackbone) {
            patch_embed<S>(lu, a.image + img * BufferSizes<S>::image, w, x);
        blocks:
            for (int b = 0; b < S::DEPTH; ++b) {
                const typename L::Block k = L::block(b);
                auto stop = [&](int step) { return a.debug_block == b && a.debug_step == step; };

                layer_norm<D>(lu, x, N, D, w + k.ln1_g, w + k.ln1_b, a.ln, D);
                if (stop(kAfterNorm1)) return;
                {
                    RowSource<D> src{a.ln, D};
                    WriteSink<3 * D> sink{a.qkv, 3 * D};
                    lu.run(Qkv{w + k.qkv_w, w + k.qkv_b}, N, src, sink);
                }
                if (stop(kAfterQkv)) return;
                attention<S>(lu, a.qkv, a.scores, a.stats, a.attn);
                if (stop(kAfterAttention)) return;
                {
                    RowSource<D> src{a.attn, D};
                    ResidualSink<D> sink{x, D};
                    lu.run(Proj{w + k.proj_w, w + k.proj_b}, N, src, sink);
                }
                if (stop(kAfterProj)) return;
                layer_norm<D>(lu, x, N, D, w + k.ln2_g, w + k.ln2_b, a.ln, D);
                if (stop(kAfterNorm2)) return;
                if (b % 2 == 0) {
                    RowSource<D> src{a.ln, D};
                    WriteSink<S::MLP, Epilogue::Gelu> to_hidden{a.hidden, S::MLP};
                    lu.run(Fc1{w + k.fc1_w, w + k.fc1_b}, N, src, to_hidden);
                    RowSource<S::MLP> from_hidden{a.hidden, S::MLP};
                    ResidualSink<D> to_x{x, D};
                    lu.run(Fc2{w + k.fc2_w, w + k.fc2_b}, N, from_hidden, to_x);
                } else {
                    const int m = b / 2;
                    moe_layer<S>(lu, a.ln, a.gates + L::gate(m), w + k.w1, w + k.b1, w + k.w2, w + k.b2, a.logits,
                                     a.queue, a.qscore, a.hidden,
                                     a.routing + (size_t(img) * S::MOE_BLOCKS + m) * N * S::TOPK * 2, x);
                }
                if (stop(kAfterMlp)) return;
            }
        }
        if (a.stages & kHead)
            pup_head<S>(lu, x, a.head, a.out_channels, a.map_a, a.map_b,
                            a.out + size_t(img) * a.out_channels * S::IMG_H * S::IMG_W);
    }
}

template <class S>
void run_kernel(const KernelArgs& a) {
    HlsLinearUnit lu;
    run_kernel<S>(a, lu);
}

}  // namespace edgemoe_hls
