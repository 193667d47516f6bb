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

namespace {

// One output pixel whose whole K x K window lies inside the image: taps fully unrolled,
// 16, 8 and 4 channels at a time. `src` points at the window's top-left input pixel.
template <int K>
inline void dw_pixel_interior(const float* src, std::ptrdiff_t row, int c_total, const float* w, const float* bias,
                              float* dst, epilogue e) {
    const std::ptrdiff_t cs = c_total;
    int c = 0;
    for (; c + 16 <= c_total; c += 16) {
        v128_t a0 = bias ? wasm_v128_load(bias + c) : wasm_f32x4_splat(0.0f);
        v128_t a1 = bias ? wasm_v128_load(bias + c + 4) : wasm_f32x4_splat(0.0f);
        v128_t a2 = bias ? wasm_v128_load(bias + c + 8) : wasm_f32x4_splat(0.0f);
        v128_t a3 = bias ? wasm_v128_load(bias + c + 12) : wasm_f32x4_splat(0.0f);
ES_UNROLL
        for (int ky = 0; ky < K; ++ky)
ES_UNROLL
            for (int kx = 0; kx < K; ++kx) {
                const float* s = src + ky * row + kx * cs + c;
                const float* ww = w + (ky * K + kx) * cs + c;
                a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load(s), wasm_v128_load(ww)));
                a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(wasm_v128_load(s + 4), wasm_v128_load(ww + 4)));
                a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(wasm_v128_load(s + 8), wasm_v128_load(ww + 8)));
                a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(wasm_v128_load(s + 12), wasm_v128_load(ww + 12)));
            }
        wasm_v128_store(dst + c, simd::activate(a0, e));
        wasm_v128_store(dst + c + 4, simd::activate(a1, e));
        wasm_v128_store(dst + c + 8, simd::activate(a2, e));
        wasm_v128_store(dst + c + 12, simd::activate(a3, e));
    }
    for (; c + 4 <= c_total; c += 4) {
        v128_t a0 = bias ? wasm_v128_load(bias + c) : wasm_f32x4_splat(0.0f);
ES_UNROLL
        for (int ky = 0; ky < K; ++ky)
ES_UNROLL
            for (int kx = 0; kx < K; ++kx)
                a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load(src + ky * row + kx * cs + c),
                                                       wasm_v128_load(w + (ky * K + kx) * cs + c)));
        wasm_v128_store(dst + c, simd::activate(a0, e));
    }
    for (; c < c_total; ++c) {
        float acc = bias ? bias[c] : 0.0f;
        for (int ky = 0; ky < K; ++ky)
            for (int kx = 0; kx < K; ++kx) acc += src[ky * row + kx * cs + c] * w[(ky * K + kx) * cs + c];
        dst[c] = activate_ref(acc, e);
    }
}

// Any pixel, any kernel: the valid part of the window only (image borders).
void dw_pixel_general(const dw_params& p, const float* base, const span2& t, const float* w, const float* bias,
                      float* dst, epilogue e) {
    const std::ptrdiff_t row = static_cast<std::ptrdiff_t>(p.w) * p.c;
    int c = 0;
    for (; c + 8 <= p.c; c += 8) {
        v128_t a0 = bias ? wasm_v128_load(bias + c) : wasm_f32x4_splat(0.0f);
        v128_t a1 = bias ? wasm_v128_load(bias + c + 4) : wasm_f32x4_splat(0.0f);
        for (int ky = t.ky0; ky < t.ky1; ++ky) {
            const float* src = base + ky * row + c;
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
                a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load(base + ky * row + static_cast<std::ptrdiff_t>(kx) * p.c + c),
                                                       wasm_v128_load(w + (static_cast<std::size_t>(ky) * p.kw + kx) * p.c + c)));
        wasm_v128_store(dst + c, simd::activate(a0, e));
    }
    for (; c < p.c; ++c) {
        float acc = bias ? bias[c] : 0.0f;
        for (int ky = t.ky0; ky < t.ky1; ++ky)
            for (int kx = t.kx0; kx < t.kx1; ++kx)
                acc += base[ky * row + static_cast<std::ptrdiff_t>(kx) * p.c + c] *
                       w[(static_cast<std::size_t>(ky) * p.kw + kx) * p.c + c];
        dst[c] = activate_ref(acc, e);
    }
}

// Four horizontally adjacent interior output pixels. Eight channels at a time give eight
// independent accumulator chains (four pixels x two vectors): with only four, each chain's
// add latency, not the arithmetic, bounds the speed. Each weight vector is loaded once for
// the four pixels.
template <int K, int S>
inline void dw_quad_interior(const float* src, std::ptrdiff_t row, int c_total, const float* w, const float* packed,
                             const float* bias, float* dst, epilogue e) {
    const std::ptrdiff_t cs = c_total;
    int c = 0;
    const float* wg = packed;  // group after group: [K*K][8], then [K*K][4]
    for (; c + 8 <= c_total; c += 8, wg += K * K * 8) {
        const v128_t b0 = bias ? wasm_v128_load(bias + c) : wasm_f32x4_splat(0.0f);
        const v128_t b1 = bias ? wasm_v128_load(bias + c + 4) : wasm_f32x4_splat(0.0f);
        v128_t a00 = b0, a01 = b1, a10 = b0, a11 = b1, a20 = b0, a21 = b1, a30 = b0, a31 = b1;
        ES_UNROLL
        for (int ky = 0; ky < K; ++ky) {
            const float* r = src + ky * row + c;
            ES_UNROLL
            for (int kx = 0; kx < K; ++kx) {
                const float* wp = wg + (ky * K + kx) * 8;
                const v128_t w0 = wasm_v128_load(wp), w1 = wasm_v128_load(wp + 4);
                const float* p0 = r + kx * cs;
                const float* p1 = r + (S + kx) * cs;
                const float* p2 = r + (2 * S + kx) * cs;
                const float* p3 = r + (3 * S + kx) * cs;
                a00 = wasm_f32x4_add(a00, wasm_f32x4_mul(wasm_v128_load(p0), w0));
                a01 = wasm_f32x4_add(a01, wasm_f32x4_mul(wasm_v128_load(p0 + 4), w1));
                a10 = wasm_f32x4_add(a10, wasm_f32x4_mul(wasm_v128_load(p1), w0));
                a11 = wasm_f32x4_add(a11, wasm_f32x4_mul(wasm_v128_load(p1 + 4), w1));
                a20 = wasm_f32x4_add(a20, wasm_f32x4_mul(wasm_v128_load(p2), w0));
                a21 = wasm_f32x4_add(a21, wasm_f32x4_mul(wasm_v128_load(p2 + 4), w1));
                a30 = wasm_f32x4_add(a30, wasm_f32x4_mul(wasm_v128_load(p3), w0));
                a31 = wasm_f32x4_add(a31, wasm_f32x4_mul(wasm_v128_load(p3 + 4), w1));
            }
        }
        wasm_v128_store(dst + c, simd::activate(a00, e));
        wasm_v128_store(dst + c + 4, simd::activate(a01, e));
        wasm_v128_store(dst + cs + c, simd::activate(a10, e));
        wasm_v128_store(dst + cs + c + 4, simd::activate(a11, e));
        wasm_v128_store(dst + 2 * cs + c, simd::activate(a20, e));
        wasm_v128_store(dst + 2 * cs + c + 4, simd::activate(a21, e));
        wasm_v128_store(dst + 3 * cs + c, simd::activate(a30, e));
        wasm_v128_store(dst + 3 * cs + c + 4, simd::activate(a31, e));
    }
    for (; c + 4 <= c_total; c += 4, wg += K * K * 4) {
        const v128_t b = bias ? wasm_v128_load(bias + c) : wasm_f32x4_splat(0.0f);
        v128_t a0 = b, a1 = b, a2 = b, a3 = b;
        ES_UNROLL
        for (int ky = 0; ky < K; ++ky) {
            const float* r = src + ky * row + c;
            ES_UNROLL
            for (int kx = 0; kx < K; ++kx) {
                const v128_t wv = wasm_v128_load(wg + (ky * K + kx) * 4);
                a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load(r + kx * cs), wv));
                a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(wasm_v128_load(r + (S + kx) * cs), wv));
                a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(wasm_v128_load(r + (2 * S + kx) * cs), wv));
                a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(wasm_v128_load(r + (3 * S + kx) * cs), wv));
            }
        }
        wasm_v128_store(dst + c, simd::activate(a0, e));
        wasm_v128_store(dst + cs + c, simd::activate(a1, e));
        wasm_v128_store(dst + 2 * cs + c, simd::activate(a2, e));
        wasm_v128_store(dst + 3 * cs + c, simd::activate(a3, e));
    }
    for (; c < c_total; ++c)
        for (int j = 0; j < 4; ++j) {
            float acc = bias ? bias[c] : 0.0f;
            for (int ky = 0; ky < K; ++ky)
                for (int kx = 0; kx < K; ++kx) acc += src[ky * row + (j * S + kx) * cs + c] * w[(ky * K + kx) * cs + c];
            dst[j * cs + c] = activate_ref(acc, e);
        }
}

template <int K, int S>
void dw_image(const dw_params& p, const float* img, const float* w, const float* packed, const float* bias, float* out,
              epilogue e) {
    const std::ptrdiff_t row = static_cast<std::ptrdiff_t>(p.w) * p.c;
    // Output columns whose windows lie inside the image horizontally: [x_lo, x_hi).
    int x_lo = (p.pad_l + p.sw - 1) / p.sw;
    int x_hi = x_lo;
    while (x_hi < p.ow && x_hi * p.sw - p.pad_l + p.kw <= p.w) ++x_hi;
    if (x_lo > p.ow) x_lo = x_hi = p.ow;
    for (int oy = 0; oy < p.oh; ++oy) {
        const int iy0 = oy * p.sh - p.pad_t;
        const bool row_inside = K > 0 && iy0 >= 0 && iy0 + p.kh <= p.h;
        const float* row_base = img + static_cast<std::ptrdiff_t>(iy0) * row;
        float* out_row = out + static_cast<std::size_t>(oy) * p.ow * p.c;
        int ox = 0;
        auto one = [&](int x) {
            const span2 t = valid_taps(p, oy, x);
            const float* base = row_base + static_cast<std::ptrdiff_t>(x * p.sw - p.pad_l) * p.c;
            float* dst = out_row + static_cast<std::size_t>(x) * p.c;
            const bool interior = row_inside && t.kx0 == 0 && t.kx1 == p.kw;
            if (interior) dw_pixel_interior<(K > 0 ? K : 1)>(base, row, p.c, w, bias, dst, e);
            else dw_pixel_general(p, base, t, w, bias, dst, e);
        };
        if (row_inside && S > 0) {
            for (; ox < x_lo; ++ox) one(ox);
            for (; ox + 4 <= x_hi; ox += 4)
                dw_quad_interior<(K > 0 ? K : 1), (S > 0 ? S : 1)>(
                    row_base + static_cast<std::ptrdiff_t>(ox * p.sw - p.pad_l) * p.c, row, p.c, w, packed, bias,
                    out_row + static_cast<std::size_t>(ox) * p.c, e);
        }
        for (; ox < p.ow; ++ox) one(ox);
    }
}

}  // namespace

void dwconv_f32__simd(const dw_params& p, const float* in, const float* w, const float* packed, const float* bias,
                      float* out, epilogue e) {
    const std::size_t in_img = static_cast<std::size_t>(p.h) * p.w * p.c;
    const std::size_t out_img = static_cast<std::size_t>(p.oh) * p.ow * p.c;
    for (int b = 0; b < p.n; ++b) {
        const float* img = in + b * in_img;
        float* o = out + b * out_img;
        const bool s1 = p.sh == 1 && p.sw == 1, s2 = p.sh == 2 && p.sw == 2;
        if (p.kh == 3 && p.kw == 3 && s1) dw_image<3, 1>(p, img, w, packed, bias, o, e);
        else if (p.kh == 3 && p.kw == 3 && s2) dw_image<3, 2>(p, img, w, packed, bias, o, e);
        else if (p.kh == 5 && p.kw == 5 && s1) dw_image<5, 1>(p, img, w, packed, bias, o, e);
        else if (p.kh == 5 && p.kw == 5 && s2) dw_image<5, 2>(p, img, w, packed, bias, o, e);
        else if (p.kh == 3 && p.kw == 3) dw_image<3, 0>(p, img, w, packed, bias, o, e);
        else if (p.kh == 5 && p.kw == 5) dw_image<5, 0>(p, img, w, packed, bias, o, e);
        else if (p.kh == 7 && p.kw == 7) dw_image<7, 0>(p, img, w, packed, bias, o, e);
        else dw_image<0, 0>(p, img, w, packed, bias, o, e);
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
                            acc = is_max ? wasm_f32x4_pmax(acc, v) : wasm_f32x4_add(acc, v);
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
