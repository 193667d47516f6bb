// eval and bench of the integer variants through the dispatcher.
#include "api/dispatcher.h"

#include <doctest/doctest.h>

using es::api::json;

TEST_CASE("eval --variant int8 reports the integer engine's accuracy, bits and stored bytes") {
    json f = es::api::run({{"cmd", "eval"}, {"model", "tiny_mobilenet_v3"}, {"subset", "web"}, {"limit", 200}});
    json q = es::api::run({{"cmd", "eval"}, {"model", "tiny_mobilenet_v3"}, {"subset", "web"}, {"limit", 200}, {"variant", "int8"}});
    json t = es::api::run(
        {{"cmd", "eval"}, {"model", "tiny_mobilenet_v3"}, {"subset", "web"}, {"limit", 200}, {"variant", "int8-per-tensor"}});
    REQUIRE_MESSAGE(!es::api::is_error(q), q.dump());
    REQUIRE(!es::api::is_error(f));
    REQUIRE(!es::api::is_error(t));
    CHECK(q["variant"] == "int8");
    CHECK(q["n"] == 200);
    CHECK(q["weight_bits"] == 8);
    CHECK(q["per_channel"] == true);
    CHECK(t["per_channel"] == false);
    CHECK(q["calibration"]["method"] == "minmax");
    CHECK(q["accuracy"].get<double>() >= f["accuracy"].get<double>() - 0.03);
    // Stored weights: 1 byte per weight plus int32 bias and requantization per channel.
    const double ratio = f["weight_bytes"].get<double>() / q["weight_bytes"].get<double>();
    CHECK(ratio > 3.0);
    CHECK(ratio < 4.0);
    CHECK(q["predictions_hash"] != f["predictions_hash"]);  // a different engine, a few different answers
    json bad = es::api::run({{"cmd", "eval"}, {"model", "tiny_mobilenet_v3"}, {"variant", "int4"}});
    CHECK(es::api::is_error(bad));
}

TEST_CASE("bench --variants times several variants interleaved; bad lists are refused") {
    json b = es::api::run({{"cmd", "bench"}, {"model", "tiny_mobilenet_v3"}, {"variants", "fp32,int8"}, {"runs", 2},
                           {"warmup-ms", 0.0}});
    REQUIRE_MESSAGE(!es::api::is_error(b), b.dump());
    REQUIRE(b["variants"].size() == 2);
    CHECK(b["variants"][0]["variant"] == "fp32");
    CHECK(b["variants"][0]["ratio_vs_first"] == 1.0);
    CHECK(b["variants"][1]["latency_ms_median"].get<double>() > 0.0);
    CHECK(b["variants"][1]["weight_bytes"].get<double>() < b["variants"][0]["weight_bytes"].get<double>() / 3);
    json one = es::api::run({{"cmd", "bench"}, {"model", "tiny_mobilenet_v3"}, {"variant", "int8"}, {"runs", 2},
                             {"warmup-ms", 0.0}});
    REQUIRE(!es::api::is_error(one));
    CHECK(one["variant"] == "int8");
    CHECK(es::api::is_error(es::api::run({{"cmd", "bench"}, {"model", "tiny_mobilenet_v3"}, {"variants", "fp32,,int8"}})));
    CHECK(es::api::is_error(es::api::run({{"cmd", "bench"}, {"arch", "tiny_mobilenet_v3"}, {"variants", "fp32"}})));
    CHECK(es::api::is_error(es::api::run({{"cmd", "bench"}, {"arch", "tiny_mobilenet_v3"}, {"variant", "int8"}})));
}
