// nn kernels: the layers' compute, NHWC, f32. Each kernel has a scalar reference
// (<op>__ref: the specification, plain loops) and a SIMD twin (<op>__simd, wasm_simd128
// intrinsics; SIMDe natively). The un-suffixed function is the one dispatch point: it
// calls the SIMD version unless the reference mode is selected (for tests and for the
// "SIMD vs scalar" benchmark).
//
// Shapes are written at each declaration as in ggml/llm.c:  in [N,H,W,C]  out [N,OH,OW,C].
//
//   es::kernels::gemm_f32(M, N, K, a, lda, w, bias, c, ldc, act);   // w: gemm_weights
//   es::kernels::set_mode(es::kernels::kernel_mode::kernel_mode_ref); // reference everywhere
#pragma once

#include <cstddef>
#include <vector>

namespace es::kernels {

enum class kernel_mode { kernel_mode_simd, kernel_mode_ref };
void set_mode(kernel_mode m);
kernel_mode mode();

// Activation applied in a kernel's epilogue (values match es::engine::act).
enum class epilogue : unsigned char { none, relu, relu6, hswish, hsigmoid, sigmoid };

// Scalar activation, the reference for every SIMD epilogue.
float activate_ref(float x, epilogue e);

// ---------------------------------------------------------------------------------------------
// GEMM: C[m][n] = act(bias[n] + sum_k A[m*lda + k] * B[k][n])
//   A [M, K] (row stride lda)   B [K, N] row-major   bias [N] or null   C [M, N] (row stride ldc)
// The SIMD kernel reads B from panels of 8 columns (K x 8, zero-padded), packed once.
// ---------------------------------------------------------------------------------------------
struct gemm_weights {
    int n = 0, k = 0;
    std::vector<float> b;       // [K][N] row-major: the reference reads this
    std::vector<float> packed;  // ceil(N/8) panels of [K][8]: the SIMD kernel reads this
};
// From B given as [K][N].
gemm_weights gemm_pack(int n, int k, const float* b_kn);

void gemm_f32__ref(int m, int n, int k, const float* a, int lda, const float* b_kn, const float* bias, float* c,
                   int ldc, epilogue e);
void gemm_f32__simd(int m, int n, int k, const float* a, int lda, const float* packed, const float* bias, float* c,
                    int ldc, epilogue e);
void gemm_f32(int m, int n, int k, const float* a, int lda, const gemm_weights& w, const float* bias, float* c,
              int ldc, epilogue e);

// ---------------------------------------------------------------------------------------------
// Depthwise convolution: one filter per channel.
//   in [N,H,W,C]   w [KH,KW,C]   bias [C] or null   out [N,OH,OW,C]
// ---------------------------------------------------------------------------------------------
struct dw_params {
    int n, h, w, c, kh, kw, sh, sw, pad_t, pad_l, oh, ow;
};
// The SIMD kernel also reads the weights repacked per channel group (dw_pack): for each
// group of 8 channels [KH*KW][8], then one group of 4 [KH*KW][4] if C % 8 >= 4, so that
// every tap's weights sit at a constant offset from one pointer.
std::vector<float> dw_pack(int c, int taps, const float* w_tap_major);
void dwconv_f32__ref(const dw_params& p, const float* in, const float* w, const float* bias, float* out, epilogue e);
void dwconv_f32__simd(const dw_params& p, const float* in, const float* w, const float* packed, const float* bias,
                      float* out, epilogue e);
void dwconv_f32(const dw_params& p, const float* in, const float* w, const float* packed, const float* bias, float* out,
                epilogue e);

// ---------------------------------------------------------------------------------------------
// im2col for a general convolution over channels [c0, c0 + cg) of one image:
//   in [H,W,C]  ->  cols [OH*OW, KH*KW*cg] (zeros where the window hangs over the padding)
// Shared by both paths (a copy, not arithmetic).
// ---------------------------------------------------------------------------------------------
void im2col_f32(const dw_params& p, int c0, int cg, const float* in, float* cols);

// ---------------------------------------------------------------------------------------------
// Element-wise and data movement.  x, y, out [count]
// ---------------------------------------------------------------------------------------------
void act_f32__ref(std::size_t count, const float* x, float* out, epilogue e);
void act_f32__simd(std::size_t count, const float* x, float* out, epilogue e);
void act_f32(std::size_t count, const float* x, float* out, epilogue e);

void add_f32__ref(std::size_t count, const float* x, const float* y, float* out, epilogue e);
void add_f32__simd(std::size_t count, const float* x, const float* y, float* out, epilogue e);
void add_f32(std::size_t count, const float* x, const float* y, float* out, epilogue e);

// Per-channel affine (standalone batch norm, SE scaling): out[p][c] = x[p][c] * scale[c] + shift[c]
//   x, out [pixels, C]   scale, shift [C] (shift may be null)
void channel_affine_f32__ref(std::size_t pixels, int c, const float* x, const float* scale, const float* shift,
                             float* out, epilogue e);
void channel_affine_f32__simd(std::size_t pixels, int c, const float* x, const float* scale, const float* shift,
                              float* out, epilogue e);
void channel_affine_f32(std::size_t pixels, int c, const float* x, const float* scale, const float* shift, float* out,
                        epilogue e);

// Copies channels [c0, c0 + cn) of every pixel of x [pixels, cx] into out [pixels, cout] at channel o0.
void copy_channels_f32(std::size_t pixels, const float* x, int cx, int c0, int cn, float* out, int cout, int o0);

// Channel shuffle: in channel g*(C/G) + i goes to out channel i*G + g.   x, out [pixels, C]
void shuffle_f32__ref(std::size_t pixels, int c, int groups, const float* x, float* out);
void shuffle_f32__simd(std::size_t pixels, int c, int groups, const float* x, float* out);
void shuffle_f32(std::size_t pixels, int c, int groups, const float* x, float* out);

// Pooling.   in [N,H,W,C]   out [N,OH,OW,C]; average pooling counts padding (PyTorch's default).
void maxpool_f32__ref(const dw_params& p, const float* in, float* out);
void maxpool_f32__simd(const dw_params& p, const float* in, float* out);
void maxpool_f32(const dw_params& p, const float* in, float* out);
void avgpool_f32__ref(const dw_params& p, const float* in, float* out);
void avgpool_f32__simd(const dw_params& p, const float* in, float* out);
void avgpool_f32(const dw_params& p, const float* in, float* out);

// Global average pool.   in [N, HW, C]   out [N, C]
void gap_f32__ref(int n, int hw, int c, const float* in, float* out);
void gap_f32__simd(int n, int hw, int c, const float* in, float* out);
void gap_f32(int n, int hw, int c, const float* in, float* out);

// Softmax over the last axis.   x, out [rows, c]
void softmax_f32__ref(int rows, int c, const float* x, float* out);
void softmax_f32__simd(int rows, int c, const float* x, float* out);
void softmax_f32(int rows, int c, const float* x, float* out);

}  // namespace es::kernels
