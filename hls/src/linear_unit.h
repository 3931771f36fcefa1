#pragma once
// THE UNIFIED LINEAR UNIT (Edge-MoE idea 1).
//
// One 16x16 array of multiply-accumulators serves every matrix product of the network: Q/K/V
// (one 3D-output layer), the attention projection, FC1 (+GELU), FC2, the MoE gate, both expert FCs
// and, beyond the paper, the PUP head's convolutions (a 3x3 conv is a linear layer over 3x3
// neighbourhoods). Sharing one array instead of building one per layer is what makes the design fit
// a ZCU102: the array is sized once (256 MACs, II=1) and every layer time-shares it.
//
// Dataflow per layer:
//  - the layer's whole weight matrix is first copied into on-chip memory; in hardware two such
//    buffers alternate (ping/pong) so that the next layer's load overlaps this layer's compute;
//  - each input row (a token, or a pixel's 3x3 neighbourhood) is read ONCE into a row buffer and
//    reused for every 16-wide output tile, so activations cross the AXI bus once per layer;
//  - per output tile, 16 inputs x 16 outputs are multiplied per cycle (the k-loop is pipelined at
//    II=1 with both 16-loops unrolled; the weight buffer is partitioned 16x16 ways to feed them);
//  - sums are exact (acc type: see types.h) and are quantised once, in the sink.
// Where rows come from (plain, gathered, 3x3 neighbourhood) and where results go (write, GELU,
// ReLU, scatter with `dst += score * y`) are template parameters: small inline functors, so the
// same unit serves all layers without run-time dispatch.
#include <cstdint>

#include "edgemoe_hls/shape.h"
#include "edgemoe_hls/types.h"

namespace edgemoe_hls {

template <class In, class Wt, class Bias, class Acc, int IN, int OUT>
struct LinearLayer {
    static constexpr int IN16 = ceil16(IN), OUT16 = ceil16(OUT);
    using in_type = In;
    using weight_type = Wt;
    using bias_type = Bias;
    using acc_type = Acc;
    const int16_t* weights;   // [OUT16][IN16] raw Wt bits, zero padded
    const int16_t* bias;      // [OUT16] raw Bias bits, or null
};

// The reference implementation: the HLS code itself. Rows go through `src.load(row, buf)`
// (buf: IN16 values of In) and `sink.store(row, acc)` (acc: OUT16 accumulators).
struct HlsLinearUnit {
    // Independent work items (attention heads) in sequence, as the hardware runs them.
    template <class F>
    void for_each(int n, F&& f) {
        for (int i = 0; i < n; ++i) f(i);
    }

    template <class L, class Src, class Sink>
    void run(const L& layer, int rows, Src& src, Sink& sink) {
        using In = typename L::in_type;
        using Wt = typename L::weight_type;
        using Acc = typename L::acc_type;
        constexpr int IN16 = L::IN16, OUT16 = L::OUT16;

        // On-chip copy of the weights (ping/pong in hardware).
        static Wt wbuf[OUT16][IN16];
#pragma HLS ARRAY_PARTITION variable = wbuf cyclic factor = 16 dim = 1
#pragma HLS ARRAY_PARTITION variable = wbuf cyclic factor = 16 dim = 2
        // One 256-bit word (16 weights of 16 bits) per cycle: the 16 reads of a step are consecutive,
        // so HLS widens them into one burst beat, and the 16-way cyclic partition of dim 2 takes all
        // 16 in the same cycle.
    load_weights:
        for (int i = 0; i < OUT16 * (IN16 / 16); ++i) {
#pragma HLS PIPELINE II = 1
            const int o = i / (IN16 / 16), kt = (i % (IN16 / 16)) * 16;
            for (int kk = 0; kk < 16; ++kk) {
#pragma HLS UNROLL
                wbuf[o][kt + kk] = from_bits<Wt>(layer.weights[size_t(o) * IN16 + kt + kk]);
            }
        }
        Acc bias[OUT16];
        for (int o = 0; o < OUT16; ++o)
            bias[o] = layer.bias ? Acc(from_bits<typename L::bias_type>(layer.bias[o])) : Acc(0);

        In row[IN16];
#pragma HLS ARRAY_PARTITION variable = row cyclic factor = 16
        Acc acc[OUT16];
#pragma HLS ARRAY_PARTITION variable = acc cyclic factor = 16
    rows_loop:
        for (int r = 0; r < rows; ++r) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 8192
            src.load(r, row);   // read once, reused by every output tile
        tiles:
            for (int ot = 0; ot < OUT16; ot += 16) {
                Acc part[16];
#pragma HLS ARRAY_PARTITION variable = part complete
                for (int oo = 0; oo < 16; ++oo) part[oo] = bias[ot + oo];
            k_tiles:
                for (int kt = 0; kt < IN16; kt += 16) {
#pragma HLS PIPELINE II = 1
                    for (int oo = 0; oo < 16; ++oo) {
#pragma HLS UNROLL
                        for (int kk = 0; kk < 16; ++kk) {
#pragma HLS UNROLL
                            mac(part[oo], row[kt + kk], wbuf[ot + oo][kt + kk]);
                        }
                    }
                }
                for (int oo = 0; oo < 16; ++oo) acc[ot + oo] = part[oo];
            }
            sink.store(r, acc);
        }
    }
};

}  // namespace edgemoe_hls
