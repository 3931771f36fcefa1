#pragma once
// The kernel shapes this build instantiates, and the one place that picks the shape a model
// matches. The kernel is a template over its compile-time shape (as hardware is built for one
// size), so every backend that runs it (fpga-emu, fpga, the tests' simulated card) keeps one
// instantiation per shape and dispatches on the model's sizes through with_kernel_shape().
#include <utility>

#include "edgemoe/model.h"
#include "edgemoe_hls/shape.h"
#include "fpga/packing.h"

namespace edgemoe::fpga {

template <class S>
struct ShapeTag {
    using type = S;
};

template <class... Shapes>
struct ShapeList {
    // Calls f(ShapeTag<S>{}) for the first S that `c` matches and returns its result; a
    // value-initialised result (nullptr, "", false) when none matches.
    template <class F>
    static auto visit(const ModelConfig& c, F&& f) {
        using R = decltype(f(ShapeTag<edgemoe_hls::EdgeMoeShape>{}));
        R result{};
        (void)((matches_shape<Shapes>(c) ? (result = f(ShapeTag<Shapes>{}), true) : false) || ...);
        return result;
    }
    static bool any(const ModelConfig& c) { return (matches_shape<Shapes>(c) || ...); }
};

// In the order they are tried. A new shape is added here and instantiated in packing.cpp.
using KernelShapes = ShapeList<edgemoe_hls::EdgeMoeShape, edgemoe_hls::EdgeMoeShapeC256, edgemoe_hls::TinyShape>;

// with_kernel_shape(c, [&]<class S>(ShapeTag<S>) { ... }): see ShapeList::visit.
template <class F>
auto with_kernel_shape(const ModelConfig& c, F&& f) {
    return KernelShapes::visit(c, std::forward<F>(f));
}

}  // namespace edgemoe::fpga
