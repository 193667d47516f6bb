// train_graph's tensor_hook: an identity hook changes nothing (bit for bit, on every tiny
// preset as built and folded, whether set before or after prepare()); a clamp-and-mask hook
// (the clipped straight-through estimator) zeroes exactly the clamped coordinates of the
// gradient; a producer differentiates at its own values even when the hook changed its output.
#include "support/model_fixtures.h"
#include "engine/model.h"
#include "models/models.h"
#include "train/graph.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

using namespace es::engine;
using es::train::tensor_hook;
using es::train::train_graph;

namespace {

std::vector<float> random_vector(std::size_t n, std::mt19937& g, float lo = -1.0f, float hi = 1.0f) {
    std::uniform_real_distribution<float> d(lo, hi);
    std::vector<float> v(n);
    for (auto& x : v) x = d(g);
    return v;
}

struct run_result {
    std::vector<float> out, grads, gin;
};

run_result run_once(train_graph& t, const std::vector<float>& x, const std::vector<float>& r, bool training) {
    t.forward(x.data(), training);
    run_result res;
    res.out.assign(t.output(), t.output() + t.output_count());
    t.backward(r.data());
    res.grads = t.grads();
    res.gin.assign(t.input_grad(), t.input_grad() + t.input_count());
    return res;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](float u, float v) {
               return std::memcmp(&u, &v, sizeof u) == 0;
           });
}

// Sees every tensor, changes nothing, counts the calls.
struct identity_hook : tensor_hook {
    std::vector<int> fwd, bwd;
    explicit identity_hook(std::size_t tensors) : fwd(tensors, 0), bwd(tensors, 0) {}
    void forward(int t, float*, std::size_t, bool) override { fwd[static_cast<std::size_t>(t)]++; }
    void backward(int t, float*, std::size_t) override { bwd[static_cast<std::size_t>(t)]++; }
};

// Clamps one tensor to [lo, hi] and remembers where; backward zeroes the gradient there
// (the clipped straight-through estimator) or passes it unchanged (identity).
struct clamp_hook : tensor_hook {
    int target;
    float lo, hi;
    bool clipped = true;
    std::vector<unsigned char> mask;
    clamp_hook(int t, float l, float h) : target(t), lo(l), hi(h) {}
    bool wants(int t) const override { return t == target; }
    void forward(int t, float* v, std::size_t n, bool) override {
        REQUIRE(t == target);
        mask.assign(n, 0);
        for (std::size_t i = 0; i < n; ++i)
            if (v[i] < lo || v[i] > hi) {
                v[i] = std::clamp(v[i], lo, hi);
                mask[i] = 1;
            }
    }
    void backward(int t, float* g, std::size_t n) override {
        REQUIRE(t == target);
        REQUIRE(n == mask.size());
        if (clipped)
            for (std::size_t i = 0; i < n; ++i)
                if (mask[i]) g[i] = 0.0f;
    }
};

model preset(const char* name, std::mt19937& g) {
    std::string err;
    auto m = es::models::build_arch(name, es::models::tiny_defaults(), &err);
    REQUIRE(m.has_value());
    es::testing::randomise_bn_and_biases(*m, g);
    return *m;
}

const char* const presets[] = {"tiny_mobilenet_v1", "tiny_mobilenet_v2", "tiny_mobilenet_v3", "tiny_shufflenet_v1",
                               "tiny_shufflenet_v2"};

}  // namespace

TEST_CASE("tensor_hook: an identity hook gives the no-hook outputs and gradients bit for bit (tiny presets, built and folded)") {
    for (const char* name : presets) {
        for (bool folded : {false, true}) {
            const std::string arch = name;
            CAPTURE(arch);
            CAPTURE(folded);
            std::mt19937 g(31);
            model m = preset(name, g);
            if (folded) m = optimize(m);
            train_graph plain, hooked, late;
            REQUIRE(plain.prepare(m, 2).empty());
            identity_hook h(m.tensors.size()), h2(m.tensors.size());
            hooked.set_hook(&h);  // before prepare
            REQUIRE(hooked.prepare(m, 2).empty());
            REQUIRE(late.prepare(m, 2).empty());
            late.set_hook(&h2);  // after prepare: re-plans
            const auto x = random_vector(plain.input_count(), g);
            const auto r = random_vector(plain.output_count(), g);
            for (bool training : {true, false}) {
                CAPTURE(training);
                const run_result a = run_once(plain, x, r, training);
                const run_result b = run_once(hooked, x, r, training);
                const run_result c = run_once(late, x, r, training);
                CHECK(same_bits(a.out, b.out));
                CHECK(same_bits(a.grads, b.grads));
                CHECK(same_bits(a.gin, b.gin));
                CHECK(same_bits(a.out, c.out));
                CHECK(same_bits(a.grads, c.grads));
                CHECK(same_bits(a.gin, c.gin));
            }
            // Every produced tensor (and the input) once per forward, its gradient once per backward.
            std::vector<unsigned char> produced(m.tensors.size(), 0);
            for (const auto& n : m.nodes)
                for (int t : n.out) produced[static_cast<std::size_t>(t)] = 1;
            for (std::size_t t = 0; t < m.tensors.size(); ++t) {
                CAPTURE(t);
                CHECK(h.fwd[t] == (produced[t] ? 2 : 0));
                CHECK(h.bwd[t] == (produced[t] ? 2 : 0));
            }
            // Removing the hook: back to the plain plan, still the same numbers.
            hooked.set_hook(nullptr);
            CHECK(hooked.hook() == nullptr);
            const run_result d = run_once(hooked, x, r, true);
            const run_result e = run_once(plain, x, r, true);
            CHECK(same_bits(d.grads, e.grads));
            CHECK(h.fwd[0] == 2);  // not called any more
        }
    }
}

TEST_CASE("tensor_hook: clamp-and-mask on the input: the input gradient is zero exactly where clamped") {
    std::mt19937 g(32);
    model m = optimize(preset("tiny_mobilenet_v2", g));
    train_graph t, plain;
    clamp_hook h(0, -0.8f, 0.9f);
    t.set_hook(&h);
    REQUIRE(t.prepare(m, 2).empty());
    REQUIRE(plain.prepare(m, 2).empty());
    const auto x = random_vector(t.input_count(), g, -1.5f, 1.5f);
    const auto r = random_vector(t.output_count(), g);
    const run_result a = run_once(t, x, r, true);
    // Without a hook, on the clamped input: the same function value; the same gradient where
    // nothing was clamped.
    std::vector<float> xc = x;
    for (auto& v : xc) v = std::clamp(v, -0.8f, 0.9f);
    const run_result b = run_once(plain, xc, r, true);
    CHECK(same_bits(a.out, b.out));
    CHECK(same_bits(a.grads, b.grads));
    std::size_t clamped = 0, zero_elsewhere = 0, mismatched = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        if (h.mask[i]) {
            ++clamped;
            if (a.gin[i] != 0.0f) ++mismatched;
        } else {
            if (a.gin[i] != b.gin[i]) ++mismatched;
            zero_elsewhere += a.gin[i] == 0.0f;
        }
    }
    CHECK(clamped > x.size() / 10);  // the test clamps a good part of the input
    CHECK(clamped < x.size() / 2);
    CHECK(mismatched == 0);
    CHECK(zero_elsewhere < (x.size() - clamped) / 10);  // the rest really carries gradient
    // The identity STE instead: exactly the no-hook gradient at the clamped input.
    h.clipped = false;
    const run_result c = run_once(t, x, r, true);
    CHECK(same_bits(c.gin, b.gin));
}

TEST_CASE("tensor_hook: clamp-and-mask on an inner tensor zeroes its gradient exactly where clamped") {
    std::mt19937 g(33);
    model m = optimize(preset("tiny_shufflenet_v1", g));
    // A concat's output (feeds a standalone ReLU in ShuffleNet V1's stride-2 unit).
    int target = -1;
    for (const auto& n : m.nodes)
        if (n.type == op::op_concat) target = n.out[0];
    REQUIRE(target > 0);
    train_graph t;
    clamp_hook h(target, -0.5f, 0.5f);
    t.set_hook(&h);
    REQUIRE(t.prepare(m, 2, /*keep_all=*/true).empty());
    const auto x = random_vector(t.input_count(), g);
    const auto r = random_vector(t.output_count(), g);
    run_once(t, x, r, true);
    const float* gt = t.gradient(target);
    const float* at = t.activation(target);
    std::size_t clamped = 0, bad = 0, live = 0;
    for (std::size_t i = 0; i < h.mask.size(); ++i) {
        if (h.mask[i]) {
            ++clamped;
            bad += gt[i] != 0.0f;
            bad += at[i] != -0.5f && at[i] != 0.5f;
        } else {
            live += gt[i] != 0.0f;
        }
    }
    CHECK(clamped > 0);
    CHECK(bad == 0);
    CHECK(live > 0);
}

TEST_CASE("tensor_hook: a ReLU whose output the hook changed is differentiated at its own values (standalone and fused)") {
    // The hook zeroes outputs below 0.5 (a coarse rounding) and passes the gradient
    // unchanged. The ReLU's derivative must still be 1 wherever its input was positive:
    // with an identity STE on the last tensor, the input gradient equals the no-hook one.
    struct round_small : tensor_hook {
        int target;
        explicit round_small(int t) : target(t) {}
        bool wants(int t) const override { return t == target; }
        void forward(int, float* v, std::size_t n, bool) override {
            for (std::size_t i = 0; i < n; ++i)
                if (v[i] < 0.5f) v[i] = 0.0f;
        }
        void backward(int, float*, std::size_t) override {}
    };
    std::mt19937 g(34);
    for (act a : {act::act_relu, act::act_relu6}) {
        for (bool fused : {false, true}) {
            CAPTURE(fused);
            const std::string act_s = act_name(a);
            CAPTURE(act_s);
            graph_builder b("relu_last", {1, 3, 3, 4}, 5);
            int x = b.input();
            if (fused) x = b.pwconv(x, 4, 1, false);
            x = b.act(x, a);
            model m = b.finish(x);
            REQUIRE(b.error().empty());
            m = optimize(m);
            REQUIRE(m.nodes.back().type == (fused ? op::op_conv2d : op::op_act));
            train_graph t, plain;
            round_small h(m.output);
            t.set_hook(&h);
            REQUIRE(t.prepare(m, 2).empty());
            REQUIRE(plain.prepare(m, 2).empty());
            const auto in = random_vector(t.input_count(), g, -1.0f, 1.5f);
            const auto r = random_vector(t.output_count(), g);
            const run_result hooked = run_once(t, in, r, true);
            const run_result ref = run_once(plain, in, r, true);
            int changed = 0;
            for (std::size_t i = 0; i < ref.out.size(); ++i) changed += hooked.out[i] != ref.out[i];
            CHECK(changed > 0);  // the hook did change outputs
            CHECK(same_bits(hooked.gin, ref.gin));
            CHECK(same_bits(hooked.grads, ref.grads));
        }
    }
}
