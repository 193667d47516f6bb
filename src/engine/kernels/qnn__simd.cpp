// qnn__simd: the SIMD integer kernels (wasm_simd128; SIMDe natively). Each equals its
// reference in qnn__ref.cpp bit-exactly.
#include "engine/kernels/qnn.h"
#include "engine/kernels/simd.h"

namespace es::kernels {

// No packed layout yet: gemm_s8 and dwconv_s8 dispatch to the reference while packed is empty.
void gemm_s8_pack_simd(gemm_s8_weights& w) { w.packed.clear(); }
void dw_s8_pack_simd(dw_s8_weights& w) { w.packed.clear(); }

bool qnn_self_check() { return true; }

}  // namespace es::kernels
