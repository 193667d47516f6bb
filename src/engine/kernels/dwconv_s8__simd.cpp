// INT8 depthwise convolution, vectorised across channels (16 or 8 at a time; C rounded up to
// a multiple of 8 with zero weights), with i32x4.dot_i16x8 over PAIRS OF TAPS: for a
// channel c the lanes (x[tap 2q][c], x[tap 2q+1][c]) meet the weights (w[2q][c], w[2q+1][c]).
//
// Tricks that keep the input side cheap:
//  - The zero point is folded out: sum (x - zp) w = sum x w - zp sum w, and the image is
//    copied with a halo filled with zp, so taps over the padding contribute zp w - zp w = 0
//    like the reference's skipped taps, and no output pixel is a border case. Every pixel
//    then uses the same per-channel constant bias - zp * sum_taps w. The copy also pads the
//    channels to a multiple of 8, so no channel takes a scalar path.
//  - Two taps' bytes are interleaved (one byte shuffle) and then interleaved with zero
//    bytes, which places each int8 in the HIGH byte of an int16 lane: the value times 256,
//    exactly, with no sign-extension step. The accumulators start at 256 * (bias - zp sum w)
//    and sum 256 x w; an arithmetic shift by 7 gives the 2 * acc the requantization takes.
//  - 3x3 windows (strides 1 and 2) use compile-time tap offsets, 8 channels x 2 pixels at
//    a time sharing the weight loads; other windows take per-tap pointers at fixed offsets
//    and a rolled loop over tap pairs, 16 channels at a time.
//
// Measured in V8 (tests/bench/qnn_bench.mjs): 3x3 runs at about 0.8x the f32 kernel's
// speed, 5x5 at about 1.2x: the exact requantization (qnn_simd.h, about 17 vector ops per
// four outputs) costs about as much as the 9 multiply-adds of a 3x3 window's output.
#include "engine/kernels/qnn.h"
#include "engine/kernels/qnn_simd.h"

#include <algorithm>
#include <cstdlib>
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

struct dw_ctx {
    const qsimd::rq_plan* rp;
    const std::int32_t* bias256;  // 256 * (bias - zp sum w), padded
    const std::int8_t* packed;
    int pairs;
    int cp;  // channels rounded up to 8: the pixel stride of the padded copy
};

// Stores the first n (<= 16) bytes of v.
inline void store_n(std::int8_t* dst, v128_t v, int n) {
    if (n >= 16) {
        wasm_v128_store(dst, v);
        return;
    }
    alignas(16) std::int8_t t[16];
    wasm_v128_store(t, v);
    std::memcpy(dst, t, static_cast<std::size_t>(n));
}

// One tap pair of 16 channels: x0, x1 the two taps' 16 bytes, w the pair's four weight vectors.
inline void mac16(v128_t x0, v128_t x1, const v128_t w[4], v128_t a[4]) {
    const v128_t z = wasm_i32x4_splat(0);
    const v128_t lo = zip_lo8(x0, x1), hi = zip_hi8(x0, x1);
    a[0] = wasm_i32x4_add(a[0], wasm_i32x4_dot_i16x8(zip_lo8(z, lo), w[0]));
    a[1] = wasm_i32x4_add(a[1], wasm_i32x4_dot_i16x8(zip_hi8(z, lo), w[1]));
    a[2] = wasm_i32x4_add(a[2], wasm_i32x4_dot_i16x8(zip_lo8(z, hi), w[2]));
    a[3] = wasm_i32x4_add(a[3], wasm_i32x4_dot_i16x8(zip_hi8(z, hi), w[3]));
}

// Channels c0 .. c0 + 15 (those below c) of one pixel.
template <bool Left, bool Clamp>
inline void store16(const v128_t a[4], const qsimd::rq_plan& rp, int c0, int c, std::int8_t* dst) {
    const v128_t add = wasm_i32x4_splat(rp.add), r64 = qsimd::round64();
    const v128_t q0 = qsimd::requant4<Left, Clamp>(wasm_i32x4_shr(a[0], 7), rp, c0, add, r64);
    const v128_t q1 = qsimd::requant4<Left, Clamp>(wasm_i32x4_shr(a[1], 7), rp, c0 + 4, add, r64);
    const v128_t q2 = qsimd::requant4<Left, Clamp>(wasm_i32x4_shr(a[2], 7), rp, c0 + 8, add, r64);
    const v128_t q3 = qsimd::requant4<Left, Clamp>(wasm_i32x4_shr(a[3], 7), rp, c0 + 12, add, r64);
    const v128_t v = qsimd::pack16(q0, q1, q2, q3, wasm_i8x16_splat(rp.lo), wasm_i8x16_splat(rp.hi));
    store_n(dst + c0, v, c - c0);
}

// Channels c0 .. c0 + 7 (those below c) of one pixel.
template <bool Left, bool Clamp>
inline void store8(v128_t a0, v128_t a1, const qsimd::rq_plan& rp, int c0, int c, std::int8_t* dst) {
    const v128_t add = wasm_i32x4_splat(rp.add), r64 = qsimd::round64();
    const v128_t q0 = qsimd::requant4<Left, Clamp>(wasm_i32x4_shr(a0, 7), rp, c0, add, r64);
    const v128_t q1 = qsimd::requant4<Left, Clamp>(wasm_i32x4_shr(a1, 7), rp, c0 + 4, add, r64);
    const v128_t v = qsimd::pack16(q0, q1, q0, q1, wasm_i8x16_splat(rp.lo), wasm_i8x16_splat(rp.hi));
    if (c - c0 >= 8) wasm_v128_store64_lane(dst + c0, v, 0);
    else store_n(dst + c0, v, c - c0);
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

struct dw_args {
    const dw_params* p;
    std::int32_t zp_in;
    const dw_s8_weights* w;
    const q_output* o;
    dw_ctx x;
};

// All channels of one pixel from per-tap pointers (tp[2 pairs]) into the padded copy: groups
// of 16 and then 8 of the cp padded channels; only the c real ones are stored.
template <bool Left, bool Clamp>
void channels_from(const dw_args& d, const std::int8_t* const* tp, std::int8_t* dst) {
    const int c = d.p->c, cp = d.x.cp, pairs = d.x.pairs;
    const std::int8_t* wg = d.x.packed;
    int c0 = 0;
    for (; c0 + 16 <= cp; c0 += 16) {
        v128_t a[4];
        for (int i = 0; i < 4; ++i) a[i] = wasm_v128_load(d.x.bias256 + c0 + 4 * i);
        for (int q = 0; q < pairs; ++q, wg += 64) {
            const v128_t w[4] = {wasm_v128_load(wg), wasm_v128_load(wg + 16), wasm_v128_load(wg + 32),
                                 wasm_v128_load(wg + 48)};
            mac16(wasm_v128_load(tp[2 * q] + c0), wasm_v128_load(tp[2 * q + 1] + c0), w, a);
        }
        store16<Left, Clamp>(a, *d.x.rp, c0, c, dst);
    }
    if (c0 < cp) {  // one group of 8
        const v128_t z = wasm_i32x4_splat(0);
        v128_t a0 = wasm_v128_load(d.x.bias256 + c0), a1 = wasm_v128_load(d.x.bias256 + c0 + 4);
        for (int q = 0; q < pairs; ++q, wg += 32) {
            const v128_t lo = zip_lo8(wasm_v128_load64_zero(tp[2 * q] + c0), wasm_v128_load64_zero(tp[2 * q + 1] + c0));
            a0 = wasm_i32x4_add(a0, wasm_i32x4_dot_i16x8(zip_lo8(z, lo), wasm_v128_load(wg)));
            a1 = wasm_i32x4_add(a1, wasm_i32x4_dot_i16x8(zip_hi8(z, lo), wasm_v128_load(wg + 16)));
        }
        store8<Left, Clamp>(a0, a1, *d.x.rp, c0, c, dst);
    }
}

// NPX horizontally adjacent output pixels whose windows lie inside the image, 8 channels at
// a time: NPX x 2 accumulators and the pair's two weight vectors stay in registers (V8 has 15
// vector registers; wider tiles spill). The taps are at compile-time offsets (row stride
// aside); the weights of a tap pair are loaded once for all NPX pixels. src: the first
// pixel's window origin.
template <int K, int S, int NPX, bool Left, bool Clamp>
void pixels_interior(const dw_args& d, const std::int8_t* src, std::ptrdiff_t row, std::int8_t* dst) {
    constexpr int T = K * K, P = (T + 1) / 2;
    const int c = d.p->c, cp = d.x.cp;
    const std::ptrdiff_t cs = cp, co = c;  // pixel strides: padded copy in, output out
    const v128_t z = wasm_i32x4_splat(0);
    for (int c0 = 0; c0 < cp; c0 += 8) {
        // Packed weights: groups of 16 channels (pairs of 64 bytes, this half at +0 or +32),
        // then one group of 8 (pairs of 32 bytes).
        const int g16 = cp / 16 * 16;
        const std::int8_t* wg = c0 < g16 ? d.x.packed + static_cast<std::ptrdiff_t>(c0 / 16) * P * 64 + (c0 % 16) * 4
                                         : d.x.packed + static_cast<std::ptrdiff_t>(g16 / 16) * P * 64;
        const std::ptrdiff_t wstride = c0 < g16 ? 64 : 32;
        v128_t a[NPX][2];
        const v128_t b0 = wasm_v128_load(d.x.bias256 + c0), b1 = wasm_v128_load(d.x.bias256 + c0 + 4);
        for (int px = 0; px < NPX; ++px) {
            a[px][0] = b0;
            a[px][1] = b1;
        }
        ES_UNROLL
        for (int q = 0; q < P; ++q) {
            const int t0 = 2 * q, t1 = 2 * q + 1 < T ? 2 * q + 1 : 2 * q;  // the odd last tap: weight 0
            const std::ptrdiff_t o0 = (t0 / K) * row + (t0 % K) * cs + c0;
            const std::ptrdiff_t o1 = (t1 / K) * row + (t1 % K) * cs + c0;
            const v128_t w0 = wasm_v128_load(wg + q * wstride), w1 = wasm_v128_load(wg + q * wstride + 16);
            ES_UNROLL
            for (int px = 0; px < NPX; ++px) {
                const std::int8_t* sp = src + px * S * cs;
                const v128_t lo = zip_lo8(wasm_v128_load64_zero(sp + o0), wasm_v128_load64_zero(sp + o1));
                a[px][0] = wasm_i32x4_add(a[px][0], wasm_i32x4_dot_i16x8(zip_lo8(z, lo), w0));
                a[px][1] = wasm_i32x4_add(a[px][1], wasm_i32x4_dot_i16x8(zip_hi8(z, lo), w1));
            }
        }
        // Requantize every pixel before the first store: an int8 store may alias the plan's
        // constants, which would then be reloaded for each pixel. Two pixels share a vector.
        const qsimd::rq_plan& rp = *d.x.rp;
        const v128_t add = wasm_i32x4_splat(rp.add), r64 = qsimd::round64();
        const v128_t vlo = wasm_i8x16_splat(rp.lo), vhi = wasm_i8x16_splat(rp.hi);
        v128_t q[NPX][2], v[(NPX + 1) / 2];
        ES_UNROLL
        for (int px = 0; px < NPX; ++px) {
            q[px][0] = qsimd::requant4<Left, Clamp>(wasm_i32x4_shr(a[px][0], 7), rp, c0, add, r64);
            q[px][1] = qsimd::requant4<Left, Clamp>(wasm_i32x4_shr(a[px][1], 7), rp, c0 + 4, add, r64);
        }
        ES_UNROLL
        for (int px = 0; px < NPX; px += 2) {
            const int p1 = px + 1 < NPX ? px + 1 : px;
            v[px / 2] = qsimd::pack16(q[px][0], q[px][1], q[p1][0], q[p1][1], vlo, vhi);
        }
        if (c0 + 8 <= c) {
            ES_UNROLL
            for (int px = 0; px < NPX; px += 2) {
                wasm_v128_store64_lane(dst + px * co + c0, v[px / 2], 0);
                if (px + 1 < NPX) wasm_v128_store64_lane(dst + (px + 1) * co + c0, v[px / 2], 1);
            }
        } else {  // the last, partial group: c - c0 real channels
            for (int px = 0; px < NPX; ++px)
                store_n(dst + px * co + c0, px % 2 ? wasm_i64x2_shuffle(v[px / 2], v[px / 2], 1, 0) : v[px / 2], c - c0);
        }
    }
}

// One image, copied first with a halo of zero points so that every output pixel's window
// lies inside the copy (the halo's taps add zp w - zp w = 0, like the reference's skipped
// taps): no border cases. K = 3 (square, stride S): two pixels at a time with compile-time
// tap offsets. K = 0 (any other geometry): per-tap pointers at fixed offsets and a rolled
// loop over tap pairs, 16 channels at a time (for 5x5 and 7x7 this beats unrolling, whose
// hoisted loads V8 spills).
template <int K, int S, bool Left, bool Clamp>
ES_NOINLINE void dw_image(const dw_args& d, const std::int8_t* img, std::int8_t* out) {
    const dw_params& p = *d.p;
    const int c = p.c, cp = d.x.cp;
    const int hp = (p.oh - 1) * p.sh + p.kh, wp = (p.ow - 1) * p.sw + p.kw;
    const std::size_t prow = static_cast<std::size_t>(wp) * cp;
    thread_local std::vector<std::int8_t> padded;
    padded.resize(static_cast<std::size_t>(hp) * prow);
    const auto zb = static_cast<unsigned char>(static_cast<std::int8_t>(d.zp_in));
    const int x0 = std::min(wp, std::max(0, p.pad_l)), x1 = std::max(x0, std::min(wp, p.pad_l + p.w));
    for (int y = 0; y < hp; ++y) {
        std::int8_t* dst = padded.data() + static_cast<std::size_t>(y) * prow;
        const int iy = y - p.pad_t;
        if (iy < 0 || iy >= p.h || x1 == x0) {
            std::memset(dst, zb, prow);
            continue;
        }
        std::memset(dst, zb, static_cast<std::size_t>(x0) * cp);
        const std::int8_t* src = img + (static_cast<std::size_t>(iy) * p.w + static_cast<std::size_t>(x0 - p.pad_l)) * c;
        if (cp == c) {
            std::memcpy(dst + static_cast<std::size_t>(x0) * c, src, static_cast<std::size_t>(x1 - x0) * c);
        } else {  // channels padded with zp too (their weights are 0)
            std::memset(dst + static_cast<std::size_t>(x0) * cp, zb, static_cast<std::size_t>(x1 - x0) * cp);
            for (int x = x0; x < x1; ++x)
                std::memcpy(dst + static_cast<std::size_t>(x) * cp, src + static_cast<std::size_t>(x - x0) * c,
                            static_cast<std::size_t>(c));
        }
        std::memset(dst + static_cast<std::size_t>(x1) * cp, zb, static_cast<std::size_t>(wp - x1) * cp);
    }
    const auto row = static_cast<std::ptrdiff_t>(prow);
    if constexpr (K > 0) {
        constexpr int NP = 2;  // measured: 2 pixels beat 1 and 4 (more spills) for 3x3
        for (int oy = 0; oy < p.oh; ++oy) {
            const std::int8_t* base = padded.data() + static_cast<std::ptrdiff_t>(oy) * S * row;
            std::int8_t* out_row = out + static_cast<std::size_t>(oy) * p.ow * c;
            int ox = 0;
            for (; ox + NP <= p.ow; ox += NP)
                pixels_interior<K, S, NP, Left, Clamp>(d, base + static_cast<std::ptrdiff_t>(ox) * S * cp, row,
                                                       out_row + static_cast<std::size_t>(ox) * c);
            for (; ox < p.ow; ++ox)
                pixels_interior<K, S, 1, Left, Clamp>(d, base + static_cast<std::ptrdiff_t>(ox) * S * cp, row,
                                                      out_row + static_cast<std::size_t>(ox) * c);
        }
    } else {
        const int taps = p.kh * p.kw;
        thread_local std::vector<std::ptrdiff_t> off;
        thread_local std::vector<const std::int8_t*> tp;
        off.resize(static_cast<std::size_t>(2 * d.x.pairs));
        tp.resize(off.size());
        for (int t = 0; t < taps; ++t) off[static_cast<std::size_t>(t)] = (t / p.kw) * row + (t % p.kw) * cp;
        if (taps % 2) off[static_cast<std::size_t>(taps)] = off[static_cast<std::size_t>(taps - 1)];  // weight 0
        for (int oy = 0; oy < p.oh; ++oy)
            for (int ox = 0; ox < p.ow; ++ox) {
                const std::int8_t* base = padded.data() + static_cast<std::ptrdiff_t>(oy) * p.sh * row +
                                          static_cast<std::ptrdiff_t>(ox) * p.sw * cp;
                for (std::size_t t = 0; t < off.size(); ++t) tp[t] = base + off[t];
                channels_from<Left, Clamp>(d, tp.data(), out + (static_cast<std::size_t>(oy) * p.ow + ox) * c);
            }
    }
}

using dw_image_fn = void (*)(const dw_args&, const std::int8_t*, std::int8_t*);

// The variants, called through a table with a run-time index: each stays its own wasm
// function (see ES_NOINLINE in qnn_simd.h; binaryen would inline a function called once).
template <bool Left, bool Clamp>
constexpr dw_image_fn dw_variants[3] = {dw_image<3, 1, Left, Clamp>, dw_image<3, 2, Left, Clamp>,
                                        dw_image<0, 0, Left, Clamp>};

void dw_images(const dw_args& d, bool left, bool clamp, const std::int8_t* in, std::int8_t* out) {
    const dw_params& p = *d.p;
    const std::size_t in_img = static_cast<std::size_t>(p.h) * p.w * p.c;
    const std::size_t out_img = static_cast<std::size_t>(p.oh) * p.ow * p.c;
    const int v = p.kh == 3 && p.kw == 3 && p.sh == p.sw && (p.sh == 1 || p.sh == 2) ? p.sh - 1 : 2;
    const dw_image_fn f = left ? (clamp ? dw_variants<true, true>[v] : dw_variants<true, false>[v])
                               : (clamp ? dw_variants<false, true>[v] : dw_variants<false, false>[v]);
    for (int b = 0; b < p.n; ++b) f(d, in + b * in_img, out + b * out_img);
}

}  // namespace

void dw_s8_pack_simd(dw_s8_weights& w) {
    const int pairs = pairs_of(w.taps);
    std::vector<std::int16_t> p;
    auto weight = [&](int tap, int ch) -> std::int16_t {
        return tap < w.taps && ch < w.c ? w.w[static_cast<std::size_t>(tap) * w.c + ch] : 0;
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
    const int cp = (w.c + 7) / 8 * 8;  // channels padded with zero weights
    while (c0 + 16 <= cp) group(16);
    if (c0 < cp) group(8);
    w.packed.resize(p.size() * sizeof(std::int16_t));
    if (!p.empty()) std::memcpy(w.packed.data(), p.data(), w.packed.size());
}

void dwconv_s8__simd(const dw_params& p, const std::int8_t* in, std::int32_t zp_in, const dw_s8_weights& w,
                     const q_output& o, std::int8_t* out) {
    const int taps = p.kh * p.kw, c = p.c;
    if (w.c != c || w.taps != taps || taps <= 0 || taps > 256 || c <= 0 ||
        w.packed.size() != static_cast<std::size_t>((c + 7) / 8) * 8 * static_cast<std::size_t>(pairs_of(taps)) * 4 ||
        zp_in < -128 || zp_in > 127) {
        dwconv_s8__ref(p, in, zp_in, w.w.data(), o, out);
        return;
    }
    thread_local qsimd::rq_plan rp;
    rp.build(c, o.rq, false, o.zp_out, o.lo, o.hi);
    // Accumulators start at 256 * (bias - zp sum w): needs |bias - zp sum w| + taps 2^14 < 2^23
    // so that 256 times the sum stays in int32 (taps <= 256). Per channel |2 s| is at most
    // 2 (|bias| + 255 sum |w|): within the clamp bound everywhere, the clamp is skipped.
    thread_local std::vector<std::int32_t> bias256;
    bias256.assign(static_cast<std::size_t>(rp.np), 0);
    bool vector_ok = rp.fast, clamp = false;
    for (int ch = 0; ch < c && vector_ok; ++ch) {
        std::int64_t sw = 0, sa = 0;
        for (int t = 0; t < taps; ++t) {
            const int v = w.w[static_cast<std::size_t>(t) * c + ch];
            sw += v;
            sa += v < 0 ? -v : v;
        }
        const std::int64_t bias = o.bias ? o.bias[ch] : 0, be = bias - zp_in * sw;
        if ((be < 0 ? -be : be) + taps * (std::int64_t{1} << 14) >= (std::int64_t{1} << 23)) vector_ok = false;
        bias256[static_cast<std::size_t>(ch)] = static_cast<std::int32_t>(be * 256);
        if (2 * ((bias < 0 ? -bias : bias) + 255 * sa) > rp.hi2()[ch]) clamp = true;
    }
    thread_local std::vector<std::int8_t> zrow;
    zrow.assign(static_cast<std::size_t>(c) + 16, static_cast<std::int8_t>(zp_in));
    dw_args d{&p, zp_in, &w, &o, dw_ctx{&rp, bias256.data(), w.packed.data(), pairs_of(taps), (c + 7) / 8 * 8}};
    if (!vector_ok) {  // the reference's arithmetic, channel by channel, from per-tap pointers
        std::vector<const std::int8_t*> tp(static_cast<std::size_t>(taps));
        for (int b = 0; b < p.n; ++b) {
            const std::int8_t* img = in + static_cast<std::size_t>(b) * p.h * p.w * c;
            for (int oy = 0; oy < p.oh; ++oy)
                for (int ox = 0; ox < p.ow; ++ox) {
                    int t = 0;
                    for (int ky = 0; ky < p.kh; ++ky)
                        for (int kx = 0; kx < p.kw; ++kx, ++t) {
                            const int iy = oy * p.sh - p.pad_t + ky, ix = ox * p.sw - p.pad_l + kx;
                            tp[static_cast<std::size_t>(t)] = (iy < 0 || iy >= p.h || ix < 0 || ix >= p.w)
                                                                  ? zrow.data()
                                                                  : img + (static_cast<std::ptrdiff_t>(iy) * p.w + ix) * c;
                        }
                    tail_channels(0, c, taps, tp.data(), zp_in, w.w.data(), o,
                                  out + ((static_cast<std::size_t>(b) * p.oh + oy) * p.ow + ox) * c);
                }
        }
        return;
    }
    dw_images(d, rp.left, clamp, in, out);
}

}  // namespace es::kernels
