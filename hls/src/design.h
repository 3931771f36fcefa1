#pragma once
// The kernel's parallelism constants and its loop probe.
//
// Every unroll factor and partition that sets how many values a unit handles per cycle is named
// here once. The loops of hls/src use these constants; the cycle model (engine/fpga/cycle_model.cpp)
// and the resource model (engine/fpga/resource_model.cpp) read the same constants, so the three
// cannot drift apart.
//
// The probe: a unit calls probe(units, loop) once per iteration of each pipelined loop whose trip
// count the cycle model charges. For the hardware's units (HlsLinearUnit) and the emulator's fast
// unit the call resolves to an empty inline function (no `count` member), so it costs nothing and
// synthesises to nothing; tests/fpga/test_cycle_model.cpp passes a unit with a `count(Loop)` member
// and compares the totals with the model's.
#include <cstdint>

namespace edgemoe_hls {

// The linear unit's array: kLanes inputs x kLanes outputs per cycle (16 x 16 = 256 MACs).
constexpr int kLanes = 16;
// Values a row source loads or a sink stores per cycle (one 512-bit on-chip row beat); the row and
// accumulator buffers are partitioned to match.
constexpr int kRowLanes = 16;
// LayerNorm lanes: values of a row summed (statistics) and normalised (apply) per cycle.
constexpr int kNormLanes = 16;
// Attention: queries per block (the constant-bandwidth block of Edge-MoE; it fixes each query's key
// order and so the online softmax's bits: it must stay 4), head columns multiplied per cycle per
// query, and query blocks computed side by side (all blocks share the same streamed keys).
constexpr int kAttentionQueries = 4;
constexpr int kAttentionLanes = 16;
constexpr int kAttentionUnits = 2;
// Upsampling: channels interpolated per cycle.
constexpr int kUpsampleLanes = 16;
// The head's fused 1x1 convolution (in conv_3's sink): multiply-accumulates per cycle.
constexpr int kConv1x1Lanes = 16;

// Loops the cycle model charges, counted by the probe.
enum Loop : int {
    kLoopNormStats,    // layer_norm_row: read the row, sum x and x^2 (kNormLanes per iteration)
    kLoopNormApply,    // layer_norm_row: write the normalised row
    kLoopKvLoad,       // attention: K and V rows into the on-chip K/V memory
    kLoopQLoad,        // attention_block: the block's query rows
    kLoopQk,           // attention_block: Q.K^T steps
    kLoopAv,           // attention_block: A.V steps
    kLoopAttnOut,      // attention_block: output rows
    kLoopRoute,        // moe_layer: per token softmax / top-k
    kLoopLineLoad,     // upsample2: a source row into the line buffer
    kLoopUpsample,     // upsample2: output pixels x channel beats
    kLoopCount
};
constexpr const char* kLoopNames[kLoopCount] = {"norm stats", "norm apply", "kv load", "q load", "qk", "av",
                                                "attention out", "route", "line load", "upsample"};

namespace detail {
template <class U>
auto probe_impl(U& u, Loop l, int) -> decltype(u.count(l), void()) {
    u.count(l);
}
template <class U>
void probe_impl(U&, Loop, long) {}
}  // namespace detail

template <class U>
inline void probe(U& units, Loop l) {
    detail::probe_impl(units, l, 0);
}

}  // namespace edgemoe_hls
