// simd_math: vector helpers shared by the SIMD kernels: the activation epilogue and exp.
// Internal to src/engine/kernels.
#pragma once

#include "engine/kernels/nn.h"
#include "engine/kernels/simd.h"

namespace es::kernels::simd {

// exp(x) for f32x4, Cephes' expf polynomial after range reduction x = n*ln2 + r:
// relative error below 2e-7 over the clamped range [-87.3, 88.7].
inline v128_t exp_f32x4(v128_t x) {
    x = wasm_f32x4_pmin(wasm_f32x4_splat(88.72283f), wasm_f32x4_pmax(wasm_f32x4_splat(-87.33654f), x));
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

// pmin/pmax ("b < a ? b : a") are single instructions on x86 (minps/maxps), where wasm's
// NaN-propagating f32x4.min/max expand to several; for finite inputs they agree.
inline v128_t relu(v128_t x) { return wasm_f32x4_pmax(wasm_f32x4_splat(0.0f), x); }
inline v128_t clamp06(v128_t x) { return wasm_f32x4_pmin(wasm_f32x4_splat(6.0f), relu(x)); }

inline v128_t activate(v128_t x, epilogue e) {
    switch (e) {
    case epilogue::none: return x;
    case epilogue::relu: return relu(x);
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

// The same with the activation known at compile time: kernels instantiate their loops per
// epilogue so no switch sits among the accumulators (a run-time switch there costs up to
// a quarter of a small-K GEMM's speed).
template <epilogue E>
inline v128_t activate_t(v128_t x) {
    if constexpr (E == epilogue::none) return x;
    else if constexpr (E == epilogue::relu) return relu(x);
    else if constexpr (E == epilogue::relu6) return clamp06(x);
    else return activate(x, E);
}

// Calls f.template operator()<E>() with the epilogue as a template argument.
template <class F>
inline void with_epilogue(epilogue e, F&& f) {
    switch (e) {
    case epilogue::none: f.template operator()<epilogue::none>(); break;
    case epilogue::relu: f.template operator()<epilogue::relu>(); break;
    case epilogue::relu6: f.template operator()<epilogue::relu6>(); break;
    case epilogue::hswish: f.template operator()<epilogue::hswish>(); break;
    case epilogue::hsigmoid: f.template operator()<epilogue::hsigmoid>(); break;
    case epilogue::sigmoid: f.template operator()<epilogue::sigmoid>(); break;
    }
}

}  // namespace es::kernels::simd
