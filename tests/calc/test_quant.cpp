// calc quant: linear quantization's three conventions (asymmetric, symmetric full range,
// symmetric restricted), scale, zero point, quantize/dequantize, worked steps, bad input.
#include "calc/quant.h"
#include "support/calc_steps.h"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>

using namespace es;
using i18n::lang;

namespace {

calc::quant_input symmetric(double rmin, double rmax, int bits, bool restricted, std::vector<double> values = {}) {
    calc::quant_input in;
    in.rmin = rmin;
    in.rmax = rmax;
    in.bits = bits;
    in.is_signed = true;
    in.scheme = calc::quant_scheme::symmetric;
    in.restricted = restricted;
    in.values = std::move(values);
    return in;
}

const calc::step& step(const calc::quant_result& r, const char* id) {
    for (const auto& s : r.steps)
        if (s.id == id) return s;
    FAIL("no step " << id);
    return r.steps.front();
}

}  // namespace

TEST_CASE("calc quant: asymmetric uint8 over [-1, 3] (hand-computed)") {
    calc::quant_input in;  // the defaults: 8-bit, unsigned, asymmetric
    in.rmin = -1;
    in.rmax = 3;
    in.values = {0.0, 0.5, -1.0, 3.0, 10.0, -5.0};
    auto r = calc::quant(in, lang::en);
    REQUIRE(r);
    CHECK(r->qmin == 0);
    CHECK(r->qmax == 255);
    CHECK(r->scale == doctest::Approx(4.0 / 255));
    CHECK(r->zero_point_unrounded == doctest::Approx(63.75));
    CHECK(r->zero_point == 64);  // round(0 − (−1)/(4/255)) = round(63.75)
    CHECK_FALSE(r->zero_point_clamped);
    CHECK(r->max_abs == 0);
    REQUIRE(r->q.size() == 6);
    CHECK(r->q[0] == 64);        // real 0 maps to Z exactly
    CHECK(r->q[1] == 96);        // 0.5·255/4 + 64 = 95.875
    CHECK(r->q_real[1] == doctest::Approx(95.875));
    CHECK(r->q[2] == 0);         // −63.75 + 64 = 0.25
    CHECK(r->q[3] == 255);       // 191.25 + 64 = 255.25
    CHECK(r->q[4] == 255);       // clamped
    CHECK(r->q_unclamped[4] == 702);  // 637.5 + 64 = 701.5, rounded away from zero
    CHECK(r->q[5] == 0);         // clamped
    CHECK(r->q_unclamped[5] == -255);  // −318.75 + 64 = −254.75
    CHECK(r->dequantized[0] == 0.0);
    CHECK(r->dequantized[1] == doctest::Approx(4.0 / 255 * 32));
    for (int i = 0; i < 4; ++i) CHECK(std::fabs(r->error[static_cast<size_t>(i)]) <= r->scale / 2 + 1e-12);
    CHECK(r->error[4] == doctest::Approx(r->dequantized[4] - 10.0));
    // Both clamped values are named in the quantize step.
    const std::string q = step(*r, "quantize").result;
    CHECK(q.find("701.5 rounds to 702, above q_max = 255: clamped to 255") != std::string::npos);
    CHECK(q.find("below q_min = 0: clamped to 0") != std::string::npos);
    // The exposed pieces agree with the whole.
    CHECK(calc::quant_zero_point(-1, r->scale, 0, 255) == 64);
    CHECK(calc::quant_zero_point(1, r->scale, 0, 255) == 0);  // the sign slip: −63.75 clamps to 0
    CHECK(calc::quant_zero_point(1, r->scale, 0, 255, false) == -64);
    CHECK(calc::quantize_value(10.0, r->scale, 64, 0, 255, false) == 702);
    CHECK(calc::quantize_value(0.5, r->scale, 64, 0, 255) == 96);
}

TEST_CASE("calc quant: one value gives plain numbers in the steps") {
    calc::quant_input in;
    in.rmin = -1;
    in.rmax = 3;
    in.values = {0.5};
    auto r = calc::quant(in, lang::en);
    REQUIRE(r);
    CHECK(step(*r, "quantize").result == "96");
    CHECK(step(*r, "quantize").substituted == "r = 0.5: r / 0.0156863 + 64 = 95.875, rounded and clamped to [0, 255]");
    CHECK(step(*r, "dequantize").substituted == "0.0156863 · (96 − 64)");
    CHECK(step(*r, "scheme").result == "asymmetric, uint8");
}

TEST_CASE("calc quant: asymmetric signed ranges and integer ranges") {
    CHECK(calc::quant_qmin(8, true) == -128);
    CHECK(calc::quant_qmax(8, true) == 127);
    CHECK(calc::quant_qmin(4, false) == 0);
    CHECK(calc::quant_qmax(4, false) == 15);
    CHECK(calc::quant_qmin(2, true) == -2);
    CHECK(calc::quant_qmax(2, true) == 1);

    calc::quant_input in;
    in.rmin = -2;
    in.rmax = 6;
    in.is_signed = true;
    auto a = calc::quant(in, lang::en);
    REQUIRE(a);
    CHECK(a->qmin == -128);
    CHECK(a->scale == doctest::Approx(8.0 / 255));
    CHECK(a->zero_point == -64);  // round(−128 + 63.75) = round(−64.25)
    CHECK(step(*a, "range").id == "range");
    CHECK(step(*a, "scheme").result == "asymmetric, int8");

    // 2 bits, unsigned, [0, 3]: S = 1, Z = 0, every integer a real.
    calc::quant_input two;
    two.rmin = 0;
    two.rmax = 3;
    two.bits = 2;
    two.values = {2.4, 2.6, -1};
    auto t = calc::quant(two, lang::en);
    REQUIRE(t);
    CHECK(t->qmax == 3);
    CHECK(t->scale == 1.0);
    CHECK(t->zero_point == 0);
    CHECK(t->q == std::vector<std::int64_t>{2, 3, 0});
}

TEST_CASE("calc quant: symmetric, full range (the sheet's; PyTorch's), int8 over [-2, 1]") {
    auto r = calc::quant(symmetric(-2, 1, 8, false, {2.0, -2.0, 1.0, 0.5, 0.0}), lang::en);
    REQUIRE(r);
    CHECK(r->qmin == -128);
    CHECK(r->qmax == 127);
    CHECK(r->max_abs == 2.0);
    CHECK(r->scale == doctest::Approx(2.0 / 127.5));
    CHECK(r->zero_point == 0);
    CHECK_FALSE(r->zero_point_clamped);
    CHECK(r->q_real[0] == doctest::Approx(127.5));
    CHECK(r->q_unclamped[0] == 128);  // +a lands on 127.5, rounds to 128 ...
    CHECK(r->q[0] == 127);            // ... and is clamped to q_max
    CHECK(r->q[1] == -128);           // −a lands on −127.5, rounds to −128 = q_min
    CHECK(r->q_unclamped[1] == -128);
    CHECK(r->q[2] == 64);             // 63.75
    CHECK(r->q[3] == 32);             // 31.875
    CHECK(r->q[4] == 0);
    CHECK(r->dequantized[0] == doctest::Approx(127 * 2.0 / 127.5));
    CHECK(r->error[0] == doctest::Approx(-r->scale / 2));  // the clamp costs exactly half a step
    // The steps say so.
    CHECK(step(*r, "scheme").result == "symmetric, full range, int8");
    CHECK(step(*r, "scheme").title.find("full integer range") != std::string::npos);
    CHECK(step(*r, "scale").substituted == "max(|-2|, |1|) / ((127 − (-128)) / 2) = 2 / 127.5");
    CHECK(step(*r, "scale").result.find("127.5, which rounds to 128 and is clamped to q_max = 127") != std::string::npos);
    CHECK(step(*r, "zero_point").result == "0");
    CHECK(step(*r, "quantize").formula == "q = clamp(round(r / S), q_min, q_max)");
    CHECK(step(*r, "quantize").result.find("127.5 rounds to 128, above q_max = 127: clamped to 127") != std::string::npos);
    CHECK(step(*r, "dequantize").formula == "r' = S · q");

    // 4 bits: [−8, 7], a = 3, S = 3/7.5 = 0.4.
    auto f4 = calc::quant(symmetric(-1, 3, 4, false, {3.0, -3.0, 1.1}), lang::en);
    REQUIRE(f4);
    CHECK(f4->qmin == -8);
    CHECK(f4->qmax == 7);
    CHECK(f4->scale == doctest::Approx(0.4));
    CHECK(f4->q == std::vector<std::int64_t>{7, -8, 3});  // 7.5 → 8 → 7; −7.5 → −8; 2.75 → 3
}

TEST_CASE("calc quant: symmetric, restricted range (TFLite's weights), int8 over [-2, 1]") {
    auto r = calc::quant(symmetric(-2, 1, 8, true, {2.0, -2.0, 0.5, -1.3}), lang::en);
    REQUIRE(r);
    CHECK(r->qmin == -127);
    CHECK(r->qmax == 127);
    CHECK(r->scale == doctest::Approx(2.0 / 127));
    CHECK(r->zero_point == 0);
    CHECK(r->q == std::vector<std::int64_t>{127, -127, 32, -83});  // 127, −127, 31.75, −82.55
    CHECK(r->q_unclamped == r->q);                                // nothing clamped: ±a are exact
    CHECK(r->error[0] == doctest::Approx(0.0));
    CHECK(step(*r, "scheme").result == "symmetric, restricted range, int8");
    CHECK(step(*r, "scale").substituted == "max(|-2|, |1|) / 127 = 2 / 127");
    CHECK(step(*r, "quantize").result == "[127, -127, 32, -83]");

    // The quiz's symmetric scale (6/127 over [−2, 6]) is the restricted one.
    auto q = calc::quant(symmetric(-2, 6, 8, true, {6.0, -6.0, 1.0}), lang::en);
    REQUIRE(q);
    CHECK(q->scale == doctest::Approx(6.0 / 127));
    CHECK(q->q == std::vector<std::int64_t>{127, -127, 21});  // 127/6 = 21.17

    // 4 bits restricted: [−7, 7], S = 3/7.
    auto r4 = calc::quant(symmetric(-1, 3, 4, true, {1.0}), lang::en);
    REQUIRE(r4);
    CHECK(r4->qmin == -7);
    CHECK(r4->scale == doctest::Approx(3.0 / 7));
    CHECK(r4->q[0] == 2);  // 2.33
}

TEST_CASE("calc quant: an asymmetric range without 0 clamps the zero point") {
    calc::quant_input in;
    in.rmin = 1;
    in.rmax = 2;
    in.values = {0.0, 5.0, -5.0};
    auto r = calc::quant(in, lang::en);
    REQUIRE(r);
    CHECK(r->zero_point == 0);
    CHECK(r->zero_point_clamped);
    CHECK(r->zero_point_unrounded == doctest::Approx(-255.0));
    for (double e : r->error) CHECK(std::isfinite(e));
    CHECK(step(*r, "zero_point").result.find("not exactly representable") != std::string::npos);
}

TEST_CASE("calc quant: steps in both languages with stable ids, for every convention") {
    calc::quant_input asym;
    asym.rmin = -1;
    asym.rmax = 3;
    asym.values = {0.5, 9};
    for (const auto& in : {asym, symmetric(-2, 1, 8, false, {2.0}), symmetric(-2, 1, 8, true, {2.0, -3.0})}) {
        auto en = calc::quant(in, lang::en), zh = calc::quant(in, lang::zh_tw);
        REQUIRE(en);
        REQUIRE(zh);
        const char* ids[] = {"scheme", "range", "scale", "zero_point", "quantize", "dequantize", "rounding_error"};
        REQUIRE(en->steps.size() == 7);
        for (size_t i = 0; i < 7; ++i) CHECK(en->steps[i].id == ids[i]);
        es::testing::check_bilingual_steps(en->steps, zh->steps);
    }
    auto en = calc::quant(asym, lang::en);
    REQUIRE(en);
    CHECK(en->steps[3].result == "64");
    CHECK(en->steps[3].substituted.find("(-1)") != std::string::npos);
    auto zh = calc::quant(symmetric(-2, 1, 8, false, {2.0}), lang::zh_tw);
    REQUIRE(zh);
    CHECK(zh->steps[0].title.find("完整整數範圍") != std::string::npos);
    CHECK(zh->steps[4].result.find("截為 127") != std::string::npos);
    // Without values: only the scheme, range, S and Z.
    asym.values.clear();
    auto bare = calc::quant(asym, lang::en);
    REQUIRE(bare);
    CHECK(bare->steps.size() == 4);
    CHECK(bare->q.empty());
}

TEST_CASE("calc quant: bad input is refused, naming the field, in the requested language") {
    calc::quant_input good;
    good.rmin = -1;
    good.rmax = 3;
    good.values = {0.5};
    REQUIRE(calc::quant(good, lang::en));
    auto refused = [](const calc::quant_input& in, lang l) {
        calc::calc_error err;
        CHECK_FALSE(calc::quant(in, l, &err));
        CHECK_FALSE(err.message.empty());
        return err;
    };
    const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();

    for (int bits : {-3, 0, 1, 9, 16, 64}) {
        CAPTURE(bits);
        calc::quant_input bad = good;
        bad.bits = bits;
        auto e = refused(bad, lang::en);
        CHECK(e.field == "bits");
        CHECK(e.message.find("--bits must be a whole number from 2 to 8, got " + std::to_string(bits)) != std::string::npos);
        CHECK(refused(bad, lang::zh_tw).message.find("必須是 2 到 8 的整數") != std::string::npos);
    }
    for (int bits : {2, 3, 5, 7, 8}) {
        calc::quant_input ok = good;
        ok.bits = bits;
        CHECK(calc::quant(ok, lang::en));
    }

    calc::quant_input bad = good;
    bad.rmin = 4;  // r_min > r_max
    auto e = refused(bad, lang::en);
    CHECK(e.field == "rmin");
    CHECK(e.message == "--rmin (4) is greater than --rmax (3): the range is reversed");
    CHECK(refused(bad, lang::zh_tw).message.find("範圍顛倒了") != std::string::npos);

    bad = good;
    bad.rmin = bad.rmax = 3;  // r_min = r_max: S would be 0
    e = refused(bad, lang::en);
    CHECK(e.field == "rmax");
    CHECK(e.message.find("both 3") != std::string::npos);
    auto sym_empty = symmetric(-2, -2, 8, false);  // a = 2 would give a scale, but the range is empty
    CHECK(refused(sym_empty, lang::en).field == "rmax");

    bad = good;
    bad.rmin = nan;
    CHECK(refused(bad, lang::en).field == "rmin");
    bad = good;
    bad.rmin = -inf;
    CHECK(refused(bad, lang::en).field == "rmin");
    bad = good;
    bad.rmax = inf;
    CHECK(refused(bad, lang::zh_tw).field == "rmax");
    bad = good;
    bad.rmax = nan;
    CHECK(refused(bad, lang::en).field == "rmax");
    bad = good;
    bad.values = {nan};
    e = refused(bad, lang::en);
    CHECK(e.field == "value");
    CHECK(e.message == "--value must be a finite number");
    bad.values = {inf};
    CHECK(refused(bad, lang::zh_tw).message == "--value 必須是有限的數");

    auto unsigned_sym = symmetric(-2, 1, 8, false);
    unsigned_sym.is_signed = false;
    e = refused(unsigned_sym, lang::en);
    CHECK(e.field == "signed");
    CHECK(e.message.find("needs a signed type") != std::string::npos);
    CHECK(refused(unsigned_sym, lang::zh_tw).message.find("需要有號整數型別") != std::string::npos);

    bad = good;
    bad.restricted = true;  // restricted without symmetric
    e = refused(bad, lang::en);
    CHECK(e.field == "restricted");
    CHECK(e.message.find("--symmetric") != std::string::npos);

    bad = good;
    bad.values.assign(1001, 0.0);
    CHECK(refused(bad, lang::en).field == "value");

    // No division by zero: a range whose width underflows S to 0, or overflows it to infinity.
    bad = good;
    bad.rmin = 0;
    bad.rmax = std::numeric_limits<double>::denorm_min();
    e = refused(bad, lang::en);
    CHECK(e.field == "rmax");
    CHECK(e.message.find("no usable scale") != std::string::npos);
    bad.rmin = -1.7e308;
    bad.rmax = 1.7e308;
    CHECK(refused(bad, lang::en).field == "rmax");
    CHECK(refused(symmetric(0, std::numeric_limits<double>::denorm_min(), 8, false), lang::en).field == "rmax");
}

TEST_CASE("calc quant: extreme but valid numbers give finite results, never NaN") {
    calc::quant_input in;
    in.rmin = 0;
    in.rmax = 2.55e-8;
    in.values = {1e300, -1e300, 1e-8};
    auto r = calc::quant(in, lang::en);
    REQUIRE(r);
    CHECK(r->q == std::vector<std::int64_t>{255, 0, 100});
    for (double d : r->dequantized) CHECK(std::isfinite(d));
    for (double e : r->error) CHECK(std::isfinite(e));
    auto s = calc::quant(symmetric(-1e300, 1e300, 8, false, {-1e300, 1e300}), lang::en);
    REQUIRE(s);
    CHECK(s->q == std::vector<std::int64_t>{-128, 127});
    for (double e : s->error) CHECK(std::isfinite(e));
}
