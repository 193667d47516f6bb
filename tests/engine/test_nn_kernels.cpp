// Every SIMD kernel against its scalar reference on deliberately odd shapes: channels
// around the SIMD width, odd spatial sizes, strides 1 and 2, every activation.
#include "engine/kernels/nn.h"

#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <vector>

using namespace es::kernels;

namespace {

constexpr float rel_tol = 1e-5f;

std::vector<float> rnd(std::size_t n, std::mt19937& g, float lo = -3.0f, float hi = 3.0f) {
    std::uniform_real_distribution<float> d(lo, hi);
    std::vector<float> v(n);
    for (auto& x : v) x = d(g);
    return v;
}

// |a - b| <= tol * (1 + |b| + scale): scale bounds the rounding of reassociated sums.
bool close(float a, float b, float scale = 0.0f) {
    return std::fabs(a - b) <= rel_tol * (1.0f + std::fabs(b) + scale);
}

const epilogue all_epilogues[] = {epilogue::none, epilogue::relu, epilogue::relu6, epilogue::hswish,
                                  epilogue::hsigmoid, epilogue::sigmoid};
const int odd_channels[] = {1, 3, 4, 5, 7, 8, 9, 17};
struct hw {
    int h, w;
};
const hw odd_spatial[] = {{1, 1}, {7, 5}, {15, 17}};

}  // namespace

TEST_CASE("gemm: SIMD matches the reference on odd M, N, K with bias and every epilogue") {
    std::mt19937 g(7);
    for (int m : {1, 2, 3, 4, 5, 7, 9, 17, 33})
        for (int n : {1, 3, 4, 5, 7, 8, 9, 17, 24})
            for (int k : {1, 3, 8, 17, 64}) {
                auto a = rnd(static_cast<std::size_t>(m) * (k + 2), g);  // lda = k + 2
                auto b = rnd(static_cast<std::size_t>(k) * n, g, -1, 1);
                auto bias = rnd(static_cast<std::size_t>(n), g);
                auto w = gemm_pack(n, k, b.data());
                for (epilogue e : all_epilogues) {
                    for (bool with_bias : {false, true}) {
                        CAPTURE(m);
                        CAPTURE(n);
                        CAPTURE(k);
                        CAPTURE(static_cast<int>(e));
                        CAPTURE(with_bias);
                        const int ldc = n + 3;
                        std::vector<float> c_ref(static_cast<std::size_t>(m) * ldc, -7.0f), c_simd = c_ref;
                        gemm_f32__ref(m, n, k, a.data(), k + 2, b.data(), with_bias ? bias.data() : nullptr,
                                      c_ref.data(), ldc, e);
                        gemm_f32__simd(m, n, k, a.data(), k + 2, w.packed.data(), with_bias ? bias.data() : nullptr,
                                       c_simd.data(), ldc, e);
                        bool ok = true;
                        for (std::size_t i = 0; i < c_ref.size(); ++i)
                            ok = ok && close(c_simd[i], c_ref[i], 3.0f * static_cast<float>(k));
                        CHECK(ok);
                        // Padding columns of C untouched.
                        CHECK(c_simd[static_cast<std::size_t>(n)] == -7.0f);
                    }
                }
            }
}

TEST_CASE("depthwise conv: SIMD matches the reference (odd channels, spatial, strides, kernels)") {
    std::mt19937 g(11);
    for (int c : odd_channels)
        for (hw s : odd_spatial)
            for (int k : {3, 5})
                for (int stride : {1, 2})
                    for (int batch : {1, 2}) {
                        const int pad = k / 2;
                        dw_params p{batch, s.h, s.w, c, k, k, stride, stride, pad, pad,
                                    (s.h + 2 * pad - k) / stride + 1, (s.w + 2 * pad - k) / stride + 1};
                        auto in = rnd(static_cast<std::size_t>(batch) * s.h * s.w * c, g);
                        auto w = rnd(static_cast<std::size_t>(k) * k * c, g, -1, 1);
                        auto bias = rnd(static_cast<std::size_t>(c), g);
                        const std::size_t out_n = static_cast<std::size_t>(batch) * p.oh * p.ow * c;
                        for (epilogue e : {epilogue::none, epilogue::relu6, epilogue::hswish}) {
                            CAPTURE(c);
                            CAPTURE(s.h);
                            CAPTURE(s.w);
                            CAPTURE(k);
                            CAPTURE(stride);
                            std::vector<float> o_ref(out_n), o_simd(out_n);
                            dwconv_f32__ref(p, in.data(), w.data(), bias.data(), o_ref.data(), e);
                            const auto packed = dw_pack(c, k * k, w.data());
                            dwconv_f32__simd(p, in.data(), w.data(), packed.data(), bias.data(), o_simd.data(), e);
                            bool ok = true;
                            for (std::size_t i = 0; i < out_n; ++i) ok = ok && close(o_simd[i], o_ref[i], 3.0f * k * k);
                            CHECK(ok);
                        }
                    }
}

TEST_CASE("pooling: SIMD matches the reference") {
    std::mt19937 g(13);
    for (int c : odd_channels)
        for (hw s : odd_spatial)
            for (int stride : {1, 2}) {
                const int k = 3, pad = 1;
                dw_params p{2, s.h, s.w, c, k, k, stride, stride, pad, pad, (s.h + 2 * pad - k) / stride + 1,
                            (s.w + 2 * pad - k) / stride + 1};
                auto in = rnd(static_cast<std::size_t>(2) * s.h * s.w * c, g);
                const std::size_t out_n = static_cast<std::size_t>(2) * p.oh * p.ow * c;
                std::vector<float> a(out_n), b(out_n), c1(out_n), d(out_n);
                maxpool_f32__ref(p, in.data(), a.data());
                maxpool_f32__simd(p, in.data(), b.data());
                avgpool_f32__ref(p, in.data(), c1.data());
                avgpool_f32__simd(p, in.data(), d.data());
                CAPTURE(c);
                CAPTURE(s.h);
                CAPTURE(stride);
                CHECK(a == b);  // max is exact
                bool ok = true;
                for (std::size_t i = 0; i < out_n; ++i) ok = ok && close(d[i], c1[i], 27.0f);
                CHECK(ok);
            }
}

TEST_CASE("element-wise kernels: activations, add, channel affine, GAP, softmax, shuffle") {
    std::mt19937 g(17);
    for (int c : odd_channels)
        for (hw s : odd_spatial) {
            CAPTURE(c);
            CAPTURE(s.h);
            CAPTURE(s.w);
            const std::size_t pixels = static_cast<std::size_t>(s.h) * s.w, count = pixels * c;
            auto x = rnd(count, g, -8, 8), y = rnd(count, g, -8, 8);
            auto scale = rnd(static_cast<std::size_t>(c), g), shift = rnd(static_cast<std::size_t>(c), g);
            for (epilogue e : all_epilogues) {
                CAPTURE(static_cast<int>(e));
                std::vector<float> r(count), v(count);
                act_f32__ref(count, x.data(), r.data(), e);
                act_f32__simd(count, x.data(), v.data(), e);
                bool ok = true;
                for (std::size_t i = 0; i < count; ++i) ok = ok && close(v[i], r[i]);
                CHECK(ok);
                add_f32__ref(count, x.data(), y.data(), r.data(), e);
                add_f32__simd(count, x.data(), y.data(), v.data(), e);
                ok = true;
                for (std::size_t i = 0; i < count; ++i) ok = ok && close(v[i], r[i]);
                CHECK(ok);
                channel_affine_f32__ref(pixels, c, x.data(), scale.data(), shift.data(), r.data(), e);
                channel_affine_f32__simd(pixels, c, x.data(), scale.data(), shift.data(), v.data(), e);
                ok = true;
                for (std::size_t i = 0; i < count; ++i) ok = ok && close(v[i], r[i]);
                CHECK(ok);
            }
            std::vector<float> gr(static_cast<std::size_t>(c)), gs(static_cast<std::size_t>(c));
            gap_f32__ref(1, static_cast<int>(pixels), c, x.data(), gr.data());
            gap_f32__simd(1, static_cast<int>(pixels), c, x.data(), gs.data());
            bool ok = true;
            for (int j = 0; j < c; ++j) ok = ok && close(gs[static_cast<std::size_t>(j)], gr[static_cast<std::size_t>(j)], 8.0f);
            CHECK(ok);
            std::vector<float> sr(count), ss(count);
            softmax_f32__ref(static_cast<int>(pixels), c, x.data(), sr.data());
            softmax_f32__simd(static_cast<int>(pixels), c, x.data(), ss.data());
            ok = true;
            for (std::size_t i = 0; i < count; ++i) ok = ok && close(ss[i], sr[i]);
            CHECK(ok);
        }
    for (int c : {2, 4, 8, 16, 24, 58, 116})
        for (int groups : {1, 2, 4}) {
            if (c % groups) continue;
            auto x = rnd(static_cast<std::size_t>(5) * c, g);
            std::vector<float> r(x.size()), v(x.size());
            shuffle_f32__ref(5, c, groups, x.data(), r.data());
            shuffle_f32__simd(5, c, groups, x.data(), v.data());
            CAPTURE(c);
            CAPTURE(groups);
            CHECK(r == v);
        }
}

TEST_CASE("shuffle puts channel g*(C/G)+i at i*G+g") {
    std::vector<float> x = {0, 1, 2, 3, 4, 5}, out(6);
    shuffle_f32__ref(1, 6, 2, x.data(), out.data());
    CHECK(out == std::vector<float>{0, 3, 1, 4, 2, 5});
    shuffle_f32__ref(1, 6, 3, x.data(), out.data());
    CHECK(out == std::vector<float>{0, 2, 4, 1, 3, 5});
}

TEST_CASE("activation references at known points") {
    CHECK(activate_ref(-1.0f, epilogue::relu) == 0.0f);
    CHECK(activate_ref(7.0f, epilogue::relu6) == 6.0f);
    CHECK(activate_ref(-3.0f, epilogue::hswish) == 0.0f);
    CHECK(activate_ref(3.0f, epilogue::hswish) == doctest::Approx(3.0f));
    CHECK(activate_ref(1.0f, epilogue::hswish) == doctest::Approx(1.0f * 4.0f / 6.0f));
    CHECK(activate_ref(0.0f, epilogue::hsigmoid) == doctest::Approx(0.5f));
    CHECK(activate_ref(0.0f, epilogue::sigmoid) == doctest::Approx(0.5f));
}

TEST_CASE("im2col lays out windows with zero padding") {
    // 1 image 2x2x1: [1 2; 3 4], 3x3 window pad 1 stride 1 -> 4 rows of 9
    dw_params p{1, 2, 2, 1, 3, 3, 1, 1, 1, 1, 2, 2};
    const float in[4] = {1, 2, 3, 4};
    std::vector<float> cols(4 * 9);
    im2col_f32(p, 0, 1, in, cols.data());
    CHECK(std::vector<float>(cols.begin(), cols.begin() + 9) == std::vector<float>{0, 0, 0, 0, 1, 2, 0, 3, 4});
    CHECK(std::vector<float>(cols.end() - 9, cols.end()) == std::vector<float>{1, 2, 0, 3, 4, 0, 0, 0, 0});
}
