// QAT files: folded weights files with quantization metadata. Save -> load is exact (master
// weights, options, every range), the loaded model simulates the same predictions, a folded
// plain file loads through load_model_file, and bad metadata is refused with a clear error.
#include "data/fashion_mnist.h"
#include "engine/weights_io.h"
#include "models/model_file.h"
#include "models/shipped.h"
#include "models/models.h"
#include "quant/qat.h"
#include "quant/qat_file.h"
#include "support/model_fixtures.h"
#include "support/temp_files.h"
#include "train/trainer.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <random>
#include <string>

using namespace es;
using nlohmann::json;

namespace {

// A QAT model of a tiny preset with random (but valid) weights and ranges.
quant::qat_model random_qat(const char* arch, std::uint64_t seed, engine::model* trained = nullptr) {
    models::arch_options o = models::tiny_defaults();
    o.seed = seed;
    std::string err;
    auto m = models::build_arch(arch, o, &err);
    REQUIRE(m.has_value());
    std::mt19937 g(static_cast<unsigned>(seed));
    testing::randomise_bn_and_biases(*m, g);
    if (trained) *trained = *m;
    quant::qat_model q;
    q.graph = quant::int8_graph(*m);
    q.q.weight_bits = 4;
    q.q.act_bits = 6;
    q.q.per_channel = false;
    q.q.restricted = false;
    std::uniform_real_distribution<float> d(-3.0f, 5.0f);
    q.ranges.assign(q.graph.tensors.size(), quant::range{});
    for (int t : quant::quantized_tensors(q.graph)) {
        float a = d(g), b = d(g);
        q.ranges[static_cast<std::size_t>(t)] = {std::min(a, b), std::max(a, b)};
    }
    return q;
}

// The file's description changed by `edit`, re-serialized and read back as a QAT model.
std::string load_error(const quant::qat_model& q, const std::function<void(json&)>& edit) {
    json d = quant::describe_qat("tiny_mobilenet_v2", models::tiny_defaults(), q, nullptr);
    edit(d);
    const auto bytes = engine::weights_serialize(q.graph, d);
    std::string err;
    auto f = engine::weights_parse(bytes, &err);
    REQUIRE_MESSAGE(f.has_value(), err);
    auto m = quant::qat_from_file(*f, &err);
    return m ? std::string() : err;
}

}  // namespace

TEST_CASE("QAT file: save -> load is exact (master weights, options, ranges) and simulates the same") {
    engine::model trained;
    const quant::qat_model q = random_qat("tiny_mobilenet_v2", 5, &trained);
    const std::string path = testing::make_temp_dir() + "/m.qat4.esw";
    REQUIRE(quant::save_qat_file(path, q, "tiny_mobilenet_v2", models::tiny_defaults(), {{"steps", 7}}).empty());
    std::string err;
    auto back = quant::load_qat_file(path, &err);
    REQUIRE_MESSAGE(back.has_value(), err);
    CHECK(back->q.weight_bits == 4);
    CHECK(back->q.act_bits == 6);
    CHECK_FALSE(back->q.per_channel);
    CHECK_FALSE(back->q.restricted);
    REQUIRE(back->ranges.size() == q.ranges.size());
    for (std::size_t t = 0; t < q.ranges.size(); ++t) {
        CAPTURE(t);
        CHECK(back->ranges[t].lo == q.ranges[t].lo);
        CHECK(back->ranges[t].hi == q.ranges[t].hi);
    }
    // Every float a node uses is the same (the folded file does not carry batch norm's floats).
    REQUIRE(back->graph.nodes.size() == q.graph.nodes.size());
    REQUIRE(back->graph.tensors.size() == q.graph.tensors.size());
    for (std::size_t i = 0; i < q.graph.nodes.size(); ++i) {
        const auto& a = q.graph.nodes[i];
        const auto& b = back->graph.nodes[i];
        CHECK(a.out == b.out);
        CHECK(a.w_count == b.w_count);
        CHECK(a.b_count == b.b_count);
        CHECK(std::equal(q.graph.weights.begin() + static_cast<std::ptrdiff_t>(a.w_off),
                         q.graph.weights.begin() + static_cast<std::ptrdiff_t>(a.w_off + a.w_count),
                         back->graph.weights.begin() + static_cast<std::ptrdiff_t>(b.w_off)));
        CHECK(std::equal(q.graph.weights.begin() + static_cast<std::ptrdiff_t>(a.b_off),
                         q.graph.weights.begin() + static_cast<std::ptrdiff_t>(a.b_off + a.b_count),
                         back->graph.weights.begin() + static_cast<std::ptrdiff_t>(b.b_off)));
    }
    // The same simulated predictions on a few random images.
    data::dataset d;
    d.count = 12;
    d.rows = d.cols = 28;
    std::mt19937 g(6);
    for (int i = 0; i < 12 * 784; ++i) d.images.push_back(static_cast<std::uint8_t>(g() % 256));
    for (int i = 0; i < 12; ++i) d.labels.push_back(static_cast<std::uint8_t>(i % 10));
    const auto a = quant::evaluate_fake_quant(q, d, 0, 5);
    const auto b = quant::evaluate_fake_quant(*back, d, 0, 5);
    CHECK(a.n == 12);
    CHECK(a.predictions == b.predictions);
    // The description says what it is; the plain loader reads the folded master weights.
    auto file = engine::weights_load_file(path, &err);
    REQUIRE(file.has_value());
    CHECK(file->description["folded"] == true);
    CHECK(file->description["quant"]["graph"] == "int8_graph");
    CHECK(file->description["qat"]["steps"] == 7);
    CHECK(file->tensors.size() < engine::model_tensors(trained).size());  // no batch norm left
    auto plain = models::load_model_file(path, &err);
    REQUIRE_MESSAGE(plain.has_value(), err);
    for (const auto& n : plain->nodes) CHECK(n.type != engine::op::op_batchnorm);
    CHECK(quant::int8_graph(*plain).weights == back->graph.weights);
    std::remove(path.c_str());
    ::rmdir(path.substr(0, path.rfind('/')).c_str());
}

TEST_CASE("folded files: weights_serialize/model_tensors of an optimized graph round-trip through model_from_file") {
    engine::model trained;
    random_qat("tiny_shufflenet_v1", 8, &trained);
    const engine::model folded = engine::optimize(trained);
    for (const auto& t : engine::model_tensors(folded)) CHECK(t.name.find("running_") == std::string::npos);
    json desc = models::describe("tiny_shufflenet_v1", models::tiny_defaults());
    desc["folded"] = true;
    std::string err;
    auto f = engine::weights_parse(engine::weights_serialize(folded, desc), &err);
    REQUIRE(f.has_value());
    auto m = models::model_from_file(*f, &err);
    REQUIRE_MESSAGE(m.has_value(), err);
    CHECK(engine::model_tensors(*m).size() == engine::model_tensors(folded).size());
    for (std::size_t i = 0; i < folded.nodes.size(); ++i)
        CHECK(std::equal(folded.weights.begin() + static_cast<std::ptrdiff_t>(folded.nodes[i].w_off),
                         folded.weights.begin() + static_cast<std::ptrdiff_t>(folded.nodes[i].w_off + folded.nodes[i].w_count),
                         m->weights.begin() + static_cast<std::ptrdiff_t>(m->nodes[i].w_off)));
    // Without "folded" the same tensors do not fit the un-optimized network (no BN tensors).
    desc.erase("folded");
    f = engine::weights_parse(engine::weights_serialize(folded, desc), &err);
    REQUIRE(f.has_value());
    CHECK_FALSE(models::model_from_file(*f, &err).has_value());
    CHECK(err.find("no tensor") != std::string::npos);
    desc["folded"] = "yes";
    f = engine::weights_parse(engine::weights_serialize(folded, desc), &err);
    CHECK_FALSE(models::model_from_file(*f, &err).has_value());
    CHECK(err.find("folded") != std::string::npos);
}

TEST_CASE("QAT file: bad quantization metadata is refused with an error naming it") {
    const quant::qat_model q = random_qat("tiny_mobilenet_v2", 9);
    CHECK(load_error(q, [](json&) {}).empty());
    const int first = quant::quantized_tensors(q.graph)[1];
    struct bad_case {
        const char* what;
        std::function<void(json&)> edit;
    };
    const bad_case cases[] = {
        {"quant", [](json& d) { d.erase("quant"); }},
        {"folded", [](json& d) { d.erase("folded"); }},
        {"\"quant\" is not an object", [](json& d) { d["quant"] = 3; }},
        {"\"graph\"", [](json& d) { d["quant"]["graph"] = "optimize"; }},
        {"\"weight_bits\"", [](json& d) { d["quant"]["weight_bits"] = 9; }},
        {"\"weight_bits\"", [](json& d) { d["quant"]["weight_bits"] = 4.5; }},
        {"\"weight_bits\"", [](json& d) { d["quant"].erase("weight_bits"); }},
        {"\"act_bits\"", [](json& d) { d["quant"]["act_bits"] = 1; }},
        {"\"per_channel\"", [](json& d) { d["quant"]["per_channel"] = 1; }},
        {"\"restricted\"", [](json& d) { d["quant"].erase("restricted"); }},
        {"\"ranges\"", [](json& d) { d["quant"]["ranges"] = json::object(); }},
        {"[tensor, lo, hi]", [](json& d) { d["quant"]["ranges"][0] = json::array({0, 1}); }},
        {"[tensor, lo, hi]", [](json& d) { d["quant"]["ranges"][0][0] = "0"; }},
        {"[tensor, lo, hi]", [](json& d) { d["quant"]["ranges"][0][1] = nullptr; }},  // NaN is written as null
        {"does not exist", [](json& d) { d["quant"]["ranges"][0][0] = 100000; }},
        {"does not exist", [](json& d) { d["quant"]["ranges"][0][0] = -1; }},
        {"two ranges", [first](json& d) { d["quant"]["ranges"][0][0] = first; }},
        {"lo <= hi", [](json& d) { d["quant"]["ranges"][0][1] = 5.0; d["quant"]["ranges"][0][2] = 4.0; }},
        {"lo <= hi", [](json& d) { d["quant"]["ranges"][0][2] = 1e300; }},
        {"has no range", [](json& d) { d["quant"]["ranges"].erase(d["quant"]["ranges"].size() - 1); }},
    };
    for (const auto& c : cases) {
        CAPTURE(c.what);
        const std::string err = load_error(q, c.edit);
        CHECK(err.find(c.what) != std::string::npos);
    }
    // A tensor that shares its input's parameters (a split or shuffle output) has none to give.
    const quant::qat_model s = random_qat("tiny_shufflenet_v2", 10);
    const auto src = quant::param_source(s.graph);
    int shared = -1;
    for (std::size_t t = 0; t < src.size(); ++t)
        if (src[t] >= 0 && src[t] != static_cast<int>(t)) shared = static_cast<int>(t);
    REQUIRE(shared > 0);
    json d = quant::describe_qat("tiny_shufflenet_v2", models::tiny_defaults(), s, nullptr);
    d["quant"]["ranges"].push_back({shared, 0.0, 1.0});
    std::string err;
    auto f = engine::weights_parse(engine::weights_serialize(s.graph, d), &err);
    REQUIRE(f.has_value());
    CHECK_FALSE(quant::qat_from_file(*f, &err).has_value());
    CHECK(err.find("no quantization parameters of its own") != std::string::npos);
    // Another architecture's tensors, a missing file: errors from the loader, with the path.
    CHECK_FALSE(quant::load_qat_file("/nonexistent/x.qat4.esw", &err).has_value());
    CHECK(err.find("/nonexistent/x.qat4.esw") != std::string::npos);
}

TEST_CASE("the shipped QAT files: each loads as a 4-bit QAT model of its preset, under 1 MB, as its report says") {
    const std::string dir = models::shipped_models_dir();
    std::string err;
    auto test = data::load_fashion_mnist(data::fashion_mnist_dir(), data::split::test, &err);
    int found = 0;
    for (const char* name : {"tiny_mobilenet_v1", "tiny_mobilenet_v2", "tiny_mobilenet_v3", "tiny_shufflenet_v1",
                             "tiny_shufflenet_v2"}) {
        CAPTURE(name);
        const std::string path = dir + "/" + name + ".qat4.esw";
        if (!testing::exists(path)) continue;
        ++found;
        auto m = quant::load_qat_file(path, &err);
        REQUIRE_MESSAGE(m.has_value(), err);
        CHECK(m->q.weight_bits == 4);
        CHECK(m->q.act_bits == 8);
        CHECK(testing::read_file(path).size() < 1000000);
        const json report = json::parse(testing::read_file(dir + "/" + name + ".qat4.json"));
        CHECK(report["model"] == name);
        CHECK(report["out_bytes"].get<std::size_t>() == testing::read_file(path).size());
        CHECK(report["accuracy_qat_sim"].get<double>() > 0.9);
        auto file = engine::weights_load_file(path, &err);
        REQUIRE(file.has_value());
        CHECK(file->description["qat"]["accuracy_qat_sim"] == report["accuracy_qat_sim"]);
        if (test) {  // a first glance: 100 of the page's test images
            const auto r = quant::evaluate_fake_quant(*m, train::stratified_subset(*test, 10));
            CHECK(r.accuracy > 0.85);
        }
    }
    if (found == 0) MESSAGE("no QAT files ship with this build (./build.sh qat-weights makes them)");
}
