// calc quant: linear quantization's scale, zero point, quantize/dequantize, worked steps.
#include "calc/quant.h"
#include "support/calc_steps.h"

#include <doctest/doctest.h>

#include <cmath>

using namespace es;
using i18n::lang;

TEST_CASE("calc quant: asymmetric uint8 over [-1, 3] (hand-computed)") {
    calc::quant_input in;
    in.rmin = -1;
    in.rmax = 3;
    in.bits = 8;
    in.values = {0.0, 0.5, -1.0, 3.0, 10.0, -5.0};
    auto r = calc::quant(in, lang::en);
    REQUIRE(r);
    CHECK(r->qmin == 0);
    CHECK(r->qmax == 255);
    CHECK(r->scale == doctest::Approx(4.0 / 255));
    CHECK(r->zero_point_unrounded == doctest::Approx(63.75));
    CHECK(r->zero_point == 64);  // round(0 − (−1)/(4/255)) = round(63.75)
    CHECK_FALSE(r->zero_point_clamped);
    REQUIRE(r->q.size() == 6);
    CHECK(r->q[0] == 64);        // real 0 maps to Z exactly
    CHECK(r->q[1] == 96);        // 0.5·255/4 + 64 = 95.875
    CHECK(r->q[2] == 0);         // −63.75 + 64 = 0.25
    CHECK(r->q[3] == 255);       // 191.25 + 64 = 255.25
    CHECK(r->q[4] == 255);       // clamped
    CHECK(r->q[5] == 0);         // clamped
    CHECK(r->dequantized[0] == 0.0);
    CHECK(r->dequantized[1] == doctest::Approx(4.0 / 255 * 32));
    for (int i = 0; i < 4; ++i) CHECK(std::fabs(r->error[static_cast<size_t>(i)]) <= r->scale / 2 + 1e-12);
    CHECK(r->error[4] == doctest::Approx(r->dequantized[4] - 10.0));
    // The exposed pieces agree with the whole.
    CHECK(calc::quant_zero_point(-1, r->scale, 0, 255) == 64);
    CHECK(calc::quant_zero_point(1, r->scale, 0, 255) == 0);  // the sign slip: −63.75 clamps to 0
    CHECK(calc::quant_zero_point(1, r->scale, 0, 255, false) == -64);
    CHECK(calc::quantize_value(10.0, r->scale, 64, 0, 255, false) == 702);  // 637.5 + 64 = 701.5, rounded away
    CHECK(calc::quantize_value(0.5, r->scale, 64, 0, 255) == 96);
}

TEST_CASE("calc quant: signed and symmetric ranges") {
    CHECK(calc::quant_qmin(8, true) == -128);
    CHECK(calc::quant_qmax(8, true) == 127);
    CHECK(calc::quant_qmin(4, false) == 0);
    CHECK(calc::quant_qmax(4, false) == 15);

    calc::quant_input in;
    in.rmin = -2;
    in.rmax = 6;
    in.bits = 8;
    in.is_signed = true;
    auto a = calc::quant(in, lang::en);
    REQUIRE(a);
    CHECK(a->scale == doctest::Approx(8.0 / 255));
    CHECK(a->zero_point == -64);  // round(−128 + 63.75) = round(−64.25)

    in.scheme = calc::quant_scheme::symmetric;
    in.values = {6.0, -6.0, 1.0};
    auto s = calc::quant(in, lang::en);
    REQUIRE(s);
    CHECK(s->qmin == -127);
    CHECK(s->qmax == 127);
    CHECK(s->zero_point == 0);
    CHECK(s->scale == doctest::Approx(6.0 / 127));
    CHECK(s->q[0] == 127);
    CHECK(s->q[1] == -127);
    CHECK(s->q[2] == 21);  // 127/6 = 21.17
}

TEST_CASE("calc quant: a range without 0 clamps the zero point") {
    calc::quant_input in;
    in.rmin = 1;
    in.rmax = 2;
    auto r = calc::quant(in, lang::en);
    REQUIRE(r);
    CHECK(r->zero_point == 0);
    CHECK(r->zero_point_clamped);
    CHECK(r->zero_point_unrounded == doctest::Approx(-255.0));
}

TEST_CASE("calc quant: steps in both languages with stable ids; bad input named") {
    calc::quant_input in;
    in.rmin = -1;
    in.rmax = 3;
    in.values = {0.5};
    auto en = calc::quant(in, lang::en), zh = calc::quant(in, lang::zh_tw);
    REQUIRE(en);
    REQUIRE(zh);
    const char* ids[] = {"range", "scale", "zero_point", "quantize", "dequantize", "rounding_error"};
    REQUIRE(en->steps.size() == 6);
    for (size_t i = 0; i < 6; ++i) CHECK(en->steps[i].id == ids[i]);
    es::testing::check_bilingual_steps(en->steps, zh->steps);
    CHECK(en->steps[2].result == "64");
    CHECK(en->steps[2].substituted.find("(-1)") != std::string::npos);

    calc::calc_error err;
    calc::quant_input bad = in;
    bad.bits = 1;
    CHECK_FALSE(calc::quant(bad, lang::en, &err));
    CHECK(err.field == "bits");
    CHECK(err.message.find("--bits") != std::string::npos);
    bad = in;
    bad.rmax = -1;
    CHECK_FALSE(calc::quant(bad, lang::zh_tw, &err));
    CHECK(err.field == "rmax");
    bad = in;
    bad.scheme = calc::quant_scheme::symmetric;
    CHECK_FALSE(calc::quant(bad, lang::en, &err));
    CHECK(err.field == "scheme");
    bad = in;
    bad.values = {NAN};
    CHECK_FALSE(calc::quant(bad, lang::en, &err));
    CHECK(err.field == "values");
    bad = in;
    bad.rmin = INFINITY;
    CHECK_FALSE(calc::quant(bad, lang::en, &err));
    CHECK(err.field == "rmin");
}
