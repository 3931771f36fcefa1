#pragma once
// Host-side memory for every kernel argument, sized from the kernel's own BufferSizes. For the
// emulator these are the "DDR" the kernel reads and writes; the XRT backend allocates buffer
// objects of the same sizes.
#include <cstdint>
#include <vector>

#include "fpga/packing.h"
#include "kernel.h"

namespace edgemoe::fpga {

template <class S>
struct KernelBuffers {
    using Z = edgemoe_hls::BufferSizes<S>;
    std::vector<int32_t> x = std::vector<int32_t>(Z::x), ln = std::vector<int32_t>(Z::ln),
                         qkv = std::vector<int32_t>(Z::qkv), attn = std::vector<int32_t>(Z::attn),
                         hidden = std::vector<int32_t>(Z::hidden), scores = std::vector<int32_t>(Z::scores),
                         stats = std::vector<int32_t>(Z::stats), logits = std::vector<int32_t>(Z::logits),
                         queue = std::vector<int32_t>(Z::queue), qscore = std::vector<int32_t>(Z::queue),
                         routing = std::vector<int32_t>(Z::routing), map_a = std::vector<int32_t>(Z::map),
                         map_b = std::vector<int32_t>(Z::map), out = std::vector<int32_t>(Z::out);

    edgemoe_hls::KernelArgs args() {
        edgemoe_hls::KernelArgs a{};
        a.x = x.data();
        a.ln = ln.data();
        a.qkv = qkv.data();
        a.attn = attn.data();
        a.hidden = hidden.data();
        a.scores = scores.data();
        a.stats = stats.data();
        a.logits = logits.data();
        a.queue = queue.data();
        a.qscore = qscore.data();
        a.routing = routing.data();
        a.map_a = map_a.data();
        a.map_b = map_b.data();
        a.out = out.data();
        return a;
    }

    // The arguments for one frame of `image` (the model's size and channel order) and `task`: the
    // buffers above plus the packed weights, with the task's own gates, head and output channels.
    edgemoe_hls::KernelArgs args(const PackedWeights& packed, int task, int out_channels, const uint8_t* image) {
        edgemoe_hls::KernelArgs a = args();
        a.image = image;
        a.weights = packed.weights.data();
        a.gates = packed.gates[size_t(task)].data();
        a.head = packed.heads[size_t(task)].data();
        a.out_channels = out_channels;
        return a;
    }
};

}  // namespace edgemoe::fpga
