#pragma once
// The data types of the Edge-MoE kernel. Widths follow the paper (ICCAD 2023, Table/Sec. IV):
// 32-bit activations with 10 integer bits, 16-bit weights, 8-bit unsigned pixels. The types the
// paper does not fix (accumulators, softmax, LayerNorm internals, head weights) are ours and are
// explained where they are defined.
#include <cstdint>

#include "edgemoe_hls/fixed.h"

namespace edgemoe_hls {

// ---- the paper's types --------------------------------------------------------------------------
using fm_t = fixed<32, 10>;        // activations ("feature maps"): range +-512, resolution 2^-22
using wt_t = fixed<16, 2>;         // linear, QKV and gate weights: range +-2
using wt_attn_bias_t = fixed<16, 7>;   // QKV and projection biases
using wt_bias_t = fixed<16, 5>;    // every other bias, LayerNorm beta, class token, position embedding
using wt_norm_t = fixed<16, 5>;    // LayerNorm gamma
using wt_patch_t = fixed<16, 0>;   // patch-embedding weights: range +-0.5
using pixel_t = ufixed<8, 0>;      // a pixel byte b read as b/256 (the host folds 256/255 into wt_patch_t)

// ---- ours ------------------------------------------------------------------------------------
// Head (SETR-PUP) weights. The 3x3 convs after BatchNorm folding stay well inside +-2 in trained
// models (the demo model: |w| < 0.3), so they share wt_t's format; the last 1x1 conv maps features to
// the task's units (metres for depth: |w| up to ~7, bias ~15), so it gets 5 integer bits and its bias
// the attention-bias format (+-64).
using wt_head_t = fixed<16, 2>;
using wt_head_out_t = fixed<16, 5>;
// The linear unit's accumulator: a product fm_t * wt_t is exact in 48 bits with 36 fractional bits;
// 64 bits leave 16 bits of headroom for the sum (>= 2^16 terms before any wrap), so every dot product
// is exact and is truncated once, when it is written out as fm_t.
using acc_t = fixed<64, 28>;
using acc_head_t = fixed<64, 31>;   // fm_t * wt_head_out_t: 33 fractional bits
using acc_patch_t = fixed<48, 24>;  // pixel_t * wt_patch_t: 24 fractional bits, room for 2^23
// Softmax: probabilities and exponentials in [0, 1] with 23 fractional bits; the running sum of
// exponentials (at most the number of keys) with 12 integer bits.
using prob_t = ufixed<24, 1>;
using sum_t = ufixed<36, 12>;
// Attention scores Q.K^T: exact products of two fm_t (44 fractional bits) summed in 64 bits.
using acc_qk_t = fixed<64, 20>;
// A.V: prob_t * fm_t products (45 fractional bits) summed in 64 bits.
using acc_av_t = fixed<64, 19>;

// Integers wider than 64 bits for exact LayerNorm sums (ap_int in hardware).
#if defined(__SYNTHESIS__) || defined(EDGEMOE_USE_AP_FIXED)
using int128_t = ap_int<128>;
#else
using int128_t = __int128;
#endif

// Raw bits <-> fixed values for the AXI buffers, which hold raw two's-complement integers.
template <class T>
inline T from_bits(int64_t bits) {
#if defined(__SYNTHESIS__) || defined(EDGEMOE_USE_AP_FIXED)
    T v;
    v.range() = bits;
    return v;
#else
    return T::from_raw(typename T::raw_type(bits));
#endif
}
template <class T>
inline int64_t to_bits(const T& v) {
#if defined(__SYNTHESIS__) || defined(EDGEMOE_USE_AP_FIXED)
    return v.range().to_int64();
#else
    return int64_t(v.raw());
#endif
}

}  // namespace edgemoe_hls
