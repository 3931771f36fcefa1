#pragma once
// Which buffer object each kernel argument gets and how big it is, from the kernel's own
// BufferSizes<S> and WeightLayout<S> (the sizes the fpga-emu backend's vectors have), and the
// shape key that ties an xclbin to the kernel shape it was synthesised for.
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

#include "edgemoe/model.h"
#include "edgemoe_hls/kernel_args.h"
#include "edgemoe_hls/shape.h"
#include "kernel.h"

namespace edgemoe::fpga {

// Index of a kernel argument by name in kernel_args.h, or -1.
constexpr int kernel_arg(std::string_view name) {
    for (int i = 0; i < edgemoe_hls::kKernelArgCount; ++i)
        if (name == edgemoe_hls::kKernelArgs[i].name) return i;
    return -1;
}

// The arguments the host treats specially; every other memory argument is per-run scratch.
inline constexpr int kArgImage = kernel_arg("image"), kArgWeights = kernel_arg("weights"),
                     kArgGates = kernel_arg("gates"), kArgHead = kernel_arg("head"), kArgX = kernel_arg("x"),
                     kArgRouting = kernel_arg("routing"), kArgOut = kernel_arg("out"),
                     kArgNumImages = kernel_arg("num_images"), kArgStages = kernel_arg("stages"),
                     kArgOutChannels = kernel_arg("out_channels"), kArgDebugBlock = kernel_arg("debug_block"),
                     kArgDebugStep = kernel_arg("debug_step");
static_assert(kArgImage >= 0 && kArgWeights >= 0 && kArgGates >= 0 && kArgHead >= 0 && kArgX >= 0 &&
                  kArgRouting >= 0 && kArgOut >= 0 && kArgNumImages >= 0 && kArgStages >= 0 &&
                  kArgOutChannels >= 0 && kArgDebugBlock >= 0 && kArgDebugStep >= 0,
              "kernel_args.h lost an argument the XRT backend binds by name");

constexpr bool is_memory_arg(int arg) { return edgemoe_hls::kKernelArgs[arg].kind == edgemoe_hls::ArgKind::Memory; }

// Weights, gates and head buffers live once per card and are written once per model; everything
// else belongs to a pipeline slot.
constexpr bool is_weight_arg(int arg) { return arg == kArgWeights || arg == kArgGates || arg == kArgHead; }

constexpr size_t element_bytes(int arg) {
    const std::string_view e = edgemoe_hls::kKernelArgs[arg].element;
    return e == "uint8_t" ? 1 : e == "int16_t" ? 2 : 4;   // int32_t, int
}

// Elements of memory argument `arg` for kernel shape S with `images` frames per run. The image,
// the tokens (each frame's backbone), the routing and the head output grow with num_images: the
// kernel reuses the rest of its scratch per image.
template <class S>
size_t arg_elements(int arg, int images) {
    using Z = edgemoe_hls::BufferSizes<S>;
    using L = edgemoe_hls::WeightLayout<S>;
    const std::string_view n = edgemoe_hls::kKernelArgs[arg].name;
    const size_t k = size_t(images);
    if (n == "image") return Z::image * k;
    if (n == "weights") return L::weights_size;
    if (n == "gates") return L::gates_size;
    if (n == "head") return L::head_size;
    if (n == "x") return Z::x * k;
    if (n == "ln") return Z::ln;
    if (n == "qkv") return Z::qkv;
    if (n == "attn") return Z::attn;
    if (n == "hidden") return Z::hidden;
    if (n == "scores") return Z::scores;
    if (n == "stats") return Z::stats;
    if (n == "logits") return Z::logits;
    if (n == "queue" || n == "qscore") return Z::queue;
    if (n == "routing") return Z::routing * k;
    if (n == "map_a" || n == "map_b") return Z::map;
    if (n == "out") return Z::out * k;
    throw std::logic_error("no buffer size for kernel argument '" + std::string(n) + "'");
}

template <class S>
size_t arg_bytes(int arg, int images) {
    return arg_elements<S>(arg, images) * element_bytes(arg);
}

// The kernel shape as text, stored in the xclbin under "edgemoe_shape" by the board build: a model
// runs on an xclbin only if the kernel was synthesised for the model's shape (buffer sizes and
// loop bounds are compile-time constants of the hardware).
template <class S>
std::string shape_key() {
    auto i = [](int v) { return std::to_string(v); };
    return "img" + i(S::IMG_H) + "x" + i(S::IMG_W) + "-p" + i(S::PATCH) + "-d" + i(S::D) + "-l" + i(S::DEPTH) +
           "-h" + i(S::HEADS) + "-mlp" + i(S::MLP) + "-e" + i(S::E) + "x" + i(S::HE) + "-k" + i(S::TOPK) + "-c" +
           i(S::HEAD_C) + "-t" + i(S::TASKS) + "-o" + i(S::MAX_OUT);
}

}  // namespace edgemoe::fpga
