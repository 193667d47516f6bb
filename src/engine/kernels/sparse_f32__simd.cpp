// Sparse-weight GEMMs in wasm_simd128 (see sparse.h). Both kernels vectorize over output
// pixels: a block of 8 rows of A is transposed into a K-major panel [K][8], so a stored weight
// at reduction index k multiplies the contiguous 8 floats panel[k*8 .. k*8+7]. The 2:4 kernel
// reads the 2-bit positions straight from the metadata bytes (one byte = two groups = four
// kept values) and works on four output channels at a time (8 accumulators: enough
// independent add chains to hide the add latency); the CSR kernel works on one output channel
// with two interleaved partial sums.
#include "engine/kernels/sparse.h"
#include "engine/kernels/simd_math.h"

#include <cstring>

namespace es::kernels {

namespace {

constexpr int MR = 8;  // rows of A per panel (two f32x4)

float* panel_scratch(int k) {
    thread_local std::vector<float> scratch;
    const std::size_t need = static_cast<std::size_t>(k > 0 ? k : 1) * MR;
    if (scratch.size() < need) scratch.resize(need);
    return scratch.data();
}

// panel[p][r] = a[r][p] for r < rows, 0 for the missing rows of a last block.
void pack_panel(int rows, int k, const float* a, int lda, float* panel) {
    int p = 0;
    if (rows == MR) {
        for (; p + 4 <= k; p += 4)
            for (int h = 0; h < 2; ++h) {
                const float* a0 = a + static_cast<std::size_t>(4 * h) * lda + p;
                const v128_t r0 = wasm_v128_load(a0), r1 = wasm_v128_load(a0 + lda), r2 = wasm_v128_load(a0 + 2 * lda),
                             r3 = wasm_v128_load(a0 + 3 * lda);
                const v128_t t0 = wasm_i32x4_shuffle(r0, r1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(r0, r1, 2, 6, 3, 7);
                const v128_t t2 = wasm_i32x4_shuffle(r2, r3, 0, 4, 1, 5), t3 = wasm_i32x4_shuffle(r2, r3, 2, 6, 3, 7);
                float* dst = panel + static_cast<std::size_t>(p) * MR + 4 * h;
                wasm_v128_store(dst, wasm_i32x4_shuffle(t0, t2, 0, 1, 4, 5));
                wasm_v128_store(dst + MR, wasm_i32x4_shuffle(t0, t2, 2, 3, 6, 7));
                wasm_v128_store(dst + 2 * MR, wasm_i32x4_shuffle(t1, t3, 0, 1, 4, 5));
                wasm_v128_store(dst + 3 * MR, wasm_i32x4_shuffle(t1, t3, 2, 3, 6, 7));
            }
    }
    for (; p < k; ++p)
        for (int r = 0; r < MR; ++r)
            panel[static_cast<std::size_t>(p) * MR + r] = r < rows ? a[static_cast<std::size_t>(r) * lda + p] : 0.0f;
}

// Writes NR output channels [n0, n0 + NR) of `rows` output pixels from acc[j][h] (lanes =
// pixels 4h .. 4h+3), after the activation.
template <int NR, epilogue E>
inline void store_block(v128_t (&acc)[NR][2], int rows, float* c, int ldc) {
    if constexpr (NR == 4) {
        for (int h = 0; h < 2; ++h) {
            const v128_t r0 = simd::activate_t<E>(acc[0][h]), r1 = simd::activate_t<E>(acc[1][h]),
                         r2 = simd::activate_t<E>(acc[2][h]), r3 = simd::activate_t<E>(acc[3][h]);
            const v128_t t0 = wasm_i32x4_shuffle(r0, r1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(r0, r1, 2, 6, 3, 7);
            const v128_t t2 = wasm_i32x4_shuffle(r2, r3, 0, 4, 1, 5), t3 = wasm_i32x4_shuffle(r2, r3, 2, 6, 3, 7);
            const v128_t px[4] = {wasm_i32x4_shuffle(t0, t2, 0, 1, 4, 5), wasm_i32x4_shuffle(t0, t2, 2, 3, 6, 7),
                                  wasm_i32x4_shuffle(t1, t3, 0, 1, 4, 5), wasm_i32x4_shuffle(t1, t3, 2, 3, 6, 7)};
            for (int q = 0; q < 4; ++q)
                if (4 * h + q < rows) wasm_v128_store(c + static_cast<std::size_t>(4 * h + q) * ldc, px[q]);
        }
    } else {
        for (int j = 0; j < NR; ++j) {
            alignas(16) float tmp[MR];
            wasm_v128_store(tmp, simd::activate_t<E>(acc[j][0]));
            wasm_v128_store(tmp + 4, simd::activate_t<E>(acc[j][1]));
            for (int r = 0; r < rows; ++r) c[static_cast<std::size_t>(r) * ldc + j] = tmp[r];
        }
    }
}

// acc += value * panel[k][0..7]
inline void madd(v128_t (&acc)[2], const float* value, const float* panel_k) {
    const v128_t x = wasm_v128_load32_splat(value);
    acc[0] = wasm_f32x4_add(acc[0], wasm_f32x4_mul(x, wasm_v128_load(panel_k)));
    acc[1] = wasm_f32x4_add(acc[1], wasm_f32x4_mul(x, wasm_v128_load(panel_k + 4)));
}

// NR output channels starting at n0 over one panel. Every output adds its kept values in the
// reference's order (t = 0, 1, 2, ...).
template <int NR, epilogue E>
void sparse24_block(int rows, int n0, const float* panel, const sparse24_weights& w, const float* bias, float* c,
                    int ldc) {
    const int kept = w.k / 2, full = kept / 4;
    v128_t acc[NR][2];
    const float* v[NR];
    const std::uint8_t* mt[NR];
    ES_UNROLL for (int j = 0; j < NR; ++j) {
        acc[j][0] = acc[j][1] = wasm_f32x4_splat(bias ? bias[n0 + j] : 0.0f);
        v[j] = w.values.data() + static_cast<std::size_t>(n0 + j) * kept;
        mt[j] = w.meta.data() + static_cast<std::size_t>(n0 + j) * w.meta_stride;
    }
    for (int q = 0; q < full; ++q) {
        const float* base = panel + static_cast<std::size_t>(q) * 8 * MR;  // k = 8q .. 8q+7
        ES_UNROLL for (int j = 0; j < NR; ++j) {
            const unsigned b = mt[j][q];
            const float* vj = v[j] + 4 * q;
            madd(acc[j], vj, base + (b & 3u) * MR);
            madd(acc[j], vj + 1, base + ((b >> 2) & 3u) * MR);
            madd(acc[j], vj + 2, base + (4 + ((b >> 4) & 3u)) * MR);
            madd(acc[j], vj + 3, base + (4 + (b >> 6)) * MR);
        }
    }
    if (kept % 4) {  // K % 8 == 4: the last byte holds one group
        const float* base = panel + static_cast<std::size_t>(full) * 8 * MR;
        ES_UNROLL for (int j = 0; j < NR; ++j) {
            const unsigned b = mt[j][full];
            const float* vj = v[j] + 4 * full;
            madd(acc[j], vj, base + (b & 3u) * MR);
            madd(acc[j], vj + 1, base + ((b >> 2) & 3u) * MR);
        }
    }
    store_block<NR, E>(acc, rows, c + n0, ldc);
}

template <epilogue E>
void sparse24_impl(int m, int n, int k, const float* a, int lda, const sparse24_weights& w, const float* bias, float* c,
                   int ldc) {
    float* panel = panel_scratch(k);
    for (int i = 0; i < m; i += MR) {
        const int rows = m - i < MR ? m - i : MR;
        pack_panel(rows, k, a + static_cast<std::size_t>(i) * lda, lda, panel);
        float* ci = c + static_cast<std::size_t>(i) * ldc;
        int j = 0;
        for (; j + 4 <= n; j += 4) sparse24_block<4, E>(rows, j, panel, w, bias, ci, ldc);
        for (; j < n; ++j) sparse24_block<1, E>(rows, j, panel, w, bias, ci, ldc);
    }
}

// One output channel over one panel, nonzeros taken two at a time into two partial sums.
template <epilogue E>
void csr_row(int rows, int j, const float* panel, const csr_weights& w, const float* bias, float* c, int ldc) {
    v128_t acc[1][2], acc2[2];
    acc[0][0] = acc[0][1] = wasm_f32x4_splat(bias ? bias[j] : 0.0f);
    acc2[0] = acc2[1] = wasm_f32x4_splat(0.0f);
    std::int32_t p = w.row_ptr[static_cast<std::size_t>(j)];
    const std::int32_t end = w.row_ptr[static_cast<std::size_t>(j) + 1];
    const std::uint16_t* col = w.col.data();
    const float* val = w.values.data();
    for (; p + 2 <= end; p += 2) {
        madd(acc[0], val + p, panel + static_cast<std::size_t>(col[p]) * MR);
        madd(acc2, val + p + 1, panel + static_cast<std::size_t>(col[p + 1]) * MR);
    }
    if (p < end) madd(acc[0], val + p, panel + static_cast<std::size_t>(col[p]) * MR);
    acc[0][0] = wasm_f32x4_add(acc[0][0], acc2[0]);
    acc[0][1] = wasm_f32x4_add(acc[0][1], acc2[1]);
    store_block<1, E>(acc, rows, c + j, ldc);
}

template <epilogue E>
void csr_impl(int m, int n, int k, const float* a, int lda, const csr_weights& w, const float* bias, float* c, int ldc) {
    float* panel = panel_scratch(k);
    for (int i = 0; i < m; i += MR) {
        const int rows = m - i < MR ? m - i : MR;
        pack_panel(rows, k, a + static_cast<std::size_t>(i) * lda, lda, panel);
        float* ci = c + static_cast<std::size_t>(i) * ldc;
        for (int j = 0; j < n; ++j) csr_row<E>(rows, j, panel, w, bias, ci, ldc);
    }
}

}  // namespace

void sparse24_f32__simd(int m, int n, int k, const float* a, int lda, const sparse24_weights& w, const float* bias,
                        float* c, int ldc, epilogue e) {
    simd::with_epilogue(e, [&]<epilogue E>() { sparse24_impl<E>(m, n, k, a, lda, w, bias, c, ldc); });
}

void csr_f32__simd(int m, int n, int k, const float* a, int lda, const csr_weights& w, const float* bias, float* c,
                   int ldc, epilogue e) {
    simd::with_epilogue(e, [&]<epilogue E>() { csr_impl<E>(m, n, k, a, lda, w, bias, c, ldc); });
}

void sparse24_f32(int m, int n, int k, const float* a, int lda, const sparse24_weights& w, const float* bias, float* c,
                  int ldc, epilogue e) {
    mode() == kernel_mode::kernel_mode_simd ? sparse24_f32__simd(m, n, k, a, lda, w, bias, c, ldc, e)
                                            : sparse24_f32__ref(m, n, k, a, lda, w, bias, c, ldc, e);
}

void csr_f32(int m, int n, int k, const float* a, int lda, const csr_weights& w, const float* bias, float* c, int ldc,
             epilogue e) {
    mode() == kernel_mode::kernel_mode_simd ? csr_f32__simd(m, n, k, a, lda, w, bias, c, ldc, e)
                                            : csr_f32__ref(m, n, k, a, lda, w, bias, c, ldc, e);
}

bool sparse_self_check() {
    // A 2:4 and a ~70% unstructured matrix at odd sizes, against the references.
    for (int m : {1, 7, 9, 17})
        for (int n : {1, 5, 8})
            for (int k : {4, 12, 36}) {
                std::vector<float> a(static_cast<std::size_t>(m) * k), wd(static_cast<std::size_t>(n) * k, 0.0f),
                    wu(wd.size(), 0.0f), bias(static_cast<std::size_t>(n));
                for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<float>(static_cast<int>(i * 37 % 23) - 11) * 0.125f;
                for (std::size_t i = 0; i < bias.size(); ++i) bias[i] = 0.5f - static_cast<float>(static_cast<int>(i));
                for (std::size_t i = 0; i < wd.size(); ++i) {
                    if ((i * 5 + i / 4) % 4 < 2) wd[i] = static_cast<float>(static_cast<int>(i * 13 % 7) - 3) * 0.25f;
                    if (i * 7 % 10 < 3) wu[i] = static_cast<float>(static_cast<int>(i * 11 % 9) - 4) * 0.2f;
                }
                auto s24 = sparse24_compress(n, k, wd.data());
                auto csr = csr_compress(n, k, wu.data());
                if (!s24 || !csr) return false;
                std::vector<float> r(static_cast<std::size_t>(m) * n), s(r.size());
                sparse24_f32__ref(m, n, k, a.data(), k, *s24, bias.data(), r.data(), n, epilogue::relu);
                sparse24_f32__simd(m, n, k, a.data(), k, *s24, bias.data(), s.data(), n, epilogue::relu);
                if (std::memcmp(r.data(), s.data(), r.size() * sizeof(float)) != 0) return false;
                csr_f32__ref(m, n, k, a.data(), k, *csr, bias.data(), r.data(), n, epilogue::none);
                csr_f32__simd(m, n, k, a.data(), k, *csr, bias.data(), s.data(), n, epilogue::none);
                for (std::size_t i = 0; i < r.size(); ++i) {
                    const float d = r[i] - s[i], tol = 1e-5f * (1.0f + (r[i] < 0 ? -r[i] : r[i]));
                    if (d > tol || d < -tol) return false;
                }
            }
    return true;
}

}  // namespace es::kernels
