// The weights file format: round trips, and every kind of damage rejected with a message.
#include "engine/weights_io.h"
#include "image/png_write.h"
#include "models/model_file.h"
#include "models/models.h"

#include <doctest/doctest.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <random>

using namespace es;

namespace {

engine::model tiny(const char* arch, std::uint64_t seed) {
    models::arch_options o = models::tiny_defaults();
    o.seed = seed;
    std::string err;
    auto m = models::build_arch(arch, o, &err);
    REQUIRE(m.has_value());
    return *m;
}

void fix_crc(std::vector<unsigned char>& b) {
    const std::uint32_t crc = image::crc32(b.data(), b.size() - 4);
    for (int i = 0; i < 4; ++i) b[b.size() - 4 + static_cast<std::size_t>(i)] = static_cast<unsigned char>(crc >> (8 * i));
}

std::string parse_error(const std::vector<unsigned char>& b) {
    std::string err;
    auto f = engine::weights_parse(b, &err);
    return f ? std::string() : err;
}

}  // namespace

TEST_CASE("weights round trip: another seed's network becomes this one, BN statistics included") {
    auto a = tiny("tiny_mobilenet_v3", 1);
    std::mt19937 g(3);
    std::uniform_real_distribution<float> d(0.5f, 1.5f);
    for (const auto& n : a.nodes)  // non-trivial batch-norm statistics
        if (n.type == engine::op::op_batchnorm)
            for (std::size_t i = 0; i < n.w_count; ++i) a.weights[n.w_off + i] = d(g);
    const auto bytes = engine::weights_serialize(a, {{"arch", "tiny_mobilenet_v3"}});
    std::string err;
    auto f = engine::weights_parse(bytes, &err);
    REQUIRE_MESSAGE(f.has_value(), err);
    CHECK(f->description["arch"] == "tiny_mobilenet_v3");
    auto b = tiny("tiny_mobilenet_v3", 2);
    CHECK(b.weights != a.weights);
    CHECK(engine::weights_apply(b, *f).empty());
    CHECK(b.weights == a.weights);
}

TEST_CASE("damaged files are rejected with a message that says why") {
    const auto m = tiny("tiny_shufflenet_v2", 1);
    const auto good = engine::weights_serialize(m, {{"arch", "tiny_shufflenet_v2"}});
    REQUIRE(parse_error(good).empty());

    CHECK(parse_error({}).find("too short") != std::string::npos);
    auto bad_magic = good;
    bad_magic[0] = 'X';
    CHECK(parse_error(bad_magic).find("magic") != std::string::npos);
    auto future = good;
    future[4] = 2;
    CHECK(parse_error(future).find("version 2") != std::string::npos);
    for (std::size_t cut : {good.size() - 1, good.size() / 2, std::size_t{40}}) {
        CAPTURE(cut);
        std::vector<unsigned char> t(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(cut));
        CHECK_FALSE(parse_error(t).empty());
    }
    auto flipped = good;
    flipped[good.size() / 2] ^= 0x40;
    CHECK(parse_error(flipped).find("checksum") != std::string::npos);

    // Structural damage behind a valid checksum.
    auto desc = good;
    desc[16] = '[';  // description no longer an object
    fix_crc(desc);
    CHECK(parse_error(desc).find("description") != std::string::npos);
    auto nan = good;
    const float q = std::numeric_limits<float>::quiet_NaN();
    std::memcpy(nan.data() + nan.size() - 8, &q, 4);  // last value of the last tensor
    fix_crc(nan);
    CHECK(parse_error(nan).find("not finite") != std::string::npos);
}

TEST_CASE("a file for another architecture or shape does not load into this network") {
    const auto v2 = tiny("tiny_mobilenet_v2", 1);
    auto f = engine::weights_parse(engine::weights_serialize(v2, {{"arch", "tiny_mobilenet_v2"}}), nullptr);
    REQUIRE(f.has_value());
    auto v3 = tiny("tiny_mobilenet_v3", 1);
    CHECK(engine::weights_apply(v3, *f).find("another architecture") != std::string::npos);
    // Same architecture, 20 classes: the classifier's shape differs and is named.
    models::arch_options o = models::tiny_defaults();
    o.classes = 20;
    auto wide = models::build_arch("tiny_mobilenet_v2", o, nullptr);
    REQUIRE(wide.has_value());
    const std::string e = engine::weights_apply(*wide, *f);
    CHECK(e.find("the model needs") != std::string::npos);
    CHECK(e.find("x10") == std::string::npos);  // the model's 20 appears
}

TEST_CASE("model files: save, load and rebuild from the description; errors name the file") {
    char tmpl[] = "/tmp/edgestudy-weights-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    const std::string path = std::string(tmpl) + "/m.esw";
    const auto m = tiny("tiny_shufflenet_v1", 5);
    REQUIRE(models::save_model_file(path, m, "tiny_shufflenet_v1", models::tiny_defaults()).empty());
    std::string err;
    auto back = models::load_model_file(path, &err);
    REQUIRE_MESSAGE(back.has_value(), err);
    CHECK(back->weights == m.weights);
    CHECK_FALSE(models::load_model_file(path + ".missing", &err).has_value());
    CHECK(err.find(".missing") != std::string::npos);
    {
        std::ofstream f(path, std::ios::binary | std::ios::trunc);
        f << "ESWT garbage";
    }
    CHECK_FALSE(models::load_model_file(path, &err).has_value());
    CHECK(err.find(path) != std::string::npos);
}

TEST_CASE("descriptions with bad options are refused") {
    std::string err;
    CHECK_FALSE(models::parse_description({{"arch", 3}}, &err).has_value());
    CHECK_FALSE(models::parse_description({{"arch", "tiny_mobilenet_v1"}, {"options", {{"res", -4}}}}, &err).has_value());
    CHECK_FALSE(models::parse_description({{"arch", "tiny_mobilenet_v1"}, {"options", {{"width", "x"}}}}, &err).has_value());
    auto ok = models::parse_description(models::describe("tiny_mobilenet_v1", models::tiny_defaults()), &err);
    REQUIRE(ok.has_value());
    CHECK(ok->second.res == 28);
}
