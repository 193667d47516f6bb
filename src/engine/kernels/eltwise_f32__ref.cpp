// Element-wise, per-channel and data-movement references.
#include "engine/kernels/nn.h"

#include <cmath>
#include <cstring>

namespace es::kernels {

void act_f32__ref(std::size_t count, const float* x, float* out, epilogue e) {
    for (std::size_t i = 0; i < count; ++i) out[i] = activate_ref(x[i], e);
}

void add_f32__ref(std::size_t count, const float* x, const float* y, float* out, epilogue e) {
    for (std::size_t i = 0; i < count; ++i) out[i] = activate_ref(x[i] + y[i], e);
}

void channel_affine_f32__ref(std::size_t pixels, int c, const float* x, const float* scale, const float* shift,
                             float* out, epilogue e) {
    for (std::size_t p = 0; p < pixels; ++p)
        for (int j = 0; j < c; ++j) {
            const std::size_t i = p * static_cast<std::size_t>(c) + static_cast<std::size_t>(j);
            out[i] = activate_ref(x[i] * scale[j] + (shift ? shift[j] : 0.0f), e);
        }
}

void copy_channels_f32(std::size_t pixels, const float* x, int cx, int c0, int cn, float* out, int cout, int o0) {
    for (std::size_t p = 0; p < pixels; ++p)
        std::memcpy(out + p * static_cast<std::size_t>(cout) + o0, x + p * static_cast<std::size_t>(cx) + c0,
                    static_cast<std::size_t>(cn) * sizeof(float));
}

void shuffle_f32__ref(std::size_t pixels, int c, int groups, const float* x, float* out) {
    const int per = c / groups;
    for (std::size_t p = 0; p < pixels; ++p) {
        const float* s = x + p * static_cast<std::size_t>(c);
        float* d = out + p * static_cast<std::size_t>(c);
        for (int g = 0; g < groups; ++g)
            for (int i = 0; i < per; ++i) d[i * groups + g] = s[g * per + i];
    }
}

void gap_f32__ref(int n, int hw, int c, const float* in, float* out) {
    for (int b = 0; b < n; ++b)
        for (int j = 0; j < c; ++j) {
            float acc = 0.0f;
            for (int p = 0; p < hw; ++p) acc += in[(static_cast<std::size_t>(b) * hw + p) * c + j];
            out[static_cast<std::size_t>(b) * c + j] = acc / static_cast<float>(hw);
        }
}

void softmax_f32__ref(int rows, int c, const float* x, float* out) {
    for (int r = 0; r < rows; ++r) {
        const float* s = x + static_cast<std::size_t>(r) * c;
        float* d = out + static_cast<std::size_t>(r) * c;
        float mx = s[0];
        for (int j = 1; j < c; ++j) mx = s[j] > mx ? s[j] : mx;
        float sum = 0.0f;
        for (int j = 0; j < c; ++j) {
            d[j] = std::exp(s[j] - mx);
            sum += d[j];
        }
        for (int j = 0; j < c; ++j) d[j] /= sum;
    }
}

}  // namespace es::kernels
