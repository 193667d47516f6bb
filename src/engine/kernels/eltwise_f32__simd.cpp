// Element-wise and per-channel SIMD kernels, 4 lanes with a scalar tail.
#include "engine/kernels/nn.h"
#include "engine/kernels/simd_math.h"

#include <cmath>

namespace es::kernels {

void act_f32__simd(std::size_t count, const float* x, float* out, epilogue e) {
    std::size_t i = 0;
    for (; i + 4 <= count; i += 4) wasm_v128_store(out + i, simd::activate(wasm_v128_load(x + i), e));
    for (; i < count; ++i) out[i] = activate_ref(x[i], e);
}

void add_f32__simd(std::size_t count, const float* x, const float* y, float* out, epilogue e) {
    std::size_t i = 0;
    for (; i + 4 <= count; i += 4)
        wasm_v128_store(out + i, simd::activate(wasm_f32x4_add(wasm_v128_load(x + i), wasm_v128_load(y + i)), e));
    for (; i < count; ++i) out[i] = activate_ref(x[i] + y[i], e);
}

void channel_affine_f32__simd(std::size_t pixels, int c, const float* x, const float* scale, const float* shift,
                              float* out, epilogue e) {
    for (std::size_t p = 0; p < pixels; ++p) {
        const float* s = x + p * static_cast<std::size_t>(c);
        float* d = out + p * static_cast<std::size_t>(c);
        int j = 0;
        for (; j + 4 <= c; j += 4) {
            v128_t v = wasm_f32x4_mul(wasm_v128_load(s + j), wasm_v128_load(scale + j));
            if (shift) v = wasm_f32x4_add(v, wasm_v128_load(shift + j));
            wasm_v128_store(d + j, simd::activate(v, e));
        }
        for (; j < c; ++j) d[j] = activate_ref(s[j] * scale[j] + (shift ? shift[j] : 0.0f), e);
    }
}

void gap_f32__simd(int n, int hw, int c, const float* in, float* out) {
    const float inv = 1.0f / static_cast<float>(hw);
    for (int b = 0; b < n; ++b) {
        const float* img = in + static_cast<std::size_t>(b) * hw * c;
        float* dst = out + static_cast<std::size_t>(b) * c;
        int j = 0;
        for (; j + 4 <= c; j += 4) {
            v128_t acc = wasm_f32x4_splat(0.0f);
            for (int p = 0; p < hw; ++p) acc = wasm_f32x4_add(acc, wasm_v128_load(img + static_cast<std::size_t>(p) * c + j));
            wasm_v128_store(dst + j, wasm_f32x4_mul(acc, wasm_f32x4_splat(inv)));
        }
        for (; j < c; ++j) {
            float acc = 0.0f;
            for (int p = 0; p < hw; ++p) acc += img[static_cast<std::size_t>(p) * c + j];
            dst[j] = acc * inv;
        }
    }
}

void softmax_f32__simd(int rows, int c, const float* x, float* out) {
    for (int r = 0; r < rows; ++r) {
        const float* s = x + static_cast<std::size_t>(r) * c;
        float* d = out + static_cast<std::size_t>(r) * c;
        float mx = s[0];
        for (int j = 1; j < c; ++j) mx = s[j] > mx ? s[j] : mx;
        const v128_t vmx = wasm_f32x4_splat(mx);
        v128_t vsum = wasm_f32x4_splat(0.0f);
        int j = 0;
        for (; j + 4 <= c; j += 4) {
            const v128_t ex = simd::exp_f32x4(wasm_f32x4_sub(wasm_v128_load(s + j), vmx));
            wasm_v128_store(d + j, ex);
            vsum = wasm_f32x4_add(vsum, ex);
        }
        float sum = wasm_f32x4_extract_lane(vsum, 0) + wasm_f32x4_extract_lane(vsum, 1) +
                    wasm_f32x4_extract_lane(vsum, 2) + wasm_f32x4_extract_lane(vsum, 3);
        for (; j < c; ++j) {
            d[j] = std::exp(s[j] - mx);
            sum += d[j];
        }
        const v128_t inv = wasm_f32x4_splat(1.0f / sum);
        j = 0;
        for (; j + 4 <= c; j += 4) wasm_v128_store(d + j, wasm_f32x4_mul(wasm_v128_load(d + j), inv));
        for (; j < c; ++j) d[j] *= 1.0f / sum;
    }
}

}  // namespace es::kernels
