// Peak microbenchmarks: the single-thread SIMD arithmetic ceiling and memory bandwidth of
// this machine or browser, the roofline's two lines.
#include "engine/kernels/peak.h"
#include "engine/kernels/simd.h"

#include <chrono>
#include <cstdint>
#include <vector>

namespace es::kernels {

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Defeats dead-code elimination without a memory fence in the loop.
volatile float g_sink_f;
volatile std::int32_t g_sink_i;

}  // namespace

double peak_f32_gflops(int iterations) {
    // 12 independent accumulators hide the add latency; each step is a mul and an add
    // per lane: 12 * 4 * 2 = 96 FLOPs. (wasm SIMD has no fused multiply-add.)
    v128_t acc[12];
    for (int i = 0; i < 12; ++i) acc[i] = wasm_f32x4_splat(0.001f * static_cast<float>(i));
    const v128_t a = wasm_f32x4_splat(0.9999f), b = wasm_f32x4_splat(1e-6f);
    const auto t0 = std::chrono::steady_clock::now();
    for (int it = 0; it < iterations; ++it)
        for (int i = 0; i < 12; ++i) acc[i] = wasm_f32x4_add(wasm_f32x4_mul(acc[i], a), b);
    const double s = seconds_since(t0);
    v128_t sum = acc[0];
    for (int i = 1; i < 12; ++i) sum = wasm_f32x4_add(sum, acc[i]);
    g_sink_f = wasm_f32x4_extract_lane(sum, 0);
    return 96.0 * iterations / s * 1e-9;
}

double peak_i8_gmacs(int iterations) {
    // i32x4.dot_i16x8 on sign-extended int8: 8 multiply-accumulates per instruction, plus
    // the i32 add of the accumulator, as an int8 GEMM inner loop does.
    v128_t acc[12];
    for (int i = 0; i < 12; ++i) acc[i] = wasm_i32x4_splat(i);
    const v128_t a = wasm_i16x8_splat(3), b = wasm_i16x8_splat(-2);
    const auto t0 = std::chrono::steady_clock::now();
    for (int it = 0; it < iterations; ++it)
        for (int i = 0; i < 12; ++i) acc[i] = wasm_i32x4_add(acc[i], wasm_i32x4_dot_i16x8(a, wasm_i16x8_add(b, acc[i])));
    const double s = seconds_since(t0);
    v128_t sum = acc[0];
    for (int i = 1; i < 12; ++i) sum = wasm_i32x4_add(sum, acc[i]);
    g_sink_i = wasm_i32x4_extract_lane(sum, 0);
    return 96.0 * iterations / s * 1e-9;
}

double bandwidth_gbs(std::size_t floats_per_array, int repeats) {
    // STREAM triad: a = b + s*c; 12 bytes move per element (read b, read c, write a).
    std::vector<float> a(floats_per_array, 0.0f), b(floats_per_array, 1.0f), c(floats_per_array, 2.0f);
    const v128_t s = wasm_f32x4_splat(0.5f);
    double best = 0.0;
    for (int r = 0; r < repeats; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        std::size_t i = 0;
        for (; i + 4 <= floats_per_array; i += 4)
            wasm_v128_store(a.data() + i, wasm_f32x4_add(wasm_v128_load(b.data() + i),
                                                         wasm_f32x4_mul(s, wasm_v128_load(c.data() + i))));
        const double t = seconds_since(t0);
        const double gbs = 12.0 * static_cast<double>(floats_per_array) / t * 1e-9;
        best = gbs > best ? gbs : best;
    }
    g_sink_f = a[floats_per_array / 2];
    return best;
}

}  // namespace es::kernels
