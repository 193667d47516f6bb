// The int8 SIMD kernels against their scalar references, byte for byte, on many odd shapes
// and on requantization parameters chosen to reach every branch of the vector epilogue:
// per-channel multipliers from 1e-5 to 2 (right and left shifts), exact powers of two
// (rounding ties in both roundings), zero points at -128 and 127, clamps narrower than int8,
// accumulators far outside the output range, and parameters that take the scalar fallback.
// Plus a few hand-computed cases of the references themselves.
#include "engine/kernels/qnn.h"
#include "engine/rng.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <vector>

using namespace es::kernels;

namespace {

struct gen {
    es::engine::rng g;
    explicit gen(std::uint64_t seed) : g{seed} {}
    int below(int n) { return static_cast<int>(g.next() % static_cast<std::uint64_t>(n)); }
    std::int32_t range(std::int32_t lo, std::int32_t hi) {  // [lo, hi]
        return lo + static_cast<std::int32_t>(g.next() % static_cast<std::uint64_t>(static_cast<std::int64_t>(hi) - lo + 1));
    }
    std::int8_t i8() { return static_cast<std::int8_t>(g.next() & 0xFF); }
    // Mostly uniform bytes, sometimes runs of the extremes (-128 * -128 and friends).
    std::vector<std::int8_t> bytes(std::size_t n) {
        std::vector<std::int8_t> v(n);
        const int style = below(5);
        for (auto& x : v) {
            if (style == 0) x = below(2) ? -128 : 127;
            else if (style == 1) x = static_cast<std::int8_t>(range(-3, 3));
            else x = i8();
        }
        return v;
    }
    // A real multiplier: log-uniform over [1e-5, 2], or an exact power of two (ties).
    requant multiplier() {
        switch (below(4)) {
        case 0: return quantize_multiplier(std::ldexp(1.0, range(-16, 1)));
        default: return quantize_multiplier(std::pow(10.0, -5.0 + (5.0 + std::log10(2.0)) * g.uniform()));
        }
    }
    // Output zero point and clamps: full int8, ReLU-like, ReLU6-like, 4-bit, inverted sign.
    void output(std::int32_t& zp, std::int8_t& lo, std::int8_t& hi) {
        const int z = below(4);
        zp = z == 0 ? -128 : z == 1 ? 127 : range(-128, 127);
        switch (below(5)) {
        case 0: lo = -128, hi = 127; break;
        case 1: lo = static_cast<std::int8_t>(zp), hi = 127; break;                          // ReLU
        case 2: lo = static_cast<std::int8_t>(zp), hi = static_cast<std::int8_t>(zp > 67 ? 127 : zp + 60); break;  // ReLU6
        case 3: lo = -8, hi = 7; break;                                                        // 4 bits
        default: lo = -128, hi = -20; break;
        }
    }
};

const int odd_sizes[] = {1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 33};

struct gemm_case {
    int m, n, k;
};

// One GEMM, SIMD against reference with padded A and C rows (the C padding must survive).
void check_gemm(gen& r, int m, int n, int k, const std::vector<requant>& rq, const std::int32_t* bias,
                std::int32_t zp, std::int8_t lo, std::int8_t hi) {
    const int lda = k + 3, ldc = n + 5;
    const auto a = r.bytes(static_cast<std::size_t>(m) * lda);
    const auto b = r.bytes(static_cast<std::size_t>(k) * n);
    const auto w = gemm_s8_pack(n, k, b.data());
    q_output o;
    o.bias = bias;
    o.rq = rq.data();
    o.zp_out = zp;
    o.lo = lo;
    o.hi = hi;
    std::vector<std::int8_t> c_ref(static_cast<std::size_t>(m) * ldc, 99), c_simd = c_ref;
    gemm_s8__ref(m, n, k, a.data(), lda, b.data(), o, c_ref.data(), ldc);
    gemm_s8__simd(m, n, k, a.data(), lda, w, o, c_simd.data(), ldc);
    CAPTURE(m);
    CAPTURE(n);
    CAPTURE(k);
    CAPTURE(zp);
    CAPTURE(static_cast<int>(lo));
    CAPTURE(static_cast<int>(hi));
    std::size_t bad = 0;
    for (std::size_t i = 0; i < c_ref.size(); ++i) bad += c_ref[i] != c_simd[i];
    CHECK(bad == 0);
}

std::vector<std::int32_t> random_bias(gen& r, int n) {
    std::vector<std::int32_t> bias(static_cast<std::size_t>(n));
    const int style = r.below(3);
    for (auto& v : bias)
        v = style == 0 ? r.range(-1000, 1000) : style == 1 ? r.range(-(1 << 20), 1 << 20) : r.range(-(1 << 30), 1 << 30);
    return bias;
}

}  // namespace

TEST_CASE("qnn reference: a 1x1 GEMM with known numbers") {
    // acc = 7 + 10*2 + (-3)*5 = 12; * 0.5 = 6; + zp 3 = 9.
    const std::int8_t a[2] = {10, -3}, b[2] = {2, 5};
    const std::int32_t bias = 7;
    const requant half = quantize_multiplier(0.5);
    q_output o;
    o.bias = &bias;
    o.rq = &half;
    o.zp_out = 3;
    std::int8_t c = 0;
    gemm_s8__ref(1, 1, 2, a, 2, b, o, &c, 1);
    CHECK(c == 9);
    // 5 * 0.25 by gemmlowp's two roundings: 2.5 -> 3 (half up), then 3 / 2 = 1.5 -> 2.
    const requant quarter = quantize_multiplier(0.25);
    const std::int8_t one = 1, five = 5;
    o.bias = nullptr;
    o.rq = &quarter;
    o.zp_out = 0;
    gemm_s8__ref(1, 1, 1, &five, 1, &one, o, &c, 1);
    CHECK(c == 2);
    // -6 * 0.25: -3, then -1.5 -> -2 (away from zero); clamped to a ReLU bound of 0.
    const std::int8_t minus6 = -6;
    gemm_s8__ref(1, 1, 1, &minus6, 1, &one, o, &c, 1);
    CHECK(c == -2);
    o.lo = 0;
    gemm_s8__ref(1, 1, 1, &minus6, 1, &one, o, &c, 1);
    CHECK(c == 0);
    // The SIMD kernel agrees on all of these.
    const auto w = gemm_s8_pack(1, 1, &one);
    o.lo = -128;
    gemm_s8__simd(1, 1, 1, &minus6, 1, w, o, &c, 1);
    CHECK(c == -2);
}

TEST_CASE("qnn reference: a depthwise window over the padding skips the padded taps") {
    // One 2x2x1 image [1 2; 3 4], zero point 1, a 3x3 window with padding 1 at output (0,0):
    // the in-image taps are kernel positions 4, 5, 7, 8 (weights 5, 6, 8, 9), so
    // acc = 1 + (1-1)*5 + (2-1)*6 + (3-1)*8 + (4-1)*9 = 50; * 1.0 + zp_out -10 = 40.
    // (Counting the padding as real zeros would add (0 - 1) * (1+2+3+4+7) = -17 instead.)
    const dw_params p{1, 2, 2, 1, 3, 3, 1, 1, 1, 1, 2, 2};
    const std::int8_t in[4] = {1, 2, 3, 4};
    const std::int8_t w[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    const std::int32_t bias = 1;
    const requant one = quantize_multiplier(1.0);
    q_output o;
    o.bias = &bias;
    o.rq = &one;
    o.zp_out = -10;
    std::int8_t out[4] = {};
    dwconv_s8__ref(p, in, 1, w, o, out);
    CHECK(out[0] == 40);
    // Output (1,1): taps 0, 1, 3, 4 over in (0,0) (0,1) (1,0) (1,1): 1 + 0*1 + 1*2 + 2*4 + 3*5 = 26.
    CHECK(out[3] == 16);
    const auto packed = dw_s8_pack(1, 9, w);
    std::int8_t out_simd[4] = {};
    dwconv_s8__simd(p, in, 1, packed, o, out_simd);
    CHECK(std::vector<std::int8_t>(out, out + 4) == std::vector<std::int8_t>(out_simd, out_simd + 4));
}

TEST_CASE("gemm_s8: SIMD equals the reference on odd M, N, K and every requantization branch") {
    gen r(101);
    for (int m : odd_sizes)
        for (int n : odd_sizes)
            for (int k : {1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 33, 64}) {
                std::vector<requant> rq(static_cast<std::size_t>(n));
                for (auto& q : rq) q = r.multiplier();
                std::int32_t zp;
                std::int8_t lo, hi;
                r.output(zp, lo, hi);
                const auto bias = random_bias(r, n);
                check_gemm(r, m, n, k, rq, r.below(4) ? bias.data() : nullptr, zp, lo, hi);
            }
}

TEST_CASE("gemm_s8: large shapes across row blocks, and the scalar fallback parameters") {
    gen r(202);
    for (gemm_case s : {gemm_case{300, 40, 130}, gemm_case{196, 128, 64}, gemm_case{257, 33, 9}, gemm_case{5, 520, 256},
                        gemm_case{1030, 8, 3}}) {
        std::vector<requant> rq(static_cast<std::size_t>(s.n));
        for (auto& q : rq) q = r.multiplier();
        const auto bias = random_bias(r, s.n);
        check_gemm(r, s.m, s.n, s.k, rq, bias.data(), r.range(-128, 127), -128, 127);
    }
    // Parameters outside the vector path, one channel among ordinary ones: tiny and huge
    // multipliers, multiplier 0, and an output zero point outside int8.
    for (double odd : {1e-7, 2.0e-9, 700.0, 0.0}) {
        std::vector<requant> rq(17);
        for (auto& q : rq) q = r.multiplier();
        rq[5] = quantize_multiplier(odd);
        const auto bias = random_bias(r, 17);
        CAPTURE(odd);
        check_gemm(r, 9, 17, 11, rq, bias.data(), -5, -128, 127);
    }
    std::vector<requant> rq(9);
    for (auto& q : rq) q = r.multiplier();
    check_gemm(r, 7, 9, 5, rq, nullptr, 300, -128, 127);
    check_gemm(r, 7, 9, 5, rq, nullptr, -129, -128, 127);
    // Every channel multiplier 0: every output is the clamped zero point.
    std::vector<requant> zero(9, quantize_multiplier(0.0));
    check_gemm(r, 7, 9, 5, zero, nullptr, 42, -128, 127);
    // Non-normalised multipliers (not from quantize_multiplier) also fall back, exactly.
    std::vector<requant> raw(9, requant{12345, -3});
    check_gemm(r, 7, 9, 5, raw, nullptr, 0, -128, 127);
}

TEST_CASE("gemm_s8: the unclamped epilogue (accumulators provably in range), with and without left shifts") {
    gen r(250);
    for (int trial = 0; trial < 40; ++trial) {
        const int m = 1 + r.below(20), n = 1 + r.below(40), k = 1 + r.below(4);
        const bool left = trial % 2;
        const int lda = k, ldc = n;
        // Tiny weights and biases: |2 acc| <= 2 |bias| + 256 sum |B| stays below the bound
        // 2^(e + 10 - L) of every column, so the kernel drops the clamp.
        std::vector<std::int8_t> b(static_cast<std::size_t>(k) * n, 0);
        for (int j = 0; j < n; ++j) b[static_cast<std::size_t>(r.below(k)) * n + j] = static_cast<std::int8_t>(r.range(-1, 1));
        std::vector<std::int32_t> bias(static_cast<std::size_t>(n));
        std::vector<requant> rq(static_cast<std::size_t>(n));
        for (int j = 0; j < n; ++j) {
            bias[static_cast<std::size_t>(j)] = r.range(-100, 100);
            rq[static_cast<std::size_t>(j)] =
                quantize_multiplier(left ? 1.0 + 0.99 * r.g.uniform() : std::ldexp(1.0 + r.g.uniform(), -r.range(3, 12)));
        }
        const auto a = r.bytes(static_cast<std::size_t>(m) * lda);
        const auto w = gemm_s8_pack(n, k, b.data());
        q_output o;
        o.bias = bias.data();
        o.rq = rq.data();
        r.output(o.zp_out, o.lo, o.hi);
        std::vector<std::int8_t> c_ref(static_cast<std::size_t>(m) * ldc), c_simd(c_ref.size());
        gemm_s8__ref(m, n, k, a.data(), lda, b.data(), o, c_ref.data(), ldc);
        gemm_s8__simd(m, n, k, a.data(), lda, w, o, c_simd.data(), ldc);
        CAPTURE(trial);
        CHECK(c_ref == c_simd);
    }
}

TEST_CASE("gemm_s8: dispatch gives the same bytes in SIMD and reference mode") {
    gen r(303);
    const int m = 37, n = 21, k = 19;
    const auto a = r.bytes(static_cast<std::size_t>(m) * k), b = r.bytes(static_cast<std::size_t>(k) * n);
    std::vector<requant> rq(static_cast<std::size_t>(n));
    for (auto& q : rq) q = r.multiplier();
    const auto bias = random_bias(r, n);
    q_output o;
    o.bias = bias.data();
    o.rq = rq.data();
    const auto w = gemm_s8_pack(n, k, b.data());
    std::vector<std::int8_t> c1(static_cast<std::size_t>(m) * n), c2(c1.size());
    gemm_s8(m, n, k, a.data(), k, w, o, c1.data(), n);
    set_mode(kernel_mode::kernel_mode_ref);
    gemm_s8(m, n, k, a.data(), k, w, o, c2.data(), n);
    set_mode(kernel_mode::kernel_mode_simd);
    CHECK(c1 == c2);
}

TEST_CASE("dwconv_s8: SIMD equals the reference on odd channels, kernels, strides and paddings") {
    gen r(404);
    struct hw {
        int h, w;
    };
    struct geom {
        int kh, kw, stride, pad_t, pad_l, pad_b, pad_r;
    };
    const geom geoms[] = {{3, 3, 1, 1, 1, 1, 1}, {3, 3, 2, 1, 1, 1, 1}, {3, 3, 2, 0, 0, 1, 1}, {3, 3, 1, 0, 0, 0, 0},
                          {5, 5, 1, 2, 2, 2, 2}, {5, 5, 2, 2, 2, 2, 2}, {5, 5, 2, 1, 2, 2, 1}, {7, 7, 1, 3, 3, 3, 3},
                          {7, 7, 2, 3, 3, 3, 3}, {1, 1, 1, 0, 0, 0, 0}, {1, 3, 1, 0, 1, 0, 1}, {3, 3, 3, 1, 1, 1, 1}};
    for (int c : {1, 3, 5, 7, 8, 9, 15, 16, 17, 24, 31, 33, 40})
        for (hw s : {hw{1, 1}, hw{2, 3}, hw{7, 5}, hw{9, 8}})
            for (const geom& gm : geoms) {
                const int oh = (s.h + gm.pad_t + gm.pad_b - gm.kh) / gm.stride + 1;
                const int ow = (s.w + gm.pad_l + gm.pad_r - gm.kw) / gm.stride + 1;
                if (oh < 1 || ow < 1) continue;
                const int batch = 1 + r.below(2);
                const dw_params p{batch, s.h, s.w, c, gm.kh, gm.kw, gm.stride, gm.stride, gm.pad_t, gm.pad_l, oh, ow};
                const auto in = r.bytes(static_cast<std::size_t>(batch) * s.h * s.w * c);
                const auto wt = r.bytes(static_cast<std::size_t>(gm.kh) * gm.kw * c);
                std::vector<requant> rq(static_cast<std::size_t>(c));
                for (auto& q : rq) q = r.multiplier();
                const auto bias = random_bias(r, c);
                q_output o;
                o.bias = r.below(4) ? bias.data() : nullptr;
                o.rq = rq.data();
                r.output(o.zp_out, o.lo, o.hi);
                const int zstyle = r.below(3);
                const std::int32_t zp_in = zstyle == 0 ? -128 : zstyle == 1 ? 127 : r.range(-128, 127);
                const auto w = dw_s8_pack(c, gm.kh * gm.kw, wt.data());
                const std::size_t out_n = static_cast<std::size_t>(batch) * oh * ow * c;
                std::vector<std::int8_t> o_ref(out_n), o_simd(out_n);
                dwconv_s8__ref(p, in.data(), zp_in, wt.data(), o, o_ref.data());
                dwconv_s8__simd(p, in.data(), zp_in, w, o, o_simd.data());
                CAPTURE(c);
                CAPTURE(s.h);
                CAPTURE(s.w);
                CAPTURE(gm.kh);
                CAPTURE(gm.kw);
                CAPTURE(gm.stride);
                CAPTURE(gm.pad_t);
                CAPTURE(gm.pad_l);
                CAPTURE(zp_in);
                CHECK(o_ref == o_simd);
            }
}

TEST_CASE("dwconv_s8: the unclamped epilogue, with and without left shifts") {
    gen r(450);
    for (int trial = 0; trial < 24; ++trial) {
        const bool left = trial % 2;
        const int c = 8 + r.below(40), k = trial % 3 == 0 ? 5 : 3, stride = 1 + trial % 2;
        const dw_params p{1, 6, 7, c, k, k, stride, stride, k / 2, k / 2, (6 + 2 * (k / 2) - k) / stride + 1,
                          (7 + 2 * (k / 2) - k) / stride + 1};
        const auto in = r.bytes(static_cast<std::size_t>(6) * 7 * c);
        std::vector<std::int8_t> wt(static_cast<std::size_t>(k) * k * c, 0);
        std::vector<std::int32_t> bias(static_cast<std::size_t>(c));
        std::vector<requant> rq(static_cast<std::size_t>(c));
        for (int ch = 0; ch < c; ++ch) {
            if (left) wt[static_cast<std::size_t>(r.below(k * k)) * c + ch] = static_cast<std::int8_t>(r.range(-1, 1));
            else
                for (int t = 0; t < k * k; ++t) wt[static_cast<std::size_t>(t) * c + ch] = r.i8();
            bias[static_cast<std::size_t>(ch)] = left ? r.range(-1, 1) : r.range(-5000, 5000);
            rq[static_cast<std::size_t>(ch)] =
                quantize_multiplier(left ? 1.0 + 0.99 * r.g.uniform() : std::ldexp(1.0 + r.g.uniform(), -r.range(15, 19)));
        }
        const auto w = dw_s8_pack(c, k * k, wt.data());
        q_output o;
        o.bias = bias.data();
        o.rq = rq.data();
        r.output(o.zp_out, o.lo, o.hi);
        const std::int32_t zp_in = r.range(-128, 127);
        std::vector<std::int8_t> a(static_cast<std::size_t>(p.oh) * p.ow * c), b(a.size());
        dwconv_s8__ref(p, in.data(), zp_in, wt.data(), o, a.data());
        dwconv_s8__simd(p, in.data(), zp_in, w, o, b.data());
        CAPTURE(trial);
        CHECK(a == b);
    }
}

TEST_CASE("dwconv_s8: fallback parameters and dispatch") {
    gen r(505);
    const int c = 20;
    const dw_params p{1, 6, 5, c, 3, 3, 1, 1, 1, 1, 6, 5};
    const auto in = r.bytes(6 * 5 * c), wt = r.bytes(9 * c);
    const auto w = dw_s8_pack(c, 9, wt.data());
    for (double odd : {1e-7, 900.0, 0.0}) {
        std::vector<requant> rq(c);
        for (auto& q : rq) q = r.multiplier();
        rq[17] = quantize_multiplier(odd);
        q_output o;
        o.rq = rq.data();
        o.zp_out = 7;
        std::vector<std::int8_t> a(6 * 5 * c), b(a.size());
        dwconv_s8__ref(p, in.data(), -3, wt.data(), o, a.data());
        dwconv_s8__simd(p, in.data(), -3, w, o, b.data());
        CAPTURE(odd);
        CHECK(a == b);
        set_mode(kernel_mode::kernel_mode_ref);
        dwconv_s8(p, in.data(), -3, w, o, b.data());
        set_mode(kernel_mode::kernel_mode_simd);
        CHECK(a == b);
        dwconv_s8(p, in.data(), -3, w, o, b.data());
        CHECK(a == b);
    }
}

TEST_CASE("add_s8: SIMD equals the reference on odd counts, scales and zero points") {
    gen r(606);
    for (std::size_t count : {1u, 15u, 16u, 17u, 33u, 100u, 1000u})
        for (int trial = 0; trial < 12; ++trial) {
            const double sa = std::pow(10.0, -3.0 + 2.5 * r.g.uniform()), sb = std::pow(10.0, -3.0 + 2.5 * r.g.uniform());
            const double so = std::pow(10.0, -3.0 + 2.5 * r.g.uniform());
            std::int32_t zo;
            std::int8_t lo, hi;
            r.output(zo, lo, hi);
            const std::int32_t za = trial % 3 == 0 ? -128 : r.range(-128, 127);
            const std::int32_t zb = trial % 3 == 1 ? 127 : r.range(-128, 127);
            add_s8_params p = make_add_s8_params(sa, za, sb, zb, so, zo, lo, hi);
            // Parameters make_add_s8_params never chooses take the generic exact path.
            if (trial == 9) p.rq_a = quantize_multiplier(3e-6);   // input shift too large
            if (trial == 10) p.rq_out = quantize_multiplier(2000.0);  // output shift > 9
            if (trial == 11) {  // no headroom shift, multipliers above 1
                p.left_shift = 0;
                p.rq_a = quantize_multiplier(1.7);
                p.rq_b = quantize_multiplier(0.3);
                p.rq_out = quantize_multiplier(0.9);
            }
            const auto a = r.bytes(count), b = r.bytes(count);
            std::vector<std::int8_t> o1(count), o2(count);
            add_s8__ref(count, a.data(), b.data(), p, o1.data());
            add_s8__simd(count, a.data(), b.data(), p, o2.data());
            CAPTURE(count);
            CAPTURE(sa);
            CAPTURE(sb);
            CAPTURE(so);
            CHECK(o1 == o2);
        }
}

TEST_CASE("mul_channel_s8, gap_s8, lut_s8: SIMD equals the reference") {
    gen r(707);
    for (int n : {1, 2})
        for (int hw : {1, 3, 7, 49, 300})
            for (int c : {1, 15, 16, 17, 33, 48}) {
                CAPTURE(n);
                CAPTURE(hw);
                CAPTURE(c);
                const auto x = r.bytes(static_cast<std::size_t>(n) * hw * c), s = r.bytes(static_cast<std::size_t>(n) * c);
                const std::int32_t zx = r.below(3) ? r.range(-128, 127) : -128, zs = r.below(3) ? r.range(-128, 127) : 127;
                std::int32_t zo;
                std::int8_t lo, hi;
                r.output(zo, lo, hi);
                const requant rq = r.multiplier();
                std::vector<std::int8_t> a(x.size()), b(x.size());
                mul_channel_s8__ref(n, hw, c, x.data(), zx, s.data(), zs, rq, zo, lo, hi, a.data());
                mul_channel_s8__simd(n, hw, c, x.data(), zx, s.data(), zs, rq, zo, lo, hi, b.data());
                CHECK(a == b);
                // Global average pooling with its natural multiplier 1/hw (times a rescale).
                const requant grq = quantize_multiplier((0.25 + 3.0 * r.g.uniform()) / hw);
                std::vector<std::int8_t> g1(static_cast<std::size_t>(n) * c), g2(g1.size());
                gap_s8__ref(n, hw, c, x.data(), zx, grq, zo, g1.data());
                gap_s8__simd(n, hw, c, x.data(), zx, grq, zo, g2.data());
                CHECK(g1 == g2);
            }
    for (std::size_t count : {1u, 15u, 16u, 17u, 255u, 256u, 1000u}) {
        const auto x = r.bytes(count), table = r.bytes(256);
        std::vector<std::int8_t> a(count), b(count);
        lut_s8__ref(count, x.data(), table.data(), a.data());
        lut_s8__simd(count, x.data(), table.data(), b.data());
        CAPTURE(count);
        CHECK(a == b);
    }
    // Every table entry is reachable: the identity table maps every byte to itself.
    std::vector<std::int8_t> all(256), id(256), out(256);
    for (int i = 0; i < 256; ++i) all[static_cast<std::size_t>(i)] = id[static_cast<std::size_t>(i)] = static_cast<std::int8_t>(i - 128);
    lut_s8__simd(256, all.data(), id.data(), out.data());
    CHECK(out == all);
}

TEST_CASE("avgpool_s8: SIMD equals the reference, padding counted as zero") {
    gen r(909);
    for (int c : {1, 7, 16, 17, 33, 48})
        for (int k : {2, 3, 5})
            for (int stride : {1, 2})
                for (int pad : {0, 1, 2}) {
                    const int h = 7, w = 6;
                    if (pad >= k) continue;
                    const int oh = (h + 2 * pad - k) / stride + 1, ow = (w + 2 * pad - k) / stride + 1;
                    const dw_params p{2, h, w, c, k, k, stride, stride, pad, pad, oh, ow};
                    const auto in = r.bytes(static_cast<std::size_t>(2) * h * w * c);
                    const std::int32_t zp_in = r.below(3) ? r.range(-128, 127) : 127, zp_out = r.range(-128, 127);
                    const requant rq = quantize_multiplier((0.3 + 2.0 * r.g.uniform()) / (k * k));
                    std::vector<std::int8_t> a(static_cast<std::size_t>(2) * oh * ow * c), b(a.size());
                    avgpool_s8__ref(p, in.data(), zp_in, rq, zp_out, a.data());
                    avgpool_s8__simd(p, in.data(), zp_in, rq, zp_out, b.data());
                    CAPTURE(c);
                    CAPTURE(k);
                    CAPTURE(stride);
                    CAPTURE(pad);
                    CHECK(a == b);
                }
}

TEST_CASE("maxpool_s8: SIMD equals the reference, padding never wins") {
    gen r(808);
    for (int c : {1, 7, 16, 17, 33})
        for (int k : {2, 3})
            for (int stride : {1, 2})
                for (int pad : {0, 1}) {
                    const int h = 7, w = 6;
                    const int oh = (h + 2 * pad - k) / stride + 1, ow = (w + 2 * pad - k) / stride + 1;
                    const dw_params p{2, h, w, c, k, k, stride, stride, pad, pad, oh, ow};
                    auto in = r.bytes(static_cast<std::size_t>(2) * h * w * c);
                    std::vector<std::int8_t> a(static_cast<std::size_t>(2) * oh * ow * c), b(a.size());
                    maxpool_s8__ref(p, in.data(), a.data());
                    maxpool_s8__simd(p, in.data(), b.data());
                    CAPTURE(c);
                    CAPTURE(k);
                    CAPTURE(stride);
                    CAPTURE(pad);
                    CHECK(a == b);
                }
    // All -128: the result is -128 everywhere, also where the window hangs over the padding.
    const dw_params p{1, 2, 2, 16, 3, 3, 1, 1, 1, 1, 2, 2};
    std::vector<std::int8_t> in(64, -128), out(64, 0);
    maxpool_s8__simd(p, in.data(), out.data());
    CHECK(out == in);
}

TEST_CASE("qnn_self_check passes and is part of simd_self_check") {
    CHECK(qnn_self_check());
}
