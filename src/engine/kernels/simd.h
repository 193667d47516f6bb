// simd.h: the one include for SIMD kernels. Kernels are written once with the
// wasm_simd128.h intrinsics; in the WebAssembly build they are real wasm SIMD
// (-msimd128), natively SIMDe maps the same intrinsics onto SSE/NEON, so the same kernel
// source is tested on both targets.
#pragma once

// Full unrolling of small fixed loops (clang: wasm and the fuzz build; GCC unrolls -O3 loops
// of constant trip count by itself).
#if defined(__clang__)
#define ES_UNROLL _Pragma("clang loop unroll(full)")
#else
#define ES_UNROLL
#endif

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
