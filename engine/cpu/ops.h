#pragma once
// The float32 operations of the M³ViT forward pass, on caller-owned buffers (nothing here
// allocates). Matrices are row-major; `ld` is the row stride in floats. Every op that takes
// `workers` splits its rows into work items that depend only on the shapes (never on the thread
// count) and runs them on the arena's threads, or in order on the calling thread when `workers` is
// null: the results are the same bits either way. Inside a parallel op the frame's cancellation is
// polled per item (WorkArena::for_each throws FrameCancelled after the join).
#include <cstddef>
#include <vector>

#include "work_arena.h"

namespace edgemoe::cpu {

// y[n x out] = x[n x in] * W^T + b, with W in PyTorch's [out x in] layout. b may be null.
void linear(const float* x, int n, int in, int ldx, const float* W, const float* b, int out, float* y,
            int ldy, WorkArena* workers);

// y = LayerNorm(x) * gamma + beta over each row of width d. y may alias x.
void layer_norm(const float* x, int n, int d, int ldx, const float* gamma, const float* beta, float eps,
                float* y, int ldy);

// Exact GELU, x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)), in place.
void gelu(float* x, size_t n);

// Row-wise softmax of a rows x cols block, in place.
void softmax_rows(float* x, int rows, int cols, int ld);

// Indices of the k largest values of v[0..n), largest first; equal values go to the lower index.
void top_k(const float* v, int n, int k, int* index);

// Floats of one thread's slot in a per-thread scratch buffer of `floats` floats a thread: rounded up
// to 64 bytes, so every slot of a 64-byte-aligned buffer is aligned alike. Eigen's code path, and so
// the order of its sums, depends on alignment; with slots aligned alike a work item gives the same
// bits whichever thread runs it (work stealing hands items to threads differently each frame).
inline size_t thread_slot(size_t floats) { return (floats + 15) / 16 * 16; }

// Multi-head self-attention core on a packed qkv [n x 3d] (Q | K | V, head h = dims h*hd..):
// out[n x d] = concat_h softmax(Q_h K_h^T * scale) V_h. `scores` is scratch of workers->threads()
// slots (1 without workers) of thread_slot(n * n) floats.
void attention(const float* qkv, int n, int d, int heads, float scale, float* out, float* scores,
               WorkArena* workers);

// Bilinear resize with PyTorch's align_corners=False rule, precomputed per axis.
struct ResizeAxis {
    std::vector<int> i0, i1;
    std::vector<float> w1;   // weight of i1; i0 gets 1 - w1
    void init(int in, int out);
};

// Resizes an interleaved image (channels last). src pixel (y, x) starts at src[(y*src_ld + x)*c];
// dst pixel (y, x) at dst[(y*dst_ld + x)*c].
void resize_hwc(const float* src, int src_ld, const ResizeAxis& ry, const ResizeAxis& rx, int c, float* dst,
                int dst_ld, WorkArena* workers);

// The same resize from an interleaved source into planar channels, dst[ch][y][x].
void resize_hwc_to_chw(const float* src, int src_ld, const ResizeAxis& ry, const ResizeAxis& rx, int c,
                       float* dst);

// 3x3 convolution, stride 1, zero padding 1, channels last, on a padded input.
// in: (h+2) x (w+2) pixels of cin channels with a zero border, plus 2 spare zero pixels at the end.
// out: h x (w+2) pixels of cout channels; columns w and w+1 of each row are scratch (ignore them).
// wk: weights rearranged to [3][3][cin][cout]. Adds bias, then ReLU when `relu`.
// Computing over the padded width turns each of the 9 taps into one plain GEMM over contiguous rows.
void conv3x3_padded(const float* in, int h, int w, int cin, const float* wk, const float* bias, int cout,
                    bool relu, float* out, WorkArena* workers);

// Rearranges PyTorch conv weights [cout][cin][3][3] to [3][3][cin][cout].
void arrange_conv3x3(const float* w, int cout, int cin, float* wk);

}  // namespace edgemoe::cpu
