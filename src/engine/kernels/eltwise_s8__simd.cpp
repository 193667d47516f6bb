// Element-wise, lookup and pooling int8 SIMD kernels: 16 int8 lanes at a time with a
// scalar tail, each bit-exact with its reference in qnn__ref.cpp.
#include "engine/kernels/qnn.h"
#include "engine/kernels/qnn_simd.h"

#include <algorithm>
#include <cstring>
#include <limits>

namespace es::kernels {

namespace {

// 16 int8 lanes to four i32x4 (lanes 0-3, 4-7, 8-11, 12-15), each minus zp (zp in int8).
inline void widen16(v128_t v, v128_t zp16, v128_t out[4]) {
    const v128_t lo = wasm_i16x8_sub(wasm_i16x8_extend_low_i8x16(v), zp16);
    const v128_t hi = wasm_i16x8_sub(wasm_i16x8_extend_high_i8x16(v), zp16);
    out[0] = wasm_i32x4_extend_low_i16x8(lo);
    out[1] = wasm_i32x4_extend_high_i16x8(lo);
    out[2] = wasm_i32x4_extend_low_i16x8(hi);
    out[3] = wasm_i32x4_extend_high_i16x8(hi);
}

// Four i32x4 (plus zp, wrapping like the reference's int32) to 16 int8 clamped to [lo, hi].
inline v128_t narrow16(const v128_t v[4], v128_t zp32, v128_t vlo, v128_t vhi) {
    return qsimd::pack16(wasm_i32x4_add(v[0], zp32), wasm_i32x4_add(v[1], zp32), wasm_i32x4_add(v[2], zp32),
                         wasm_i32x4_add(v[3], zp32), vlo, vhi);
}

inline bool int8_zp(std::int32_t zp) { return zp >= -128 && zp <= 127; }
inline bool uniform_ok(requant r) { return r.mult != std::numeric_limits<std::int32_t>::min(); }

}  // namespace

namespace {

// Exact requantize(d << left, r) for |d| <= 255 with 32-bit multiplies only (the rescaling
// of add_s8's inputs). With k = 31 - left, SRDHM and RDBP merge into one floor:
//     floor((d*M + 2^(k-1) + [e > 0] (2^(k+e-1) - [d < 0] 2^k)) / 2^(k+e))
// (floor of a floor; gemmlowp's sign test on the SRDHM result equals d < 0 when
// M >= 2^30, and where they differ, M = 0 or a zero result, it does not matter). Splitting
// M = Q 2^(k+e) + R makes it d*Q + floor((d*R + ...) / 2^(k+e)), both products in int32;
// the remainder part is scaled by 2^(22-k-e) so that the shift is the constant 22 (a shift
// by a run-time count costs more, see qsimd::shr_i32).
struct byte_rq {
    bool ok = false;
    v128_t q, r, bias, sign;

    byte_rq(requant rq, int left) {
        const int k = 31 - left, e = rq.mult == 0 ? 0 : -rq.shift;
        if (rq.mult != 0 && (rq.mult < (std::int32_t{1} << 30) || rq.shift > 0)) return;
        if (k < 1 || k + e < 8 || k + e > 22) return;
        ok = true;
        const int s = k + e;
        const std::int32_t f = std::int32_t{1} << (22 - s);
        q = wasm_i32x4_splat(rq.mult >> s);
        r = wasm_i32x4_splat((rq.mult & ((std::int32_t{1} << s) - 1)) * f);
        bias = wasm_i32x4_splat(((std::int32_t{1} << (k - 1)) + (e > 0 ? std::int32_t{1} << (s - 1) : 0)) * f);
        sign = wasm_i32x4_splat(e > 0 ? -(std::int32_t{1} << (22 - e)) : 0);
    }
    v128_t apply(v128_t d) const {
        const v128_t t = wasm_i32x4_add(wasm_i32x4_add(wasm_i32x4_mul(d, r), bias), wasm_v128_and(wasm_i32x4_shr(d, 31), sign));
        return wasm_i32x4_add(wasm_i32x4_mul(d, q), wasm_i32x4_shr(t, 22));
    }
};

}  // namespace

void add_s8__simd(std::size_t count, const std::int8_t* a, const std::int8_t* b, const add_s8_params& p,
                  std::int8_t* out) {
    if (!int8_zp(p.zp_a) || !int8_zp(p.zp_b) || p.left_shift < 0 || p.left_shift > 22 || !uniform_ok(p.rq_a) ||
        !uniform_ok(p.rq_b) || !uniform_ok(p.rq_out)) {
        add_s8__ref(count, a, b, p, out);
        return;
    }
    const v128_t za = wasm_i16x8_splat(static_cast<std::int16_t>(p.zp_a));
    const v128_t zb = wasm_i16x8_splat(static_cast<std::int16_t>(p.zp_b));
    const v128_t vlo = wasm_i8x16_splat(p.lo), vhi = wasm_i8x16_splat(p.hi);
    std::size_t i = 0;
    const byte_rq fa(p.rq_a, p.left_shift), fb(p.rq_b, p.left_shift);
    thread_local qsimd::rq_plan plan;
    plan.build(1, &p.rq_out, true, p.zp_out, p.lo, p.hi);
    if (fa.ok && fb.ok && plan.fast && p.left_shift <= 20) {  // rescaled inputs below 2^28
        // Inputs rescaled in 32-bit arithmetic, the sum requantized as a conv output. The
        // zero points are subtracted after widening to 32 bits: subtracted in 16 bits, LLVM
        // derives the sign tests from 16-bit compares and widens the masks with byte shuffles
        // that V8 materialises expensively.
        const v128_t add = wasm_i32x4_splat(plan.add), r64 = qsimd::round64();
        const v128_t z16 = wasm_i16x8_splat(0);
        const v128_t za32 = wasm_i32x4_splat(p.zp_a), zb32 = wasm_i32x4_splat(p.zp_b);
        for (; i + 16 <= count; i += 16) {
            v128_t x[4], y[4], r[4];
            widen16(wasm_v128_load(a + i), z16, x);
            widen16(wasm_v128_load(b + i), z16, y);
            for (int j = 0; j < 4; ++j) {
                x[j] = wasm_i32x4_sub(x[j], za32);
                y[j] = wasm_i32x4_sub(y[j], zb32);
            }
            for (int j = 0; j < 4; ++j) {
                const v128_t z = wasm_i32x4_add(fa.apply(x[j]), fb.apply(y[j]));
                const v128_t z2 = wasm_i32x4_add(z, z);  // |z| < 2^29: rescaled inputs are below 2^28
                r[j] = plan.left ? qsimd::requant4<true, true>(z2, plan, 0, add, r64)
                                 : qsimd::requant4<false, true>(z2, plan, 0, add, r64);
            }
            wasm_v128_store(out + i, qsimd::pack16(r[0], r[1], r[2], r[3], vlo, vhi));
        }
    } else {
        const qsimd::uniform_rq ra(p.rq_a), rb(p.rq_b), ro(p.rq_out);
        const v128_t zo = wasm_i32x4_splat(p.zp_out);
        const auto ls = static_cast<std::uint32_t>(p.left_shift);
        for (; i + 16 <= count; i += 16) {
            v128_t x[4], y[4], r[4];
            widen16(wasm_v128_load(a + i), za, x);
            widen16(wasm_v128_load(b + i), zb, y);
            for (int j = 0; j < 4; ++j)
                r[j] = ro.apply(wasm_i32x4_add(ra.apply(qsimd::shl_i32(x[j], ls)), rb.apply(qsimd::shl_i32(y[j], ls))));
            wasm_v128_store(out + i, narrow16(r, zo, vlo, vhi));
        }
    }
    if (i < count) add_s8__ref(count - i, a + i, b + i, p, out + i);
}

void mul_channel_s8__simd(int n, int hw, int c, const std::int8_t* x, std::int32_t zp_x, const std::int8_t* s,
                          std::int32_t zp_s, requant rq, std::int32_t zp_out, std::int8_t lo, std::int8_t hi,
                          std::int8_t* out) {
    if (!int8_zp(zp_x) || !int8_zp(zp_s) || !uniform_ok(rq) || c < 16) {
        mul_channel_s8__ref(n, hw, c, x, zp_x, s, zp_s, rq, zp_out, lo, hi, out);
        return;
    }
    const qsimd::uniform_rq r(rq);
    const v128_t zx = wasm_i16x8_splat(static_cast<std::int16_t>(zp_x));
    const v128_t zs = wasm_i16x8_splat(static_cast<std::int16_t>(zp_s));
    const v128_t zo = wasm_i32x4_splat(zp_out);
    const v128_t vlo = wasm_i8x16_splat(lo), vhi = wasm_i8x16_splat(hi);
    const int c16 = c / 16 * 16;
    for (int i = 0; i < n; ++i) {
        const std::int8_t* si = s + static_cast<std::size_t>(i) * c;
        for (int px = 0; px < hw; ++px) {
            const std::size_t base = (static_cast<std::size_t>(i) * hw + px) * c;
            for (int ch = 0; ch < c16; ch += 16) {
                const v128_t xv = wasm_v128_load(x + base + ch), sv = wasm_v128_load(si + ch);
                // (x - zp_x) and (s - zp_s) fit int16; their product needs int32.
                const v128_t xl = wasm_i16x8_sub(wasm_i16x8_extend_low_i8x16(xv), zx);
                const v128_t xh = wasm_i16x8_sub(wasm_i16x8_extend_high_i8x16(xv), zx);
                const v128_t sl = wasm_i16x8_sub(wasm_i16x8_extend_low_i8x16(sv), zs);
                const v128_t sh = wasm_i16x8_sub(wasm_i16x8_extend_high_i8x16(sv), zs);
                v128_t v[4] = {r.apply(wasm_i32x4_extmul_low_i16x8(xl, sl)), r.apply(wasm_i32x4_extmul_high_i16x8(xl, sl)),
                               r.apply(wasm_i32x4_extmul_low_i16x8(xh, sh)), r.apply(wasm_i32x4_extmul_high_i16x8(xh, sh))};
                wasm_v128_store(out + base + ch, narrow16(v, zo, vlo, vhi));
            }
            for (int ch = c16; ch < c; ++ch) {
                const std::int32_t prod = (x[base + ch] - zp_x) * (si[ch] - zp_s);
                out[base + ch] = static_cast<std::int8_t>(std::clamp<std::int32_t>(requantize(prod, rq) + zp_out, lo, hi));
            }
        }
    }
}

void lut_s8__simd(std::size_t count, const std::int8_t* x, const std::int8_t* table, std::int8_t* out) {
    // Measured in V8 (bench --kernels): 16 i8x16.swizzles over 16-entry slices (each a
    // saturating add and a pshufb there) ran at 0.95x the speed of the reference's byte loop,
    // a tree-shaped variant at 0.66x, eight bytes per 64-bit word at 1.02x, and four bytes
    // per 32-bit word, below, at 1.11x. (Little-endian byte order: wasm and x86-64.)
    const std::uint8_t* t = reinterpret_cast<const std::uint8_t*>(table) + 128;
    std::size_t i = 0;
    for (; i + 4 <= count; i += 4) {
        std::uint32_t v;
        std::memcpy(&v, x + i, 4);
        const std::uint32_t r = static_cast<std::uint32_t>(t[static_cast<std::int8_t>(v)]) |
                                static_cast<std::uint32_t>(t[static_cast<std::int8_t>(v >> 8)]) << 8 |
                                static_cast<std::uint32_t>(t[static_cast<std::int8_t>(v >> 16)]) << 16 |
                                static_cast<std::uint32_t>(t[static_cast<std::int8_t>(v >> 24)]) << 24;
        std::memcpy(out + i, &r, 4);
    }
    for (; i < count; ++i) out[i] = table[x[i] + 128];
}

void maxpool_s8__simd(const dw_params& p, const std::int8_t* in, std::int8_t* out) {
    const int c16 = p.c / 16 * 16;
    for (int b = 0; b < p.n; ++b) {
        const std::int8_t* img = in + static_cast<std::size_t>(b) * p.h * p.w * p.c;
        for (int oy = 0; oy < p.oh; ++oy) {
            const int iy0 = oy * p.sh - p.pad_t;
            const int ky0 = std::max(0, -iy0), ky1 = std::min(p.kh, p.h - iy0);
            for (int ox = 0; ox < p.ow; ++ox) {
                const int ix0 = ox * p.sw - p.pad_l;
                const int kx0 = std::max(0, -ix0), kx1 = std::min(p.kw, p.w - ix0);
                std::int8_t* dst = out + ((static_cast<std::size_t>(b) * p.oh + oy) * p.ow + ox) * p.c;
                for (int ch = 0; ch < c16; ch += 16) {
                    v128_t m = wasm_i8x16_splat(-128);  // no valid tap: -128, as the reference
                    for (int ky = ky0; ky < ky1; ++ky)
                        for (int kx = kx0; kx < kx1; ++kx)
                            m = wasm_i8x16_max(
                                m, wasm_v128_load(img + (static_cast<std::size_t>(iy0 + ky) * p.w + (ix0 + kx)) * p.c + ch));
                    wasm_v128_store(dst + ch, m);
                }
                for (int ch = c16; ch < p.c; ++ch) {
                    int best = -128;
                    for (int ky = ky0; ky < ky1; ++ky)
                        for (int kx = kx0; kx < kx1; ++kx)
                            best = std::max<int>(best, img[(static_cast<std::size_t>(iy0 + ky) * p.w + (ix0 + kx)) * p.c + ch]);
                    dst[ch] = static_cast<std::int8_t>(best);
                }
            }
        }
    }
}

void avgpool_s8__simd(const dw_params& p, const std::int8_t* in, std::int32_t zp_in, requant rq, std::int32_t zp_out,
                      std::int8_t* out) {
    if (!uniform_ok(rq) || !int8_zp(zp_in) || p.kh * p.kw > 256 || p.c < 16) {
        avgpool_s8__ref(p, in, zp_in, rq, zp_out, out);
        return;
    }
    const qsimd::uniform_rq r(rq);
    const v128_t zo = wasm_i32x4_splat(zp_out);
    const v128_t vlo = wasm_i8x16_splat(-128), vhi = wasm_i8x16_splat(127);
    const int c16 = p.c / 16 * 16;
    for (int b = 0; b < p.n; ++b) {
        const std::int8_t* img = in + static_cast<std::size_t>(b) * p.h * p.w * p.c;
        for (int oy = 0; oy < p.oh; ++oy) {
            const int iy0 = oy * p.sh - p.pad_t;
            const int ky0 = std::max(0, -iy0), ky1 = std::min(p.kh, p.h - iy0);
            for (int ox = 0; ox < p.ow; ++ox) {
                const int ix0 = ox * p.sw - p.pad_l;
                const int kx0 = std::max(0, -ix0), kx1 = std::min(p.kw, p.w - ix0);
                // sum over the in-image taps of (in - zp) = sum in - n * zp (n <= 256 taps:
                // the int16 sums cannot overflow)
                const int n = std::max(0, ky1 - ky0) * std::max(0, kx1 - kx0);
                const v128_t nz = wasm_i32x4_splat(n * zp_in);
                std::int8_t* dst = out + ((static_cast<std::size_t>(b) * p.oh + oy) * p.ow + ox) * p.c;
                for (int ch = 0; ch < c16; ch += 16) {
                    v128_t s_lo = wasm_i16x8_splat(0), s_hi = wasm_i16x8_splat(0);
                    for (int ky = ky0; ky < ky1; ++ky)
                        for (int kx = kx0; kx < kx1; ++kx) {
                            const v128_t v =
                                wasm_v128_load(img + (static_cast<std::size_t>(iy0 + ky) * p.w + (ix0 + kx)) * p.c + ch);
                            s_lo = wasm_i16x8_add(s_lo, wasm_i16x8_extend_low_i8x16(v));
                            s_hi = wasm_i16x8_add(s_hi, wasm_i16x8_extend_high_i8x16(v));
                        }
                    v128_t acc[4] = {wasm_i32x4_extend_low_i16x8(s_lo), wasm_i32x4_extend_high_i16x8(s_lo),
                                     wasm_i32x4_extend_low_i16x8(s_hi), wasm_i32x4_extend_high_i16x8(s_hi)};
                    for (auto& v : acc) v = r.apply(wasm_i32x4_sub(v, nz));
                    wasm_v128_store(dst + ch, narrow16(acc, zo, vlo, vhi));
                }
                for (int ch = c16; ch < p.c; ++ch) {
                    std::int32_t acc = 0;
                    for (int ky = ky0; ky < ky1; ++ky)
                        for (int kx = kx0; kx < kx1; ++kx)
                            acc += img[(static_cast<std::size_t>(iy0 + ky) * p.w + (ix0 + kx)) * p.c + ch] - zp_in;
                    dst[ch] = static_cast<std::int8_t>(std::clamp<std::int32_t>(requantize(acc, rq) + zp_out, -128, 127));
                }
            }
        }
    }
}

void gap_s8__simd(int n, int hw, int c, const std::int8_t* in, std::int32_t zp_in, requant rq, std::int32_t zp_out,
                  std::int8_t* out) {
    if (!uniform_ok(rq) || c < 16) {
        gap_s8__ref(n, hw, c, in, zp_in, rq, zp_out, out);
        return;
    }
    const qsimd::uniform_rq r(rq);
    const v128_t zo = wasm_i32x4_splat(zp_out);
    const v128_t vlo = wasm_i8x16_splat(-128), vhi = wasm_i8x16_splat(127);
    // sum (in - zp) = sum in - hw * zp, wrapping like the reference's int32 sum.
    const std::int32_t zsum = static_cast<std::int32_t>(static_cast<std::uint32_t>(
        static_cast<std::int64_t>(hw) * static_cast<std::int64_t>(zp_in)));
    const v128_t vz = wasm_i32x4_splat(zsum);
    const int c16 = c / 16 * 16;
    for (int i = 0; i < n; ++i) {
        const std::int8_t* img = in + static_cast<std::size_t>(i) * hw * c;
        for (int ch = 0; ch < c16; ch += 16) {
            v128_t acc[4] = {wasm_i32x4_splat(0), wasm_i32x4_splat(0), wasm_i32x4_splat(0), wasm_i32x4_splat(0)};
            for (int p0 = 0; p0 < hw; p0 += 256) {  // int16 partial sums: 256 * 128 fits
                const int p1 = std::min(hw, p0 + 256);
                v128_t s_lo = wasm_i16x8_splat(0), s_hi = wasm_i16x8_splat(0);
                for (int px = p0; px < p1; ++px) {
                    const v128_t v = wasm_v128_load(img + static_cast<std::size_t>(px) * c + ch);
                    s_lo = wasm_i16x8_add(s_lo, wasm_i16x8_extend_low_i8x16(v));
                    s_hi = wasm_i16x8_add(s_hi, wasm_i16x8_extend_high_i8x16(v));
                }
                acc[0] = wasm_i32x4_add(acc[0], wasm_i32x4_extend_low_i16x8(s_lo));
                acc[1] = wasm_i32x4_add(acc[1], wasm_i32x4_extend_high_i16x8(s_lo));
                acc[2] = wasm_i32x4_add(acc[2], wasm_i32x4_extend_low_i16x8(s_hi));
                acc[3] = wasm_i32x4_add(acc[3], wasm_i32x4_extend_high_i16x8(s_hi));
            }
            for (auto& v : acc) v = r.apply(wasm_i32x4_sub(v, vz));
            wasm_v128_store(out + static_cast<std::size_t>(i) * c + ch, narrow16(acc, zo, vlo, vhi));
        }
        for (int ch = c16; ch < c; ++ch) {
            std::int32_t acc = 0;
            for (int px = 0; px < hw; ++px) acc += img[static_cast<std::size_t>(px) * c + ch] - zp_in;
            out[static_cast<std::size_t>(i) * c + ch] =
                static_cast<std::int8_t>(std::clamp<std::int32_t>(requantize(acc, rq) + zp_out, -128, 127));
        }
    }
}

}  // namespace es::kernels
