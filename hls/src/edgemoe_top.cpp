// The synthesis top function: Edge-MoE's design point (EdgeMoeShape) with its AXI interfaces.
// Every pointer is an AXI4 master; max_widen_bitwidth=256 lets Vitis HLS widen the sequential
// accesses to 256-bit bursts (8 activations or 16 weights per beat) without hand-packed words in
// the source, which keeps the same code readable and fast under g++. Weights share one bundle
// (one port to DDR, as in the paper); activations and scratch buffers get their own bundles so they
// stream concurrently. Scalars and the start/done handshake are on the AXI-Lite control port.
// On the ZCU102 the interconnect narrows each bundle to its 128-bit HP port (16 bytes a cycle at
// 300 MHz); hls/scripts/zcu102.cfg spreads the bundles over the four ports as the cycle model
// assumes. Attention's K/V, the key windows, the line buffers and the unit's ping/pong weights are
// on chip, so `scores` is write-only (kept for the host's inspection) and `qkv` is read once a layer.
// hls/scripts/kernel_args.txt lists these arguments in order for the host (engine/fpga/xrt).
#include "kernel.h"

extern "C" void edgemoe_top(const uint8_t* image, const int16_t* weights, const int16_t* gates, const int16_t* head,
                            int32_t* x, int32_t* ln, int32_t* qkv, int32_t* attn, int32_t* hidden, int32_t* scores,
                            int32_t* stats, int32_t* logits, int32_t* queue, int32_t* qscore, int32_t* routing,
                            int32_t* map_a, int32_t* map_b, int32_t* out, int num_images, int stages, int out_channels,
                            int debug_block, int debug_step) {
#pragma HLS INTERFACE m_axi port = image bundle = gmem_image max_widen_bitwidth = 256 offset = slave
#pragma HLS INTERFACE m_axi port = weights bundle = gmem_weights max_widen_bitwidth = 256 offset = slave
#pragma HLS INTERFACE m_axi port = gates bundle = gmem_weights max_widen_bitwidth = 256 offset = slave
#pragma HLS INTERFACE m_axi port = head bundle = gmem_weights max_widen_bitwidth = 256 offset = slave
#pragma HLS INTERFACE m_axi port = x bundle = gmem_x max_widen_bitwidth = 256 offset = slave
#pragma HLS INTERFACE m_axi port = ln bundle = gmem_s0 max_widen_bitwidth = 256 offset = slave
#pragma HLS INTERFACE m_axi port = qkv bundle = gmem_s1 max_widen_bitwidth = 256 offset = slave
#pragma HLS INTERFACE m_axi port = attn bundle = gmem_s2 max_widen_bitwidth = 256 offset = slave
#pragma HLS INTERFACE m_axi port = hidden bundle = gmem_hidden max_widen_bitwidth = 256 offset = slave
#pragma HLS INTERFACE m_axi port = scores bundle = gmem_scores max_widen_bitwidth = 256 offset = slave
#pragma HLS INTERFACE m_axi port = stats bundle = gmem_stats max_widen_bitwidth = 256 offset = slave
#pragma HLS INTERFACE m_axi port = logits bundle = gmem_s3 max_widen_bitwidth = 256 offset = slave
#pragma HLS INTERFACE m_axi port = queue bundle = gmem_s3 max_widen_bitwidth = 256 offset = slave
#pragma HLS INTERFACE m_axi port = qscore bundle = gmem_s3 max_widen_bitwidth = 256 offset = slave
#pragma HLS INTERFACE m_axi port = routing bundle = gmem_s3 max_widen_bitwidth = 256 offset = slave
#pragma HLS INTERFACE m_axi port = map_a bundle = gmem_s0 max_widen_bitwidth = 256 offset = slave
#pragma HLS INTERFACE m_axi port = map_b bundle = gmem_s1 max_widen_bitwidth = 256 offset = slave
#pragma HLS INTERFACE m_axi port = out bundle = gmem_x max_widen_bitwidth = 256 offset = slave
#pragma HLS INTERFACE s_axilite port = num_images
#pragma HLS INTERFACE s_axilite port = stages
#pragma HLS INTERFACE s_axilite port = out_channels
#pragma HLS INTERFACE s_axilite port = debug_block
#pragma HLS INTERFACE s_axilite port = debug_step
#pragma HLS INTERFACE s_axilite port = return
    edgemoe_hls::KernelArgs a{image, weights, gates, head, x, ln, qkv, attn, hidden, scores, stats, logits,
                              queue, qscore, routing, map_a, map_b, out, num_images, stages, out_channels,
                              debug_block, debug_step};
    edgemoe_hls::run_kernel<edgemoe_hls::EdgeMoeShape>(a);
}
