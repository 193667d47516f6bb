// qnn__simd: the shared pieces of the SIMD integer kernels (the vector requantization
// plan, the exact uniform requantization) and the self check. The kernels themselves are
// in gemm_s8__simd.cpp, dwconv_s8__simd.cpp and eltwise_s8__simd.cpp; each equals its
// reference in qnn__ref.cpp bit-exactly.
#include "engine/kernels/qnn.h"
#include "engine/kernels/qnn_simd.h"

#include "engine/rng.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace es::kernels {

namespace qsimd {

void rq_plan::build(int n, const requant* rq, bool per_tensor, std::int32_t zp_out, std::int8_t lo_out,
                    std::int8_t hi_out) {
    np = (std::max(n, 1) + 15) / 16 * 16;
    buf_.assign(static_cast<std::size_t>(5) * np, 0);
    fast = zp_out >= -128 && zp_out <= 127;
    left = false;
    lo = lo_out;
    hi = hi_out;
    std::int32_t* p_lo = buf_.data();
    std::int32_t* p_hi = p_lo + np;
    std::int32_t* p_mul = p_lo + 2 * np;
    std::int32_t* p_mult = p_lo + 3 * np;
    std::int32_t* p_g = p_lo + 4 * np;
    for (int c = 0; c < np; ++c) {
        requant r = per_tensor ? rq[0] : c < n ? rq[c] : requant{};
        int left_shift = 0, right_shift = 0;
        if (r.mult != 0) {
            if (r.mult < (std::int32_t{1} << 30) || r.shift > 9 || r.shift < -20) {
                fast = false;
                r = requant{};
            } else {
                left_shift = r.shift > 0 ? r.shift : 0;
                right_shift = r.shift > 0 ? 0 : -r.shift;
            }
        }
        const std::int32_t bound = std::int32_t{1} << (right_shift + 10 - left_shift);
        p_lo[c] = -bound;
        p_hi[c] = bound;
        p_mul[c] = std::int32_t{1} << left_shift;
        p_mult[c] = r.mult;
        p_g[c] = std::int32_t{1} << (21 - right_shift);
        left = left || left_shift > 0;
    }
    add = fast ? (std::int32_t{1} << 20) + zp_out * (std::int32_t{1} << 21) : 0;
}

uniform_rq::uniform_rq(requant r) {
    left = r.shift > 0 ? r.shift : 0;
    right = r.shift > 0 ? 0 : -r.shift;
    if (right > 31) right = 31;
    mult = wasm_i32x4_splat(r.mult);
    sat_hi = wasm_i32x4_splat(std::numeric_limits<std::int32_t>::max() >> left);
    sat_lo = wasm_i32x4_splat(std::numeric_limits<std::int32_t>::min() >> left);
    const std::int32_t m = right > 0 ? static_cast<std::int32_t>((std::int64_t{1} << right) - 1) : 0;
    mask = wasm_i32x4_splat(m);
    half = wasm_i32x4_splat(m >> 1);
}

v128_t uniform_rq::apply(v128_t x) const {
    if (left > 0) {  // saturating x << left
        const v128_t over = wasm_i32x4_gt(x, sat_hi), under = wasm_i32x4_lt(x, sat_lo);
        x = shl_i32(x, static_cast<std::uint32_t>(left));
        x = wasm_v128_bitselect(wasm_i32x4_splat(std::numeric_limits<std::int32_t>::max()), x, over);
        x = wasm_v128_bitselect(wasm_i32x4_splat(std::numeric_limits<std::int32_t>::min()), x, under);
    }
    // floor((x*M + 2^30) / 2^31): the low word of the 64-bit quotient, from a logical shift
    // (bits 31..62 of the sum; the high bits of a logical shift never reach the low word).
    const v128_t r30 = wasm_i64x2_splat(std::int64_t{1} << 30);
    const v128_t lo = wasm_u64x2_shr(wasm_i64x2_add(wasm_i64x2_extmul_low_i32x4(x, mult), r30), 31);
    const v128_t hi = wasm_u64x2_shr(wasm_i64x2_add(wasm_i64x2_extmul_high_i32x4(x, mult), r30), 31);
    const v128_t h = wasm_i32x4_shuffle(lo, hi, 0, 2, 4, 6);
    if (right == 0) return h;
    // gemmlowp's RoundingDivideByPOT with a uniform exponent.
    const v128_t rem = wasm_v128_and(h, mask);
    const v128_t threshold = wasm_i32x4_sub(half, wasm_i32x4_shr(h, 31));
    return wasm_i32x4_sub(shr_i32(h, static_cast<std::uint32_t>(right)), wasm_i32x4_gt(rem, threshold));
}

}  // namespace qsimd

namespace {

// Deterministic data for the self check.
struct check_data {
    engine::rng g{0x5eed};
    std::int8_t i8() { return static_cast<std::int8_t>(g.next() & 0xFF); }
    std::vector<std::int8_t> bytes(std::size_t n) {
        std::vector<std::int8_t> v(n);
        for (auto& x : v) x = i8();
        return v;
    }
    int below(int n) { return static_cast<int>(g.next() % static_cast<std::uint64_t>(n)); }
    // A multiplier 2^u, u uniform in [lo2, hi2].
    requant rq(double lo2, double hi2) { return quantize_multiplier(std::exp2(lo2 + (hi2 - lo2) * g.uniform())); }
};

bool gemm_ok(check_data& d, int m, int n, int k, double lo2, double hi2, std::int32_t zp, std::int8_t lo,
             std::int8_t hi) {
    const int lda = k + 3, ldc = n + 2;
    const auto a = d.bytes(static_cast<std::size_t>(m) * lda);
    const auto b = d.bytes(static_cast<std::size_t>(k) * n);
    std::vector<std::int32_t> bias(static_cast<std::size_t>(n));
    std::vector<requant> rq(static_cast<std::size_t>(n));
    for (int j = 0; j < n; ++j) {
        bias[static_cast<std::size_t>(j)] = static_cast<std::int32_t>(d.g.next() % 200001) - 100000;
        rq[static_cast<std::size_t>(j)] = d.rq(lo2, hi2);
    }
    const auto w = gemm_s8_pack(n, k, b.data());
    q_output o;
    o.bias = bias.data();
    o.rq = rq.data();
    o.zp_out = zp;
    o.lo = lo;
    o.hi = hi;
    std::vector<std::int8_t> c_ref(static_cast<std::size_t>(m) * ldc, 55), c_simd = c_ref;
    gemm_s8__ref(m, n, k, a.data(), lda, b.data(), o, c_ref.data(), ldc);
    gemm_s8__simd(m, n, k, a.data(), lda, w, o, c_simd.data(), ldc);
    return c_ref == c_simd;
}

bool dw_ok(check_data& d, int c, int h, int wd, int kk, int stride, double lo2, double hi2) {
    const int pad = kk / 2;
    const dw_params p{2, h, wd, c, kk, kk, stride, stride, pad, pad, (h + 2 * pad - kk) / stride + 1,
                      (wd + 2 * pad - kk) / stride + 1};
    const auto in = d.bytes(static_cast<std::size_t>(2) * h * wd * c);
    const auto wt = d.bytes(static_cast<std::size_t>(kk) * kk * c);
    std::vector<std::int32_t> bias(static_cast<std::size_t>(c));
    std::vector<requant> rq(static_cast<std::size_t>(c));
    for (int j = 0; j < c; ++j) {
        bias[static_cast<std::size_t>(j)] = static_cast<std::int32_t>(d.g.next() % 20001) - 10000;
        rq[static_cast<std::size_t>(j)] = d.rq(lo2, hi2);
    }
    const auto w = dw_s8_pack(c, kk * kk, wt.data());
    q_output o;
    o.bias = bias.data();
    o.rq = rq.data();
    o.zp_out = d.i8();
    o.lo = -100;
    o.hi = 90;
    const std::int32_t zp_in = d.i8();
    const std::size_t out_n = static_cast<std::size_t>(2) * p.oh * p.ow * c;
    std::vector<std::int8_t> r(out_n), s(out_n);
    dwconv_s8__ref(p, in.data(), zp_in, wt.data(), o, r.data());
    dwconv_s8__simd(p, in.data(), zp_in, w, o, s.data());
    return r == s;
}

}  // namespace

bool qnn_self_check() {
    check_data d;
    bool ok = true;
    // GEMM: tails in M, N and K; right shifts, left shifts, the scalar fallback (2^-26).
    ok = ok && gemm_ok(d, 5, 9, 7, -14.0, -2.0, -128, -128, 127);
    ok = ok && gemm_ok(d, 6, 17, 16, -12.0, 1.0, 127, 0, 100);
    ok = ok && gemm_ok(d, 3, 8, 33, -16.0, -6.0, 3, -8, 7);
    ok = ok && gemm_ok(d, 1, 3, 1, -26.5, -26.0, 0, -128, 127);
    // Depthwise: channel groups of 16 and 8 and a scalar tail, strides 1 and 2, 3x3 and 5x5.
    ok = ok && dw_ok(d, 27, 7, 6, 3, 1, -10.0, -1.0);
    ok = ok && dw_ok(d, 19, 5, 9, 5, 2, -9.0, 0.5);
    ok = ok && dw_ok(d, 8, 4, 4, 3, 2, -24.0, -21.0);
    // Element-wise kernels, an odd count (vector body and scalar tail).
    const std::size_t count = 53;
    const auto a = d.bytes(count), b = d.bytes(count), table = d.bytes(256);
    std::vector<std::int8_t> r(count), s(count);
    const add_s8_params ap = make_add_s8_params(0.05, -7, 0.11, 100, 0.09, -128, -128, 127);
    add_s8__ref(count, a.data(), b.data(), ap, r.data());
    add_s8__simd(count, a.data(), b.data(), ap, s.data());
    ok = ok && r == s;
    lut_s8__ref(count, a.data(), table.data(), r.data());
    lut_s8__simd(count, a.data(), table.data(), s.data());
    ok = ok && r == s;
    const requant rq = quantize_multiplier(0.0037);
    std::vector<std::int8_t> x = d.bytes(3 * 17), y(x.size()), z(x.size());  // hw 3, c 17
    mul_channel_s8__ref(1, 3, 17, x.data(), 12, a.data(), -128, rq, -3, -128, 127, y.data());
    mul_channel_s8__simd(1, 3, 17, x.data(), 12, a.data(), -128, rq, -3, -128, 127, z.data());
    ok = ok && y == z;
    std::vector<std::int8_t> g_r(17), g_s(17);
    gap_s8__ref(1, 3, 17, x.data(), 5, quantize_multiplier(1.0 / 3.0), -1, g_r.data());
    gap_s8__simd(1, 3, 17, x.data(), 5, quantize_multiplier(1.0 / 3.0), -1, g_s.data());
    ok = ok && g_r == g_s;
    const dw_params mp{1, 5, 3, 18, 3, 3, 2, 2, 1, 1, 3, 2};
    const auto pin = d.bytes(5 * 3 * 18);
    std::vector<std::int8_t> m_r(3 * 2 * 18), m_s(m_r.size());
    maxpool_s8__ref(mp, pin.data(), m_r.data());
    maxpool_s8__simd(mp, pin.data(), m_s.data());
    ok = ok && m_r == m_s;
    avgpool_s8__ref(mp, pin.data(), -9, quantize_multiplier(1.0 / 9.0), 4, m_r.data());
    avgpool_s8__simd(mp, pin.data(), -9, quantize_multiplier(1.0 / 9.0), 4, m_s.data());
    ok = ok && m_r == m_s;
    return ok;
}

}  // namespace es::kernels
