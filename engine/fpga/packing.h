#pragma once
// Weight packing: the model's float32 tensors -> the kernel's fixed-point formats and buffer
// layouts (hls/include/edgemoe_hls/shape.h, WeightLayout). Done once per model; gates and heads are
// packed per task so that a task switch is a pointer change. Shared by the emulation and the XRT
// backends. Values outside a format's range saturate, and are counted so the backend can say so.
#include <cstdint>
#include <string>
#include <vector>

#include "edgemoe/model.h"

namespace edgemoe::fpga {

struct PackedWeights {
    std::vector<int16_t> weights;                 // one-time weights
    std::vector<std::vector<int16_t>> gates;      // per task
    std::vector<std::vector<int16_t>> heads;      // per task
    size_t saturated = 0;                         // values clipped to their format's range
    std::string worst;                            // the tensor with the most clipped values
};

// Does the model have exactly the sizes the kernel shape S was built for?
template <class S>
bool matches_shape(const ModelConfig& c);

template <class S>
PackedWeights pack(const Model& model);

// float -> raw 16-bit fixed with `frac` fractional bits: floor (as the hardware's truncation),
// saturating at the 16-bit range; `saturated` counts clipped values.
int16_t quantize16(float v, int frac, size_t& saturated);

}  // namespace edgemoe::fpga
