// GEMM reference: the plain triple loop, accumulation in k order.
#include "engine/kernels/nn.h"

#include <cmath>

namespace es::kernels {

float activate_ref(float x, epilogue e) {
    switch (e) {
    case epilogue::none: return x;
    case epilogue::relu: return x > 0.0f ? x : 0.0f;
    case epilogue::relu6: return x < 0.0f ? 0.0f : (x > 6.0f ? 6.0f : x);
    case epilogue::hswish: {
        float r = x + 3.0f;
        r = r < 0.0f ? 0.0f : (r > 6.0f ? 6.0f : r);
        return x * r * (1.0f / 6.0f);
    }
    case epilogue::hsigmoid: {
        float r = x + 3.0f;
        r = r < 0.0f ? 0.0f : (r > 6.0f ? 6.0f : r);
        return r * (1.0f / 6.0f);
    }
    case epilogue::sigmoid: return 1.0f / (1.0f + std::exp(-x));
    }
    return x;
}

void gemm_f32__ref(int m, int n, int k, const float* a, int lda, const float* b_kn, const float* bias, float* c,
                   int ldc, epilogue e) {
    for (int i = 0; i < m; ++i) {
        for (int j = 0; j < n; ++j) {
            float acc = bias ? bias[j] : 0.0f;
            for (int p = 0; p < k; ++p) acc += a[static_cast<std::size_t>(i) * lda + p] * b_kn[static_cast<std::size_t>(p) * n + j];
            c[static_cast<std::size_t>(i) * ldc + j] = activate_ref(acc, e);
        }
    }
}

gemm_weights gemm_pack(int n, int k, const float* b_kn) {
    gemm_weights w;
    w.n = n;
    w.k = k;
    w.b.assign(b_kn, b_kn + static_cast<std::size_t>(n) * k);
    const int panels = (n + 7) / 8;
    w.packed.assign(static_cast<std::size_t>(panels) * k * 8, 0.0f);
    for (int pnl = 0; pnl < panels; ++pnl)
        for (int p = 0; p < k; ++p)
            for (int j = 0; j < 8; ++j) {
                const int col = pnl * 8 + j;
                if (col < n)
                    w.packed[(static_cast<std::size_t>(pnl) * k + p) * 8 + j] = b_kn[static_cast<std::size_t>(p) * n + col];
            }
    return w;
}

}  // namespace es::kernels
