// Structured channel pruning (src/prune/channels.h): on every tiny preset, removing channels
// whose weights were zeroed leaves the logits unchanged; the pruned model is smaller, valid,
// and runs; group and shuffle constraints hold; bad input is refused with the model
// untouched; a pruned model saves and loads through the weights file.
#include "engine/bench.h"
#include "engine/session.h"
#include "engine/weights_io.h"
#include "models/analysis.h"
#include "models/model_file.h"
#include "models/models.h"
#include "prune/channels.h"
#include "support/model_fixtures.h"
#include "support/temp_files.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <string>

using namespace es;

namespace {

const char* const presets[] = {"tiny_mobilenet_v1", "tiny_mobilenet_v2", "tiny_mobilenet_v3", "tiny_shufflenet_v1",
                               "tiny_shufflenet_v2"};

engine::model random_model(const std::string& arch, std::uint64_t seed = 3) {
    models::arch_options o = models::tiny_defaults();
    o.seed = seed;
    std::string err;
    auto m = models::build_arch(arch, o, &err);
    REQUIRE_MESSAGE(m.has_value(), err);
    std::mt19937 g(static_cast<unsigned>(seed));
    testing::randomise_bn_and_biases(*m, g);
    return *m;
}

// Logits of two deterministic images.
std::vector<float> logits(const engine::model& m) {
    engine::session s;
    const std::string e = s.prepare(engine::optimize(m), 2);
    REQUIRE_MESSAGE(e.empty(), e);
    engine::fill_bench_input(s.input(), s.input_count());
    s.run();
    return std::vector<float>(s.output(), s.output() + s.output_shape().numel());
}

float max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
    REQUIRE(a.size() == b.size());
    float d = 0.0f;
    for (std::size_t i = 0; i < a.size(); ++i) d = std::max(d, std::fabs(a[i] - b[i]));
    return d;
}

float max_abs(const std::vector<float>& a) {
    float d = 0.0f;
    for (float v : a) d = std::max(d, std::fabs(v));
    return d;
}

std::set<int> removed_of(const prune::layer_plan& l) {
    std::set<int> r;
    for (int i = 0; i < l.before; ++i) r.insert(i);
    for (int k : l.keep) r.erase(k);
    return r;
}

}  // namespace

TEST_CASE("channels: every tiny preset has prunable layers, and the residual / concat widths are left alone") {
    for (const std::string arch : presets) {
        CAPTURE(arch);
        const auto m = random_model(arch);
        const auto layers = prune::prunable_layers(m);
        CHECK(layers.size() >= 3);
        for (const auto& l : layers) {
            CAPTURE(l.name);
            // Never the outputs that cross a residual add or a concat. A project conv is
            // prunable only where its block has no residual add (it then feeds the next
            // block's expansion alone).
            if (l.name.find("project") != std::string::npos) {
                const std::string block = l.name.substr(0, l.name.find('.'));
                CHECK(std::none_of(m.nodes.begin(), m.nodes.end(), [&](const engine::node& n) {
                    return n.type == engine::op::op_add && n.name.rfind(block + ".", 0) == 0;
                }));
                CHECK(std::none_of(m.nodes.begin(), m.nodes.end(), [&](const engine::node& n) {
                    return n.type == engine::op::op_add && n.name.rfind(block.substr(0, 5), 0) == 0 &&
                           n.name == "block" + std::to_string(std::stoi(block.substr(5)) + 1) + ".add";
                }));
            }
            CHECK(l.name.find("gconv2") == std::string::npos);
            CHECK(l.name.find("branch1.pw") == std::string::npos);
            CHECK(l.name != "fc");
        }
    }
    const auto v2 = prune::prunable_layers(random_model("tiny_mobilenet_v2"));
    CHECK(std::any_of(v2.begin(), v2.end(), [](const auto& l) { return l.name == "block2.expand"; }));
    const auto s1 = prune::prunable_layers(random_model("tiny_shufflenet_v1"));
    bool found = false;
    for (const auto& l : s1)
        if (l.name == "stage3.2.gconv1") {
            found = true;
            CHECK(l.groups == 3);
            CHECK(l.shuffle_groups == 3);
            CHECK(l.consumer_groups == 3);
        }
    CHECK(found);
}

TEST_CASE("channels: removing zeroed channels leaves the logits unchanged on every architecture") {
    for (const std::string arch : presets) {
        for (double fraction : {0.25, 0.5}) {
            CAPTURE(arch);
            CAPTURE(fraction);
            const auto m = random_model(arch);
            std::string err;
            auto plan = prune::plan_channels(m, fraction, prune::channel_norm::l1, &err);
            REQUIRE_MESSAGE(plan.has_value(), err);
            // Zero every weight tied to the planned channels: their filters now score 0.
            auto zeroed = prune::zero_removed_channels(m, *plan, &err);
            REQUIRE_MESSAGE(zeroed.has_value(), err);
            const auto before = logits(*zeroed);
            CHECK(max_abs_diff(before, logits(m)) > 1e-4f);  // zeroing changed the function

            // Ranking the zeroed model selects exactly the zeroed channels.
            auto again = prune::plan_channels(*zeroed, fraction, prune::channel_norm::l2, &err);
            REQUIRE_MESSAGE(again.has_value(), err);
            REQUIRE(again->layers.size() == plan->layers.size());
            for (std::size_t i = 0; i < plan->layers.size(); ++i) {
                CAPTURE(plan->layers[i].name);
                CHECK(removed_of(again->layers[i]) == removed_of(plan->layers[i]));
                CHECK(!removed_of(plan->layers[i]).empty());
            }
            auto pruned = prune::apply_plan(*zeroed, *again, &err);
            REQUIRE_MESSAGE(pruned.has_value(), err);
            CHECK(engine::validate(*pruned).empty());
            const auto after = logits(*pruned);
            CHECK(max_abs_diff(before, after) <= 1e-4f * std::max(1.0f, max_abs(before)));

            // Smaller: fewer params and MACs by the per-layer analysis.
            const auto a0 = models::analyze(m), a1 = models::analyze(*pruned);
            CHECK(a1.total.params < a0.total.params);
            CHECK(a1.total.macs < a0.total.macs);
            if (fraction == 0.5) CHECK(static_cast<double>(a1.total.macs) < 0.8 * static_cast<double>(a0.total.macs));

            // Pruning without zeroing first changes the function (the test can see a difference).
            auto raw = prune::apply_plan(m, *plan, &err);
            REQUIRE(raw.has_value());
            CHECK(max_abs_diff(logits(*raw), logits(m)) > 1e-4f);
        }
    }
}

TEST_CASE("channels: the L1 ranking removes the smallest filters and keeps the group constraints") {
    auto m = random_model("tiny_mobilenet_v1");
    std::string err;
    auto plan = prune::plan_channels(m, 0.25, prune::channel_norm::l1, &err);
    REQUIRE(plan.has_value());
    for (const auto& l : plan->layers) {
        CAPTURE(l.name);
        const auto s = prune::channel_scores(m, l.node, prune::channel_norm::l1);
        const auto rm = removed_of(l);
        CHECK(static_cast<int>(rm.size()) == static_cast<int>(std::lround(0.25 * l.before)));
        double worst_kept = 1e30, best_removed = -1;
        for (int k : l.keep) worst_kept = std::min(worst_kept, s[static_cast<std::size_t>(k)]);
        for (int r : rm) best_removed = std::max(best_removed, s[static_cast<std::size_t>(r)]);
        CHECK(best_removed <= worst_kept);
        CHECK(std::is_sorted(l.keep.begin(), l.keep.end()));
    }
    // ShuffleNet V1: every group keeps the same count, the width stays divisible by g.
    auto s1 = random_model("tiny_shufflenet_v1");
    auto p1 = prune::plan_channels(s1, 0.5, prune::channel_norm::l2, &err);
    REQUIRE(p1.has_value());
    const auto layers = prune::prunable_layers(s1);
    for (std::size_t i = 0; i < p1->layers.size(); ++i) {
        const auto& l = p1->layers[i];
        const int g = layers[i].groups, width = static_cast<int>(l.keep.size());
        CHECK(width % 3 == 0);
        const int per_old = l.before / g, per_new = width / g;
        for (int j = 0; j < width; ++j) CHECK(l.keep[static_cast<std::size_t>(j)] / per_old == j / per_new);
    }
}

TEST_CASE("channels: bad input is refused and the model is untouched") {
    const auto m = random_model("tiny_mobilenet_v2");
    const auto copy = m;
    std::string err;
    for (double f : {-0.1, 1.0, 1.5, std::nan("")}) {
        err.clear();
        CHECK_FALSE(prune::plan_channels(m, f, prune::channel_norm::l1, &err).has_value());
        CHECK(err.find("[0, 1)") != std::string::npos);
    }
    // A fraction that would empty a layer: a 1x1 model with 2-channel layers at 0.8.
    models::arch_options o = models::tiny_defaults();
    o.width = 0.05f;
    auto narrow = models::build_arch("tiny_mobilenet_v1", o, &err);
    REQUIRE(narrow.has_value());
    // Keep-lists that empty a layer, repeat a channel or name a wrong node.
    auto plan = prune::plan_channels(m, 0.25, prune::channel_norm::l1, &err);
    REQUIRE(plan.has_value());
    auto empty = *plan;
    empty.layers[0].keep.clear();
    CHECK_FALSE(prune::apply_plan(m, empty, &err).has_value());
    CHECK(err.find("every channel") != std::string::npos);
    auto twice = *plan;
    twice.layers[0].keep[1] = twice.layers[0].keep[0];
    CHECK_FALSE(prune::apply_plan(m, twice, &err).has_value());
    CHECK(err.find("repeated") != std::string::npos);
    CHECK_FALSE(prune::plan_widths(m, {{"block2.expand", 0}}, {}, &err).has_value());
    CHECK(err.find("cannot keep 0") != std::string::npos);
    CHECK_FALSE(prune::plan_widths(m, {{"block2.project", 8}}, {}, &err).has_value());
    CHECK(err.find("no prunable layer") != std::string::npos);
    CHECK(m.weights == copy.weights);
    CHECK(m.tensors == copy.tensors);
    // Every layer would lose all its channels at 0.99 on a model whose layers have 8.
    auto tiny8 = *narrow;
    err.clear();
    CHECK_FALSE(prune::plan_channels(tiny8, 0.99, prune::channel_norm::l1, &err).has_value());
    CHECK(err.find("would remove every channel") != std::string::npos);
}

TEST_CASE("channels: a pruned model saves its widths and loads back exactly; bad widths are refused") {
    for (const std::string arch : {"tiny_mobilenet_v3", "tiny_shufflenet_v1", "tiny_shufflenet_v2"}) {
        CAPTURE(arch);
        const auto m = random_model(arch);
        std::string err;
        auto plan = prune::plan_channels(m, 0.5, prune::channel_norm::l1, &err);
        REQUIRE(plan.has_value());
        auto pruned = prune::apply_plan(m, *plan, &err);
        REQUIRE(pruned.has_value());
        const std::string dir = testing::make_temp_dir();
        const std::string path = dir + "/p.esw";
        auto desc = models::describe(arch, models::tiny_defaults());
        desc["channels"] = prune::plan_widths_json(*plan);
        REQUIRE(engine::weights_save_file(path, *pruned, desc).empty());
        auto back = models::load_model_file(path, &err);
        REQUIRE_MESSAGE(back.has_value(), err);
        CHECK(back->weights == pruned->weights);
        CHECK(back->tensors == pruned->tensors);
        CHECK(max_abs_diff(logits(*back), logits(*pruned)) == 0.0f);

        // Bad widths: not an object, a wrong name, a width that breaks the groups, a zero.
        auto file = engine::weights_load_file(path, &err);
        REQUIRE(file.has_value());
        auto bad = *file;
        bad.description["channels"] = 3;
        CHECK_FALSE(models::model_from_file(bad, &err).has_value());
        CHECK(err.find("\"channels\"") != std::string::npos);
        bad = *file;
        bad.description["channels"]["nosuch"] = 8;
        CHECK_FALSE(models::model_from_file(bad, &err).has_value());
        CHECK(err.find("nosuch") != std::string::npos);
        bad = *file;
        bad.description["channels"][plan->layers[0].name] = -2;
        CHECK_FALSE(models::model_from_file(bad, &err).has_value());
        bad = *file;
        bad.description.erase("channels");  // the dense architecture: the tensors no longer fit
        CHECK_FALSE(models::model_from_file(bad, &err).has_value());
    }
    // ShuffleNet V1 group conv: 7 channels cannot be split over 3 groups.
    const auto s1 = random_model("tiny_shufflenet_v1");
    std::string err;
    CHECK_FALSE(prune::plan_widths(s1, {{"stage3.2.gconv1", 7}}, {}, &err).has_value());
    CHECK(err.find("does not fit its groups") != std::string::npos);
}
