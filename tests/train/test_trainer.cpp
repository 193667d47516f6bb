// trainer (step by step, as the page runs it) against train_model, and evaluator (batch
// by batch) against evaluate(): same weights, same predictions.
#include "models/models.h"
#include "train/trainer.h"

#include <doctest/doctest.h>

#include <random>

using namespace es;

namespace {

data::dataset synthetic(int count, std::uint32_t seed) {
    data::dataset d;
    d.count = count;
    d.rows = d.cols = 28;
    std::mt19937 g(seed);
    d.images.resize(static_cast<std::size_t>(count) * 784);
    d.labels.resize(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
        const int y = i % 10;
        d.labels[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(y);
        // A class-dependent bright band plus noise: learnable in a few steps.
        for (int p = 0; p < 784; ++p) {
            const int row = p / 28;
            const int base = (row / 3 == y) ? 200 : 20;
            d.images[static_cast<std::size_t>(i) * 784 + static_cast<std::size_t>(p)] =
                static_cast<std::uint8_t>(std::min(255, base + static_cast<int>(g() % 40)));
        }
    }
    return d;
}

engine::model tiny(const char* arch) {
    std::string err;
    auto m = models::build_arch(arch, models::tiny_defaults(), &err);
    REQUIRE_MESSAGE(m, err);
    return *m;
}

}  // namespace

TEST_CASE("trainer: stepping by hand gives exactly train_model's weights; the seed decides everything") {
    const data::dataset d = synthetic(96, 7);
    train::train_options o;
    o.epochs = 2;
    o.batch = 16;
    o.lr = 0.05f;
    o.seed = 3;

    engine::model a = tiny("tiny_mobilenet_v3");
    const engine::model init = a;
    auto ra = train::train_model(a, d, o, {});
    REQUIRE(ra.error.empty());
    CHECK(ra.history.size() == 2);

    train::trainer t;
    REQUIRE(t.start(init, d, o).empty());
    int steps = 0;
    while (t.step()) ++steps;
    CHECK(steps == 2 * (96 / 16));
    CHECK(t.done());
    CHECK_FALSE(t.step());
    CHECK(t.step_loss().size() == static_cast<std::size_t>(steps));
    CHECK(t.history().size() == 2);
    CHECK(t.status().step == steps);
    CHECK(t.model().weights == a.weights);  // bit for bit

    // Another seed: other shuffles and crops, other weights.
    o.seed = 4;
    engine::model b = init;
    REQUIRE(train::train_model(b, d, o, {}).error.empty());
    CHECK(b.weights != a.weights);
    CHECK(b.weights != init.weights);
}

TEST_CASE("trainer: bad options and a mismatched dataset are refused with a reason") {
    const data::dataset d = synthetic(32, 1);
    train::trainer t;
    train::train_options o;
    o.epochs = 0;
    CHECK_FALSE(t.start(tiny("tiny_mobilenet_v1"), d, o).empty());
    CHECK(t.done());
    CHECK_FALSE(t.step());
    o.epochs = 1;
    data::dataset wrong = d;
    wrong.rows = wrong.cols = 14;
    wrong.images.resize(32 * 196);
    CHECK(t.start(tiny("tiny_mobilenet_v1"), wrong, o).find("does not match") != std::string::npos);
    data::dataset none;
    CHECK(t.start(tiny("tiny_mobilenet_v1"), none, o) == "no training images");
}

TEST_CASE("evaluator: batch by batch, the same predictions and confusion as evaluate()") {
    const data::dataset d = synthetic(230, 11);
    const engine::model m = tiny("tiny_shufflenet_v2");
    const auto whole = train::evaluate(m, d, 0, 100);
    train::evaluator e;
    REQUIRE(e.start(m, d, 0, 100).empty());
    CHECK(e.total() == 230);
    int batches = 0;
    while (e.step()) {
        ++batches;
        CHECK(e.result().n == e.evaluated());
    }
    CHECK(batches == 3);  // 100 + 100 + 30
    const auto r = e.result();
    CHECK(r.n == 230);
    CHECK(r.predictions == whole.predictions);
    CHECK(r.confusion == whole.confusion);
    CHECK(r.accuracy == whole.accuracy);
    // A limit stops early; the first full batch is the same batch as before. (A different
    // batch size may change the float summation order, and with it a near-tie: the page
    // therefore evaluates with the native batch of 100.)
    REQUIRE(e.start(m, d, 150, 100).empty());
    while (e.step()) {
    }
    CHECK(e.result().n == 150);
    CHECK(std::equal(whole.predictions.begin(), whole.predictions.begin() + 100, e.result().predictions.begin()));
}
