// kernels: the engine's compute kernels. Each op has a plain scalar reference
// (<op>__ref, the specification) and a SIMD twin (<op>__simd, wasm_simd128 intrinsics);
// dispatch.cpp is the one place that chooses which one the engine calls.
//
//   float d = es::kernels::dot_f32(n, x, y);        // dispatched
//   float r = es::kernels::dot_f32__ref(n, x, y);   // reference, used by tests
//
// Float SIMD kernels match their reference within a stated relative tolerance (they
// reassociate sums); integer kernels (later) match bit-exactly.
#pragma once

#include <cstddef>

namespace es::kernels {

// y[i] += a * x[i]                       x [n]  y [n]
void axpy_f32__ref(std::size_t n, float a, const float* x, float* y);
void axpy_f32__simd(std::size_t n, float a, const float* x, float* y);
void axpy_f32(std::size_t n, float a, const float* x, float* y);

// sum_i x[i] * y[i]                      x [n]  y [n]
float dot_f32__ref(std::size_t n, const float* x, const float* y);
float dot_f32__simd(std::size_t n, const float* x, const float* y);
float dot_f32(std::size_t n, const float* x, const float* y);

// True when dispatch routes to the SIMD kernels in this build.
bool simd_enabled();
// "wasm-simd128" in the page, "simde" natively.
const char* simd_backend();
// Runs every SIMD kernel against its reference on odd sizes; true when all agree (the f32
// kernels within tolerance, the int8 ones of qnn.h bit-exactly: qnn_self_check(), the sparse-weight
// ones of sparse.h: sparse_self_check()).
bool simd_self_check();

}  // namespace es::kernels
