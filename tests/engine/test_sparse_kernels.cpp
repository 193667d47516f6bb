// The sparse-weight kernels (src/engine/kernels/sparse.h): 2:4 storage round trips and refusals,
// the metadata layout on a worked example, the references against the dense GEMM reference
// (bit for bit: they add the same products in the same order), and the SIMD twins against the
// references on odd shapes (2:4 bit for bit, CSR within float tolerance).
#include "engine/kernels/nn.h"
#include "engine/kernels/sparse.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

using namespace es::kernels;

namespace {

std::vector<float> rnd(std::size_t n, std::mt19937& g, float lo = -2.0f, float hi = 2.0f) {
    std::uniform_real_distribution<float> d(lo, hi);
    std::vector<float> v(n);
    for (auto& x : v) x = d(g);
    return v;
}

// A random [n][k] matrix with 0, 1 or 2 nonzeros in every group of 4 along k.
std::vector<float> random_24(int n, int k, std::mt19937& g) {
    std::vector<float> w(static_cast<std::size_t>(n) * k, 0.0f);
    std::uniform_int_distribution<int> pos(0, 3), count(0, 5);
    std::uniform_real_distribution<float> val(-1.0f, 1.0f);
    for (std::size_t grp = 0; grp < w.size() / 4; ++grp) {
        const int c = std::min(count(g), 2);  // mostly 2, sometimes 0 or 1
        for (int t = 0; t < c; ++t) w[4 * grp + static_cast<std::size_t>(pos(g))] = val(g);
    }
    return w;
}

// A random [n][k] matrix with about `sparsity` of its entries zero (and one empty row).
std::vector<float> random_sparse(int n, int k, double sparsity, std::mt19937& g) {
    std::vector<float> w(static_cast<std::size_t>(n) * k, 0.0f);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    std::uniform_real_distribution<float> val(-1.0f, 1.0f);
    for (std::size_t i = static_cast<std::size_t>(k); i < w.size(); ++i)  // row 0 stays empty
        if (u(g) >= sparsity) w[i] = val(g);
    return w;
}

std::vector<float> transpose(int n, int k, const std::vector<float>& w_nk) {
    std::vector<float> b(w_nk.size());
    for (int r = 0; r < n; ++r)
        for (int c = 0; c < k; ++c) b[static_cast<std::size_t>(c) * n + r] = w_nk[static_cast<std::size_t>(r) * k + c];
    return b;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

const epilogue all_epilogues[] = {epilogue::none, epilogue::relu, epilogue::relu6, epilogue::hswish,
                                  epilogue::hsigmoid, epilogue::sigmoid};

}  // namespace

TEST_CASE("sparse24: the storage of a worked example (values, 2-bit positions, four per byte)") {
    // Row 0: groups [0, 1.5, 0, -2] and [3, 0, 0, 0]; row 1: [0, 0, 0, 0] and [0, 0, 4, 5].
    const std::vector<float> w = {0, 1.5f, 0, -2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 5};
    auto s = sparse24_compress(2, 8, w.data());
    REQUIRE(s);
    CHECK(s->meta_stride == 1);
    CHECK(s->values == std::vector<float>{1.5f, -2, 3, 0, 0, 0, 4, 5});
    // Row 0 positions 1, 3 | 0, 1 (the lone 3 is padded with a stored zero at position 1).
    CHECK(s->meta[0] == (1 | 3 << 2 | 0 << 4 | 1 << 6));
    // Row 1 positions 0, 1 (an empty group) | 2, 3.
    CHECK(s->meta[1] == (0 | 1 << 2 | 2 << 4 | 3 << 6));
    CHECK(sparse24_index(*s, 0, 1) == 3);
    CHECK(s->bytes() == 8 * 4 + 2);
    CHECK(sparse24_decompress(*s) == w);
}

TEST_CASE("sparse24: compress and decompress round-trip exactly on odd shapes") {
    std::mt19937 g(11);
    for (int n : {1, 3, 5, 17})
        for (int k : {4, 8, 12, 20, 36, 100}) {
            CAPTURE(n);
            CAPTURE(k);
            const auto w = random_24(n, k, g);
            CHECK(is_sparse24(n, k, w.data()));
            auto s = sparse24_compress(n, k, w.data());
            REQUIRE(s);
            CHECK(s->values.size() == static_cast<std::size_t>(n) * k / 2);
            CHECK(s->meta.size() == static_cast<std::size_t>(n) * ((k + 7) / 8));
            const auto back = sparse24_decompress(*s);
            CHECK(same_bits(back, w));
            auto again = sparse24_compress(n, k, back.data());  // canonical: the same bytes again
            REQUIRE(again);
            CHECK(again->values == s->values);
            CHECK(again->meta == s->meta);
            for (int r = 0; r < n; ++r)  // positions strictly increase inside each group
                for (int t = 0; t < k / 2; t += 2) CHECK(sparse24_index(*s, r, t) < sparse24_index(*s, r, t + 1));
        }
}

TEST_CASE("sparse24: a group with three nonzeros and K not a multiple of 4 are refused with a message") {
    std::vector<float> w(2 * 8, 0.0f);
    w[8 + 4] = w[8 + 5] = w[8 + 7] = 1.0f;  // row 1, columns 4..7: three nonzeros
    std::string err;
    CHECK_FALSE(is_sparse24(2, 8, w.data()));
    CHECK_FALSE(sparse24_compress(2, 8, w.data(), &err));
    CHECK(err.find("row 1, columns 4..7") != std::string::npos);
    CHECK(err.find("more than 2 nonzeros") != std::string::npos);
    w[8 + 5] = 0.0f;
    CHECK(sparse24_compress(2, 8, w.data()));
    std::vector<float> odd(3 * 6, 0.0f);
    CHECK_FALSE(is_sparse24(3, 6, odd.data()));
    CHECK_FALSE(sparse24_compress(3, 6, odd.data(), &err));
    CHECK(err.find("multiple of 4, got K = 6") != std::string::npos);
    CHECK(err.find("pad K with zero columns to 8") != std::string::npos);
    CHECK_FALSE(sparse24_compress(0, 8, odd.data(), &err));
}

TEST_CASE("csr: compress and decompress round-trip; 16-bit column indices are checked") {
    std::mt19937 g(12);
    for (double sp : {0.0, 0.5, 0.7, 0.9, 1.0}) {
        const auto w = random_sparse(9, 37, sp, g);
        auto c = csr_compress(9, 37, w.data());
        REQUIRE(c);
        CHECK(c->row_ptr.size() == 10);
        CHECK(c->row_ptr[1] == 0);  // the empty first row
        CHECK(csr_decompress(*c) == w);
        CHECK(c->bytes() == c->nnz() * 6 + 10 * 4);
    }
    std::string err;
    std::vector<float> wide(65537, 1.0f);
    CHECK_FALSE(csr_compress(1, 65537, wide.data(), &err));
    CHECK(err.find("65,536") != std::string::npos);
    auto widest = csr_compress(1, 65536, wide.data());
    REQUIRE(widest);
    CHECK(widest->col.back() == 65535);
}

TEST_CASE("sparse references equal the dense GEMM reference bit for bit") {
    std::mt19937 g(13);
    for (int m : {1, 5, 9})
        for (int n : {1, 4, 7})
            for (int k : {4, 12, 40}) {
                CAPTURE(m);
                CAPTURE(n);
                CAPTURE(k);
                const int lda = k + 3, ldc = n + 2;
                const auto a = rnd(static_cast<std::size_t>(m) * lda, g);
                const auto bias = rnd(static_cast<std::size_t>(n), g);
                const auto w24 = random_24(n, k, g);
                const auto wu = random_sparse(n, k, 0.7, g);
                for (epilogue e : all_epilogues) {
                    std::vector<float> dense(static_cast<std::size_t>(m) * ldc, -9.0f), sparse = dense;
                    gemm_f32__ref(m, n, k, a.data(), lda, transpose(n, k, w24).data(), bias.data(), dense.data(), ldc, e);
                    sparse24_f32__ref(m, n, k, a.data(), lda, *sparse24_compress(n, k, w24.data()), bias.data(),
                                      sparse.data(), ldc, e);
                    CHECK(same_bits(dense, sparse));
                    gemm_f32__ref(m, n, k, a.data(), lda, transpose(n, k, wu).data(), nullptr, dense.data(), ldc, e);
                    csr_f32__ref(m, n, k, a.data(), lda, *csr_compress(n, k, wu.data()), nullptr, sparse.data(), ldc, e);
                    CHECK(same_bits(dense, sparse));
                }
            }
}

TEST_CASE("sparse24 SIMD: bit-exact with its reference on odd M, N, K, strides, with and without bias") {
    std::mt19937 g(14);
    for (int m : {1, 3, 7, 8, 9, 17, 33})
        for (int n : {1, 3, 4, 5, 9, 24})
            for (int k : {4, 8, 12, 20, 64, 132}) {
                const int lda = k + 1, ldc = n + 3;
                const auto a = rnd(static_cast<std::size_t>(m) * lda, g);
                const auto bias = rnd(static_cast<std::size_t>(n), g);
                const auto w = random_24(n, k, g);
                const auto s = *sparse24_compress(n, k, w.data());
                for (epilogue e : all_epilogues)
                    for (bool with_bias : {false, true}) {
                        CAPTURE(m);
                        CAPTURE(n);
                        CAPTURE(k);
                        CAPTURE(static_cast<int>(e));
                        std::vector<float> r(static_cast<std::size_t>(m) * ldc, -7.0f), v = r;
                        const float* b = with_bias ? bias.data() : nullptr;
                        sparse24_f32__ref(m, n, k, a.data(), lda, s, b, r.data(), ldc, e);
                        sparse24_f32__simd(m, n, k, a.data(), lda, s, b, v.data(), ldc, e);
                        if (e == epilogue::none || e == epilogue::relu || e == epilogue::relu6) {
                            CHECK(same_bits(r, v));  // same additions in the same order; padding untouched
                        } else {
                            for (std::size_t i = 0; i < r.size(); ++i)
                                CHECK(std::fabs(r[i] - v[i]) <= 1e-5f * (1.0f + std::fabs(r[i])));
                        }
                    }
            }
}

TEST_CASE("csr SIMD: matches its reference within float tolerance at 50, 70 and 90% sparsity") {
    std::mt19937 g(15);
    for (double sp : {0.5, 0.7, 0.9})
        for (int m : {1, 7, 9, 20})
            for (int n : {1, 5, 16})
                for (int k : {3, 17, 64}) {
                    CAPTURE(sp);
                    CAPTURE(m);
                    CAPTURE(n);
                    CAPTURE(k);
                    const int lda = k + 2, ldc = n + 1;
                    const auto a = rnd(static_cast<std::size_t>(m) * lda, g);
                    const auto bias = rnd(static_cast<std::size_t>(n), g);
                    const auto w = random_sparse(n, k, sp, g);
                    const auto c = *csr_compress(n, k, w.data());
                    for (epilogue e : all_epilogues) {
                        std::vector<float> r(static_cast<std::size_t>(m) * ldc, -7.0f), v = r;
                        csr_f32__ref(m, n, k, a.data(), lda, c, bias.data(), r.data(), ldc, e);
                        csr_f32__simd(m, n, k, a.data(), lda, c, bias.data(), v.data(), ldc, e);
                        // the sum of |products| bounds the reassociation error
                        for (std::size_t i = 0; i < r.size(); ++i)
                            CHECK(std::fabs(r[i] - v[i]) <= 2e-5f * (1.0f + std::fabs(r[i]) + static_cast<float>(k)));
                        for (int i = 0; i < m; ++i) CHECK(v[static_cast<std::size_t>(i) * ldc + n] == -7.0f);
                    }
                }
}

TEST_CASE("sparse kernels: the dispatched kernels follow the kernel mode; the self check passes") {
    std::mt19937 g(16);
    const int m = 13, n = 6, k = 16;
    const auto a = rnd(static_cast<std::size_t>(m) * k, g);
    const auto w = random_24(n, k, g);
    const auto s = *sparse24_compress(n, k, w.data());
    std::vector<float> r(static_cast<std::size_t>(m) * n), d(r.size());
    sparse24_f32__ref(m, n, k, a.data(), k, s, nullptr, r.data(), n, epilogue::none);
    sparse24_f32(m, n, k, a.data(), k, s, nullptr, d.data(), n, epilogue::none);
    CHECK(same_bits(r, d));
    CHECK(sparse_self_check());
}
