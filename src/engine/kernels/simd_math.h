// simd_math: vector helpers shared by the SIMD kernels: the activation epilogue and exp.
// Internal to src/engine/kernels.
#pragma once

#include "engine/kernels/nn.h"
#include "engine/kernels/simd.h"

namespace es::kernels::simd {

// exp(x) for f32x4, Cephes' expf polynomial after range reduction x = n*ln2 + r:
// relative error below 2e-7 over the clamped range [-87.3, 88.7].
inline v128_t exp_f32x4(v128_t x) {
    x = wasm_f32x4_min(wasm_f32x4_max(x, wasm_f32x4_splat(-87.33654f)), wasm_f32x4_splat(88.72283f));
    const v128_t n = wasm_f32x4_nearest(wasm_f32x4_mul(x, wasm_f32x4_splat(1.44269504088896341f)));
    // r = x - n*ln2, with ln2 split in two for accuracy.
    v128_t r = wasm_f32x4_sub(x, wasm_f32x4_mul(n, wasm_f32x4_splat(0.693359375f)));
    r = wasm_f32x4_sub(r, wasm_f32x4_mul(n, wasm_f32x4_splat(-2.12194440e-4f)));
    v128_t p = wasm_f32x4_splat(1.9875691500e-4f);
    p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.3981999507e-3f));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(8.3334519073e-3f));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(4.1665795894e-2f));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.6666665459e-1f));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(5.0000001201e-1f));
    const v128_t r2 = wasm_f32x4_mul(r, r);
    const v128_t y = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(p, r2), r), wasm_f32x4_splat(1.0f));
    // 2^n: n in [-126, 128] after clamping; build the exponent bits. n = 128 only at the
    // very top of the range: split as 2^(n-1) * 2 to stay finite.
    const v128_t ni = wasm_i32x4_trunc_sat_f32x4(n);
    const v128_t pow_half = wasm_i32x4_shl(wasm_i32x4_add(ni, wasm_i32x4_splat(126)), 23);
    return wasm_f32x4_mul(wasm_f32x4_mul(y, pow_half), wasm_f32x4_splat(2.0f));
}

inline v128_t clamp06(v128_t x) {
    return wasm_f32x4_min(wasm_f32x4_max(x, wasm_f32x4_splat(0.0f)), wasm_f32x4_splat(6.0f));
}

inline v128_t activate(v128_t x, epilogue e) {
    switch (e) {
    case epilogue::none: return x;
    case epilogue::relu: return wasm_f32x4_max(x, wasm_f32x4_splat(0.0f));
    case epilogue::relu6: return clamp06(x);
    case epilogue::hswish:
        return wasm_f32x4_mul(wasm_f32x4_mul(x, clamp06(wasm_f32x4_add(x, wasm_f32x4_splat(3.0f)))),
                              wasm_f32x4_splat(1.0f / 6.0f));
    case epilogue::hsigmoid:
        return wasm_f32x4_mul(clamp06(wasm_f32x4_add(x, wasm_f32x4_splat(3.0f))), wasm_f32x4_splat(1.0f / 6.0f));
    case epilogue::sigmoid: {
        const v128_t one = wasm_f32x4_splat(1.0f);
        return wasm_f32x4_div(one, wasm_f32x4_add(one, exp_f32x4(wasm_f32x4_neg(x))));
    }
    }
    return x;
}

}  // namespace es::kernels::simd
