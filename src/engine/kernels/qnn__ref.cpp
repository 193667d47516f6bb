// qnn__ref: the scalar reference of every integer kernel (the specification the SIMD twins
// must equal bit-exactly), and the fixed-point helpers both paths share.
#include "engine/kernels/qnn.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace es::kernels {

requant quantize_multiplier(double m) {
    requant r;
    if (!(m > 0.0) || !std::isfinite(m)) return r;
    int exp = 0;
    const double frac = std::frexp(m, &exp);  // m = frac * 2^exp, frac in [0.5, 1)
    auto q = static_cast<std::int64_t>(std::llround(frac * 2147483648.0));
    if (q == (std::int64_t{1} << 31)) {  // rounding reached 1.0
        q /= 2;
        ++exp;
    }
    if (exp > 31) return {std::numeric_limits<std::int32_t>::max(), 31};  // saturate: m >= 2^31
    if (exp < -31) return r;                                              // below 2^-32: rounds to 0
    r.mult = static_cast<std::int32_t>(q);
    r.shift = exp;
    return r;
}

double requant_value(requant r) { return std::ldexp(static_cast<double>(r.mult), r.shift - 31); }

std::int32_t srdhm(std::int32_t a, std::int32_t b) {
    if (a == b && a == std::numeric_limits<std::int32_t>::min()) return std::numeric_limits<std::int32_t>::max();
    const std::int64_t ab = static_cast<std::int64_t>(a) * static_cast<std::int64_t>(b);
    const std::int64_t nudge = ab >= 0 ? (std::int64_t{1} << 30) : (1 - (std::int64_t{1} << 30));
    // Division truncating toward zero, as gemmlowp (not an arithmetic shift).
    return static_cast<std::int32_t>((ab + nudge) / (std::int64_t{1} << 31));
}

std::int32_t rounding_divide_by_pot(std::int32_t x, int exponent) {
    if (exponent <= 0) return x;
    const std::int32_t mask = static_cast<std::int32_t>((std::int64_t{1} << exponent) - 1);
    const std::int32_t remainder = x & mask;
    const std::int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

std::int32_t requantize(std::int32_t x, requant r) {
    const int left = r.shift > 0 ? r.shift : 0;
    const int right = r.shift > 0 ? 0 : -r.shift;
    std::int64_t shifted = static_cast<std::int64_t>(x) * (std::int64_t{1} << left);
    shifted = std::clamp<std::int64_t>(shifted, std::numeric_limits<std::int32_t>::min(),
                                       std::numeric_limits<std::int32_t>::max());
    return rounding_divide_by_pot(srdhm(static_cast<std::int32_t>(shifted), r.mult), right);
}

// --- GEMM --------------------------------------------------------------------------------------
gemm_s8_weights gemm_s8_pack(int n, int k, const std::int8_t* b_kn) {
    gemm_s8_weights w;
    w.n = n;
    w.k = k;
    w.b.assign(b_kn, b_kn + static_cast<std::size_t>(n) * static_cast<std::size_t>(k));
    w.colsum.assign(static_cast<std::size_t>(n), 0);
    for (int kk = 0; kk < k; ++kk)
        for (int j = 0; j < n; ++j) w.colsum[static_cast<std::size_t>(j)] += b_kn[static_cast<std::size_t>(kk) * n + j];
    gemm_s8_pack_simd(w);
    return w;
}

void gemm_s8__ref(int m, int n, int k, const std::int8_t* a, int lda, const std::int8_t* b_kn, const q_output& o,
                  std::int8_t* c, int ldc) {
    for (int i = 0; i < m; ++i) {
        const std::int8_t* ar = a + static_cast<std::ptrdiff_t>(i) * lda;
        for (int j = 0; j < n; ++j) {
            std::int32_t acc = o.bias ? o.bias[j] : 0;
            for (int kk = 0; kk < k; ++kk)
                acc += static_cast<std::int32_t>(ar[kk]) * static_cast<std::int32_t>(b_kn[static_cast<std::size_t>(kk) * n + j]);
            c[static_cast<std::ptrdiff_t>(i) * ldc + j] = q_store(acc, o.rq[j], o);
        }
    }
}

// --- depthwise ---------------------------------------------------------------------------------
dw_s8_weights dw_s8_pack(int c, int taps, const std::int8_t* w_tap_major) {
    dw_s8_weights w;
    w.c = c;
    w.taps = taps;
    w.w.assign(w_tap_major, w_tap_major + static_cast<std::size_t>(c) * static_cast<std::size_t>(taps));
    dw_s8_pack_simd(w);
    return w;
}

void dwconv_s8__ref(const dw_params& p, const std::int8_t* in, std::int32_t zp_in, const std::int8_t* w,
                    const q_output& o, std::int8_t* out) {
    for (int b = 0; b < p.n; ++b) {
        const std::int8_t* img = in + static_cast<std::size_t>(b) * p.h * p.w * p.c;
        std::int8_t* dst = out + static_cast<std::size_t>(b) * p.oh * p.ow * p.c;
        for (int oy = 0; oy < p.oh; ++oy)
            for (int ox = 0; ox < p.ow; ++ox)
                for (int ch = 0; ch < p.c; ++ch) {
                    std::int32_t acc = o.bias ? o.bias[ch] : 0;
                    for (int ky = 0; ky < p.kh; ++ky) {
                        const int iy = oy * p.sh - p.pad_t + ky;
                        if (iy < 0 || iy >= p.h) continue;
                        for (int kx = 0; kx < p.kw; ++kx) {
                            const int ix = ox * p.sw - p.pad_l + kx;
                            if (ix < 0 || ix >= p.w) continue;
                            const std::int32_t x = img[(static_cast<std::size_t>(iy) * p.w + ix) * p.c + ch];
                            acc += (x - zp_in) * static_cast<std::int32_t>(w[(static_cast<std::size_t>(ky) * p.kw + kx) * p.c + ch]);
                        }
                    }
                    dst[(static_cast<std::size_t>(oy) * p.ow + ox) * p.c + ch] = q_store(acc, o.rq[ch], o);
                }
    }
}

void im2col_s8(const dw_params& p, int c0, int cg, const std::int8_t* in, std::int8_t pad_value, std::int8_t* cols) {
    const std::size_t row = static_cast<std::size_t>(p.kh) * p.kw * cg;
    for (int oy = 0; oy < p.oh; ++oy)
        for (int ox = 0; ox < p.ow; ++ox) {
            std::int8_t* dst = cols + (static_cast<std::size_t>(oy) * p.ow + ox) * row;
            for (int ky = 0; ky < p.kh; ++ky) {
                const int iy = oy * p.sh - p.pad_t + ky;
                for (int kx = 0; kx < p.kw; ++kx, dst += cg) {
                    const int ix = ox * p.sw - p.pad_l + kx;
                    if (iy < 0 || iy >= p.h || ix < 0 || ix >= p.w) {
                        std::memset(dst, static_cast<unsigned char>(pad_value), static_cast<std::size_t>(cg));
                    } else {
                        std::memcpy(dst, in + (static_cast<std::size_t>(iy) * p.w + ix) * p.c + c0,
                                    static_cast<std::size_t>(cg));
                    }
                }
            }
        }
}

// --- element-wise ------------------------------------------------------------------------------
add_s8_params make_add_s8_params(double s_a, std::int32_t zp_a, double s_b, std::int32_t zp_b, double s_out,
                                 std::int32_t zp_out, std::int8_t lo, std::int8_t hi) {
    add_s8_params p;
    p.zp_a = zp_a;
    p.zp_b = zp_b;
    p.zp_out = zp_out;
    p.lo = lo;
    p.hi = hi;
    const double twice_max = 2.0 * std::max(s_a, s_b);
    p.rq_a = quantize_multiplier(s_a / twice_max);
    p.rq_b = quantize_multiplier(s_b / twice_max);
    p.rq_out = quantize_multiplier(twice_max / (static_cast<double>(1 << p.left_shift) * s_out));
    return p;
}

void add_s8__ref(std::size_t count, const std::int8_t* a, const std::int8_t* b, const add_s8_params& p,
                 std::int8_t* out) {
    for (std::size_t i = 0; i < count; ++i) {
        const std::int32_t x = requantize((a[i] - p.zp_a) * (1 << p.left_shift), p.rq_a);
        const std::int32_t y = requantize((b[i] - p.zp_b) * (1 << p.left_shift), p.rq_b);
        std::int32_t v = requantize(x + y, p.rq_out) + p.zp_out;
        out[i] = static_cast<std::int8_t>(std::clamp<std::int32_t>(v, p.lo, p.hi));
    }
}

void mul_channel_s8__ref(int n, int hw, int c, const std::int8_t* x, std::int32_t zp_x, const std::int8_t* s,
                         std::int32_t zp_s, requant rq, std::int32_t zp_out, std::int8_t lo, std::int8_t hi,
                         std::int8_t* out) {
    for (int i = 0; i < n; ++i) {
        const std::int8_t* si = s + static_cast<std::size_t>(i) * c;
        for (int px = 0; px < hw; ++px) {
            const std::size_t base = (static_cast<std::size_t>(i) * hw + px) * c;
            for (int ch = 0; ch < c; ++ch) {
                const std::int32_t prod = (x[base + ch] - zp_x) * (si[ch] - zp_s);
                out[base + ch] = static_cast<std::int8_t>(std::clamp<std::int32_t>(requantize(prod, rq) + zp_out, lo, hi));
            }
        }
    }
}

void lut_s8__ref(std::size_t count, const std::int8_t* x, const std::int8_t* table, std::int8_t* out) {
    for (std::size_t i = 0; i < count; ++i) out[i] = table[x[i] + 128];
}

// --- pooling -----------------------------------------------------------------------------------
void maxpool_s8__ref(const dw_params& p, const std::int8_t* in, std::int8_t* out) {
    for (int b = 0; b < p.n; ++b) {
        const std::int8_t* img = in + static_cast<std::size_t>(b) * p.h * p.w * p.c;
        std::int8_t* dst = out + static_cast<std::size_t>(b) * p.oh * p.ow * p.c;
        for (int oy = 0; oy < p.oh; ++oy)
            for (int ox = 0; ox < p.ow; ++ox)
                for (int ch = 0; ch < p.c; ++ch) {
                    int best = -129;
                    for (int ky = 0; ky < p.kh; ++ky) {
                        const int iy = oy * p.sh - p.pad_t + ky;
                        if (iy < 0 || iy >= p.h) continue;
                        for (int kx = 0; kx < p.kw; ++kx) {
                            const int ix = ox * p.sw - p.pad_l + kx;
                            if (ix < 0 || ix >= p.w) continue;
                            best = std::max<int>(best, img[(static_cast<std::size_t>(iy) * p.w + ix) * p.c + ch]);
                        }
                    }
                    dst[(static_cast<std::size_t>(oy) * p.ow + ox) * p.c + ch] =
                        static_cast<std::int8_t>(best < -128 ? -128 : best);
                }
    }
}

void avgpool_s8__ref(const dw_params& p, const std::int8_t* in, std::int32_t zp_in, requant rq, std::int32_t zp_out,
                     std::int8_t* out) {
    for (int b = 0; b < p.n; ++b) {
        const std::int8_t* img = in + static_cast<std::size_t>(b) * p.h * p.w * p.c;
        std::int8_t* dst = out + static_cast<std::size_t>(b) * p.oh * p.ow * p.c;
        for (int oy = 0; oy < p.oh; ++oy)
            for (int ox = 0; ox < p.ow; ++ox)
                for (int ch = 0; ch < p.c; ++ch) {
                    std::int32_t acc = 0;
                    for (int ky = 0; ky < p.kh; ++ky) {
                        const int iy = oy * p.sh - p.pad_t + ky;
                        if (iy < 0 || iy >= p.h) continue;
                        for (int kx = 0; kx < p.kw; ++kx) {
                            const int ix = ox * p.sw - p.pad_l + kx;
                            if (ix < 0 || ix >= p.w) continue;
                            acc += img[(static_cast<std::size_t>(iy) * p.w + ix) * p.c + ch] - zp_in;
                        }
                    }
                    dst[(static_cast<std::size_t>(oy) * p.ow + ox) * p.c + ch] =
                        static_cast<std::int8_t>(std::clamp<std::int32_t>(requantize(acc, rq) + zp_out, -128, 127));
                }
    }
}

void gap_s8__ref(int n, int hw, int c, const std::int8_t* in, std::int32_t zp_in, requant rq, std::int32_t zp_out,
                 std::int8_t* out) {
    for (int i = 0; i < n; ++i)
        for (int ch = 0; ch < c; ++ch) {
            std::int32_t acc = 0;
            for (int px = 0; px < hw; ++px) acc += in[(static_cast<std::size_t>(i) * hw + px) * c + ch] - zp_in;
            out[static_cast<std::size_t>(i) * c + ch] =
                static_cast<std::int8_t>(std::clamp<std::int32_t>(requantize(acc, rq) + zp_out, -128, 127));
        }
}

// --- data movement -----------------------------------------------------------------------------
void shuffle_s8(std::size_t pixels, int c, int groups, const std::int8_t* x, std::int8_t* out) {
    const int per = c / groups;
    for (std::size_t px = 0; px < pixels; ++px) {
        const std::int8_t* src = x + px * c;
        std::int8_t* dst = out + px * c;
        for (int g = 0; g < groups; ++g)
            for (int i = 0; i < per; ++i) dst[i * groups + g] = src[g * per + i];
    }
}

void copy_channels_s8(std::size_t pixels, const std::int8_t* x, int cx, int c0, int cn, std::int8_t* out, int cout,
                      int o0) {
    for (std::size_t px = 0; px < pixels; ++px)
        std::memcpy(out + px * cout + o0, x + px * cx + c0, static_cast<std::size_t>(cn));
}

void quantize_f32_s8(std::size_t count, const float* x, float scale, std::int32_t zp, std::int8_t* out) {
    // A division, not a multiply by 1/S: the same rounding as quant::quantize (QAT's fake quant).
    for (std::size_t i = 0; i < count; ++i) {
        float v = std::round(x[i] / scale) + static_cast<float>(zp);
        if (v != v) v = static_cast<float>(zp);  // NaN input: real 0
        out[i] = static_cast<std::int8_t>(std::clamp(v, -128.0f, 127.0f));
    }
}

void dequantize_s8_f32(std::size_t count, const std::int8_t* q, float scale, std::int32_t zp, float* out) {
    for (std::size_t i = 0; i < count; ++i) out[i] = scale * static_cast<float>(q[i] - zp);
}

}  // namespace es::kernels
