// INT8 GEMM with i32x4.dot_i16x8: a 4x8 register tile (four rows of A against one packed
// 8-column panel of B, eight i32x4 accumulators), then the vector requantization of
// qnn_simd.h in registers.
//
// dot_i16x8 multiplies adjacent int16 lanes and adds each pair: lane i of the result is
// a[2i]*b[2i] + a[2i+1]*b[2i+1]. So B is packed as pairs of consecutive k per column
// (already sign-extended to int16), and each row of A contributes the pair
// (A[m][2j], A[m][2j+1]) broadcast to all four lanes: one 32-bit splat load from a copy of
// the row block sign-extended to int16 once per call (A is the activation, not packed).
#include "engine/kernels/qnn.h"
#include "engine/kernels/qnn_simd.h"

#include <algorithm>
#include <cstring>

namespace es::kernels {

namespace {

constexpr int kNR = 8;  // columns per panel
constexpr int kMR = 4;  // rows per tile

inline int pairs_of(int k) { return (k + 1) / 2; }

// Mode: 0 vector requantization, 1 the same with left shifts, 2 scalar q_store fallback.
template <int MR, int Mode>
inline void tile(int kp2, const std::int16_t* ap, int astride, const std::int8_t* panel, const qsimd::rq_plan& rp,
                 int col, std::int8_t* c, int ldc, int ncols, const q_output& o) {
    v128_t acc0[MR], acc1[MR];
    const v128_t b0 = wasm_v128_load(rp.bias() + col), b1 = wasm_v128_load(rp.bias() + col + 4);
    for (int r = 0; r < MR; ++r) {
        acc0[r] = b0;
        acc1[r] = b1;
    }
    const std::int8_t* bp = panel;
    for (int j = 0; j < kp2; ++j, bp += 32) {
        const v128_t w0 = wasm_v128_load(bp), w1 = wasm_v128_load(bp + 16);
        ES_UNROLL
        for (int r = 0; r < MR; ++r) {
            const v128_t av = wasm_v128_load32_splat(ap + static_cast<std::ptrdiff_t>(r) * astride + 2 * j);
            acc0[r] = wasm_i32x4_add(acc0[r], wasm_i32x4_dot_i16x8(av, w0));
            acc1[r] = wasm_i32x4_add(acc1[r], wasm_i32x4_dot_i16x8(av, w1));
        }
    }
    if constexpr (Mode == 2) {
        for (int r = 0; r < MR; ++r) {
            alignas(16) std::int32_t t[8];
            wasm_v128_store(t, acc0[r]);
            wasm_v128_store(t + 4, acc1[r]);
            std::int8_t* dst = c + static_cast<std::ptrdiff_t>(r) * ldc;
            for (int jj = 0; jj < ncols; ++jj) dst[jj] = qsimd::store1(t[jj], o.rq[col + jj], o.zp_out, o.lo, o.hi);
        }
    } else {
        const v128_t add = wasm_i32x4_splat(rp.add), r64 = qsimd::round64();
        const v128_t vlo = wasm_i8x16_splat(rp.lo), vhi = wasm_i8x16_splat(rp.hi);
        v128_t q[MR];
        ES_UNROLL
        for (int r = 0; r < MR; ++r)
            q[r] = wasm_i16x8_narrow_i32x4(qsimd::requant4<Mode == 1>(acc0[r], rp, col, add, r64),
                                           qsimd::requant4<Mode == 1>(acc1[r], rp, col + 4, add, r64));
        ES_UNROLL
        for (int r = 0; r < MR; r += 2) {
            const v128_t v = wasm_i8x16_min(
                wasm_i8x16_max(wasm_i8x16_narrow_i16x8(q[r], q[r + 1 < MR ? r + 1 : r]), vlo), vhi);
            std::int8_t* dst = c + static_cast<std::ptrdiff_t>(r) * ldc;
            if (ncols == kNR) {
                wasm_v128_store64_lane(dst, v, 0);
                if (r + 1 < MR) wasm_v128_store64_lane(dst + ldc, v, 1);
            } else {
                alignas(16) std::int8_t t[16];
                wasm_v128_store(t, v);
                std::memcpy(dst, t, static_cast<std::size_t>(ncols));
                if (r + 1 < MR) std::memcpy(dst + ldc, t + 8, static_cast<std::size_t>(ncols));
            }
        }
    }
}

// Sign-extends rows [0, rows) of A (row stride lda, k columns) into dst [rows][kp] int16,
// kp = k rounded up to even, the pad column 0.
void pack_a(int rows, int k, const std::int8_t* a, int lda, std::int16_t* dst, int kp) {
    for (int r = 0; r < rows; ++r) {
        const std::int8_t* src = a + static_cast<std::ptrdiff_t>(r) * lda;
        std::int16_t* d = dst + static_cast<std::ptrdiff_t>(r) * kp;
        int kk = 0;
        for (; kk + 16 <= k; kk += 16) {
            const v128_t v = wasm_v128_load(src + kk);
            wasm_v128_store(d + kk, wasm_i16x8_extend_low_i8x16(v));
            wasm_v128_store(d + kk + 8, wasm_i16x8_extend_high_i8x16(v));
        }
        for (; kk + 8 <= k; kk += 8) wasm_v128_store(d + kk, wasm_i16x8_load8x8(src + kk));
        for (; kk < k; ++kk) d[kk] = src[kk];
        if (kp > k) d[k] = 0;
    }
}

template <int Mode>
void gemm_run(int m, int n, int k, const std::int8_t* a, int lda, const std::int8_t* packed, const q_output& o,
              const qsimd::rq_plan& rp, std::int8_t* c, int ldc) {
    const int kp2 = pairs_of(k), kp = 2 * kp2;
    const int panels = (n + kNR - 1) / kNR;
    const std::size_t panel_bytes = static_cast<std::size_t>(kp2) * 32;
    // Row blocks whose int16 copy (mc x kp x 2 bytes) stays in L1 while every panel of B
    // passes over it; each panel (kp2 x 32 bytes) stays in L1 too.
    int mc = 16384 / std::max(kp * 2, 1);
    mc = std::clamp(mc, kMR, 1024);
    mc -= mc % kMR;
    thread_local std::vector<std::int16_t> apack;
    if (apack.size() < static_cast<std::size_t>(mc) * kp + 8) apack.resize(static_cast<std::size_t>(mc) * kp + 8);
    for (int i0 = 0; i0 < m; i0 += mc) {
        const int rows = std::min(mc, m - i0);
        pack_a(rows, k, a + static_cast<std::ptrdiff_t>(i0) * lda, lda, apack.data(), kp);
        for (int pnl = 0; pnl < panels; ++pnl) {
            const int col = pnl * kNR;
            const int ncols = std::min(kNR, n - col);
            const std::int8_t* panel = packed + static_cast<std::size_t>(pnl) * panel_bytes;
            std::int8_t* cb = c + static_cast<std::ptrdiff_t>(i0) * ldc + col;
            int i = 0;
            for (; i + kMR <= rows; i += kMR)
                tile<kMR, Mode>(kp2, apack.data() + static_cast<std::ptrdiff_t>(i) * kp, kp, panel, rp, col,
                                cb + static_cast<std::ptrdiff_t>(i) * ldc, ldc, ncols, o);
            const std::int16_t* ar = apack.data() + static_cast<std::ptrdiff_t>(i) * kp;
            std::int8_t* cr = cb + static_cast<std::ptrdiff_t>(i) * ldc;
            switch (rows - i) {
            case 3: tile<3, Mode>(kp2, ar, kp, panel, rp, col, cr, ldc, ncols, o); break;
            case 2: tile<2, Mode>(kp2, ar, kp, panel, rp, col, cr, ldc, ncols, o); break;
            case 1: tile<1, Mode>(kp2, ar, kp, panel, rp, col, cr, ldc, ncols, o); break;
            default: break;
            }
        }
    }
}

}  // namespace

void gemm_s8_pack_simd(gemm_s8_weights& w) {
    const int kp2 = pairs_of(w.k), panels = (w.n + kNR - 1) / kNR;
    std::vector<std::int16_t> p(static_cast<std::size_t>(panels) * kp2 * kNR * 2, 0);
    for (int pnl = 0; pnl < panels; ++pnl)
        for (int j = 0; j < kp2; ++j)
            for (int cc = 0; cc < kNR; ++cc)
                for (int h = 0; h < 2; ++h) {
                    const int kk = 2 * j + h, col = pnl * kNR + cc;
                    if (kk < w.k && col < w.n)
                        p[((static_cast<std::size_t>(pnl) * kp2 + j) * kNR + cc) * 2 + h] =
                            w.b[static_cast<std::size_t>(kk) * w.n + col];
                }
    w.packed.resize(p.size() * sizeof(std::int16_t));
    if (!p.empty()) std::memcpy(w.packed.data(), p.data(), w.packed.size());
}

void gemm_s8__simd(int m, int n, int k, const std::int8_t* a, int lda, const gemm_s8_weights& w, const q_output& o,
                   std::int8_t* c, int ldc) {
    if (m <= 0 || n <= 0) return;
    if (w.n != n || w.k != k || (w.packed.empty() && k > 0)) {  // not packed for this shape
        gemm_s8__ref(m, n, k, a, lda, w.b.data(), o, c, ldc);
        return;
    }
    thread_local qsimd::rq_plan rp;
    rp.build(n, o.rq, false, o.bias, o.zp_out, o.lo, o.hi);
    const std::int8_t* packed = w.packed.data();
    if (!rp.fast) gemm_run<2>(m, n, k, a, lda, packed, o, rp, c, ldc);
    else if (rp.left) gemm_run<1>(m, n, k, a, lda, packed, o, rp, c, ldc);
    else gemm_run<0>(m, n, k, a, lda, packed, o, rp, c, ldc);
}

}  // namespace es::kernels
