// Depthwise convolution and pooling references: direct loops over the window, skipping
// taps that fall in the padding.
#include "engine/kernels/nn.h"

#include <cfloat>
#include <cstring>

namespace es::kernels {

void dwconv_f32__ref(const dw_params& p, const float* in, const float* w, const float* bias, float* out, epilogue e) {
    for (int b = 0; b < p.n; ++b)
        for (int oy = 0; oy < p.oh; ++oy)
            for (int ox = 0; ox < p.ow; ++ox)
                for (int c = 0; c < p.c; ++c) {
                    float acc = bias ? bias[c] : 0.0f;
                    for (int ky = 0; ky < p.kh; ++ky) {
                        const int iy = oy * p.sh - p.pad_t + ky;
                        if (iy < 0 || iy >= p.h) continue;
                        for (int kx = 0; kx < p.kw; ++kx) {
                            const int ix = ox * p.sw - p.pad_l + kx;
                            if (ix < 0 || ix >= p.w) continue;
                            acc += in[((static_cast<std::size_t>(b) * p.h + iy) * p.w + ix) * p.c + c] *
                                   w[(static_cast<std::size_t>(ky) * p.kw + kx) * p.c + c];
                        }
                    }
                    out[((static_cast<std::size_t>(b) * p.oh + oy) * p.ow + ox) * p.c + c] = activate_ref(acc, e);
                }
}

std::vector<float> dw_pack(int c, int taps, const float* w) {
    std::vector<float> out;
    int c0 = 0;
    for (; c0 + 8 <= c; c0 += 8)
        for (int t = 0; t < taps; ++t)
            for (int j = 0; j < 8; ++j) out.push_back(w[static_cast<std::size_t>(t) * c + c0 + j]);
    if (c0 + 4 <= c)
        for (int t = 0; t < taps; ++t)
            for (int j = 0; j < 4; ++j) out.push_back(w[static_cast<std::size_t>(t) * c + c0 + j]);
    return out;
}

void im2col_f32(const dw_params& p, int c0, int cg, const float* in, float* cols) {
    const std::size_t row = static_cast<std::size_t>(p.kh) * p.kw * cg;
    for (int oy = 0; oy < p.oh; ++oy)
        for (int ox = 0; ox < p.ow; ++ox) {
            float* dst = cols + (static_cast<std::size_t>(oy) * p.ow + ox) * row;
            const int ix0 = ox * p.sw - p.pad_l;
            const bool cols_inside = ix0 >= 0 && ix0 + p.kw <= p.w && cg == p.c;
            for (int ky = 0; ky < p.kh; ++ky) {
                const int iy = oy * p.sh - p.pad_t + ky;
                if (cols_inside && iy >= 0 && iy < p.h) {
                    // The window's row is one contiguous run of kw * C floats in NHWC.
                    std::memcpy(dst + static_cast<std::size_t>(ky) * p.kw * cg,
                                in + (static_cast<std::size_t>(iy) * p.w + ix0) * p.c,
                                static_cast<std::size_t>(p.kw) * cg * sizeof(float));
                    continue;
                }
                for (int kx = 0; kx < p.kw; ++kx) {
                    const int ix = ox * p.sw - p.pad_l + kx;
                    float* d = dst + (static_cast<std::size_t>(ky) * p.kw + kx) * cg;
                    if (iy < 0 || iy >= p.h || ix < 0 || ix >= p.w) {
                        for (int c = 0; c < cg; ++c) d[c] = 0.0f;
                    } else {
                        const float* s = in + (static_cast<std::size_t>(iy) * p.w + ix) * p.c + c0;
                        for (int c = 0; c < cg; ++c) d[c] = s[c];
                    }
                }
            }
        }
}

template <bool is_max>
static void pool_ref(const dw_params& p, const float* in, float* out) {
    const float inv = 1.0f / static_cast<float>(p.kh * p.kw);
    for (int b = 0; b < p.n; ++b)
        for (int oy = 0; oy < p.oh; ++oy)
            for (int ox = 0; ox < p.ow; ++ox)
                for (int c = 0; c < p.c; ++c) {
                    float acc = is_max ? -FLT_MAX : 0.0f;
                    for (int ky = 0; ky < p.kh; ++ky) {
                        const int iy = oy * p.sh - p.pad_t + ky;
                        if (iy < 0 || iy >= p.h) continue;
                        for (int kx = 0; kx < p.kw; ++kx) {
                            const int ix = ox * p.sw - p.pad_l + kx;
                            if (ix < 0 || ix >= p.w) continue;
                            const float v = in[((static_cast<std::size_t>(b) * p.h + iy) * p.w + ix) * p.c + c];
                            if (is_max) acc = v > acc ? v : acc;
                            else acc += v;
                        }
                    }
                    out[((static_cast<std::size_t>(b) * p.oh + oy) * p.ow + ox) * p.c + c] = is_max ? acc : acc * inv;
                }
}

void maxpool_f32__ref(const dw_params& p, const float* in, float* out) { pool_ref<true>(p, in, out); }
void avgpool_f32__ref(const dw_params& p, const float* in, float* out) { pool_ref<false>(p, in, out); }

}  // namespace es::kernels
