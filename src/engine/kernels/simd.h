// simd.h: the one include for SIMD kernels. Kernels are written once with the
// wasm_simd128.h intrinsics; in the WebAssembly build they are real wasm SIMD
// (-msimd128), natively SIMDe maps the same intrinsics onto SSE/NEON, so the same kernel
// source is tested on both targets.
#pragma once

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#define ES_SIMD_BACKEND "wasm-simd128"
#elif defined(__EMSCRIPTEN__)
#error "the WebAssembly build must be compiled with -msimd128"
#else
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/wasm/simd128.h>
#define ES_SIMD_BACKEND "simde"
#endif
