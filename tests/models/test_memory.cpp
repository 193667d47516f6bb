// Deployed memory: weights by precision and with 2:4, and the activation arena's peak.
#include "engine/session.h"
#include "models/memory.h"
#include "models/models.h"

#include <doctest/doctest.h>

using namespace es;

TEST_CASE("memory: weights by precision, 2:4 storage, peak activations") {
    std::string err;
    auto m = models::build_arch("mobilenet_v2", {}, &err);
    REQUIRE_MESSAGE(m, err);
    const auto f = models::memory_of(*m);
    REQUIRE(f.error.empty());
    // Folded inference graph: every conv gets a bias, BN's four vectors are gone.
    const engine::model fast = engine::optimize(*m);
    double stored = 0, biases = 0;
    for (const auto& n : fast.nodes) {
        stored += static_cast<double>(n.w_count + n.b_count);
        biases += static_cast<double>(n.b_count);
    }
    CHECK(f.weight_values == stored);
    CHECK(f.bias_values == biases);
    CHECK(f.weights_fp32 == 4 * stored);
    CHECK(f.weights_fp16 == 2 * stored);
    CHECK(f.weights_int8 == (stored - biases) + 4 * biases);  // int32 biases
    // MobileNet V2's pointwise convs and classifier are 2:4-eligible; its depthwise ones not.
    CHECK(f.sparse24_eligible > 0.8 * (stored - biases));
    CHECK(f.sparse24_eligible < stored - biases);
    // Eligible weights cost 2.25 bytes per 4 at FP16 (56.25%) and 2.5 bytes per 4 at INT8 (62.5%).
    const double rest16 = f.weights_fp16 - 2 * f.sparse24_eligible;
    CHECK(f.sparse24_fp16 == doctest::Approx(rest16 + 0.5625 * 2 * f.sparse24_eligible));
    const double rest8 = f.weights_int8 - f.sparse24_eligible;
    CHECK(f.sparse24_int8 == doctest::Approx(rest8 + 0.625 * f.sparse24_eligible));
    CHECK(f.sparse24_fp16 / f.weights_fp16 > 0.5625);
    CHECK(f.sparse24_fp16 / f.weights_fp16 < 0.65);
    // The arena at batch 1: at least the largest layer's input and output together, at most
    // every tensor at once.
    double largest = 0, all = 0;
    for (const auto& t : fast.tensors) {
        largest = std::max(largest, static_cast<double>(t.numel()));
        all += static_cast<double>(t.numel());
    }
    CHECK(f.peak_activations_fp32 >= 4 * largest);
    CHECK(f.peak_activations_fp32 < 4 * all);
    CHECK(f.peak_activations_fp16 * 2 == f.peak_activations_fp32);
    CHECK(f.peak_activations_int8 * 4 == f.peak_activations_fp32);
}

TEST_CASE("memory: tiny MobileNet V3 (SE blocks as two FCs): 2:4 applies, INT8 is smaller") {
    std::string err;
    auto m = models::build_arch("tiny_mobilenet_v3", models::tiny_defaults(), &err);
    REQUIRE_MESSAGE(m, err);
    const auto f = models::memory_of(*m);
    REQUIRE(f.error.empty());
    CHECK(f.sparse24_eligible > 0);
    CHECK(f.sparse24_int8 < f.weights_int8);
    CHECK(f.weights_fp32 / 4 == f.weight_values);
}
