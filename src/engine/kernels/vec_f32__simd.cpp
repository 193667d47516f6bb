// SIMD vector kernels, 4 lanes of f32, with a scalar tail for n % 4.
#include "engine/kernels/kernels.h"
#include "engine/kernels/simd.h"

namespace es::kernels {

void axpy_f32__simd(std::size_t n, float a, const float* x, float* y) {
    const v128_t va = wasm_f32x4_splat(a);
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        v128_t y0 = wasm_v128_load(y + i);
        v128_t y1 = wasm_v128_load(y + i + 4);
        y0 = wasm_f32x4_add(y0, wasm_f32x4_mul(va, wasm_v128_load(x + i)));
        y1 = wasm_f32x4_add(y1, wasm_f32x4_mul(va, wasm_v128_load(x + i + 4)));
        wasm_v128_store(y + i, y0);
        wasm_v128_store(y + i + 4, y1);
    }
    for (; i + 4 <= n; i += 4)
        wasm_v128_store(y + i, wasm_f32x4_add(wasm_v128_load(y + i), wasm_f32x4_mul(va, wasm_v128_load(x + i))));
    for (; i < n; ++i) y[i] += a * x[i];
}

float dot_f32__simd(std::size_t n, const float* x, const float* y) {
    // Two accumulators hide the add latency; the order of the sum differs from the
    // reference, hence a relative tolerance in the tests.
    v128_t acc0 = wasm_f32x4_splat(0.0f);
    v128_t acc1 = wasm_f32x4_splat(0.0f);
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        acc0 = wasm_f32x4_add(acc0, wasm_f32x4_mul(wasm_v128_load(x + i), wasm_v128_load(y + i)));
        acc1 = wasm_f32x4_add(acc1, wasm_f32x4_mul(wasm_v128_load(x + i + 4), wasm_v128_load(y + i + 4)));
    }
    for (; i + 4 <= n; i += 4)
        acc0 = wasm_f32x4_add(acc0, wasm_f32x4_mul(wasm_v128_load(x + i), wasm_v128_load(y + i)));
    v128_t acc = wasm_f32x4_add(acc0, acc1);
    float sum = wasm_f32x4_extract_lane(acc, 0) + wasm_f32x4_extract_lane(acc, 1) +
                wasm_f32x4_extract_lane(acc, 2) + wasm_f32x4_extract_lane(acc, 3);
    for (; i < n; ++i) sum += x[i] * y[i];
    return sum;
}

}  // namespace es::kernels
