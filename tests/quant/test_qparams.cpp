// The fixed-point requantization helpers and the shared parameter choice.
#include "engine/kernels/qnn.h"
#include "quant/qparams.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>

using namespace es;

TEST_CASE("quantize_multiplier normalises M0 into [0.5, 1) and round-trips the real value") {
    for (double m : {0.5, 0.75, 0.0123, 1.0, 3.7, 1e-6, 0.999999999}) {
        auto r = kernels::quantize_multiplier(m);
        CHECK(r.mult >= (1 << 30));
        CHECK(kernels::requant_value(r) == doctest::Approx(m).epsilon(1e-9));
    }
    auto z = kernels::quantize_multiplier(0.0);
    CHECK(z.mult == 0);
    CHECK(kernels::requantize(12345, z) == 0);
}

TEST_CASE("requantize is gemmlowp's two-step rounding: within one unit of round(x * M)") {
    // The high multiply rounds a tie up (toward +inf): 5 * 0.5 = 2.5 -> 3, -5 * 0.5 = -2.5 -> -2.
    auto half = kernels::quantize_multiplier(0.5);
    CHECK(half.shift == 0);
    CHECK(kernels::requantize(5, half) == 3);
    CHECK(kernels::requantize(-5, half) == -2);
    CHECK(kernels::requantize(4, half) == 2);
    // M = 0.25 is 0.5 then a rounding shift by 1, ties away from zero.
    auto quarter = kernels::quantize_multiplier(0.25);
    CHECK(quarter.shift == -1);
    CHECK(kernels::requantize(6, quarter) == 2);    // 3 then 1.5 -> 2
    CHECK(kernels::requantize(-6, quarter) == -2);  // -3 then -1.5 -> -2
    // Double rounding: 5 * 0.25 = 1.25, but 5 * 0.5 = 2.5 -> 3 first, then 1.5 -> 2.
    CHECK(kernels::requantize(5, quarter) == 2);
    auto two = kernels::quantize_multiplier(2.0);
    CHECK(kernels::requantize(1000, two) == 2000);
    // General multipliers: never more than one unit from the exact real product.
    for (double m : {0.0123, 0.3333, 0.9, 1.7, 0.000731}) {
        auto r = kernels::quantize_multiplier(m);
        for (std::int32_t x : {0, 1, -1, 77, -77, 12345, -12345, 1 << 20, -(1 << 20), 2000000000}) {
            const double exact = static_cast<double>(x) * m;
            if (std::fabs(exact) > 2e9) continue;
            CHECK(std::fabs(kernels::requantize(x, r) - std::round(exact)) <= 1.0);
        }
    }
    // The saturating corner of the high multiply.
    CHECK(kernels::srdhm(std::numeric_limits<std::int32_t>::min(), std::numeric_limits<std::int32_t>::min()) ==
          std::numeric_limits<std::int32_t>::max());
    CHECK(kernels::rounding_divide_by_pot(-7, 1) == -4);  // -3.5 -> -4
    CHECK(kernels::rounding_divide_by_pot(7, 1) == 4);
    CHECK(kernels::rounding_divide_by_pot(-5, 2) == -1);  // -1.25 -> -1
}

TEST_CASE("activation parameters contain zero exactly and span the calibrated range") {
    auto p = quant::act_params(-1.0f, 3.0f, 8);
    CHECK(p.qmin == -128);
    CHECK(p.qmax == 127);
    CHECK(p.scale == doctest::Approx(4.0 / 255.0));
    CHECK(p.zero_point == -64);  // round(-128 + 63.75) = -64
    CHECK(quant::fake_quant(0.0f, p) == 0.0f);
    // A range not containing 0 is widened to contain it (ReLU outputs: [0.2, 6] -> [0, 6]).
    auto r = quant::act_params(0.2f, 6.0f, 8);
    CHECK(r.zero_point == -128);
    CHECK(r.scale == doctest::Approx(6.0 / 255.0));
    // Fewer bits narrow the integer range inside int8 storage.
    auto q4 = quant::act_params(-1.0f, 1.0f, 4);
    CHECK(q4.qmin == -8);
    CHECK(q4.qmax == 7);
    CHECK(quant::fake_quant(100.0f, q4) == doctest::Approx(q4.scale * (7 - q4.zero_point)));
    // Degenerate input never gives a zero or NaN scale.
    auto d = quant::act_params(0.0f, 0.0f, 8);
    CHECK(d.scale > 0.0f);
    auto n = quant::act_params(NAN, INFINITY, 8);
    CHECK(std::isfinite(n.scale));
    CHECK(n.scale > 0.0f);
}

TEST_CASE("weight parameters: symmetric per channel, restricted or full range") {
    const float w[6] = {0.5f, -1.0f, 0.25f, /* channel 1 */ 0.1f, 0.05f, -0.02f};
    auto r = quant::weight_params(w, 2, 3, 8, true, true);
    CHECK(r.qmin == -127);
    CHECK(r.scale[0] == doctest::Approx(1.0 / 127.0));
    CHECK(r.scale[1] == doctest::Approx(0.1 / 127.0));
    auto q = quant::quantize_weights(w, 2, 3, r);
    CHECK(q[1] == -127);
    CHECK(q[3] == 127);
    CHECK(q[0] == 64);  // 63.5 -> 64 (half away from zero)
    auto t = quant::weight_params(w, 2, 3, 8, false, true);
    CHECK(t.scale[1] == doctest::Approx(1.0 / 127.0));
    auto f = quant::weight_params(w, 2, 3, 8, true, false);
    CHECK(f.qmin == -128);
    CHECK(f.scale[0] == doctest::Approx(1.0 / 127.5));
    auto q4 = quant::weight_params(w, 2, 3, 4, true, true);
    CHECK(q4.qmax == 7);
    auto v = quant::quantize_weights(w, 2, 3, q4);
    for (auto x : v) CHECK(std::abs(x) <= 7);
    float copy[6];
    std::copy(w, w + 6, copy);
    quant::fake_quant_weights(copy, 2, 3, q4);
    CHECK(copy[1] == doctest::Approx(-1.0f));
    CHECK(copy[2] == doctest::Approx(2.0f / 7.0f));  // 0.25 * 7 = 1.75 -> 2
}
