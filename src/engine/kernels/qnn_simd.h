// qnn_simd: the vectorised fixed-point requantization shared by the int8 SIMD kernels.
// Internal to src/engine/kernels.
//
// The reference computes, per output,
//     q = clamp(zp + RDBP(SRDHM(sat(s << L), M), e), lo, hi)        (qnn__ref.cpp)
// with two roundings (SRDHM: round half up; RDBP: round half away from zero) and a shift
// that differs per channel. wasm SIMD has no per-lane shifts and no 32x32 high multiply,
// so the kernels use an exact reformulation (see rq_plan below):
//
//  1. Clamp s to +-2^(e + 9 - L). Every step is monotone in s, and at the bounds the
//     result is already at least 256 in magnitude (M >= 2^30), beyond any int8 output
//     after adding a zero point in [-128, 127]: the clamped output equals the unclamped one.
//     After the clamp nothing below can overflow or saturate.
//  2. SRDHM exactly in 64 bits: h = floor((s*M + 2^30) / 2^31) (gemmlowp's nudge and
//     truncating division are this floor for every sign), computed as the high word of
//     (2s << L) * M + 2^31 with i64x2.extmul; the high words are gathered by one shuffle.
//  3. RDBP with a per-lane exponent e (0..20) as a multiply and a uniform shift:
//         RDBP(h, e) = (h * 2^(21-e) + 2^20 - [h < 0]) >> 21
//     (for h >= 0 this is round half up of h / 2^e; the -1 turns ties downward for
//     negative h; for e = 0 it is h). Because |h| <= 2^(e+9), h * 2^(21-e) <= 2^30.
//     [h < 0] may be replaced by [s < 0]: they differ only when h = 0, where the -1
//     changes nothing. The zero point is folded into the constant: + zp * 2^21.
//  4. Narrow to int16 and int8 with saturation (the [-128, 127] clamp), then max/min with
//     the fused activation's bounds.
//
// A channel whose parameters are outside this path (multiplier not 0 and not in
// [2^30, 2^31), shift below -20 or above 9, zero point outside int8) makes the whole call
// use the scalar q_store on the int32 accumulators instead: still exact, only slower.
#pragma once

#include "engine/kernels/qnn.h"
#include "engine/kernels/simd.h"

#include <cstdint>
#include <vector>

namespace es::kernels::qsimd {

// Per-channel constants of the vector requantization, padded to a multiple of 16 channels
// (padding channels requantize 0 with multiplier 0). Built once per kernel call.
class rq_plan {
public:
    // n channels with requant rq[0..n) (or one shared value when per_tensor), bias[0..n) or
    // null (kept for the kernels that start their accumulators from it).
    void build(int n, const requant* rq, bool per_tensor, const std::int32_t* bias, std::int32_t zp_out,
               std::int8_t lo, std::int8_t hi);

    bool fast = false;  // every channel fits the vector path
    bool left = false;  // some channel shifts left (real multiplier >= 1)
    int np = 0;         // padded channel count

    const std::int32_t* lo_s() const { return buf_.data(); }
    const std::int32_t* hi_s() const { return buf_.data() + np; }
    const std::int32_t* mul_s() const { return buf_.data() + 2 * np; }  // 2^(L+1)
    const std::int32_t* mult() const { return buf_.data() + 3 * np; }
    const std::int32_t* g() const { return buf_.data() + 4 * np; }      // 2^(21-e)
    const std::int32_t* bias() const { return buf_.data() + 5 * np; }   // 0 where none
    std::int32_t add = 0;                                                // 2^20 + zp * 2^21
    std::int8_t lo = -128, hi = 127;

private:
    std::vector<std::int32_t> buf_;
};

// r + zp for four lanes of s at channel offset j of the plan (see above), in [-640, 639].
template <bool Left>
inline v128_t requant4(v128_t s, const rq_plan& p, int j, v128_t add, v128_t round64) {
    s = wasm_i32x4_max(s, wasm_v128_load(p.lo_s() + j));
    s = wasm_i32x4_min(s, wasm_v128_load(p.hi_s() + j));
    const v128_t s2 = Left ? wasm_i32x4_mul(s, wasm_v128_load(p.mul_s() + j)) : wasm_i32x4_add(s, s);
    const v128_t m = wasm_v128_load(p.mult() + j);
    const v128_t lo = wasm_i64x2_add(wasm_i64x2_extmul_low_i32x4(s2, m), round64);
    const v128_t hi = wasm_i64x2_add(wasm_i64x2_extmul_high_i32x4(s2, m), round64);
    const v128_t h = wasm_i32x4_shuffle(lo, hi, 1, 3, 5, 7);
    v128_t t = wasm_i32x4_add(wasm_i32x4_mul(h, wasm_v128_load(p.g() + j)), add);
    t = wasm_i32x4_add(t, wasm_i32x4_shr(s, 31));
    return wasm_i32x4_shr(t, 21);
}

inline v128_t round64() { return wasm_i64x2_splat(std::int64_t{1} << 31); }

// Four vectors of r + zp (16 lanes) to 16 int8 outputs clamped to [lo, hi].
inline v128_t pack16(v128_t a, v128_t b, v128_t c, v128_t d, v128_t vlo, v128_t vhi) {
    const v128_t v = wasm_i8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(a, b), wasm_i16x8_narrow_i32x4(c, d));
    return wasm_i8x16_min(wasm_i8x16_max(v, vlo), vhi);
}

// Scalar fallback for one accumulator (the reference's q_store).
inline std::int8_t store1(std::int32_t acc, requant rq, std::int32_t zp_out, std::int8_t lo, std::int8_t hi) {
    std::int32_t v = requantize(acc, rq) + zp_out;
    v = v < lo ? lo : v;
    v = v > hi ? hi : v;
    return static_cast<std::int8_t>(v);
}

// Exact requantization of four int32 lanes with ONE requant shared by all lanes (the
// intermediate rescaling of add_s8), for any input: no clamping, saturating left shift,
// srdhm in 64 bits, RDBP by a uniform shift. Needs rq.mult >= 0 (quantize_multiplier's).
struct uniform_rq {
    explicit uniform_rq(requant r);
    v128_t apply(v128_t x) const;

    int left = 0, right = 0;
    v128_t mult, sat_hi, sat_lo, mask, half;
};

}  // namespace es::kernels::qsimd
