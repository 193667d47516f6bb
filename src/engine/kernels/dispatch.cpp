// dispatch: the one place that chooses between reference and SIMD kernels.
#include "engine/kernels/kernels.h"
#include "engine/kernels/nn.h"
#include "engine/kernels/qnn.h"
#include "engine/kernels/simd.h"
#include "engine/kernels/sparse.h"

#include <cmath>
#include <vector>

namespace es::kernels {

namespace {
kernel_mode g_mode = kernel_mode::kernel_mode_simd;
inline bool use_simd() { return g_mode == kernel_mode::kernel_mode_simd; }
}  // namespace

void set_mode(kernel_mode m) { g_mode = m; }
kernel_mode mode() { return g_mode; }

void axpy_f32(std::size_t n, float a, const float* x, float* y) {
    use_simd() ? axpy_f32__simd(n, a, x, y) : axpy_f32__ref(n, a, x, y);
}
float dot_f32(std::size_t n, const float* x, const float* y) {
    return use_simd() ? dot_f32__simd(n, x, y) : dot_f32__ref(n, x, y);
}

void gemm_f32(int m, int n, int k, const float* a, int lda, const gemm_weights& w, const float* bias, float* c,
              int ldc, epilogue e) {
    if (use_simd()) gemm_f32__simd(m, n, k, a, lda, w.packed.data(), bias, c, ldc, e);
    else gemm_f32__ref(m, n, k, a, lda, w.b.data(), bias, c, ldc, e);
}
void dwconv_f32(const dw_params& p, const float* in, const float* w, const float* packed, const float* bias, float* out,
                epilogue e) {
    use_simd() ? dwconv_f32__simd(p, in, w, packed, bias, out, e) : dwconv_f32__ref(p, in, w, bias, out, e);
}
void act_f32(std::size_t count, const float* x, float* out, epilogue e) {
    use_simd() ? act_f32__simd(count, x, out, e) : act_f32__ref(count, x, out, e);
}
void add_f32(std::size_t count, const float* x, const float* y, float* out, epilogue e) {
    use_simd() ? add_f32__simd(count, x, y, out, e) : add_f32__ref(count, x, y, out, e);
}
void channel_affine_f32(std::size_t pixels, int c, const float* x, const float* scale, const float* shift, float* out,
                        epilogue e) {
    use_simd() ? channel_affine_f32__simd(pixels, c, x, scale, shift, out, e)
               : channel_affine_f32__ref(pixels, c, x, scale, shift, out, e);
}
void shuffle_f32(std::size_t pixels, int c, int groups, const float* x, float* out) {
    use_simd() ? shuffle_f32__simd(pixels, c, groups, x, out) : shuffle_f32__ref(pixels, c, groups, x, out);
}
void maxpool_f32(const dw_params& p, const float* in, float* out) {
    use_simd() ? maxpool_f32__simd(p, in, out) : maxpool_f32__ref(p, in, out);
}
void avgpool_f32(const dw_params& p, const float* in, float* out) {
    use_simd() ? avgpool_f32__simd(p, in, out) : avgpool_f32__ref(p, in, out);
}
void gap_f32(int n, int hw, int c, const float* in, float* out) {
    use_simd() ? gap_f32__simd(n, hw, c, in, out) : gap_f32__ref(n, hw, c, in, out);
}
void softmax_f32(int rows, int c, const float* x, float* out) {
    use_simd() ? softmax_f32__simd(rows, c, x, out) : softmax_f32__ref(rows, c, x, out);
}

bool simd_enabled() { return use_simd(); }
const char* simd_backend() { return ES_SIMD_BACKEND; }

bool simd_self_check() {
    for (std::size_t n : {1u, 3u, 4u, 5u, 7u, 8u, 9u, 17u, 33u}) {
        std::vector<float> x(n), y(n), y_ref(n);
        for (std::size_t i = 0; i < n; ++i) {
            x[i] = static_cast<float>(std::sin(0.7 * static_cast<double>(i) + 0.3));
            y[i] = y_ref[i] = static_cast<float>(std::cos(1.3 * static_cast<double>(i)));
        }
        float d_ref = dot_f32__ref(n, x.data(), y.data());
        float d = dot_f32__simd(n, x.data(), y.data());
        if (std::fabs(d - d_ref) > 1e-5f * (1.0f + std::fabs(d_ref))) return false;
        axpy_f32__ref(n, 0.37f, x.data(), y_ref.data());
        axpy_f32__simd(n, 0.37f, x.data(), y.data());
        for (std::size_t i = 0; i < n; ++i)
            if (std::fabs(y[i] - y_ref[i]) > 1e-6f * (1.0f + std::fabs(y_ref[i]))) return false;
    }
    return qnn_self_check() && sparse_self_check();  // and the int8 kernels (bit-exact), the sparse ones
}

}  // namespace es::kernels
