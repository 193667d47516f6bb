// Once-for-All training pieces: the space's JSON, sampling, the channel reordering (same
// function, sorted importance), batch-norm recalibration (the mean of the batches'
// statistics), the trainer's schedule window, progressive shrinking on a small space, and the
// supernet file (round trip, refusals).
#include "nas/ofa_train.h"

#include "engine/session.h"
#include "lab/model_lab.h"
#include "train/optim.h"
#include "train/trainer.h"

#include "support/model_fixtures.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <set>

using namespace es;

namespace {

std::vector<float> run(const engine::model& m, const std::vector<float>& x) {
    engine::session s;
    REQUIRE(s.prepare(engine::optimize(m), 1).empty());
    std::copy(x.begin(), x.end(), s.input());
    s.run();
    return {s.output(), s.output() + s.output_shape().numel()};
}

const engine::node& node_named(const engine::model& m, const std::string& name) {
    for (const auto& n : m.nodes)
        if (n.name == name) return n;
    FAIL("no node " << name);
    return m.nodes.front();
}

}  // namespace

TEST_CASE("ofa train: the space's JSON round trip and refusals") {
    const nas::ofa_space s;
    std::string err;
    auto back = nas::parse_space(nas::space_json(s), &err);
    REQUIRE_MESSAGE(back.has_value(), err);
    CHECK(nas::space_json(*back) == nas::space_json(s));
    auto j = nas::space_json(s);
    j.erase("kernels");
    CHECK_FALSE(nas::parse_space(j, &err).has_value());
    CHECK(err.find("\"kernels\" is missing") != std::string::npos);
    j = nas::space_json(s);
    j["kernels"] = {3, 4};
    CHECK_FALSE(nas::parse_space(j, &err).has_value());
    CHECK(err.find("odd") != std::string::npos);
    j = nas::space_json(s);
    j["stage_out"] = {512, 512, 512};
    j["expands"] = {8};
    j["depths"] = {{6}, {6}, {6}};
    CHECK_FALSE(nas::parse_space(j, &err).has_value());
    CHECK(err.find("4 million") != std::string::npos);
    j = nas::space_json(s);
    j["stem"] = "16";
    CHECK_FALSE(nas::parse_space(j, &err).has_value());
    CHECK_FALSE(nas::parse_space(nlohmann::json::array(), &err).has_value());
}

TEST_CASE("ofa train: sampled configs are valid and keep fixed dimensions at their largest") {
    const nas::ofa_space s;
    const auto big = nas::largest(s);
    std::set<std::string> seen;
    for (std::uint64_t seed = 1; seed <= 40; ++seed) {
        const auto c = nas::sample_config(s, seed);
        CHECK(nas::check_config(s, c).empty());
        seen.insert(nas::config_text(c));
        const auto k = nas::sample_config(s, seed, true, false, false);
        CHECK(k.depth == big.depth);
        CHECK(k.expand == big.expand);
    }
    CHECK(seen.size() == 40);  // the space holds millions: forty draws do not repeat
    CHECK(nas::config_text(nas::sample_config(s, 5)) == nas::config_text(nas::sample_config(s, 5)));
}

TEST_CASE("ofa train: reordering hidden channels keeps the function and sorts importance") {
    const nas::ofa_space s = testing::small_ofa_space();
    auto super = nas::build_supernet(s, 4);
    REQUIRE_FALSE(super.nodes.empty());
    // Batch-norm parameters and statistics away from the identity, so their permutation matters.
    std::mt19937 g(5);
    testing::randomise_bn_and_biases(super, g);
    std::vector<float> x(static_cast<std::size_t>(s.res * s.res));
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::sin(0.37f * static_cast<float>(i));
    const auto before = run(super, x);
    auto sorted = super;
    nas::reorder_channels(sorted, s);
    CHECK(sorted.weights != super.weights);
    const auto after = run(sorted, x);
    REQUIRE(before.size() == after.size());
    for (std::size_t i = 0; i < before.size(); ++i) CHECK(after[i] == doctest::Approx(before[i]).epsilon(1e-4));
    const auto& pr = node_named(sorted, "stage2.block1.project");
    const std::size_t cin = pr.w_count / static_cast<std::size_t>(pr.cout);
    double prev = 1e30;
    for (std::size_t c = 0; c < cin; ++c) {
        double imp = 0;
        for (int o = 0; o < pr.cout; ++o) imp += std::fabs(sorted.weights[pr.w_off + static_cast<std::size_t>(o) * cin + c]);
        CHECK(imp <= prev + 1e-9);
        prev = imp;
    }
}

TEST_CASE("ofa train: batch-norm recalibration averages the batches' statistics") {
    std::optional<data::dataset> test, train;
    REQUIRE(lab::load_page_subsets(&test, &train).empty());
    const nas::ofa_space s = testing::small_ofa_space();
    auto m = nas::build_supernet(s, 2);
    auto one = m, two = m;
    REQUIRE(nas::recalibrate_bn(one, *train, 64, 64).empty());   // one batch of 64
    REQUIRE(nas::recalibrate_bn(two, *train, 64, 32).empty());   // two batches of 32: the same mean
    const auto& bn = node_named(m, "conv1.bn");
    const std::size_t c = bn.w_count / 4;
    bool moved = false;
    for (std::size_t i = 0; i < c; ++i) {
        CHECK(one.weights[bn.w_off + 2 * c + i] == doctest::Approx(two.weights[bn.w_off + 2 * c + i]).epsilon(1e-4));
        moved = moved || std::fabs(one.weights[bn.w_off + 2 * c + i] - m.weights[bn.w_off + 2 * c + i]) > 1e-3;
        CHECK(one.weights[bn.w_off + 3 * c + i] > 0.0f);
    }
    CHECK(moved);
    // The sliced form ends where the whole call does.
    nas::bn_recalibrator r;
    REQUIRE(r.start(m, *train, 64, 32).empty());
    CHECK(r.batches() == 2);
    while (r.step()) {
    }
    CHECK(r.result().weights == two.weights);
    CHECK_FALSE(nas::recalibrate_bn(one, *train, 0, 32).empty());
}

TEST_CASE("ofa train: the trainer's schedule window follows the long schedule") {
    std::optional<data::dataset> test, train;
    REQUIRE(lab::load_page_subsets(&test, &train).empty());
    auto m = nas::build_supernet(testing::small_ofa_space(), 1);
    train::train_options o;
    o.epochs = 0;
    o.max_steps = 3;
    o.batch = 8;
    o.lr = 0.1f;
    o.warmup_steps = 10;
    o.schedule_steps = 100;
    o.schedule_offset = 40;
    train::trainer t;
    REQUIRE(t.start(m, *train, o).empty());
    for (long long i = 0; i < 3; ++i) {
        REQUIRE(t.step());
        CHECK(t.status().lr == doctest::Approx(train::cosine_lr(0.1f, 40 + i, 100, 10)));
    }
    // A window running past the schedule's end stays at its last step's rate.
    o.schedule_offset = 98;
    REQUIRE(t.start(m, *train, o).empty());
    for (long long i = 0; i < 3; ++i) {
        REQUIRE(t.step());
        CHECK(t.status().lr == doctest::Approx(train::cosine_lr(0.1f, std::min(98 + i, 99LL), 100, 10)));
    }
    o.schedule_offset = 100;
    CHECK_FALSE(t.start(m, *train, o).empty());
}

TEST_CASE("ofa train: progressive shrinking trains every phase and the file round-trips") {
    std::optional<data::dataset> test, train;
    REQUIRE(lab::load_page_subsets(&test, &train).empty());
    const nas::ofa_space s = testing::small_ofa_space();
    auto super = nas::build_supernet(s, 1);
    const auto init = super;
    nas::ofa_train_options o;
    o.steps_full = 6;
    o.steps_kernel = 4;
    o.steps_depth = 4;
    o.steps_expand = 6;
    o.chunk = 2;
    o.batch = 16;
    o.limit = 512;
    std::vector<std::string> phases;
    long long last_step = 0;
    auto r = nas::train_supernet(super, s, *train, o, [&](const nas::ofa_train_progress& p) {
        if (phases.empty() || phases.back() != p.phase) phases.push_back(p.phase);
        CHECK(p.step >= last_step);
        last_step = p.step;
        CHECK(p.steps_total == 20);
        return true;
    });
    REQUIRE_MESSAGE(r.error.empty(), r.error);
    CHECK(phases == std::vector<std::string>{"full", "kernel", "depth", "expand"});
    REQUIRE(r.phases.size() == 4);
    CHECK(r.phases[0].subnets == 1);
    CHECK(r.phases[1].subnets == 2);
    CHECK(r.phases[2].subnets == 2);
    CHECK(r.phases[3].subnets == 3);
    CHECK(r.step_loss.size() == 20);
    for (float l : r.step_loss) CHECK(std::isfinite(l));
    CHECK(super.weights != init.weights);
    CHECK(last_step == 20);

    // Cancelling stops at once.
    auto again = init;
    auto c = nas::train_supernet(again, s, *train, o, [](const nas::ofa_train_progress&) { return false; });
    CHECK(c.error == "cancelled");
    o.chunk = 0;
    CHECK_FALSE(nas::train_supernet(again, s, *train, o, {}).error.empty());

    // The supernet file: space, weights and the extra description survive.
    const std::string path = "ofa_test_supernet.esw";
    REQUIRE(nas::save_supernet(path, super, s, {{"training", {{"steps", 20}}}}).empty());
    std::string err;
    auto back = nas::load_supernet(path, &err);
    REQUIRE_MESSAGE(back.has_value(), err);
    CHECK(back->model.weights == super.weights);
    CHECK(nas::space_json(back->space) == nas::space_json(s));
    CHECK(back->description["training"]["steps"] == 20);
    // A plain model's file is not a supernet.
    REQUIRE(engine::weights_save_file(path, super, {{"arch", "tiny_mobilenet_v2"}}).empty());
    CHECK_FALSE(nas::load_supernet(path, &err).has_value());
    CHECK(err.find("not a Once-for-All supernet") != std::string::npos);
    // A supernet file whose space does not match its tensors.
    auto other = s;
    other.last = 48;
    REQUIRE(engine::weights_save_file(path, super, {{"arch", "ofa_supernet"}, {"space", nas::space_json(other)}}).empty());
    CHECK_FALSE(nas::load_supernet(path, &err).has_value());
    std::remove(path.c_str());
    CHECK(nas::resolve_supernet("some/file.esw", &err) == std::optional<std::string>("some/file.esw"));
}
