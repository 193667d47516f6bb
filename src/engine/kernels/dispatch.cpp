// dispatch: the one place that chooses between reference and SIMD kernels.
#include "engine/kernels/kernels.h"
#include "engine/kernels/simd.h"

#include <cmath>
#include <vector>

namespace es::kernels {

void axpy_f32(std::size_t n, float a, const float* x, float* y) { axpy_f32__simd(n, a, x, y); }
float dot_f32(std::size_t n, const float* x, const float* y) { return dot_f32__simd(n, x, y); }

bool simd_enabled() { return true; }
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
    return true;
}

}  // namespace es::kernels
