// Plot axes: scales map both ways, ticks are nice and cover the range, labels are short.
#include "plot/axis.h"

#include <doctest/doctest.h>

#include <cmath>

using namespace es::plot;

TEST_CASE("scale: linear and log mapping round-trip; a y axis may run upwards") {
    scale x{0.0, 10.0, 100.0, 600.0, false};
    CHECK(x.to_px(0.0) == 100.0);
    CHECK(x.to_px(10.0) == 600.0);
    CHECK(x.to_px(5.0) == 350.0);
    CHECK(x.from_px(350.0) == doctest::Approx(5.0));
    scale y{0.01, 1000.0, 400.0, 0.0, true};  // 5 decades, upwards
    CHECK(y.to_px(0.01) == doctest::Approx(400.0));
    CHECK(y.to_px(1000.0) == doctest::Approx(0.0));
    CHECK(y.to_px(1.0) == doctest::Approx(400.0 - 2 * 80.0));
    for (double v : {0.02, 0.5, 3.0, 777.0}) CHECK(y.from_px(y.to_px(v)) == doctest::Approx(v));
    CHECK(y.contains(5.0));
    CHECK_FALSE(y.contains(0.0));
    CHECK_FALSE(y.contains(-1.0));
    CHECK_FALSE(y.contains(NAN));
    CHECK_FALSE(y.contains(2000.0));
}

TEST_CASE("ticks: linear steps of 1, 2 or 5 x 10^k inside the range") {
    auto t = ticks(0.0, 10.0, false, 5);
    REQUIRE(t.size() == 6);  // step 2
    CHECK(t[0].value == 0.0);
    CHECK(t[1].value == doctest::Approx(2.0));
    CHECK(t.back().value == doctest::Approx(10.0));
    CHECK(t[1].label == "2");
    auto u = ticks(0.13, 0.87, false, 6);  // span/6 = 0.123: the next nice step is 0.2
    for (const auto& k : u) {
        CHECK(k.value >= 0.13 - 1e-12);
        CHECK(k.value <= 0.87 + 1e-12);
    }
    CHECK(u.size() >= 3);
    CHECK(u[0].value == doctest::Approx(0.2));
    // Negative to positive: zero is exactly zero, not 1e-17.
    auto z = ticks(-1.0, 1.0, false, 4);
    bool has_zero = false;
    for (const auto& k : z) has_zero |= k.value == 0.0 && k.label == "0";
    CHECK(has_zero);
    // A degenerate range still gives one tick.
    CHECK(ticks(3.0, 3.0, false).size() == 1);
}

TEST_CASE("ticks: log decades labelled, 2x/5x minors over few decades, thinned labels over many") {
    auto t = ticks(0.1, 1000.0, true, 6);
    int majors = 0;
    for (const auto& k : t) {
        if (k.major) {
            ++majors;
            CHECK_FALSE(k.label.empty());
            const double e = std::log10(k.value);
            CHECK(e == doctest::Approx(std::round(e)));
        }
    }
    CHECK(majors == 5);  // 0.1, 1, 10, 100, 1000
    CHECK(t.size() > 5); // with 2x and 5x minors
    auto many = ticks(1e-6, 1e12, true, 6);
    int labelled = 0;
    for (const auto& k : many) {
        CHECK(k.major);  // no minors over 18 decades
        labelled += !k.label.empty();
    }
    CHECK(many.size() == 19);
    CHECK(labelled <= 8);
    CHECK(labelled >= 3);
    CHECK(ticks(-5.0, -1.0, true).empty());  // nothing positive to show
}

TEST_CASE("format_tick: short SI labels") {
    CHECK(format_tick(0.0) == "0");
    CHECK(format_tick(1.0) == "1");
    CHECK(format_tick(0.5) == "0.5");
    CHECK(format_tick(1500.0) == "1.5k");
    CHECK(format_tick(2e7) == "20M");
    CHECK(format_tick(3e9) == "3G");
    CHECK(format_tick(-2000.0) == "-2k");
    CHECK(format_tick(1e-5) == "1e-05");
}

TEST_CASE("fit_range: covers the values with padding; ignores invalid ones; never empty") {
    double lo, hi;
    fit_range({2.0, 8.0}, false, 0.1, &lo, &hi);
    CHECK(lo == doctest::Approx(1.4));
    CHECK(hi == doctest::Approx(8.6));
    fit_range({0.5, 50.0, -3.0, NAN}, true, 0.25, &lo, &hi);  // log ignores -3 and NaN
    CHECK(lo == doctest::Approx(0.5 / std::pow(10.0, 0.25)));
    CHECK(hi == doctest::Approx(50.0 * std::pow(10.0, 0.25)));
    fit_range({4.0}, true, 0.0, &lo, &hi);
    CHECK(lo < 4.0);
    CHECK(hi > 4.0);
    fit_range({}, false, 0.1, &lo, &hi);
    CHECK(lo == 0.0);
    CHECK(hi == 1.0);
}
