// Fine-tuning with masks: pruned weights stay exactly zero through SGD with momentum and Adam;
// the iterative schedule reaches the target with monotone masks; bad options are refused; the
// sensitivity scan and the lottery ticket at tiny budgets give well-formed tables.
#include "data/fashion_mnist.h"
#include "models/model_file.h"
#include "models/models.h"
#include "models/shipped.h"
#include "prune/finetune.h"
#include "prune/lottery.h"
#include "prune/masks.h"
#include "prune/sensitivity.h"
#include "train/trainer.h"

#include <doctest/doctest.h>

#include <cmath>
#include <optional>

using namespace es;

namespace {

struct fixture {
    data::dataset train, test;
    engine::model model;
};
const fixture* data_fixture() {
    static std::optional<fixture> f;
    static bool tried = false;
    if (!tried) {
        tried = true;
        std::string err;
        auto tr = data::load_fashion_mnist(data::fashion_mnist_dir(), data::split::train, &err);
        auto te = data::load_fashion_mnist(data::fashion_mnist_dir(), data::split::test, &err);
        auto path = models::resolve_model("tiny_mobilenet_v3", &err);
        auto m = path ? models::load_model_file(*path, &err) : std::nullopt;
        if (tr && te && m) f = fixture{std::move(*tr), train::stratified_subset(*te, 10), std::move(*m)};
    }
    return f ? &*f : nullptr;
}

bool zeros_where_pruned(const engine::model& m, const prune::weight_mask& k) {
    for (std::size_t i = 0; i < k.keep.size(); ++i)
        if (!k.keep[i] && m.weights[i] != 0.0f) return false;
    return true;
}

}  // namespace

TEST_CASE("prune_trainer one-shot: pruned weights stay exactly 0 with SGD momentum and with Adam; others move") {
    const auto* f = data_fixture();
    REQUIRE(f);
    for (const char* opt : {"sgd", "adam"}) {
        prune::prune_options o;
        o.mask.sparsity = 0.6;
        o.train.max_steps = 4;
        o.train.batch = 8;
        o.train.limit = 64;
        o.train.lr = 0.05f;
        o.train.optimizer = opt;
        prune::prune_trainer t;
        REQUIRE(t.start(f->model, f->train, o).empty());
        const auto& once = t.pruned_once();
        CHECK(zeros_where_pruned(once, t.mask()));
        int steps = 0;
        while (t.step()) ++steps;
        CHECK(steps == 4);
        const auto m = t.model();
        CHECK(zeros_where_pruned(m, t.mask()));
        CHECK(prune::measure(m).sparsity == doctest::Approx(0.6).epsilon(0.01));
        std::size_t moved = 0;
        for (std::size_t i = 0; i < m.weights.size(); ++i) moved += t.mask().keep[i] && m.weights[i] != once.weights[i];
        CHECK(moved > 1000);
        CHECK(t.step_loss().size() == 4);
    }
}

TEST_CASE("prune_trainer iterative: the cubic schedule, monotone masks, the target reached") {
    CHECK(prune::scheduled_sparsity(0.8, 1, 4) == doctest::Approx(0.8 * (1 - 0.421875)));
    CHECK(prune::scheduled_sparsity(0.8, 4, 4) == 0.8);
    CHECK(prune::scheduled_sparsity(0.8, 1, 1) == 0.8);
    const auto* f = data_fixture();
    REQUIRE(f);
    prune::prune_options o;
    o.mask.how = prune::method::global;
    o.mask.sparsity = 0.8;
    o.iterations = 3;
    o.train.max_steps = 6;
    o.train.batch = 8;
    o.train.limit = 64;
    prune::prune_trainer t;
    REQUIRE(t.start(f->model, f->train, o).empty());
    CHECK(t.status().round == 1);
    CHECK(t.status().target < 0.8);
    prune::weight_mask prev = t.mask();
    int rounds_seen = 1;
    while (t.step()) {
        if (t.status().round != rounds_seen) {
            rounds_seen = t.status().round;
            for (std::size_t i = 0; i < prev.keep.size(); ++i)
                if (!prev.keep[i]) REQUIRE(t.mask().keep[i] == 0);
            prev = t.mask();
        }
        CHECK(zeros_where_pruned(t.model(), t.mask()));
    }
    CHECK(rounds_seen == 3);
    CHECK(t.status().step == 6);
    CHECK(prune::measure(t.model()).sparsity == doctest::Approx(0.8).epsilon(0.001));
    // One-shot reference: pruned_once is the trained model at the final target.
    CHECK(prune::measure(t.pruned_once()).sparsity == doctest::Approx(0.8).epsilon(0.001));
}

TEST_CASE("prune options and the trainer's keep_mask: bad input refused with a reason") {
    const auto* f = data_fixture();
    REQUIRE(f);
    prune::prune_options o;
    o.train.max_steps = 2;
    prune::prune_trainer t;
    o.mask.sparsity = 1.0;
    CHECK(t.start(f->model, f->train, o).find("sparsity") != std::string::npos);
    o.mask.sparsity = 0.5;
    o.mask.how = prune::method::sparse24;
    o.iterations = 2;
    CHECK(t.start(f->model, f->train, o).find("iterations") != std::string::npos);
    o.iterations = 5;
    o.mask.how = prune::method::layerwise;
    CHECK(t.start(f->model, f->train, o).find("steps") != std::string::npos);
    train::trainer tr;
    train::train_options to;
    to.keep_mask.assign(3, 1);
    CHECK(tr.start(f->model, f->train, to).find("pruning mask") != std::string::npos);
    // No fine-tuning: done at once, the model pruned.
    o.iterations = 2;
    o.train.max_steps = 0;
    REQUIRE(t.start(f->model, f->train, o).empty());
    CHECK(t.done());
    CHECK(prune::measure(t.model()).sparsity == doctest::Approx(0.5).epsilon(0.001));
}

TEST_CASE("sensitivity scan: one row per layer, level 0 the dense accuracy, heavy pruning of some layer hurts") {
    const auto* f = data_fixture();
    REQUIRE(f);
    prune::sensitivity_options o;
    o.levels = {0.0, 0.95};
    o.eval_limit = 100;
    std::string err;
    const auto r = prune::run_sensitivity(f->model, f->test, o, &err);
    REQUIRE_MESSAGE(err.empty(), err);
    CHECK(r.rows.size() == prune::weight_layers(f->model).size());
    CHECK(r.n == 100);
    double worst = 1.0;
    for (const auto& row : r.rows) {
        CHECK(row.accuracy[0] == r.dense_accuracy);
        CHECK(row.accuracy[1] >= 0.0);
        worst = std::min(worst, row.accuracy[1]);
    }
    CHECK(r.dense_accuracy > 0.7);
    CHECK(worst < r.dense_accuracy - 0.1);
    o.levels = {0.5, 0.25};
    CHECK_FALSE(prune::check_options(o).empty());
    o.levels = {0.5, 1.0};
    CHECK(prune::check_options(o).find("sparsity must be in [0, 1)") != std::string::npos);
}

TEST_CASE("lottery ticket at a tiny budget: a dense round, then rounds at 1 - (1 - rate)^r, both arms trained") {
    const auto* f = data_fixture();
    REQUIRE(f);
    std::string err;
    auto ao = models::tiny_defaults();
    auto init = models::build_arch("tiny_mobilenet_v3", ao, &err);
    ao.seed = 1001;
    auto reinit = models::build_arch("tiny_mobilenet_v3", ao, &err);
    REQUIRE(init);
    REQUIRE(reinit);
    CHECK(init->weights != reinit->weights);
    prune::lottery_options o;
    o.rounds = 2;
    o.rate = 0.5;
    o.train.max_steps = 3;
    o.train.batch = 8;
    o.train.limit = 64;
    o.train.lr = 0.05f;
    o.eval_limit = 50;
    const auto r = prune::run_lottery(*init, *reinit, f->train, f->test, o, &err);
    REQUIRE_MESSAGE(err.empty(), err);
    REQUIRE(r.rounds.size() == 3);
    CHECK(r.rounds[0].sparsity == 0.0);
    CHECK(r.rounds[0].accuracy_reinit < 0);
    CHECK(r.rounds[1].sparsity == doctest::Approx(0.5).epsilon(0.01));
    CHECK(r.rounds[2].sparsity == doctest::Approx(0.75).epsilon(0.01));
    for (const auto& rr : r.rounds) {
        CHECK(rr.loss_rewind.size() == 3);
        CHECK(rr.accuracy_rewind >= 0.0);
        CHECK(rr.accuracy_rewind <= 1.0);
        if (rr.round > 0) CHECK(rr.loss_reinit.size() == 3);
    }
    o.rate = 1.0;
    CHECK(prune::check_options(o).find("rate") != std::string::npos);
    auto other = models::build_arch("tiny_mobilenet_v2", models::tiny_defaults(), &err);
    o.rate = 0.5;
    prune::lottery_run L;
    CHECK_FALSE(L.start(*init, *other, f->train, f->test, o).empty());
}
