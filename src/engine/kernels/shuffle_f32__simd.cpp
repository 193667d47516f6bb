// Channel shuffle for two groups (every ShuffleNet V2 unit): interleave the two halves
// with i32x4 shuffles. Other group counts use the reference permutation.
#include "engine/kernels/nn.h"
#include "engine/kernels/simd.h"

namespace es::kernels {

void shuffle_f32__simd(std::size_t pixels, int c, int groups, const float* x, float* out) {
    if (groups != 2 || c % 8 != 0) {
        shuffle_f32__ref(pixels, c, groups, x, out);
        return;
    }
    const int half = c / 2;
    for (std::size_t p = 0; p < pixels; ++p) {
        const float* s = x + p * static_cast<std::size_t>(c);
        float* d = out + p * static_cast<std::size_t>(c);
        for (int i = 0; i < half; i += 4) {
            const v128_t a = wasm_v128_load(s + i);          // group 0: a0 a1 a2 a3
            const v128_t b = wasm_v128_load(s + half + i);   // group 1: b0 b1 b2 b3
            wasm_v128_store(d + 2 * i, wasm_i32x4_shuffle(a, b, 0, 4, 1, 5));
            wasm_v128_store(d + 2 * i + 4, wasm_i32x4_shuffle(a, b, 2, 6, 3, 7));
        }
    }
}

}  // namespace es::kernels
