// Depthwise convolution and pooling, NHWC: for each output pixel the valid window is
// computed once, then channels are processed 8 and 4 at a time (scalar tail for C % 4).
#include "engine/kernels/nn.h"
#include "engine/kernels/simd_math.h"

#include <cfloat>

namespace es::kernels {

namespace {

struct span2 {
    int ky0, ky1, kx0, kx1;  // valid taps [ky0, ky1) x [kx0, kx1)
};

inline span2 valid_taps(const dw_params& p, int oy, int ox) {
    const int iy0 = oy * p.sh - p.pad_t, ix0 = ox * p.sw - p.pad_l;
    span2 s;
    s.ky0 = iy0 < 0 ? -iy0 : 0;
    s.ky1 = iy0 + p.kh > p.h ? p.h - iy0 : p.kh;
    s.kx0 = ix0 < 0 ? -ix0 : 0;
    s.kx1 = ix0 + p.kw > p.w ? p.w - ix0 : p.kw;
    return s;
}

}  // namespace

void dwconv_f32__simd(const dw_params& p, const float* in, const float* w, const float* bias, float* out, epilogue e) {
    const std::size_t row = static_cast<std::size_t>(p.w) * p.c;
    for (int b = 0; b < p.n; ++b) {
        const float* img = in + static_cast<std::size_t>(b) * p.h * row;
        for (int oy = 0; oy < p.oh; ++oy)
            for (int ox = 0; ox < p.ow; ++ox) {
                const span2 t = valid_taps(p, oy, ox);
                const float* base = img + (static_cast<std::ptrdiff_t>(oy * p.sh - p.pad_t) * p.w + (ox * p.sw - p.pad_l)) *
                                              static_cast<std::ptrdiff_t>(p.c);
                float* dst = out + ((static_cast<std::size_t>(b) * p.oh + oy) * p.ow + ox) * p.c;
                int c = 0;
                for (; c + 8 <= p.c; c += 8) {
                    v128_t a0 = bias ? wasm_v128_load(bias + c) : wasm_f32x4_splat(0.0f);
                    v128_t a1 = bias ? wasm_v128_load(bias + c + 4) : wasm_f32x4_splat(0.0f);
                    for (int ky = t.ky0; ky < t.ky1; ++ky) {
                        const float* src = base + static_cast<std::ptrdiff_t>(ky) * static_cast<std::ptrdiff_t>(row) + c;
                        const float* wk = w + static_cast<std::size_t>(ky) * p.kw * p.c + c;
                        for (int kx = t.kx0; kx < t.kx1; ++kx) {
                            const float* s = src + static_cast<std::ptrdiff_t>(kx) * p.c;
                            const float* ww = wk + static_cast<std::size_t>(kx) * p.c;
                            a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load(s), wasm_v128_load(ww)));
                            a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(wasm_v128_load(s + 4), wasm_v128_load(ww + 4)));
                        }
                    }
                    wasm_v128_store(dst + c, simd::activate(a0, e));
                    wasm_v128_store(dst + c + 4, simd::activate(a1, e));
                }
                for (; c + 4 <= p.c; c += 4) {
                    v128_t a0 = bias ? wasm_v128_load(bias + c) : wasm_f32x4_splat(0.0f);
                    for (int ky = t.ky0; ky < t.ky1; ++ky)
                        for (int kx = t.kx0; kx < t.kx1; ++kx)
                            a0 = wasm_f32x4_add(
                                a0, wasm_f32x4_mul(
                                        wasm_v128_load(base + (static_cast<std::ptrdiff_t>(ky) * p.w + kx) * p.c + c),
                                        wasm_v128_load(w + (static_cast<std::size_t>(ky) * p.kw + kx) * p.c + c)));
                    wasm_v128_store(dst + c, simd::activate(a0, e));
                }
                for (; c < p.c; ++c) {
                    float acc = bias ? bias[c] : 0.0f;
                    for (int ky = t.ky0; ky < t.ky1; ++ky)
                        for (int kx = t.kx0; kx < t.kx1; ++kx)
                            acc += base[(static_cast<std::ptrdiff_t>(ky) * p.w + kx) * p.c + c] *
                                   w[(static_cast<std::size_t>(ky) * p.kw + kx) * p.c + c];
                    dst[c] = activate_ref(acc, e);
                }
            }
    }
}

namespace {

template <bool is_max>
void pool_simd(const dw_params& p, const float* in, float* out) {
    const float inv = 1.0f / static_cast<float>(p.kh * p.kw);
    const v128_t vinv = wasm_f32x4_splat(inv);
    for (int b = 0; b < p.n; ++b) {
        const float* img = in + static_cast<std::size_t>(b) * p.h * p.w * p.c;
        for (int oy = 0; oy < p.oh; ++oy)
            for (int ox = 0; ox < p.ow; ++ox) {
                const span2 t = valid_taps(p, oy, ox);
                const float* base = img + (static_cast<std::ptrdiff_t>(oy * p.sh - p.pad_t) * p.w + (ox * p.sw - p.pad_l)) *
                                              static_cast<std::ptrdiff_t>(p.c);
                float* dst = out + ((static_cast<std::size_t>(b) * p.oh + oy) * p.ow + ox) * p.c;
                int c = 0;
                for (; c + 4 <= p.c; c += 4) {
                    v128_t acc = wasm_f32x4_splat(is_max ? -FLT_MAX : 0.0f);
                    for (int ky = t.ky0; ky < t.ky1; ++ky)
                        for (int kx = t.kx0; kx < t.kx1; ++kx) {
                            const v128_t v = wasm_v128_load(base + (static_cast<std::ptrdiff_t>(ky) * p.w + kx) * p.c + c);
                            acc = is_max ? wasm_f32x4_max(acc, v) : wasm_f32x4_add(acc, v);
                        }
                    wasm_v128_store(dst + c, is_max ? acc : wasm_f32x4_mul(acc, vinv));
                }
                for (; c < p.c; ++c) {
                    float acc = is_max ? -FLT_MAX : 0.0f;
                    for (int ky = t.ky0; ky < t.ky1; ++ky)
                        for (int kx = t.kx0; kx < t.kx1; ++kx) {
                            const float v = base[(static_cast<std::ptrdiff_t>(ky) * p.w + kx) * p.c + c];
                            acc = is_max ? (v > acc ? v : acc) : acc + v;
                        }
                    dst[c] = is_max ? acc : acc * inv;
                }
            }
    }
}

}  // namespace

void maxpool_f32__simd(const dw_params& p, const float* in, float* out) { pool_simd<true>(p, in, out); }
void avgpool_f32__simd(const dw_params& p, const float* in, float* out) { pool_simd<false>(p, in, out); }

}  // namespace es::kernels
