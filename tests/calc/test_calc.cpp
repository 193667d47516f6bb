// es::calc: the convolution and roofline calculators, their worked solutions in both
// languages, and their refusals of bad input.
#include "assets/assets.h"
#include "assets/font_coverage.h"
#include "calc/conv.h"
#include "calc/roofline.h"
#include "i18n/i18n.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

using namespace es;
using calc::conv_type;
using calc::padding_mode;
using calc::roofline_bound;
using calc::roofline_view;
using i18n::lang;

namespace {

calc::conv_input conv_in(std::int64_t h, std::int64_t w, std::int64_t cin, std::int64_t cout, std::int64_t k,
                         std::int64_t stride, std::int64_t pad, conv_type type = conv_type::standard,
                         std::int64_t groups = 1, bool bias = false) {
    calc::conv_input in;
    in.h = h;
    in.w = w;
    in.cin = cin;
    in.cout = cout;
    in.k = k;
    in.stride = stride;
    in.pad = pad;
    in.type = type;
    in.groups = groups;
    in.bias = bias;
    return in;
}

calc::conv_result must_conv(const calc::conv_input& in, lang l = lang::en) {
    calc::calc_error e;
    auto r = calc::conv(in, l, &e);
    INFO(e.message);
    REQUIRE(r.has_value());
    return *r;
}

calc::calc_error must_fail(const calc::conv_input& in, lang l = lang::en) {
    calc::calc_error e;
    auto r = calc::conv(in, l, &e);
    CHECK_FALSE(r.has_value());
    CHECK_FALSE(e.message.empty());
    return e;
}

calc::roofline_input roof_in(double macs, double bytes, double peak, double bw,
                             roofline_view view = roofline_view::macs,
                             roofline_view unit = roofline_view::macs) {
    calc::roofline_input in;
    in.macs = macs;
    in.bytes = bytes;
    in.peak = peak;
    in.peak_unit = unit;
    in.bandwidth_gbs = bw;
    in.view = view;
    return in;
}

calc::roofline_result must_roof(const calc::roofline_input& in, lang l = lang::en) {
    calc::calc_error e;
    auto r = calc::roofline(in, l, &e);
    INFO(e.message);
    REQUIRE(r.has_value());
    return *r;
}

calc::calc_error must_fail_roof(const calc::roofline_input& in, lang l = lang::en) {
    calc::calc_error e;
    auto r = calc::roofline(in, l, &e);
    CHECK_FALSE(r.has_value());
    CHECK_FALSE(e.message.empty());
    return e;
}

bool has_cjk(const std::string& s) {
    for (char32_t c : i18n::utf8_decode(s))
        if (c >= 0x4E00 && c <= 0x9FFF) return true;
    return false;
}

std::vector<std::string> ids(const std::vector<calc::step>& steps) {
    std::vector<std::string> out;
    for (const auto& s : steps) out.push_back(s.id);
    return out;
}

const calc::step& step_by_id(const std::vector<calc::step>& steps, const std::string& id) {
    for (const auto& s : steps)
        if (s.id == id) return s;
    FAIL("no step " << id);
    return steps.front();
}

}  // namespace

TEST_CASE("calc: number formats and checked arithmetic") {
    CHECK(calc::format_count(0) == "0");
    CHECK(calc::format_count(999) == "999");
    CHECK(calc::format_count(1000) == "1,000");
    CHECK(calc::format_count(21676032) == "21,676,032");
    CHECK(calc::format_count(-1234567) == "-1,234,567");
    CHECK(calc::format_count(std::numeric_limits<std::int64_t>::min()) == "-9,223,372,036,854,775,808");
    CHECK(calc::format_real(4.0) == "4");
    CHECK(calc::format_real(0.015625) == "0.015625");
    CHECK(calc::format_real(1.0 / 9) == "0.111111");
    CHECK(calc::format_real(5.419008) == "5.41901");
    CHECK(calc::format_real(1234567.8) == "1,234,568");
    CHECK(calc::format_real(1.0 / 0.126736, 3) == "7.89");
    CHECK(calc::format_percent(0.1267361) == "12.67");
    CHECK(calc::checked_mul(3037000499LL, 3037000499LL).has_value());
    CHECK_FALSE(calc::checked_mul(3037000500LL, 3037000500LL).has_value());
    CHECK_FALSE(calc::checked_mul({1000000, 1000000, 1000000, 10000}).has_value());
    CHECK(calc::checked_mul({3, 3, 3, 64, 112, 112}) == 21676032);
    CHECK_FALSE(calc::checked_add(std::numeric_limits<std::int64_t>::max(), 1).has_value());
}

TEST_CASE("calc conv: 224x224x3 -> 112x112x64, K=3 S=2 P=1") {
    auto r = must_conv(conv_in(224, 224, 3, 64, 3, 2, 1));
    CHECK(r.h_out == 112);
    CHECK(r.w_out == 112);
    CHECK(r.pad_h == 1);
    CHECK(r.pad_w == 1);
    CHECK(r.macs == 21676032);
    CHECK(r.flops == 2 * 21676032);
    CHECK(r.params == 3 * 3 * 3 * 64);  // 1,728 weights
    CHECK(ids(r.steps) == std::vector<std::string>{"h_out", "w_out", "macs", "flops", "params"});
    CHECK(step_by_id(r.steps, "macs").result == "21,676,032");
    CHECK(step_by_id(r.steps, "macs").substituted == "3·3·3·64·112·112");
    CHECK(step_by_id(r.steps, "h_out").substituted == "⌊(224 + 2·1 − 3) / 2⌋ + 1 = ⌊223 / 2⌋ + 1 = 111 + 1");
    CHECK(step_by_id(r.steps, "h_out").result == "112");
    // The dsc-only fields stay zero for a standard convolution.
    CHECK(r.macs_dw == 0);
    CHECK(r.ratio_vs_standard == 0);
}

TEST_CASE("calc conv: MobileNet V1's first depthwise-separable layer, 112x112x32 -> 64") {
    auto r = must_conv(conv_in(112, 112, 32, 64, 3, 1, 1, conv_type::dsc));
    CHECK(r.h_out == 112);
    CHECK(r.w_out == 112);
    CHECK(r.macs_dw == 3612672);
    CHECK(r.macs_pw == 25690112);
    CHECK(r.macs == 3612672 + 25690112);
    CHECK(r.flops == 2 * r.macs);
    CHECK(r.macs_standard == 231211008);  // 3·3·32·64·112·112
    CHECK(r.params_dw == 288);
    CHECK(r.params_pw == 2048);
    CHECK(r.params == 2336);
    CHECK(std::fabs(r.ratio_vs_standard - (1.0 / 64 + 1.0 / 9)) < 1e-12);
    CHECK(r.ratio_sheet_approx == doctest::Approx(1.0 / 9).epsilon(1e-15));
    CHECK(ids(r.steps) == std::vector<std::string>{"h_out", "w_out", "macs_dw", "macs_pw", "macs", "flops",
                                                   "params_dw", "params_pw", "params", "macs_standard", "ratio",
                                                   "ratio_sheet"});
    CHECK(step_by_id(r.steps, "ratio").substituted.find("1/64 + 1/3²") != std::string::npos);
    CHECK(step_by_id(r.steps, "ratio_sheet").substituted == "1/3² = 1/9");
}

TEST_CASE("calc conv: the stride trap takes the floor, not the ceiling") {
    // The brief's case: (7 − 3)/2 = 2 exactly, so 3.
    CHECK(must_conv(conv_in(7, 7, 1, 1, 3, 2, 0)).h_out == 3);
    // Here ceil would answer one more: (8 − 3)/2 = 2.5 -> 2, + 1 = 3 (ceil: 4).
    CHECK(must_conv(conv_in(8, 8, 1, 1, 3, 2, 0)).h_out == 3);
    // 224 without padding, K=3, S=2: 111, not 112.
    CHECK(must_conv(conv_in(224, 224, 3, 64, 3, 2, 0)).h_out == 111);
    // H and W separately.
    auto r = must_conv(conv_in(7, 8, 1, 1, 3, 2, 0));
    CHECK(r.h_out == 3);
    CHECK(r.w_out == 3);
    auto r2 = must_conv(conv_in(9, 10, 1, 1, 3, 2, 0));
    CHECK(r2.h_out == 4);
    CHECK(r2.w_out == 4);
    auto r3 = must_conv(conv_in(5, 12, 2, 4, 3, 1, 0));
    CHECK(r3.h_out == 3);
    CHECK(r3.w_out == 10);
    CHECK(r3.macs == 3 * 3 * 2 * 4 * 3 * 10);
    CHECK(calc::output_size(7, 3, 2, 0) == 3);
    CHECK(calc::output_size(8, 3, 2, 0) == 3);
    CHECK(calc::output_size(1, 1, 5, 0) == 1);
    CHECK(calc::output_size(4, 5, 1, 0) == std::nullopt);  // empty output
    CHECK(calc::output_size(4, 5, 1, 1) == 2);
    CHECK(calc::output_size(4, 3, 0, 0) == std::nullopt);
    CHECK(calc::output_size(4, 3, 1, -1) == std::nullopt);
}

TEST_CASE("calc conv: same and valid padding") {
    CHECK(calc::valid_padding() == 0);
    CHECK(calc::same_padding(224, 3, 2) == 1);
    CHECK(calc::same_padding(224, 3, 1) == 1);
    CHECK(calc::same_padding(224, 5, 1) == 2);
    CHECK(calc::same_padding(7, 2, 2) == 1);  // PyTorch with P = 0 gives 3, SAME gives 4
    CHECK(calc::same_padding(8, 2, 2) == 0);
    CHECK(calc::same_padding(8, 1, 2) == 0);
    CHECK(calc::same_padding(8, 2, 1) == std::nullopt);  // stride 1, even K: no symmetric P
    // For every stride >= 2 or odd K, the smallest symmetric P that keeps ceil(H/S).
    for (std::int64_t h = 1; h <= 40; ++h)
        for (std::int64_t k = 1; k <= 7; ++k)
            for (std::int64_t s = 1; s <= 4; ++s) {
                CAPTURE(h);
                CAPTURE(k);
                CAPTURE(s);
                auto p = calc::same_padding(h, k, s);
                if (s == 1 && k % 2 == 0) {
                    CHECK_FALSE(p.has_value());
                    continue;
                }
                REQUIRE(p.has_value());
                CHECK(calc::output_size(h, k, s, *p) == (h + s - 1) / s);
                if (*p > 0) CHECK(calc::output_size(h, k, s, *p - 1) != (h + s - 1) / s);
            }

    auto in = conv_in(7, 8, 4, 8, 2, 2, 0);
    in.padding = padding_mode::same;
    auto r = must_conv(in);
    CHECK(r.pad_h == 1);  // H and W get their own padding
    CHECK(r.pad_w == 0);
    CHECK(r.h_out == 4);
    CHECK(r.w_out == 4);
    CHECK(ids(r.steps).front() == "pad_h");
    CHECK(ids(r.steps)[1] == "pad_w");

    in = conv_in(224, 224, 3, 64, 3, 2, 7);
    in.padding = padding_mode::valid;  // pad is ignored
    r = must_conv(in);
    CHECK(r.pad_h == 0);
    CHECK(r.h_out == 111);
    CHECK(ids(r.steps).front() == "pad");

    in = conv_in(8, 8, 4, 8, 2, 1, 0);
    in.padding = padding_mode::same;
    auto e = must_fail(in);
    CHECK(e.field == "pad");
    CHECK(e.message.find("K = 2") != std::string::npos);
}

TEST_CASE("calc conv: group convolution") {
    // ShuffleNet-style 1x1 group conv: 240 -> 240 channels in 3 groups at 28x28.
    auto r = must_conv(conv_in(28, 28, 240, 240, 1, 1, 0, conv_type::group, 3));
    CHECK(r.macs == 80LL * 240 * 28 * 28);
    CHECK(r.params == 80LL * 240);
    CHECK(step_by_id(r.steps, "macs").substituted == "1·1·(240/3)·240·28·28 = 1·1·80·240·28·28");
    // G = 1 is the standard convolution.
    auto g1 = must_conv(conv_in(56, 56, 64, 128, 3, 2, 1, conv_type::group, 1));
    auto std1 = must_conv(conv_in(56, 56, 64, 128, 3, 2, 1));
    CHECK(g1.macs == std1.macs);
    CHECK(g1.params == std1.params);
    // G = Cin = Cout is the depthwise convolution of a dsc.
    auto dw = must_conv(conv_in(112, 112, 32, 32, 3, 1, 1, conv_type::group, 32));
    auto dsc = must_conv(conv_in(112, 112, 32, 64, 3, 1, 1, conv_type::dsc));
    CHECK(dw.macs == dsc.macs_dw);
    CHECK(dw.params == dsc.params_dw);

    SUBCASE("Cin not divisible by G") {
        auto e = must_fail(conv_in(28, 28, 4, 6, 3, 1, 1, conv_type::group, 3));
        CHECK(e.field == "groups");
        CHECK(e.message.find("--groups 3") != std::string::npos);
        CHECK(e.message.find("--cin 4") != std::string::npos);
    }
    SUBCASE("Cout not divisible by G") {
        auto e = must_fail(conv_in(28, 28, 6, 8, 3, 1, 1, conv_type::group, 3));
        CHECK(e.field == "groups");
        CHECK(e.message.find("--cout 8") != std::string::npos);
    }
    SUBCASE("groups with a standard or dsc type") {
        CHECK(must_fail(conv_in(28, 28, 6, 6, 3, 1, 1, conv_type::standard, 3)).field == "groups");
        CHECK(must_fail(conv_in(28, 28, 6, 6, 3, 1, 1, conv_type::dsc, 2)).field == "groups");
    }
    SUBCASE("in Chinese") {
        auto e = must_fail(conv_in(28, 28, 4, 6, 3, 1, 1, conv_type::group, 3), lang::zh_tw);
        CHECK(has_cjk(e.message));
        CHECK(e.message.find("--groups 3") != std::string::npos);
    }
}

TEST_CASE("calc conv: the dsc ratio is exactly 1/Cout + 1/K² for random shapes") {
    std::mt19937_64 rng(20240601);
    auto pick = [&](std::int64_t lo, std::int64_t hi) {
        return lo + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(hi - lo + 1));
    };
    for (int i = 0; i < 500; ++i) {
        const std::int64_t k = pick(1, 11), s = pick(1, 4), p = pick(0, k / 2);
        const std::int64_t h = pick(k, 512), w = pick(k, 512), cin = pick(1, 2048), cout = pick(1, 2048);
        CAPTURE(h);
        CAPTURE(w);
        CAPTURE(cin);
        CAPTURE(cout);
        CAPTURE(k);
        CAPTURE(s);
        auto r = must_conv(conv_in(h, w, cin, cout, k, s, p, conv_type::dsc, 1, i % 2 == 0));
        const double exact = 1.0 / static_cast<double>(cout) + 1.0 / static_cast<double>(k * k);
        CHECK(std::fabs(r.ratio_vs_standard - exact) <= 1e-12);
        CHECK(r.ratio_sheet_approx == doctest::Approx(1.0 / static_cast<double>(k * k)).epsilon(1e-15));
        CHECK(r.macs == r.macs_dw + r.macs_pw);
        CHECK(r.macs_standard == k * k * cin * cout * r.h_out * r.w_out);
        CHECK(r.h_out == (h + 2 * p - k) / s + 1);
        CHECK(r.w_out == (w + 2 * p - k) / s + 1);
        // The standard convolution of the same shape agrees with macs_standard.
        auto st = must_conv(conv_in(h, w, cin, cout, k, s, p));
        CHECK(st.macs == r.macs_standard);
    }
}

TEST_CASE("calc conv: biases add Cout (standard, group) or Cin and Cout (dsc) parameters, never MACs") {
    auto plain = must_conv(conv_in(224, 224, 3, 64, 3, 2, 1));
    auto biased = must_conv(conv_in(224, 224, 3, 64, 3, 2, 1, conv_type::standard, 1, true));
    CHECK(biased.params == plain.params + 64);
    CHECK(biased.params == 1792);
    CHECK(biased.macs == plain.macs);
    CHECK(ids(biased.steps) == ids(plain.steps));
    CHECK(step_by_id(biased.steps, "params").formula != step_by_id(plain.steps, "params").formula);
    CHECK(step_by_id(biased.steps, "params").substituted == "3·3·3·64 + 64");

    auto gplain = must_conv(conv_in(28, 28, 240, 120, 1, 1, 0, conv_type::group, 3));
    auto gbias = must_conv(conv_in(28, 28, 240, 120, 1, 1, 0, conv_type::group, 3, true));
    CHECK(gbias.params == gplain.params + 120);
    CHECK(gbias.macs == gplain.macs);

    auto dplain = must_conv(conv_in(112, 112, 32, 64, 3, 1, 1, conv_type::dsc));
    auto dbias = must_conv(conv_in(112, 112, 32, 64, 3, 1, 1, conv_type::dsc, 1, true));
    CHECK(dbias.params_dw == dplain.params_dw + 32);
    CHECK(dbias.params_pw == dplain.params_pw + 64);
    CHECK(dbias.params == dplain.params + 96);
    CHECK(dbias.macs == dplain.macs);
    CHECK(dbias.ratio_vs_standard == dplain.ratio_vs_standard);
}

TEST_CASE("calc conv: bad input is refused with the field named") {
    const auto good = conv_in(32, 32, 16, 32, 3, 1, 1);
    struct case_t {
        const char* field;
        std::int64_t calc::conv_input::*member;
    };
    for (auto c : {case_t{"h", &calc::conv_input::h}, case_t{"w", &calc::conv_input::w},
                                 case_t{"cin", &calc::conv_input::cin}, case_t{"cout", &calc::conv_input::cout},
                                 case_t{"k", &calc::conv_input::k}, case_t{"stride", &calc::conv_input::stride},
                                 case_t{"groups", &calc::conv_input::groups}}) {
        const char* field = c.field;  // clang 14 cannot capture structured bindings (CAPTURE)
        auto member = c.member;
        for (std::int64_t bad : {std::int64_t{0}, std::int64_t{-1}, std::numeric_limits<std::int64_t>::min()}) {
            CAPTURE(field);
            CAPTURE(bad);
            auto in = good;
            in.*member = bad;
            auto e = must_fail(in);
            CHECK(e.field == field);
            CHECK(e.message.find("--" + std::string(field)) != std::string::npos);
            auto zh = must_fail(in, lang::zh_tw);
            CHECK(has_cjk(zh.message));
        }
    }
    SUBCASE("negative padding") {
        auto in = good;
        in.pad = -1;
        auto e = must_fail(in);
        CHECK(e.field == "pad");
        CHECK(e.message.find("--pad") != std::string::npos);
    }
    SUBCASE("a kernel larger than the padded input: empty output") {
        auto e = must_fail(conv_in(3, 32, 1, 1, 7, 1, 1));  // 7 > 3 + 2
        CHECK(e.field == "k");
        CHECK(e.message.find("H + 2P = 3 + 2·1 = 5") != std::string::npos);
        auto ew = must_fail(conv_in(32, 4, 1, 1, 7, 1, 1));  // W: 7 > 4 + 2
        CHECK(ew.message.find("W + 2P = 4 + 2·1 = 6") != std::string::npos);
        // K = H + 2P still gives one output.
        CHECK(must_conv(conv_in(5, 5, 1, 1, 7, 1, 1)).h_out == 1);
    }
    SUBCASE("counts beyond 64 bits") {
        auto e = must_fail(conv_in(1000000000, 1000000000, 1000000000, 1000000000, 1, 1, 0));
        CHECK(e.message.find("64-bit") != std::string::npos);
        auto d = must_fail(conv_in(1000000000, 1000000000, 1000000000, 1000000000, 1, 1, 0, conv_type::dsc));
        CHECK(d.message.find("64-bit") != std::string::npos);
        auto big = must_fail(conv_in(std::numeric_limits<std::int64_t>::max(), 8, 1, 1, 3, 1,
                                     std::numeric_limits<std::int64_t>::max() / 2));
        CHECK(big.message.find("64-bit") != std::string::npos);
    }
    SUBCASE("a null error pointer is allowed") {
        auto in = good;
        in.k = 0;
        CHECK_FALSE(calc::conv(in, lang::en).has_value());
    }
}

TEST_CASE("calc roofline: bound at, below and above the ridge") {
    // Ridge = 100 GMAC/s / 25 GB/s = 4 MACs/byte.
    auto at = must_roof(roof_in(400, 100, 100, 25));
    CHECK(at.intensity == 4.0);
    CHECK(at.ridge == 4.0);
    CHECK(at.bound == roofline_bound::compute);  // "memory if intensity < ridge", so the ridge is compute
    CHECK(at.attainable_gmacs == 100.0);

    auto below = must_roof(roof_in(399, 100, 100, 25));
    CHECK(below.bound == roofline_bound::memory);
    CHECK(below.attainable_gmacs == doctest::Approx(3.99 * 25));

    auto above = must_roof(roof_in(401, 100, 100, 25));
    CHECK(above.bound == roofline_bound::compute);
    CHECK(above.attainable_gmacs == 100.0);

    // A just-representable step either side of the ridge.
    auto tiny_below = must_roof(roof_in(std::nextafter(400.0, 0.0), 100, 100, 25));
    CHECK(tiny_below.bound == roofline_bound::memory);
    CHECK(step_by_id(tiny_below.steps, "bound").substituted.find('<') != std::string::npos);
    // Both numbers of the comparison print differently even so.
    const auto& sub = step_by_id(tiny_below.steps, "bound").substituted;
    CHECK(sub.substr(0, sub.find(" <")) != sub.substr(sub.find("< ") + 2));

    // Equal ratios of exact inputs are exactly at the ridge, whatever the numbers.
    std::mt19937_64 rng(7);
    for (int i = 0; i < 200; ++i) {
        const double a = static_cast<double>(1 + rng() % 1000), b = static_cast<double>(1 + rng() % 1000);
        const double m = static_cast<double>(1 + rng() % 100000);
        CAPTURE(a);
        CAPTURE(b);
        CAPTURE(m);
        CHECK(must_roof(roof_in(a * m, b * m, a, b)).bound == roofline_bound::compute);
        CHECK(must_roof(roof_in(a * m - 1, b * m, a, b)).bound == roofline_bound::memory);
    }

    // A depthwise-like layer sits left of the ridge, a pointwise-like one right of it.
    CHECK(must_roof(roof_in(3612672, 3612672 * 1.2, 100, 25)).bound == roofline_bound::memory);
    CHECK(must_roof(roof_in(25690112, 2.0e6, 100, 25)).bound == roofline_bound::compute);
    // Zero MACs: intensity 0, memory-bound.
    CHECK(must_roof(roof_in(0, 100, 100, 25)).bound == roofline_bound::memory);
}

TEST_CASE("calc roofline: the FLOPs view doubles both axes and keeps the bound") {
    auto m = must_roof(roof_in(21676032, 4000000, 100, 25));
    CHECK(m.intensity == doctest::Approx(5.419008));
    CHECK(m.ridge == 4.0);
    CHECK(m.attainable_gmacs == 100.0);
    CHECK(m.bound == roofline_bound::compute);
    CHECK(m.intensity_flops == 2 * m.intensity);
    CHECK(m.ridge_flops == 8.0);
    CHECK(m.peak_gflops == 200.0);
    CHECK(m.attainable_gflops == 200.0);
    CHECK(ids(m.steps) == std::vector<std::string>{"intensity", "ridge", "attainable", "bound"});
    CHECK(step_by_id(m.steps, "intensity").result == "5.41901 MACs/byte");

    auto f = must_roof(roof_in(21676032, 4000000, 100, 25, roofline_view::flops));
    CHECK(f.intensity == m.intensity);
    CHECK(f.bound == m.bound);
    CHECK(ids(f.steps) == std::vector<std::string>{"peak", "intensity", "ridge", "attainable", "bound"});
    CHECK(step_by_id(f.steps, "intensity").result == "10.838 FLOPs/byte");
    CHECK(step_by_id(f.steps, "peak").result == "200 GFLOP/s");

    // The peak given in GFLOP/s: the same answer, with a conversion step in the MACs view.
    auto g = must_roof(roof_in(21676032, 4000000, 200, 25, roofline_view::macs, roofline_view::flops));
    CHECK(g.peak_gmacs == 100.0);
    CHECK(g.ridge == m.ridge);
    CHECK(g.attainable_gmacs == m.attainable_gmacs);
    CHECK(ids(g.steps) == std::vector<std::string>{"peak", "intensity", "ridge", "attainable", "bound"});
    auto gf = must_roof(roof_in(21676032, 4000000, 200, 25, roofline_view::flops, roofline_view::flops));
    CHECK(ids(gf.steps) == std::vector<std::string>{"intensity", "ridge", "attainable", "bound"});
    CHECK(gf.attainable_gflops == 200.0);
}

TEST_CASE("calc roofline: bad input is refused with the field named") {
    auto e = must_fail_roof(roof_in(-1, 100, 100, 25));
    CHECK(e.field == "macs");
    CHECK(e.message.find("--macs") != std::string::npos);
    CHECK(must_fail_roof(roof_in(1, 0, 100, 25)).field == "bytes");
    CHECK(must_fail_roof(roof_in(1, -5, 100, 25)).field == "bytes");
    CHECK(must_fail_roof(roof_in(1, 100, 0, 25)).field == "peak-gmacs");
    CHECK(must_fail_roof(roof_in(1, 100, -1, 25, roofline_view::macs, roofline_view::flops)).field == "peak-gflops");
    CHECK(must_fail_roof(roof_in(1, 100, 100, 0)).field == "bandwidth-gbs");
    CHECK(must_fail_roof(roof_in(std::nan(""), 100, 100, 25)).field == "macs");
    CHECK(must_fail_roof(roof_in(1, INFINITY, 100, 25)).field == "bytes");
    CHECK(must_fail_roof(roof_in(1, 100, 100, std::nan(""))).field == "bandwidth-gbs");
    // Finite inputs whose intensity is not.
    CHECK(must_fail_roof(roof_in(1e300, 1e-300, 100, 25)).field.empty());
    CHECK(has_cjk(must_fail_roof(roof_in(1, 0, 100, 25), lang::zh_tw).message));
}

TEST_CASE("calc: every step is complete in both languages") {
    std::vector<calc::conv_input> convs = {
        conv_in(224, 224, 3, 64, 3, 2, 1),
        conv_in(224, 224, 3, 64, 3, 2, 1, conv_type::standard, 1, true),
        conv_in(28, 28, 240, 240, 1, 1, 0, conv_type::group, 3),
        conv_in(28, 28, 240, 240, 3, 1, 1, conv_type::group, 3, true),
        conv_in(112, 112, 32, 64, 3, 1, 1, conv_type::dsc),
        conv_in(112, 112, 32, 64, 3, 2, 1, conv_type::dsc, 1, true),
    };
    auto same = conv_in(7, 8, 4, 8, 2, 2, 0);
    same.padding = padding_mode::same;
    convs.push_back(same);
    auto valid = conv_in(7, 8, 4, 8, 3, 1, 5, conv_type::dsc);
    valid.padding = padding_mode::valid;
    convs.push_back(valid);

    std::vector<std::vector<calc::step>> en, zh;
    for (const auto& in : convs) {
        en.push_back(must_conv(in, lang::en).steps);
        zh.push_back(must_conv(in, lang::zh_tw).steps);
    }
    for (auto view : {roofline_view::macs, roofline_view::flops})
        for (auto unit : {roofline_view::macs, roofline_view::flops})
            for (double macs : {300.0, 500.0}) {  // memory- and compute-bound
                auto in = roof_in(macs, 100, unit == roofline_view::flops ? 8 : 4, 1, view, unit);
                en.push_back(must_roof(in, lang::en).steps);
                zh.push_back(must_roof(in, lang::zh_tw).steps);
            }

    std::vector<std::string> all_text;
    for (size_t c = 0; c < en.size(); ++c) {
        CAPTURE(c);
        REQUIRE(en[c].size() == zh[c].size());
        REQUIRE_FALSE(en[c].empty());
        for (size_t i = 0; i < en[c].size(); ++i) {
            const auto& a = en[c][i];
            const auto& b = zh[c][i];
            CAPTURE(a.id);
            CHECK(a.id == b.id);
            for (const auto* s : {&a, &b}) {
                for (const std::string* field : {&s->title, &s->formula, &s->substituted, &s->result}) {
                    CHECK_FALSE(field->empty());
                    CHECK(field->find("calc.") == std::string::npos);  // a missing key comes back as itself
                    CHECK(field->find('{') == std::string::npos);      // every placeholder filled
                    all_text.push_back(*field);
                }
            }
            CHECK(has_cjk(b.title));
            CHECK_FALSE(has_cjk(a.title));
            CHECK_FALSE(has_cjk(a.formula + a.substituted + a.result));
            CHECK(a.title != b.title);
        }
    }
    // Every character of every worked solution has a glyph in the embedded font subset.
    const auto report = assets::check_font_coverage(assets::bytes("fonts/ui_font.ttf"), all_text);
    for (const auto& p : report.problems) MESSAGE(p);
    CHECK(report.ok);
}

TEST_CASE("calc: every calc.* key is in both tables") {
    size_t n = 0;
    for (const auto& kv : i18n::table(lang::en)) {
        const std::string& key = kv.first;
        if (!key.starts_with("calc.")) continue;
        ++n;
        CAPTURE(key);
        CHECK(i18n::table(lang::zh_tw).count(key) == 1);
    }
    for (const auto& [key, text] : i18n::table(lang::zh_tw))
        if (key.starts_with("calc.")) CHECK(i18n::table(lang::en).count(key) == 1);
    CHECK(n > 50);
}
