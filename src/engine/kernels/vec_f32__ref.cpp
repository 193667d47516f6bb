// Scalar reference kernels for vector ops: the specification the SIMD versions follow.
#include "engine/kernels/kernels.h"

namespace es::kernels {

void axpy_f32__ref(std::size_t n, float a, const float* x, float* y) {
    for (std::size_t i = 0; i < n; ++i) y[i] += a * x[i];
}

float dot_f32__ref(std::size_t n, const float* x, const float* y) {
    float acc = 0.0f;
    for (std::size_t i = 0; i < n; ++i) acc += x[i] * y[i];
    return acc;
}

}  // namespace es::kernels
