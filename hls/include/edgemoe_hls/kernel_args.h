#pragma once
// The argument list of the synthesised kernel (edgemoe_top, hls/src/edgemoe_top.cpp), in order, as
// data: the host backends bind arguments by these indices, the register map (hls/register_map.md)
// is generated from it, and the XRT backend compares it with the signature stored in the xclbin.
// tests/hls/test_kernel_args.cpp checks it against the real function type.
#include <cstdint>

namespace edgemoe_hls {

enum class ArgKind : uint8_t { Memory, Scalar };

struct KernelArg {
    const char* name;
    ArgKind kind;
    const char* element;   // C type of a memory argument's elements, or of the scalar
    const char* bundle;    // AXI master bundle (memory) or "control" (scalars)
};

inline constexpr const char* kKernelName = "edgemoe_top";

inline constexpr KernelArg kKernelArgs[] = {
    {"image", ArgKind::Memory, "uint8_t", "gmem_image"},
    {"weights", ArgKind::Memory, "int16_t", "gmem_weights"},
    {"gates", ArgKind::Memory, "int16_t", "gmem_weights"},
    {"head", ArgKind::Memory, "int16_t", "gmem_weights"},
    {"x", ArgKind::Memory, "int32_t", "gmem_x"},
    {"ln", ArgKind::Memory, "int32_t", "gmem_s0"},
    {"qkv", ArgKind::Memory, "int32_t", "gmem_s1"},
    {"attn", ArgKind::Memory, "int32_t", "gmem_s2"},
    {"hidden", ArgKind::Memory, "int32_t", "gmem_hidden"},
    {"scores", ArgKind::Memory, "int32_t", "gmem_scores"},
    {"stats", ArgKind::Memory, "int32_t", "gmem_stats"},
    {"logits", ArgKind::Memory, "int32_t", "gmem_s3"},
    {"queue", ArgKind::Memory, "int32_t", "gmem_s3"},
    {"qscore", ArgKind::Memory, "int32_t", "gmem_s3"},
    {"routing", ArgKind::Memory, "int32_t", "gmem_s3"},
    {"map_a", ArgKind::Memory, "int32_t", "gmem_s0"},
    {"map_b", ArgKind::Memory, "int32_t", "gmem_s1"},
    {"out", ArgKind::Memory, "int32_t", "gmem_x"},
    {"num_images", ArgKind::Scalar, "int", "control"},
    {"stages", ArgKind::Scalar, "int", "control"},
    {"out_channels", ArgKind::Scalar, "int", "control"},
    {"debug_block", ArgKind::Scalar, "int", "control"},
    {"debug_step", ArgKind::Scalar, "int", "control"},
};
inline constexpr int kKernelArgCount = int(sizeof(kKernelArgs) / sizeof(kKernelArgs[0]));

// AXI-Lite register offsets as Vitis HLS assigns them: 0x00 control (ap_start, ap_done, ap_idle,
// ap_ready), 0x04 global interrupt enable, 0x08 IP interrupt enable, 0x0C IP interrupt status; then
// each argument in order from 0x10: a 64-bit pointer takes 12 bytes (low word, high word, a reserved
// word), a 32-bit scalar 8 bytes (value, a reserved word).
constexpr uint32_t register_offset(int arg) {
    uint32_t at = 0x10;
    for (int i = 0; i < arg; ++i) at += kKernelArgs[i].kind == ArgKind::Memory ? 12 : 8;
    return at;
}

// A signature of this argument list (FNV-1a over names, kinds and element types). The kernel build
// stores it in the xclbin's metadata; the host refuses an xclbin whose signature differs.
constexpr uint64_t kernel_signature() {
    uint64_t h = 1469598103934665603ull;
    auto mix = [&h](const char* s) {
        for (; *s; ++s) h = (h ^ uint8_t(*s)) * 1099511628211ull;
        h = (h ^ 0xff) * 1099511628211ull;
    };
    mix(kKernelName);
    for (const KernelArg& a : kKernelArgs) {
        mix(a.name);
        mix(a.kind == ArgKind::Memory ? "m" : "s");
        mix(a.element);
    }
    return h;
}

}  // namespace edgemoe_hls
