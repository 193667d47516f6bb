// The Pruning panel's jobs: the sensitivity scan and the lottery ticket in slices, equal to the
// whole-run functions the CLI uses, and refusals that leave the last result alone.
#include "lab/prune_lab.h"

#include "lab/model_lab.h"
#include "models/model_file.h"
#include "models/models.h"
#include "models/shipped.h"

#include <doctest/doctest.h>

#include <cmath>

using namespace es;

TEST_CASE("prune lab: the sensitivity scan in slices equals the whole scan") {
    lab::prune_lab p;
    REQUIRE(p.load_data().empty());
    lab::sensitivity_settings s;
    s.model = "tiny_shufflenet_v2";
    s.levels = {0.0, 0.5, 0.9};
    s.eval_limit = 60;
    REQUIRE(p.start_sensitivity(s).empty());
    CHECK(p.busy());
    CHECK(std::string(p.job_name()) == "sensitivity");
    int ticks = 0;
    double last = -1.0;
    while (p.tick(0.0)) {  // one test batch per tick
        CHECK(p.progress() >= last);
        last = p.progress();
        ++ticks;
        REQUIRE(ticks < 100000);
    }
    CHECK(!p.busy());
    CHECK(p.message() == "done");
    REQUIRE(p.sensitivity().has_value());
    const auto& r = *p.sensitivity();
    CHECK(r.n == 60);
    REQUIRE(!r.rows.empty());
    // More ticks than evaluations: the scan is sliced by batch, not by evaluation.
    CHECK(ticks > static_cast<int>(r.rows.size()));

    // The same scan as one call (what `prune --sensitivity` runs).
    std::optional<data::dataset> test, train;
    REQUIRE(lab::load_page_subsets(&test, &train).empty());
    std::string err;
    auto m = models::load_model_file(*models::resolve_model(s.model, &err), &err);
    REQUIRE(m.has_value());
    prune::sensitivity_options o;
    o.levels = s.levels;
    o.eval_limit = s.eval_limit;
    const auto whole = prune::run_sensitivity(*m, *test, o, &err);
    REQUIRE(whole.rows.size() == r.rows.size());
    CHECK(whole.dense_accuracy == r.dense_accuracy);
    for (std::size_t i = 0; i < r.rows.size(); ++i) {
        CHECK(whole.rows[i].layer == r.rows[i].layer);
        for (std::size_t j = 0; j < r.levels.size(); ++j) CHECK(whole.rows[i].accuracy[j] == r.rows[i].accuracy[j]);
        CHECK(r.rows[i].accuracy[0] == r.dense_accuracy);  // level 0 is the dense model
    }
    // The first conv pruned to 90% hurts more than to 50% (it has few weights per filter).
    CHECK(r.rows[0].accuracy[2] <= r.rows[0].accuracy[1]);
    const auto j = p.state_json();
    CHECK(j["sensitivity"]["layers"].size() == r.rows.size());
    CHECK(j["sensitivity"]["model"] == s.model);

    // Refusals leave the result alone.
    lab::sensitivity_settings bad = s;
    bad.levels = {0.0, 1.0};
    CHECK(p.start_sensitivity(bad).find("[0, 1)") != std::string::npos);
    bad = s;
    bad.levels = {0.5, 0.2};
    CHECK(p.start_sensitivity(bad).find("increase") != std::string::npos);
    bad = s;
    bad.model = "no_such_model";
    CHECK_FALSE(p.start_sensitivity(bad).empty());
    bad = s;
    bad.eval_limit = 0;
    CHECK_FALSE(p.start_sensitivity(bad).empty());
    CHECK(!p.busy());
    REQUIRE(p.sensitivity().has_value());
    CHECK(p.sensitivity()->rows.size() == r.rows.size());
}

TEST_CASE("prune lab: the lottery ticket in slices, cancel, refusals") {
    lab::prune_lab p;
    lab::lottery_settings s;
    s.model = "tiny_shufflenet_v2";
    s.rounds = 2;
    s.rate = 0.5;
    s.steps = 3;
    s.batch = 8;
    s.train_limit = 64;
    s.eval_limit = 30;
    REQUIRE(p.start_lottery(s).empty());
    bool saw_eval = false, saw_reinit = false;
    int ticks = 0;
    while (p.tick(0.0)) {
        saw_eval = saw_eval || p.lottery_evaluating();
        saw_reinit = saw_reinit || p.lottery_arm() == 1;
        REQUIRE(++ticks < 100000);
    }
    CHECK(saw_eval);
    CHECK(saw_reinit);
    REQUIRE(p.lottery().has_value());
    const auto& r = *p.lottery();
    REQUIRE(r.rounds.size() == 3);
    CHECK(r.n == 30);
    CHECK(r.rounds[0].sparsity == 0.0);
    CHECK(std::fabs(r.rounds[1].sparsity - 0.5) < 0.01);
    CHECK(std::fabs(r.rounds[2].sparsity - 0.75) < 0.01);
    for (const auto& x : r.rounds) {
        CHECK(x.accuracy_rewind >= 0.0);
        CHECK(x.accuracy_rewind <= 1.0);
        CHECK(x.loss_rewind.size() == 3);
        if (x.round > 0) CHECK(x.accuracy_reinit >= 0.0);
    }
    CHECK(r.rounds[0].accuracy_reinit < 0.0);  // round 0 has no random arm

    // Equal to the whole run (same seeds, same batches).
    std::optional<data::dataset> test, train;
    REQUIRE(lab::load_page_subsets(&test, &train).empty());
    std::string err;
    auto ao = models::tiny_defaults();
    ao.seed = 1;
    auto init = models::build_arch(s.model, ao, &err);
    ao.seed = 1001;
    auto reinit = models::build_arch(s.model, ao, &err);
    REQUIRE(init.has_value());
    REQUIRE(reinit.has_value());
    prune::lottery_options o;
    o.rounds = 2;
    o.rate = 0.5;
    o.train.max_steps = 3;
    o.train.batch = 8;
    o.train.lr = 0.05f;
    o.train.limit = 64;
    o.eval_limit = 30;
    const auto whole = prune::run_lottery(*init, *reinit, *train, *test, o, &err);
    REQUIRE(whole.rounds.size() == 3);
    for (std::size_t i = 0; i < 3; ++i) {
        CHECK(whole.rounds[i].accuracy_rewind == r.rounds[i].accuracy_rewind);
        CHECK(whole.rounds[i].accuracy_reinit == r.rounds[i].accuracy_reinit);
    }

    // Cancel mid-run keeps the partial result and stops.
    lab::lottery_settings longer = s;
    longer.steps = 50;
    REQUIRE(p.start_lottery(longer).empty());
    p.tick(0.0);
    p.cancel();
    CHECK(!p.busy());
    CHECK(p.message() == "cancelled");
    CHECK_FALSE(p.tick(5.0));

    // Refusals.
    lab::lottery_settings bad = s;
    bad.rate = 1.0;
    CHECK(p.start_lottery(bad).find("rate") != std::string::npos);
    bad = s;
    bad.rounds = 0;
    CHECK(p.start_lottery(bad).find("rounds") != std::string::npos);
    bad = s;
    bad.model = "mobilenet_v2";  // not a tiny preset
    CHECK(p.start_lottery(bad).find("tiny") != std::string::npos);
    bad = s;
    bad.steps = 0;
    CHECK(p.start_lottery(bad).find("steps") != std::string::npos);
    bad = s;
    bad.lr = 0;
    CHECK(p.start_lottery(bad).find("lr") != std::string::npos);
    CHECK(!p.busy());
}
