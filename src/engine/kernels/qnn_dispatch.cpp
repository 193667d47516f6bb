// qnn_dispatch: chooses between the reference and the SIMD integer kernels (kernels::mode()).
// Both give the same bytes; the reference mode exists for tests and the "SIMD vs scalar"
// benchmark.
#include "engine/kernels/qnn.h"

namespace es::kernels {

namespace {
inline bool use_simd() { return mode() == kernel_mode::kernel_mode_simd; }
}  // namespace

void gemm_s8(int m, int n, int k, const std::int8_t* a, int lda, const gemm_s8_weights& w, const q_output& o,
             std::int8_t* c, int ldc) {
    if (use_simd()) gemm_s8__simd(m, n, k, a, lda, w, o, c, ldc);
    else gemm_s8__ref(m, n, k, a, lda, w.b.data(), o, c, ldc);
}
void dwconv_s8(const dw_params& p, const std::int8_t* in, std::int32_t zp_in, const dw_s8_weights& w,
               const q_output& o, std::int8_t* out) {
    if (use_simd()) dwconv_s8__simd(p, in, zp_in, w, o, out);
    else dwconv_s8__ref(p, in, zp_in, w.w.data(), o, out);
}
void add_s8(std::size_t count, const std::int8_t* a, const std::int8_t* b, const add_s8_params& p, std::int8_t* out) {
    use_simd() ? add_s8__simd(count, a, b, p, out) : add_s8__ref(count, a, b, p, out);
}
void mul_channel_s8(int n, int hw, int c, const std::int8_t* x, std::int32_t zp_x, const std::int8_t* s,
                    std::int32_t zp_s, requant rq, std::int32_t zp_out, std::int8_t lo, std::int8_t hi,
                    std::int8_t* out) {
    use_simd() ? mul_channel_s8__simd(n, hw, c, x, zp_x, s, zp_s, rq, zp_out, lo, hi, out)
               : mul_channel_s8__ref(n, hw, c, x, zp_x, s, zp_s, rq, zp_out, lo, hi, out);
}
void lut_s8(std::size_t count, const std::int8_t* x, const std::int8_t* table, std::int8_t* out) {
    use_simd() ? lut_s8__simd(count, x, table, out) : lut_s8__ref(count, x, table, out);
}
void maxpool_s8(const dw_params& p, const std::int8_t* in, std::int8_t* out) {
    use_simd() ? maxpool_s8__simd(p, in, out) : maxpool_s8__ref(p, in, out);
}
void avgpool_s8(const dw_params& p, const std::int8_t* in, std::int32_t zp_in, requant rq, std::int32_t zp_out,
                std::int8_t* out) {
    use_simd() ? avgpool_s8__simd(p, in, zp_in, rq, zp_out, out) : avgpool_s8__ref(p, in, zp_in, rq, zp_out, out);
}
void gap_s8(int n, int hw, int c, const std::int8_t* in, std::int32_t zp_in, requant rq, std::int32_t zp_out,
            std::int8_t* out) {
    use_simd() ? gap_s8__simd(n, hw, c, in, zp_in, rq, zp_out, out) : gap_s8__ref(n, hw, c, in, zp_in, rq, zp_out, out);
}

}  // namespace es::kernels
