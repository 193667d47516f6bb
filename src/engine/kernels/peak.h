// peak: single-thread SIMD peak microbenchmarks (f32 mul+add, int8 dot products via
// i32x4.dot_i16x8) and STREAM-triad memory bandwidth. Call a few times first to warm up:
// V8 runs cold wasm in its baseline tier.
#pragma once

#include <cstddef>

namespace es::kernels {

double peak_f32_gflops(int iterations);
double peak_i8_gmacs(int iterations);
// Best of `repeats` triad passes over three arrays of `floats_per_array` floats.
double bandwidth_gbs(std::size_t floats_per_array, int repeats);

}  // namespace es::kernels
