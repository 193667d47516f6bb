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
//     After the clamp nothing below can overflow or saturate. (Kernels skip the clamp when
//     a per-channel bound on |s| from the weights shows it cannot bind.)
//  2. SRDHM exactly in 64 bits: h = floor((s*M + 2^30) / 2^31) (gemmlowp's nudge and
//     truncating division are this floor for every sign), computed as the high word of
//     (2s << L) * M + 2^31 with i64x2.extmul; the high words are gathered by one shuffle.
//     The kernels produce 2s directly (B packed doubled; the depthwise's x256 sums >> 7).
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

// Each variant of a kernel (shape templates x requantization mode) is its own wasm function:
// V8 optimises hot functions separately, and one function holding every inlined variant
// takes TurboFan long enough to compile that short runs stay in the baseline tier. LLVM
// honours noinline; binaryen (emcc's wasm-opt) still inlines a function with one caller, so
// the kernels also call their variants through a table indexed at run time.
#define ES_NOINLINE __attribute__((noinline))

namespace es::kernels::qsimd {

// Per-channel constants of the vector requantization, padded to a multiple of 16 channels
// (padding channels requantize with multiplier 0). Built once per kernel call. The kernels
// hand over s2 = 2s (the GEMM with B packed doubled, the depthwise from its x256 sums), so
// the bounds below are those of step 1 doubled.
class rq_plan {
public:
    // n channels with requant rq[0..n) (or rq[0] for every channel when per_tensor).
    void build(int n, const requant* rq, bool per_tensor, std::int32_t zp_out, std::int8_t lo, std::int8_t hi);

    bool fast = false;  // every channel fits the vector path
    bool left = false;  // some channel shifts left (real multiplier >= 1)
    int np = 0;         // padded channel count

    const std::int32_t* lo2() const { return buf_.data(); }           // -2^(e+10-L)
    const std::int32_t* hi2() const { return buf_.data() + np; }      // 2^(e+10-L)
    const std::int32_t* mul() const { return buf_.data() + 2 * np; }  // 2^L
    const std::int32_t* mult() const { return buf_.data() + 3 * np; }
    const std::int32_t* g() const { return buf_.data() + 4 * np; }    // 2^(21-e)
    std::int32_t add = 0;                                              // 2^20 + zp * 2^21
    std::int8_t lo = -128, hi = 127;

private:
    std::vector<std::int32_t> buf_;
};

// Shifts by a run-time count. LLVM 14 hoists the splat of a loop-invariant count out of the
// loop, then cannot see that the count is uniform and unrolls the vector shift into four
// scalar shifts with lane extracts and inserts; an empty volatile asm statement makes the
// count a fresh scalar at each use, so the shift stays one i32x4.shr_s / shl.
inline std::uint32_t opaque(std::uint32_t n) {
    __asm__ volatile("" : "+r"(n));
    return n;
}
inline v128_t shr_i32(v128_t v, std::uint32_t n) { return wasm_i32x4_shr(v, opaque(n)); }
inline v128_t shl_i32(v128_t v, std::uint32_t n) { return wasm_i32x4_shl(v, opaque(n)); }

// r + zp for four lanes of s2 = 2s at channel offset j of the plan (see above), in
// [-640, 639]. Clamp = false when the kernel has proven |s2| <= hi2 for every lane.
template <bool Left, bool Clamp>
inline v128_t requant4(v128_t s2, const rq_plan& p, int j, v128_t add, v128_t round64) {
    if constexpr (Clamp) {
        s2 = wasm_i32x4_max(s2, wasm_v128_load(p.lo2() + j));
        s2 = wasm_i32x4_min(s2, wasm_v128_load(p.hi2() + j));
    }
    const v128_t x = Left ? wasm_i32x4_mul(s2, wasm_v128_load(p.mul() + j)) : s2;
    const v128_t m = wasm_v128_load(p.mult() + j);
    const v128_t lo = wasm_i64x2_add(wasm_i64x2_extmul_low_i32x4(x, m), round64);
    const v128_t hi = wasm_i64x2_add(wasm_i64x2_extmul_high_i32x4(x, m), round64);
    const v128_t h = wasm_i32x4_shuffle(lo, hi, 1, 3, 5, 7);
    v128_t t = wasm_i32x4_add(wasm_i32x4_mul(h, wasm_v128_load(p.g() + j)), add);
    t = wasm_i32x4_add(t, wasm_i32x4_shr(s2, 31));
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
