// GEMM with a 4x8 register tile: 4 rows of A broadcast against one packed 8-column panel
// of B, 8 f32x4 accumulators, over row blocks sized for L2 (GotoBLAS-style blocking).
#include "engine/kernels/nn.h"
#include "engine/kernels/simd_math.h"

#include <cstring>

namespace es::kernels {

namespace {

template <int MR, epilogue E>
inline void tile(int k, const float* a, int lda, const float* panel, const float* bias8, float* c, int ldc, int ncols) {
    v128_t acc0[MR], acc1[MR];
    const v128_t b_lo = bias8 ? wasm_v128_load(bias8) : wasm_f32x4_splat(0.0f);
    const v128_t b_hi = bias8 ? wasm_v128_load(bias8 + 4) : wasm_f32x4_splat(0.0f);
    for (int r = 0; r < MR; ++r) {
        acc0[r] = b_lo;
        acc1[r] = b_hi;
    }
    for (int p = 0; p < k; ++p) {
        const v128_t w0 = wasm_v128_load(panel + static_cast<std::size_t>(p) * 8);
        const v128_t w1 = wasm_v128_load(panel + static_cast<std::size_t>(p) * 8 + 4);
        for (int r = 0; r < MR; ++r) {
            const v128_t av = wasm_v128_load32_splat(a + static_cast<std::size_t>(r) * lda + p);
            acc0[r] = wasm_f32x4_add(acc0[r], wasm_f32x4_mul(av, w0));
            acc1[r] = wasm_f32x4_add(acc1[r], wasm_f32x4_mul(av, w1));
        }
    }
    for (int r = 0; r < MR; ++r) {
        const v128_t lo = simd::activate_t<E>(acc0[r]), hi = simd::activate_t<E>(acc1[r]);
        float* dst = c + static_cast<std::size_t>(r) * ldc;
        if (ncols == 8) {
            wasm_v128_store(dst, lo);
            wasm_v128_store(dst + 4, hi);
        } else {
            alignas(16) float tmp[8];
            wasm_v128_store(tmp, lo);
            wasm_v128_store(tmp + 4, hi);
            std::memcpy(dst, tmp, static_cast<std::size_t>(ncols) * sizeof(float));
        }
    }
}

template <epilogue E>
void gemm_impl(int m, int n, int k, const float* a, int lda, const float* packed, const float* bias, float* c, int ldc) {
    const int panels = (n + 7) / 8;
    alignas(16) float bias_pad[8 * 64];  // bias per panel, zero-padded to whole panels
    const bool small_b = static_cast<std::size_t>(panels) * 8 * k * sizeof(float) <= 24 * 1024 && panels <= 64;
    if (small_b) {
        // All of B fits in L1 (expand layers: small K, wide N): take four rows at a time
        // through every panel, so each row of C is written whole, once, while it is hot.
        if (bias) {
            std::memset(bias_pad, 0, sizeof(float) * 8 * static_cast<std::size_t>(panels));
            std::memcpy(bias_pad, bias, static_cast<std::size_t>(n) * sizeof(float));
        }
        int i = 0;
        for (; i + 4 <= m; i += 4)
            for (int pnl = 0; pnl < panels; ++pnl) {
                const int col = pnl * 8;
                tile<4, E>(k, a + static_cast<std::size_t>(i) * lda, lda, packed + static_cast<std::size_t>(pnl) * k * 8,
                        bias ? bias_pad + col : nullptr, c + static_cast<std::size_t>(i) * ldc + col, ldc,
                        n - col < 8 ? n - col : 8);
            }
        for (; i < m; ++i)
            for (int pnl = 0; pnl < panels; ++pnl) {
                const int col = pnl * 8;
                tile<1, E>(k, a + static_cast<std::size_t>(i) * lda, lda, packed + static_cast<std::size_t>(pnl) * k * 8,
                        bias ? bias_pad + col : nullptr, c + static_cast<std::size_t>(i) * ldc + col, ldc,
                        n - col < 8 ? n - col : 8);
            }
        return;
    }
    // Otherwise rows are taken in blocks whose slice of A (mc x k floats) stays in L2 while
    // every panel of B passes over it; within a block each panel (k x 8) stays in L1.
    int mc = (64 * 1024 / 4) / (k > 0 ? k : 1);
    mc = mc < 16 ? 16 : (mc > 1024 ? 1024 : mc);
    mc -= mc % 4;
    for (int i0 = 0; i0 < m; i0 += mc) {
        const int i_end = i0 + mc < m ? i0 + mc : m;
        for (int pnl = 0; pnl < panels; ++pnl) {
            const int col = pnl * 8;
            const int ncols = n - col < 8 ? n - col : 8;
            alignas(16) float bias8[8] = {0, 0, 0, 0, 0, 0, 0, 0};
            if (bias) std::memcpy(bias8, bias + col, static_cast<std::size_t>(ncols) * sizeof(float));
            const float* b8 = bias ? bias8 : nullptr;
            const float* panel = packed + static_cast<std::size_t>(pnl) * k * 8;
            int i = i0;
            for (; i + 4 <= i_end; i += 4)
                tile<4, E>(k, a + static_cast<std::size_t>(i) * lda, lda, panel, b8,
                        c + static_cast<std::size_t>(i) * ldc + col, ldc, ncols);
            const int rest = i_end - i;
            const float* ar = a + static_cast<std::size_t>(i) * lda;
            float* cr = c + static_cast<std::size_t>(i) * ldc + col;
            if (rest == 3) tile<3, E>(k, ar, lda, panel, b8, cr, ldc, ncols);
            else if (rest == 2) tile<2, E>(k, ar, lda, panel, b8, cr, ldc, ncols);
            else if (rest == 1) tile<1, E>(k, ar, lda, panel, b8, cr, ldc, ncols);
        }
    }
}

}  // namespace

void gemm_f32__simd(int m, int n, int k, const float* a, int lda, const float* packed, const float* bias, float* c,
                    int ldc, epilogue e) {
    simd::with_epilogue(e, [&]<epilogue E>() { gemm_impl<E>(m, n, k, a, lda, packed, bias, c, ldc); });
}

}  // namespace es::kernels
