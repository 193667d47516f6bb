// eval and bench of the integer variants through the dispatcher.
#include "api/dispatcher.h"

#include "models/shipped.h"

#include <doctest/doctest.h>

#include <filesystem>

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

TEST_CASE("eval/bench --variant qat4: the shipped 4-bit QAT file on the integer engine; missing files refused") {
    json q = es::api::run({{"cmd", "eval"}, {"model", "tiny_mobilenet_v3"}, {"subset", "web"}, {"limit", 200}, {"variant", "qat4"}});
    json i8 = es::api::run({{"cmd", "eval"}, {"model", "tiny_mobilenet_v3"}, {"subset", "web"}, {"limit", 200}, {"variant", "int8"}});
    REQUIRE_MESSAGE(!es::api::is_error(q), q.dump());
    REQUIRE(!es::api::is_error(i8));
    CHECK(q["variant"] == "qat4");
    CHECK(q["weight_bits"] == 4);
    CHECK(q["act_bits"] == 8);
    CHECK(q["calibration"]["method"] == "qat");
    CHECK(q["accuracy"].get<double>() > 0.85);
    // 4-bit weights packed two per byte: well under the int8 variant's bytes.
    CHECK(q["weight_bytes"].get<double>() < 0.75 * i8["weight_bytes"].get<double>());
    json b = es::api::run({{"cmd", "bench"}, {"model", "tiny_mobilenet_v3"}, {"variants", "int8,qat4"}, {"runs", 2},
                           {"warmup-ms", 0.0}});
    REQUIRE_MESSAGE(!es::api::is_error(b), b.dump());
    CHECK(b["variants"][1]["variant"] == "qat4");
    // A weights file without a QAT file beside it: a message naming what is missing.
    const auto dir = std::filesystem::temp_directory_path() / "es_qat4_missing";
    std::filesystem::create_directories(dir);
    const auto copy = dir / "m.esw";
    std::filesystem::copy_file(es::models::shipped_models_dir() + "/tiny_mobilenet_v3.esw", copy,
                               std::filesystem::copy_options::overwrite_existing);
    json fp = es::api::run({{"cmd", "eval"}, {"model", copy.string()}, {"subset", "web"}, {"limit", 10}});
    CHECK_MESSAGE(!es::api::is_error(fp), fp.dump());
    json missing = es::api::run({{"cmd", "eval"}, {"model", copy.string()}, {"subset", "web"}, {"variant", "qat4"}});
    REQUIRE(es::api::is_error(missing));
    CHECK(missing["error"].get<std::string>().find("m.qat4.esw") != std::string::npos);
    CHECK(missing["error"].get<std::string>().find("qat-weights") != std::string::npos);
    std::filesystem::remove_all(dir);
}
