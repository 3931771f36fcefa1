// The argument table (kernel_args.h) must describe the real top function, and the committed
// register map must be the one generated from it.
#include <QtTest>

#include <array>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <tuple>
#include <type_traits>

#include "edgemoe_hls/kernel_args.h"
#include "register_map.h"

extern "C" void edgemoe_top(const uint8_t*, const int16_t*, const int16_t*, const int16_t*, int32_t*, int32_t*,
                            int32_t*, int32_t*, int32_t*, int32_t*, int32_t*, int32_t*, int32_t*, int32_t*, int32_t*,
                            int32_t*, int32_t*, int32_t*, int, int, int, int, int);

namespace {
template <class F>
struct Params;
template <class R, class... A>
struct Params<R (*)(A...)> {
    using tuple = std::tuple<A...>;
};
using TopParams = Params<decltype(&edgemoe_top)>::tuple;

template <size_t I>
const char* element_name() {
    using T = std::tuple_element_t<I, TopParams>;
    using E = std::remove_cv_t<std::remove_pointer_t<T>>;
    if constexpr (!std::is_pointer_v<T> && std::is_same_v<E, int>) return "int";   // scalars are spelled int
    if constexpr (std::is_same_v<E, uint8_t>) return "uint8_t";
    if constexpr (std::is_same_v<E, int16_t>) return "int16_t";
    if constexpr (std::is_same_v<E, int32_t>) return "int32_t";
    if constexpr (std::is_same_v<E, int>) return "int";
    return "?";
}
struct RealParam {
    const char* element;
    bool pointer;
};
template <size_t... I>
std::array<RealParam, sizeof...(I)> real_params(std::index_sequence<I...>) {
    return {RealParam{element_name<I>(), std::is_pointer_v<std::tuple_element_t<I, TopParams>>}...};
}
}  // namespace

class TestKernelArgs : public QObject {
    Q_OBJECT
private slots:
    void table_matches_the_top_function() {
        QCOMPARE(size_t(edgemoe_hls::kKernelArgCount), std::tuple_size_v<TopParams>);
        const auto real = real_params(std::make_index_sequence<std::tuple_size_v<TopParams>>{});
        for (size_t i = 0; i < real.size(); ++i) {
            QCOMPARE(QString(edgemoe_hls::kKernelArgs[i].element), QString(real[i].element));
            QCOMPARE(edgemoe_hls::kKernelArgs[i].kind == edgemoe_hls::ArgKind::Memory, real[i].pointer);
        }
    }
    void register_offsets() {
        QCOMPARE(edgemoe_hls::register_offset(0), 0x10u);
        QCOMPARE(edgemoe_hls::register_offset(1), 0x1cu);    // after one 64-bit pointer
        QCOMPARE(edgemoe_hls::register_offset(18), 0x10u + 18 * 12);   // num_images, after 18 pointers
        QCOMPARE(edgemoe_hls::register_offset(19), 0x10u + 18 * 12 + 8);
        QVERIFY(edgemoe_hls::kernel_signature() != 0);
    }
    void committed_register_map_is_current() {
        std::ifstream f(std::string(EDGEMOE_SOURCE_DIR) + "/hls/register_map.md");
        std::stringstream committed;
        committed << f.rdbuf();
        QVERIFY2(committed.str() == edgemoe_hls::register_map_markdown(),
                 "hls/register_map.md is stale: regenerate it with build/tests/hls/hls_register_map > hls/register_map.md");
    }
};

QTEST_GUILESS_MAIN(TestKernelArgs)
#include "test_kernel_args.moc"
