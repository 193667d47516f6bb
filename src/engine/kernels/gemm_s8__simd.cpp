// INT8 GEMM with i32x4.dot_i16x8: a 4x8 register tile (four rows of A against one packed
// 8-column panel of B, eight i32x4 accumulators), then the vector requantization of
// qnn_simd.h in registers.
//
// dot_i16x8 multiplies adjacent int16 lanes and adds each pair: lane i of the result is
// a[2i]*b[2i] + a[2i+1]*b[2i+1]. So B is packed as pairs of consecutive k per column,
// sign-extended to int16 and DOUBLED (the requantization wants 2*acc; |2b| <= 256 keeps
// each pair sum exact), and each row of A contributes the pair (A[m][2j], A[m][2j+1])
// broadcast to the four lanes: one 32-bit splat load. A is the activation, so it is copied
// per call, sign-extended to int16, four rows interleaved pair by pair ([k pair][4 rows]),
// which puts the four splats of a step at fixed offsets from one pointer.
#include "engine/kernels/qnn.h"
#include "engine/kernels/qnn_simd.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace es::kernels {

namespace {

constexpr int kNR = 8;  // columns per panel
constexpr int kMR = 4;  // rows per tile

inline int pairs_of(int k) { return (k + 1) / 2; }
inline std::size_t panels_bytes(int n, int k) {
    return static_cast<std::size_t>((n + kNR - 1) / kNR) * static_cast<std::size_t>(pairs_of(k)) * 32;
}

// How a call requantizes: Scalar = q_store on each accumulator (parameters outside the
// vector path); otherwise the vector path, with or without left shifts and the clamp.
struct call_mode {
    bool scalar, left, clamp;
};

template <int MR, bool Scalar, bool Left, bool Clamp>
inline void tile(int kp2, const std::int16_t* ap, const std::int8_t* panel, const std::int32_t* bias2,
                 const qsimd::rq_plan& rp, int col, std::int8_t* c, int ldc, int ncols, const q_output& o) {
    v128_t acc0[MR], acc1[MR];
    const v128_t b0 = wasm_v128_load(bias2 + col), b1 = wasm_v128_load(bias2 + col + 4);
    for (int r = 0; r < MR; ++r) {
        acc0[r] = b0;
        acc1[r] = b1;
    }
    const std::int8_t* bp = panel;
    for (int j = 0; j < kp2; ++j, bp += 32, ap += 2 * kMR) {
        const v128_t w0 = wasm_v128_load(bp), w1 = wasm_v128_load(bp + 16);
        ES_UNROLL
        for (int r = 0; r < MR; ++r) {
            const v128_t av = wasm_v128_load32_splat(ap + 2 * r);
            acc0[r] = wasm_i32x4_add(acc0[r], wasm_i32x4_dot_i16x8(av, w0));
            acc1[r] = wasm_i32x4_add(acc1[r], wasm_i32x4_dot_i16x8(av, w1));
        }
    }
    if constexpr (Scalar) {
        // Accumulators hold 2 * sum (no bias): exact halves, then the reference's q_store.
        for (int r = 0; r < MR; ++r) {
            alignas(16) std::int32_t t[8];
            wasm_v128_store(t, acc0[r]);
            wasm_v128_store(t + 4, acc1[r]);
            std::int8_t* dst = c + static_cast<std::ptrdiff_t>(r) * ldc;
            for (int jj = 0; jj < ncols; ++jj) {
                const std::int32_t acc = static_cast<std::int32_t>(
                    static_cast<std::uint32_t>(o.bias ? o.bias[col + jj] : 0) + static_cast<std::uint32_t>(t[jj] >> 1));
                dst[jj] = qsimd::store1(acc, o.rq[col + jj], o.zp_out, o.lo, o.hi);
            }
        }
    } else {
        const v128_t add = wasm_i32x4_splat(rp.add), r64 = qsimd::round64();
        const v128_t vlo = wasm_i8x16_splat(rp.lo), vhi = wasm_i8x16_splat(rp.hi);
        v128_t q[MR];
        ES_UNROLL
        for (int r = 0; r < MR; ++r) {
            const v128_t lo = qsimd::requant4<Left, Clamp>(acc0[r], rp, col, add, r64);
            const v128_t hi = qsimd::requant4<Left, Clamp>(acc1[r], rp, col + 4, add, r64);
            q[r] = wasm_i16x8_narrow_i32x4(lo, hi);
        }
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

// Copies rows [0, rows) of A (row stride lda, k columns) sign-extended to int16, in groups
// of kMR rows interleaved by k pair: group g, pair j, row r at ((g * kp2 + j) * kMR + r) * 2.
// Missing rows of the last group and the odd k's partner are 0.
void pack_a(int rows, int k, const std::int8_t* a, int lda, std::int16_t* dst) {
    const int kp2 = pairs_of(k);
    for (int g0 = 0; g0 < rows; g0 += kMR) {
        std::int16_t* d = dst + static_cast<std::ptrdiff_t>(g0) * kp2 * 2;
        const int nr = std::min(kMR, rows - g0);
        const std::int8_t* src[kMR];
        for (int r = 0; r < kMR; ++r) src[r] = a + static_cast<std::ptrdiff_t>(g0 + std::min(r, nr - 1)) * lda;
        int kk = 0;
        if (nr == kMR)
            for (; kk + 8 <= k; kk += 8)
                for (int r0 = 0; r0 < kMR; r0 += 4) {
                    // Four rows of four pairs each: a 4x4 transpose of 32-bit pairs.
                    const v128_t x0 = wasm_i16x8_load8x8(src[r0] + kk), x1 = wasm_i16x8_load8x8(src[r0 + 1] + kk);
                    const v128_t x2 = wasm_i16x8_load8x8(src[r0 + 2] + kk), x3 = wasm_i16x8_load8x8(src[r0 + 3] + kk);
                    const v128_t t0 = wasm_i32x4_shuffle(x0, x1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(x0, x1, 2, 6, 3, 7);
                    const v128_t t2 = wasm_i32x4_shuffle(x2, x3, 0, 4, 1, 5), t3 = wasm_i32x4_shuffle(x2, x3, 2, 6, 3, 7);
                    std::int16_t* o = d + (kk / 2) * kMR * 2 + r0 * 2;  // pair kk/2, rows r0..r0+3
                    wasm_v128_store(o, wasm_i32x4_shuffle(t0, t2, 0, 1, 4, 5));
                    wasm_v128_store(o + kMR * 2, wasm_i32x4_shuffle(t0, t2, 2, 3, 6, 7));
                    wasm_v128_store(o + kMR * 4, wasm_i32x4_shuffle(t1, t3, 0, 1, 4, 5));
                    wasm_v128_store(o + kMR * 6, wasm_i32x4_shuffle(t1, t3, 2, 3, 6, 7));
                }
        for (; kk < 2 * kp2; ++kk)
            for (int r = 0; r < kMR; ++r)
                d[(kk / 2 * kMR + r) * 2 + kk % 2] = (r < nr && kk < k) ? src[r][kk] : 0;
    }
}

template <bool Scalar, bool Left, bool Clamp>
ES_NOINLINE void gemm_run(int m, int n, int k, const std::int8_t* a, int lda, const std::int8_t* packed, const q_output& o,
              const qsimd::rq_plan& rp, const std::int32_t* bias2, std::int8_t* c, int ldc) {
    const int kp2 = pairs_of(k);
    const int panels = (n + kNR - 1) / kNR;
    const std::size_t panel_bytes = static_cast<std::size_t>(kp2) * 32;
    // Row blocks whose int16 copy (mc x kp2 x 4 bytes) stays in L1 while every panel of B
    // passes over it; each panel (kp2 x 32 bytes) stays in L1 too.
    int mc = 16384 / std::max(kp2 * 4, 1);
    mc = std::clamp(mc, kMR, 1024);
    mc -= mc % kMR;
    thread_local std::vector<std::int16_t> apack;
    const std::size_t need = static_cast<std::size_t>(mc) * kp2 * 2 + 8;
    if (apack.size() < need) apack.resize(need);
    for (int i0 = 0; i0 < m; i0 += mc) {
        const int rows = std::min(mc, m - i0);
        pack_a(rows, k, a + static_cast<std::ptrdiff_t>(i0) * lda, lda, apack.data());
        for (int pnl = 0; pnl < panels; ++pnl) {
            const int col = pnl * kNR;
            const int ncols = std::min(kNR, n - col);
            const std::int8_t* panel = packed + static_cast<std::size_t>(pnl) * panel_bytes;
            std::int8_t* cb = c + static_cast<std::ptrdiff_t>(i0) * ldc + col;
            int i = 0;
            for (; i + kMR <= rows; i += kMR)
                tile<kMR, Scalar, Left, Clamp>(kp2, apack.data() + static_cast<std::ptrdiff_t>(i) * kp2 * 2, panel, bias2,
                                               rp, col, cb + static_cast<std::ptrdiff_t>(i) * ldc, ldc, ncols, o);
            // The last rows, in tiles of 4, 2 and 1 rows within the last group (a tile starting
            // at row r of a group reads its pairs 2r int16 further on).
            const std::int16_t* ar = apack.data() + static_cast<std::ptrdiff_t>(i) * kp2 * 2;
            std::int8_t* cr = cb + static_cast<std::ptrdiff_t>(i) * ldc;
            int rem = rows - i;
            if constexpr (kMR > 4)
                if (rem >= 4) {
                    tile<4, Scalar, Left, Clamp>(kp2, ar, panel, bias2, rp, col, cr, ldc, ncols, o);
                    ar += 8, cr += 4 * static_cast<std::ptrdiff_t>(ldc), rem -= 4;
                }
            if (rem >= 2) {
                tile<2, Scalar, Left, Clamp>(kp2, ar, panel, bias2, rp, col, cr, ldc, ncols, o);
                ar += 4, cr += 2 * static_cast<std::ptrdiff_t>(ldc), rem -= 2;
            }
            if (rem >= 1) tile<1, Scalar, Left, Clamp>(kp2, ar, panel, bias2, rp, col, cr, ldc, ncols, o);
        }
    }
}

}  // namespace

void gemm_s8_pack_simd(gemm_s8_weights& w) {
    const int kp2 = pairs_of(w.k), panels = (w.n + kNR - 1) / kNR;
    std::vector<std::int16_t> p(static_cast<std::size_t>(panels) * kp2 * kNR * 2, 0);
    std::vector<std::int32_t> colabs(static_cast<std::size_t>(std::max(w.n, 0)), 0);
    for (int pnl = 0; pnl < panels; ++pnl)
        for (int j = 0; j < kp2; ++j)
            for (int cc = 0; cc < kNR; ++cc)
                for (int h = 0; h < 2; ++h) {
                    const int kk = 2 * j + h, col = pnl * kNR + cc;
                    if (kk < w.k && col < w.n) {
                        const int b = w.b[static_cast<std::size_t>(kk) * w.n + col];
                        p[((static_cast<std::size_t>(pnl) * kp2 + j) * kNR + cc) * 2 + h] = static_cast<std::int16_t>(2 * b);
                        colabs[static_cast<std::size_t>(col)] += std::abs(b);
                    }
                }
    const std::size_t pb = p.size() * sizeof(std::int16_t);
    w.packed.assign(pb + colabs.size() * sizeof(std::int32_t), 0);
    if (pb) std::memcpy(w.packed.data(), p.data(), pb);
    if (!colabs.empty()) std::memcpy(w.packed.data() + pb, colabs.data(), colabs.size() * sizeof(std::int32_t));
}

void gemm_s8__simd(int m, int n, int k, const std::int8_t* a, int lda, const gemm_s8_weights& w, const q_output& o,
                   std::int8_t* c, int ldc) {
    if (m <= 0 || n <= 0) return;
    const std::size_t pb = panels_bytes(n, k);
    if (w.n != n || w.k != k || w.packed.size() != pb + static_cast<std::size_t>(n) * sizeof(std::int32_t) ||
        k >= (1 << 15)) {  // not packed for this shape
        gemm_s8__ref(m, n, k, a, lda, w.b.data(), o, c, ldc);
        return;
    }
    thread_local qsimd::rq_plan rp;
    rp.build(n, o.rq, false, o.zp_out, o.lo, o.hi);
    // Accumulators start at 2 * bias (the panels hold 2 * B); |bias| < 2^29 keeps that and
    // the sums exact. Per column, |2 acc| <= 2 |bias| + 256 sum_k |B[k][n]| (|A| <= 128):
    // when that is within the clamp bound everywhere, the clamp is skipped.
    thread_local std::vector<std::int32_t> bias2;
    bias2.assign(static_cast<std::size_t>(rp.np), 0);
    call_mode md{!rp.fast, rp.left, false};
    const std::int8_t* colabs = w.packed.data() + pb;
    for (int j = 0; j < n && !md.scalar; ++j) {
        const std::int32_t b = o.bias ? o.bias[j] : 0;
        if (b >= (1 << 29) || b <= -(1 << 29)) {
            md.scalar = true;
            break;
        }
        bias2[static_cast<std::size_t>(j)] = 2 * b;
        std::int32_t ca;
        std::memcpy(&ca, colabs + static_cast<std::size_t>(j) * sizeof(std::int32_t), sizeof ca);
        const std::int64_t bound = 2 * static_cast<std::int64_t>(b < 0 ? -b : b) + 256 * static_cast<std::int64_t>(ca);
        if (bound > rp.hi2()[j]) md.clamp = true;
    }
    if (md.scalar) std::fill(bias2.begin(), bias2.end(), 0);
    // The variants, called through a table with a run-time index: each stays its own wasm
    // function (see ES_NOINLINE in qnn_simd.h; binaryen would inline a function called once).
    using run_fn = void (*)(int, int, int, const std::int8_t*, int, const std::int8_t*, const q_output&,
                            const qsimd::rq_plan&, const std::int32_t*, std::int8_t*, int);
    static constexpr run_fn variants[5] = {gemm_run<true, false, false>, gemm_run<false, true, true>,
                                           gemm_run<false, true, false>, gemm_run<false, false, true>,
                                           gemm_run<false, false, false>};
    const int v = md.scalar ? 0 : md.left ? (md.clamp ? 1 : 2) : (md.clamp ? 3 : 4);
    variants[v](m, n, k, a, lda, w.packed.data(), o, rp, bias2.data(), c, ldc);
}

}  // namespace es::kernels
