// bench and export through the dispatcher (the same path as the CLI and the page).
#include "api/dispatcher.h"
#include "engine/session.h"

#include <doctest/doctest.h>

#include <cstdio>
#include <cstring>
#include <stdlib.h>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

using es::api::json;

namespace {

std::vector<float> read_floats(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    std::vector<float> out(bytes.size() / sizeof(float));
    std::memcpy(out.data(), bytes.data(), out.size() * sizeof(float));
    return out;
}

}  // namespace

TEST_CASE("bench answers latency, throughput and a per-layer profile") {
    json a = es::api::run({{"cmd", "bench"}, {"arch", "tiny_mobilenet_v2"}, {"runs", 2}, {"warmup", 1}, {"warmup-ms", 0}});
    REQUIRE_FALSE(es::api::is_error(a));
    CHECK(a["latency_ms_median"].get<double>() > 0.0);
    CHECK(a["latency_ms_min"].get<double>() <= a["latency_ms_median"].get<double>());
    CHECK(a["simd"] == true);
    CHECK(a["batch"] == 1);
    CHECK(a["macs"].get<double>() > 1e6);
    CHECK(a["gmacs_per_s"].get<double>() > 0.0);
    REQUIRE(a["layers"].is_array());
    REQUIRE(a["layers"].size() > 10);
    double macs = 0;
    for (const auto& l : a["layers"]) {
        CHECK(l.contains("name"));
        CHECK(l.contains("type"));
        CHECK(l["ms"].get<double>() >= 0.0);
        macs += l["macs"].get<double>();
    }
    CHECK(macs == doctest::Approx(a["macs"].get<double>()));
    CHECK(a["by_type"].contains("pointwise"));
    CHECK(a["by_type"].contains("depthwise"));
}

TEST_CASE("bench with the reference kernels and at batch 4") {
    json a = es::api::run({{"cmd", "bench"}, {"arch", "tiny_shufflenet_v2"}, {"runs", 1}, {"warmup", 0}, {"warmup-ms", 0},
                           {"ref", true}, {"batch", 4}});
    REQUIRE_FALSE(es::api::is_error(a));
    CHECK(a["simd"] == false);
    CHECK(a["kernels"] == "reference");
    CHECK(a["batch"] == 4);
    // The paper MACs of the network times the batch.
    json an = es::api::run({{"cmd", "analyze"}, {"arch", "tiny_shufflenet_v2"}});
    CHECK(a["macs"].get<double>() == doctest::Approx(4.0 * an["total"]["macs"].get<double>()));
}

TEST_CASE("bench --peak measures SIMD peak and bandwidth") {
    json a = es::api::run({{"cmd", "bench"}, {"peak", true}});
    REQUIRE_FALSE(es::api::is_error(a));
    CHECK(a["f32_gflops"].get<double>() > 0.1);
    CHECK(a["i8_gmacs"].get<double>() > 0.1);
    CHECK(a["bandwidth_gbs"].get<double>() > 0.1);
}

TEST_CASE("bench and export reject bad input") {
    CHECK(es::api::is_error(es::api::run({{"cmd", "bench"}})));
    CHECK(es::api::is_error(es::api::run({{"cmd", "bench"}, {"arch", "resnet50"}})));
    CHECK(es::api::is_error(es::api::run({{"cmd", "bench"}, {"arch", "mobilenet_v2"}, {"res", 16}})));
    CHECK(es::api::is_error(es::api::run({{"cmd", "bench"}, {"arch", "tiny_mobilenet_v1"}, {"batch", 0}})));
    CHECK(es::api::is_error(es::api::run({{"cmd", "bench"}, {"arch", "tiny_mobilenet_v1"}, {"width", -1}})));
    CHECK(es::api::is_error(es::api::run({{"cmd", "export"}, {"arch", "tiny_mobilenet_v1"}})));  // no --out
    CHECK(es::api::is_error(es::api::run(
        {{"cmd", "export"}, {"arch", "tiny_mobilenet_v1"}, {"out", "/nonexistent-dir/x/y"}})));
}

TEST_CASE("export writes the graph, the weights and a reference input with this engine's logits") {
    char tmpl[] = "/tmp/edgestudy-export-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    const std::string prefix = std::string(tmpl) + "/net";
    json a = es::api::run({{"cmd", "export"}, {"arch", "tiny_mobilenet_v3"}, {"out", prefix}, {"batch", 2}});
    REQUIRE_FALSE(es::api::is_error(a));
    std::ifstream g(prefix + ".graph.json");
    json graph = json::parse(g);
    CHECK(graph["format"] == "edgestudy-graph");
    CHECK(graph["layout"] == "NHWC");
    CHECK(graph["input"] == json::array({28, 28, 1}));
    auto weights = read_floats(prefix + ".weights.bin");
    CHECK(weights.size() == a["weight_floats"].get<std::size_t>());
    for (const auto& n : graph["nodes"])
        if (n.contains("w")) CHECK(n["w"][0].get<std::size_t>() + n["w"][1].get<std::size_t>() <= weights.size());
    auto io = read_floats(prefix + ".io.bin");
    CHECK(io.size() == 2u * 28 * 28 * 1 + 2u * 10);
    // The inference graph (BN folded) carries no batch-norm nodes after convolutions.
    for (const auto& n : graph["nodes"]) CHECK(n["op"] != "batchnorm");
}
