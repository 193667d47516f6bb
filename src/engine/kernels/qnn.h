// qnn: the integer-only kernels of the INT8 engine (Jacob et al. 2018, arXiv 1712.05877):
// int8 activations and weights, int32 accumulation and bias, fixed-point requantization
// (an int32 multiplier and a shift: no float at inference time), activations fused as
// clamps, other activations as 256-entry lookup tables built at prepare time.
//
// Conventions (as TFLite):
//   activations   asymmetric int8 per tensor:  r = S (q - Z),  q in [-128, 127] (narrower
//                 for fewer bits: the clamp bounds lo/hi carry the range)
//   weights       symmetric int8 (Z = 0), per output channel or per tensor
//   bias          int32 with S_bias = S_in * S_w[c] and Z = 0
//   output        q_out = clamp(Z_out + requantize(acc, M[c]), lo, hi),  M = S_in S_w[c] / S_out
//
// Each kernel has a scalar reference (<op>__ref: the specification) and, where it pays, a
// SIMD twin (<op>__simd) that must equal the reference BIT-EXACTLY on every shape. The
// un-suffixed function is the dispatch point (qnn_dispatch.cpp), honouring kernels::mode().
//
//   auto rq = es::kernels::quantize_multiplier(0.0123);      // M = mult * 2^(shift - 31)
//   std::int32_t y = es::kernels::requantize(acc, rq);       // round(acc * M), fixed point
#pragma once

#include "engine/kernels/nn.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace es::kernels {

// ---------------------------------------------------------------------------------------------
// Fixed-point requantization.
// A real multiplier m in (0, 2^31) is stored as mult * 2^(shift - 31) with mult in [2^30, 2^31)
// (M0 in [0.5, 1) in Q31, the paper's normalised multiplier) and shift = the power of two
// (shift > 0 multiplies, shift < 0 divides). m == 0 gives {0, 0} (every output 0).
// ---------------------------------------------------------------------------------------------
struct requant {
    std::int32_t mult = 0;
    int shift = 0;
};
requant quantize_multiplier(double m);
// The real value a requant stands for (mult * 2^(shift - 31)), for display and tests.
double requant_value(requant r);

// gemmlowp's SaturatingRoundingDoublingHighMul: round(a * b / 2^31), saturating the one
// overflow case a = b = INT32_MIN. A tie rounds up (toward +inf): -2.5 -> -2.
std::int32_t srdhm(std::int32_t a, std::int32_t b);
// gemmlowp's RoundingDivideByPOT: round(x / 2^exponent), ties away from zero; exponent 0..31.
std::int32_t rounding_divide_by_pot(std::int32_t x, int exponent);
// x * m rounded: left shift (if shift > 0, saturating), high multiply, rounding right shift
// (gemmlowp / TFLite's MultiplyByQuantizedMultiplier, the paper's implementation). Two
// roundings, so a result can differ by one from round(x * m) on (near-)ties: 5 * 0.25 -> 2.
std::int32_t requantize(std::int32_t x, requant r);

// Output stage of a convolution / fully connected layer.
struct q_output {
    const std::int32_t* bias = nullptr;  // [C]: see each kernel for what it already holds
    const requant* rq = nullptr;         // [C] (per-tensor layers repeat one value)
    std::int32_t zp_out = 0;
    std::int8_t lo = -128, hi = 127;     // fused ReLU/ReLU6 and the bit width, as a clamp
};
// clamp(zp_out + requantize(acc, rq), lo, hi)
inline std::int8_t q_store(std::int32_t acc, requant rq, const q_output& o) {
    std::int32_t v = requantize(acc, rq) + o.zp_out;
    v = v < o.lo ? o.lo : v;
    v = v > o.hi ? o.hi : v;
    return static_cast<std::int8_t>(v);
}

// ---------------------------------------------------------------------------------------------
// INT8 GEMM:  C[m][n] = q_store(bias[n] + sum_k A[m*lda + k] * B[k][n], rq[n])
//   A int8 [M, K] (row stride lda)   B int8 [K, N]   C int8 [M, N] (row stride ldc)
// The input zero point is NOT subtracted in the loop: sum_k (A - Z_a) B = sum_k A B - Z_a colsum[n],
// so the caller folds -Z_a * colsum[n] into bias[n] (colsum comes with the packed weights).
// That is exact for 1x1 convolutions, fully connected layers and im2col with the padding
// filled with Z_a (padding then contributes (Z_a - Z_a) * w = 0).
// |sum| stays below 2^31 for K < 2^17 with int8 operands.
// ---------------------------------------------------------------------------------------------
struct gemm_s8_weights {
    int n = 0, k = 0;
    std::vector<std::int8_t> b;         // [K][N] row-major: the reference reads this
    std::vector<std::int32_t> colsum;   // [N]: sum_k B[k][n]
    std::vector<std::int8_t> packed;    // the SIMD kernel's layout (see gemm_s8_pack)
};
gemm_s8_weights gemm_s8_pack(int n, int k, const std::int8_t* b_kn);
// Fills w.packed from w.b for the SIMD kernel (called by gemm_s8_pack; gemm_s8__simd.cpp).
// Layout (bytes): ceil(N/8) panels of 8 columns; each panel ceil(K/2) k-pairs of 32 bytes,
// sixteen little-endian int16: (2*B[2j][n], 2*B[2j+1][n]) for n = 8p .. 8p+7, zero past K
// and N (the values doubled: the requantization wants 2*acc). Then N int32: sum_k |B[k][n]|
// (bounds |acc| per column, so the kernel can drop a clamp). The SIMD kernel checks the size
// and runs the reference if w was not packed for the call's N and K.
void gemm_s8_pack_simd(gemm_s8_weights& w);

void gemm_s8__ref(int m, int n, int k, const std::int8_t* a, int lda, const std::int8_t* b_kn, const q_output& o,
                  std::int8_t* c, int ldc);
void gemm_s8__simd(int m, int n, int k, const std::int8_t* a, int lda, const gemm_s8_weights& w, const q_output& o,
                   std::int8_t* c, int ldc);
void gemm_s8(int m, int n, int k, const std::int8_t* a, int lda, const gemm_s8_weights& w, const q_output& o,
             std::int8_t* c, int ldc);

// ---------------------------------------------------------------------------------------------
// INT8 depthwise convolution (geometry as dwconv_f32):
//   out[c] = q_store(bias[c] + sum over in-image taps (in[c] - zp_in) * w[tap][c], rq[c])
//   in int8 [N,H,W,C]   w int8 [KH,KW,C]   bias int32 [C] (NOT folded: taps over the padding
//   are skipped, i.e. contribute real 0)   out int8 [N,OH,OW,C]
// ---------------------------------------------------------------------------------------------
struct dw_s8_weights {
    int c = 0, taps = 0;
    std::vector<std::int8_t> w;       // [KH*KW][C]: the reference reads this
    std::vector<std::int8_t> packed;  // the SIMD kernel's layout (see dw_s8_pack)
};
dw_s8_weights dw_s8_pack(int c, int taps, const std::int8_t* w_tap_major);
// Fills w.packed from w.w for the SIMD kernel (called by dw_s8_pack; dwconv_s8__simd.cpp).
// Layout: C rounded up to a multiple of 8 (the extra channels' weights 0), in channel groups
// of 16 (while 16 remain), then one group of 8; per group ceil(taps/2) tap pairs; per pair
// and channel the int16 pair (w[2q][c], w[2q+1][c]), channels in order (a missing odd
// tap: 0).
void dw_s8_pack_simd(dw_s8_weights& w);

void dwconv_s8__ref(const dw_params& p, const std::int8_t* in, std::int32_t zp_in, const std::int8_t* w,
                    const q_output& o, std::int8_t* out);
void dwconv_s8__simd(const dw_params& p, const std::int8_t* in, std::int32_t zp_in, const dw_s8_weights& w,
                     const q_output& o, std::int8_t* out);
void dwconv_s8(const dw_params& p, const std::int8_t* in, std::int32_t zp_in, const dw_s8_weights& w,
               const q_output& o, std::int8_t* out);

// im2col over channels [c0, c0 + cg) of one int8 image, the padding filled with pad_value
// (the input's zero point):  in [H,W,C] -> cols [OH*OW, KH*KW*cg]. A copy, shared by both paths.
void im2col_s8(const dw_params& p, int c0, int cg, const std::int8_t* in, std::int8_t pad_value, std::int8_t* cols);

// ---------------------------------------------------------------------------------------------
// Residual add with rescaling (TFLite's integer add): both inputs are moved to a common
// scale 2*max(S_a, S_b) with 20 bits of headroom, added, and requantized to the output:
//   a' = requantize((a - Z_a) << 20, rq_a)   b' likewise   out = clamp(Z_out + requantize(a' + b', rq_out))
// ---------------------------------------------------------------------------------------------
struct add_s8_params {
    std::int32_t zp_a = 0, zp_b = 0, zp_out = 0;
    requant rq_a, rq_b, rq_out;
    int left_shift = 20;
    std::int8_t lo = -128, hi = 127;
};
add_s8_params make_add_s8_params(double s_a, std::int32_t zp_a, double s_b, std::int32_t zp_b, double s_out,
                                 std::int32_t zp_out, std::int8_t lo, std::int8_t hi);
void add_s8__ref(std::size_t count, const std::int8_t* a, const std::int8_t* b, const add_s8_params& p,
                 std::int8_t* out);
void add_s8__simd(std::size_t count, const std::int8_t* a, const std::int8_t* b, const add_s8_params& p,
                  std::int8_t* out);
void add_s8(std::size_t count, const std::int8_t* a, const std::int8_t* b, const add_s8_params& p, std::int8_t* out);

// Per-image, per-channel product (squeeze-and-excitation's gate):
//   out[i][p][c] = clamp(zp_out + requantize((x[i][p][c] - zp_x) * (s[i][c] - zp_s), rq), lo, hi)
//   x, out int8 [N, HW, C]   s int8 [N, C]
void mul_channel_s8__ref(int n, int hw, int c, const std::int8_t* x, std::int32_t zp_x, const std::int8_t* s,
                         std::int32_t zp_s, requant rq, std::int32_t zp_out, std::int8_t lo, std::int8_t hi,
                         std::int8_t* out);
void mul_channel_s8__simd(int n, int hw, int c, const std::int8_t* x, std::int32_t zp_x, const std::int8_t* s,
                          std::int32_t zp_s, requant rq, std::int32_t zp_out, std::int8_t lo, std::int8_t hi,
                          std::int8_t* out);
void mul_channel_s8(int n, int hw, int c, const std::int8_t* x, std::int32_t zp_x, const std::int8_t* s,
                    std::int32_t zp_s, requant rq, std::int32_t zp_out, std::int8_t lo, std::int8_t hi,
                    std::int8_t* out);

// Any function of one int8 value (hard-swish, sigmoid, a rescale before concat) as a table:
//   out[i] = table[x[i] + 128]          x, out [count]   table [256]
void lut_s8__ref(std::size_t count, const std::int8_t* x, const std::int8_t* table, std::int8_t* out);
void lut_s8__simd(std::size_t count, const std::int8_t* x, const std::int8_t* table, std::int8_t* out);
void lut_s8(std::size_t count, const std::int8_t* x, const std::int8_t* table, std::int8_t* out);

// Pooling on int8. Max pooling keeps the input's scale and zero point (max commutes with a
// monotone affine map; padding never wins). Average pooling counts the padding as real 0
// (count_include_pad, as the f32 engine):
//   out = clamp(zp_out + requantize(sum over in-image taps (in - zp_in), rq), lo, hi),
//   rq = S_in / (S_out * KH * KW)
void maxpool_s8__ref(const dw_params& p, const std::int8_t* in, std::int8_t* out);
void maxpool_s8__simd(const dw_params& p, const std::int8_t* in, std::int8_t* out);
void maxpool_s8(const dw_params& p, const std::int8_t* in, std::int8_t* out);
void avgpool_s8__ref(const dw_params& p, const std::int8_t* in, std::int32_t zp_in, requant rq, std::int32_t zp_out,
                     std::int8_t* out);
void avgpool_s8__simd(const dw_params& p, const std::int8_t* in, std::int32_t zp_in, requant rq, std::int32_t zp_out,
                      std::int8_t* out);
void avgpool_s8(const dw_params& p, const std::int8_t* in, std::int32_t zp_in, requant rq, std::int32_t zp_out,
                std::int8_t* out);

// Global average pool: out[i][c] = clamp(zp_out + requantize(sum_p (in[i][p][c] - zp_in), rq)),
// rq = S_in / (S_out * HW).    in int8 [N, HW, C]   out int8 [N, C]
void gap_s8__ref(int n, int hw, int c, const std::int8_t* in, std::int32_t zp_in, requant rq, std::int32_t zp_out,
                 std::int8_t* out);
void gap_s8__simd(int n, int hw, int c, const std::int8_t* in, std::int32_t zp_in, requant rq, std::int32_t zp_out,
                  std::int8_t* out);
void gap_s8(int n, int hw, int c, const std::int8_t* in, std::int32_t zp_in, requant rq, std::int32_t zp_out,
            std::int8_t* out);

// Data movement on int8 (same scale and zero point in and out).
// Channel shuffle: in channel g*(C/G) + i goes to out channel i*G + g.   x, out [pixels, C]
void shuffle_s8(std::size_t pixels, int c, int groups, const std::int8_t* x, std::int8_t* out);
// Copies channels [c0, c0 + cn) of every pixel of x [pixels, cx] into out [pixels, cout] at channel o0.
void copy_channels_s8(std::size_t pixels, const std::int8_t* x, int cx, int c0, int cn, std::int8_t* out, int cout,
                      int o0);

// The engine's boundary: float image in, float logits out.
//   q = clamp(round(x / S) + Z, -128, 127) (round half away from zero);   r = S (q - Z)
void quantize_f32_s8(std::size_t count, const float* x, float scale, std::int32_t zp, std::int8_t* out);
void dequantize_s8_f32(std::size_t count, const std::int8_t* q, float scale, std::int32_t zp, float* out);

// Runs every SIMD int8 kernel against its reference on odd shapes; true when all are bit-exact.
// (simd_self_check() in kernels.h includes it; `edgestudy-cli selftest` reports both.)
bool qnn_self_check();
// A benchmark of these kernels against the f32 ones: engine/kernels/qnn_bench.h.

}  // namespace es::kernels
