// INT8 depthwise convolution, vectorised across channels (16, then 8 at a time, a scalar
// tail for C % 8), with i32x4.dot_i16x8 over PAIRS OF TAPS: for a channel c the lanes
// (x[tap 2q][c], x[tap 2q+1][c]) meet the weights (w[2q][c], w[2q+1][c]).
//
// Two tricks keep the input side cheap:
//  - The zero point is folded out: sum (x - zp) w = sum x w - zp sum w, and taps over the
//    padding read a row filled with zp instead of being skipped, so they contribute
//    zp w - zp w = 0 like the reference's skipped taps. Every pixel then uses the same
//    per-channel constant bias - zp * sum_taps w.
//  - Two taps' bytes are interleaved (one byte shuffle) and then interleaved with zero
//    bytes, which places each int8 in the HIGH byte of an int16 lane: the value times 256,
//    exactly, with no sign-extension step. The dot products then sum 256 * x * w; one
//    arithmetic shift by 8 per accumulator undoes it (|256 x w| <= 2^22, so up to 511
//    taps cannot overflow).
#include "engine/kernels/qnn.h"
#include "engine/kernels/qnn_simd.h"

#include <algorithm>
#include <cstring>

namespace es::kernels {

namespace {

// Byte interleave of a and b: a0 b0 a1 b1 ... (low halves) / a8 b8 ... (high halves).
inline v128_t zip_lo8(v128_t a, v128_t b) {
    return wasm_i8x16_shuffle(a, b, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
}
inline v128_t zip_hi8(v128_t a, v128_t b) {
    return wasm_i8x16_shuffle(a, b, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
}

inline int pairs_of(int taps) { return (taps + 1) / 2; }

// Accumulates 16 channels over every tap pair; tp[2q], tp[2q+1] point at channel c0 of
// each tap's input pixel (or of the zero-point row).
template <bool Left>
inline void group16(int pairs, const std::int8_t* const* tp, int c0, const std::int8_t* wg, const std::int32_t* bias_eff,
                    const qsimd::rq_plan& rp, std::int8_t* dst) {
    const v128_t z = wasm_i32x4_splat(0);
    v128_t a0 = z, a1 = z, a2 = z, a3 = z;
    for (int q = 0; q < pairs; ++q, wg += 64) {
        const v128_t x0 = wasm_v128_load(tp[2 * q] + c0), x1 = wasm_v128_load(tp[2 * q + 1] + c0);
        const v128_t lo = zip_lo8(x0, x1), hi = zip_hi8(x0, x1);
        a0 = wasm_i32x4_add(a0, wasm_i32x4_dot_i16x8(zip_lo8(z, lo), wasm_v128_load(wg)));
        a1 = wasm_i32x4_add(a1, wasm_i32x4_dot_i16x8(zip_hi8(z, lo), wasm_v128_load(wg + 16)));
        a2 = wasm_i32x4_add(a2, wasm_i32x4_dot_i16x8(zip_lo8(z, hi), wasm_v128_load(wg + 32)));
        a3 = wasm_i32x4_add(a3, wasm_i32x4_dot_i16x8(zip_hi8(z, hi), wasm_v128_load(wg + 48)));
    }
    const v128_t add = wasm_i32x4_splat(rp.add), r64 = qsimd::round64();
    const v128_t s0 = wasm_i32x4_add(wasm_i32x4_shr(a0, 8), wasm_v128_load(bias_eff + c0));
    const v128_t s1 = wasm_i32x4_add(wasm_i32x4_shr(a1, 8), wasm_v128_load(bias_eff + c0 + 4));
    const v128_t s2 = wasm_i32x4_add(wasm_i32x4_shr(a2, 8), wasm_v128_load(bias_eff + c0 + 8));
    const v128_t s3 = wasm_i32x4_add(wasm_i32x4_shr(a3, 8), wasm_v128_load(bias_eff + c0 + 12));
    const v128_t v = qsimd::pack16(qsimd::requant4<Left>(s0, rp, c0, add, r64), qsimd::requant4<Left>(s1, rp, c0 + 4, add, r64),
                                   qsimd::requant4<Left>(s2, rp, c0 + 8, add, r64),
                                   qsimd::requant4<Left>(s3, rp, c0 + 12, add, r64), wasm_i8x16_splat(rp.lo),
                                   wasm_i8x16_splat(rp.hi));
    wasm_v128_store(dst + c0, v);
}

template <bool Left>
inline void group8(int pairs, const std::int8_t* const* tp, int c0, const std::int8_t* wg, const std::int32_t* bias_eff,
                   const qsimd::rq_plan& rp, std::int8_t* dst) {
    const v128_t z = wasm_i32x4_splat(0);
    v128_t a0 = z, a1 = z;
    for (int q = 0; q < pairs; ++q, wg += 32) {
        const v128_t lo = zip_lo8(wasm_v128_load64_zero(tp[2 * q] + c0), wasm_v128_load64_zero(tp[2 * q + 1] + c0));
        a0 = wasm_i32x4_add(a0, wasm_i32x4_dot_i16x8(zip_lo8(z, lo), wasm_v128_load(wg)));
        a1 = wasm_i32x4_add(a1, wasm_i32x4_dot_i16x8(zip_hi8(z, lo), wasm_v128_load(wg + 16)));
    }
    const v128_t add = wasm_i32x4_splat(rp.add), r64 = qsimd::round64();
    const v128_t s0 = wasm_i32x4_add(wasm_i32x4_shr(a0, 8), wasm_v128_load(bias_eff + c0));
    const v128_t s1 = wasm_i32x4_add(wasm_i32x4_shr(a1, 8), wasm_v128_load(bias_eff + c0 + 4));
    const v128_t q0 = qsimd::requant4<Left>(s0, rp, c0, add, r64), q1 = qsimd::requant4<Left>(s1, rp, c0 + 4, add, r64);
    const v128_t v = qsimd::pack16(q0, q1, q0, q1, wasm_i8x16_splat(rp.lo), wasm_i8x16_splat(rp.hi));
    wasm_v128_store64_lane(dst + c0, v, 0);
}

// Channels [c0, C) one at a time, exactly as the reference (padding taps read zp).
void tail_channels(int c0, int c, int taps, const std::int8_t* const* tp, std::int32_t zp_in, const std::int8_t* w,
                   const q_output& o, std::int8_t* dst) {
    for (int ch = c0; ch < c; ++ch) {
        std::int32_t acc = o.bias ? o.bias[ch] : 0;
        for (int t = 0; t < taps; ++t)
            acc += (tp[t][ch] - zp_in) * static_cast<std::int32_t>(w[static_cast<std::size_t>(t) * c + ch]);
        dst[ch] = qsimd::store1(acc, o.rq[ch], o.zp_out, o.lo, o.hi);
    }
}

// Mode: 0 vector requantization, 1 with left shifts, 2 scalar q_store for every channel.
template <int Mode>
void dw_run(const dw_params& p, const std::int8_t* in, std::int32_t zp_in, const dw_s8_weights& w, const q_output& o,
            const qsimd::rq_plan& rp, const std::int32_t* bias_eff, const std::int8_t* zrow, std::int8_t* out) {
    const int taps = p.kh * p.kw, pairs = pairs_of(taps);
    const int c = p.c;
    const int c16 = Mode == 2 ? 0 : c / 16 * 16;
    const int c8 = Mode == 2 ? 0 : (c - c16 >= 8 ? c16 + 8 : c16);
    thread_local std::vector<const std::int8_t*> tp;
    tp.resize(static_cast<std::size_t>(2 * pairs));
    const std::size_t in_img = static_cast<std::size_t>(p.h) * p.w * c;
    const std::size_t out_img = static_cast<std::size_t>(p.oh) * p.ow * c;
    for (int b = 0; b < p.n; ++b) {
        const std::int8_t* img = in + b * in_img;
        for (int oy = 0; oy < p.oh; ++oy)
            for (int ox = 0; ox < p.ow; ++ox) {
                int t = 0;
                for (int ky = 0; ky < p.kh; ++ky) {
                    const int iy = oy * p.sh - p.pad_t + ky;
                    for (int kx = 0; kx < p.kw; ++kx, ++t) {
                        const int ix = ox * p.sw - p.pad_l + kx;
                        tp[static_cast<std::size_t>(t)] =
                            (iy < 0 || iy >= p.h || ix < 0 || ix >= p.w)
                                ? zrow
                                : img + (static_cast<std::size_t>(iy) * p.w + ix) * c;
                    }
                }
                if (taps % 2) tp[static_cast<std::size_t>(taps)] = tp[static_cast<std::size_t>(taps - 1)];  // weight 0
                std::int8_t* dst = out + b * out_img + (static_cast<std::size_t>(oy) * p.ow + ox) * c;
                const std::int8_t* wg = w.packed.data();
                for (int c0 = 0; c0 < c16; c0 += 16, wg += pairs * 64)
                    group16<Mode == 1>(pairs, tp.data(), c0, wg, bias_eff, rp, dst);
                if (c8 > c16) group8<Mode == 1>(pairs, tp.data(), c16, wg, bias_eff, rp, dst);
                tail_channels(c8, c, taps, tp.data(), zp_in, w.w.data(), o, dst);
            }
    }
}

}  // namespace

void dw_s8_pack_simd(dw_s8_weights& w) {
    const int pairs = pairs_of(w.taps);
    std::vector<std::int16_t> p;
    auto weight = [&](int tap, int ch) -> std::int16_t {
        return tap < w.taps ? w.w[static_cast<std::size_t>(tap) * w.c + ch] : 0;
    };
    int c0 = 0;
    auto group = [&](int g) {
        for (int q = 0; q < pairs; ++q)
            for (int j = 0; j < g; ++j) {
                p.push_back(weight(2 * q, c0 + j));
                p.push_back(weight(2 * q + 1, c0 + j));
            }
        c0 += g;
    };
    while (c0 + 16 <= w.c) group(16);
    if (c0 + 8 <= w.c) group(8);
    w.packed.resize(p.size() * sizeof(std::int16_t));
    if (!p.empty()) std::memcpy(w.packed.data(), p.data(), w.packed.size());
}

void dwconv_s8__simd(const dw_params& p, const std::int8_t* in, std::int32_t zp_in, const dw_s8_weights& w,
                     const q_output& o, std::int8_t* out) {
    const int taps = p.kh * p.kw;
    if (w.c != p.c || w.taps != taps || taps <= 0 || taps >= 512 || p.c <= 0 ||
        (w.packed.empty() && p.c >= 8) || zp_in < -128 || zp_in > 127) {
        dwconv_s8__ref(p, in, zp_in, w.w.data(), o, out);
        return;
    }
    thread_local qsimd::rq_plan rp;
    rp.build(p.c, o.rq, false, nullptr, o.zp_out, o.lo, o.hi);
    // bias - zp * sum_taps w per channel (wrapping like the int32 accumulator it replaces).
    thread_local std::vector<std::int32_t> bias_eff;
    bias_eff.assign(static_cast<std::size_t>(rp.np), 0);
    for (int ch = 0; ch < p.c; ++ch) {
        std::int64_t sw = 0;
        for (int t = 0; t < taps; ++t) sw += w.w[static_cast<std::size_t>(t) * p.c + ch];
        const std::int64_t v = static_cast<std::int64_t>(o.bias ? o.bias[ch] : 0) - zp_in * sw;
        bias_eff[static_cast<std::size_t>(ch)] = static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
    }
    thread_local std::vector<std::int8_t> zrow;
    zrow.assign(static_cast<std::size_t>(p.c) + 16, static_cast<std::int8_t>(zp_in));
    if (!rp.fast) dw_run<2>(p, in, zp_in, w, o, rp, bias_eff.data(), zrow.data(), out);
    else if (rp.left) dw_run<1>(p, in, zp_in, w, o, rp, bias_eff.data(), zrow.data(), out);
    else dw_run<0>(p, in, zp_in, w, o, rp, bias_eff.data(), zrow.data(), out);
}

}  // namespace es::kernels
