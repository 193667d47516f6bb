#include "engine/kernels/kernels.h"

#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <vector>

using namespace es::kernels;

namespace {

std::vector<float> random_vector(std::size_t n, std::mt19937& rng) {
    std::uniform_real_distribution<float> d(-2.0f, 2.0f);
    std::vector<float> v(n);
    for (auto& x : v) x = d(rng);
    return v;
}

}  // namespace

TEST_CASE("SIMD vector kernels match the scalar reference on odd sizes") {
    const unsigned seed = 20261128;
    std::mt19937 rng(seed);
    for (std::size_t n : {0u, 1u, 3u, 4u, 5u, 7u, 8u, 9u, 15u, 16u, 17u, 31u, 33u, 100u, 1023u}) {
        CAPTURE(n);
        CAPTURE(seed);
        auto x = random_vector(n, rng);
        auto y = random_vector(n, rng);
        const float d_ref = dot_f32__ref(n, x.data(), y.data());
        const float d_simd = dot_f32__simd(n, x.data(), y.data());
        float scale = 0.0f;  // sum of |x*y| bounds the rounding error of either order
        for (std::size_t i = 0; i < n; ++i) scale += std::fabs(x[i] * y[i]);
        CHECK(std::fabs(d_simd - d_ref) <= 1e-5f * (1.0f + scale));
        CHECK(dot_f32(n, x.data(), y.data()) == d_simd);

        auto y_ref = y, y_simd = y;
        axpy_f32__ref(n, -0.75f, x.data(), y_ref.data());
        axpy_f32__simd(n, -0.75f, x.data(), y_simd.data());
        for (std::size_t i = 0; i < n; ++i) {
            CAPTURE(i);
            CHECK(std::fabs(y_simd[i] - y_ref[i]) <= 1e-5f * (1.0f + std::fabs(y_ref[i])));
        }
    }
}

TEST_CASE("dispatch uses SIMD and the built-in self check passes") {
    CHECK(simd_enabled());
    CHECK(simd_self_check());
#if defined(__wasm_simd128__)
    CHECK(std::string(simd_backend()) == "wasm-simd128");
#else
    CHECK(std::string(simd_backend()) == "simde");
#endif
}

TEST_CASE("axpy leaves elements past n untouched") {
    std::vector<float> x(9, 1.0f), y(9, 5.0f);
    axpy_f32(5, 2.0f, x.data(), y.data());
    for (int i = 0; i < 5; ++i) CHECK(y[static_cast<std::size_t>(i)] == 7.0f);
    for (int i = 5; i < 9; ++i) CHECK(y[static_cast<std::size_t>(i)] == 5.0f);
}
