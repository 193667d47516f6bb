#include "train/augment.h"

#include <cstddef>

namespace es::train {

std::uint64_t rng::next() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

double rng::uniform() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }

std::uint32_t rng::below(std::uint32_t n) { return n == 0 ? 0 : static_cast<std::uint32_t>(uniform() * n); }

void augment_batch(const std::uint8_t* src, std::uint8_t* dst, int n, int h, int w, const augment_options& o, rng& r) {
    const std::size_t img = static_cast<std::size_t>(h) * w;
    for (int i = 0; i < n; ++i) {
        const int dy = o.pad > 0 ? static_cast<int>(r.below(static_cast<std::uint32_t>(2 * o.pad + 1))) - o.pad : 0;
        const int dx = o.pad > 0 ? static_cast<int>(r.below(static_cast<std::uint32_t>(2 * o.pad + 1))) - o.pad : 0;
        const bool flip = o.flip && (r.next() & 1);
        const std::uint8_t* s = src + static_cast<std::size_t>(i) * img;
        std::uint8_t* d = dst + static_cast<std::size_t>(i) * img;
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) {
                const int sx0 = flip ? w - 1 - x : x;
                const int sy = y + dy, sx = sx0 + dx;
                d[static_cast<std::size_t>(y) * w + x] =
                    (sy < 0 || sy >= h || sx < 0 || sx >= w) ? 0 : s[static_cast<std::size_t>(sy) * w + sx];
            }
    }
}

void normalise(const std::uint8_t* src, float* dst, std::size_t count) {
    constexpr float scale = 1.0f / (255.0f * fmnist_std), shift = -fmnist_mean / fmnist_std;
    for (std::size_t i = 0; i < count; ++i) dst[i] = static_cast<float>(src[i]) * scale + shift;
}

}  // namespace es::train
