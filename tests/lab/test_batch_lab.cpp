// The batch-size lab: three trainings with the same epochs, their step counts and learning
// rates, the sharpness probe (radius 0 is the trained model's training loss), the filter
// perturbation's size, refusals.
#include "lab/batch_lab.h"

#include "lab/model_lab.h"
#include "models/models.h"

#include <doctest/doctest.h>

#include <cmath>

using namespace es;

TEST_CASE("batch lab: filter-normalized perturbation and the dataset loss") {
    std::string err;
    auto m = models::build_arch("tiny_shufflenet_v2", models::tiny_defaults(), &err);
    REQUIRE(m.has_value());
    // Radius 0 changes nothing; radius r moves each conv/fc filter by exactly r times its norm.
    CHECK(lab::perturb_filters(*m, 0.0, 1).weights == m->weights);
    const auto p = lab::perturb_filters(*m, 0.1, 1);
    const auto q = lab::perturb_filters(*m, 0.1, 2);
    CHECK(p.weights != q.weights);  // another direction
    int filters = 0;
    for (const auto& n : m->nodes) {
        if ((n.type != engine::op::op_conv2d && n.type != engine::op::op_fc) || n.cout <= 0) continue;
        const std::size_t per = n.w_count / static_cast<std::size_t>(n.cout);
        for (int c = 0; c < n.cout; c += 7) {
            double wn = 0, dn = 0;
            for (std::size_t i = 0; i < per; ++i) {
                const std::size_t k = n.w_off + static_cast<std::size_t>(c) * per + i;
                wn += static_cast<double>(m->weights[k]) * m->weights[k];
                dn += static_cast<double>(p.weights[k] - m->weights[k]) * (p.weights[k] - m->weights[k]);
            }
            CHECK(std::sqrt(dn) == doctest::Approx(0.1 * std::sqrt(wn)).epsilon(1e-3));
            ++filters;
        }
    }
    CHECK(filters > 20);
    std::optional<data::dataset> test, train;
    REQUIRE(lab::load_page_subsets(&test, &train).empty());
    const double l = lab::dataset_loss(*m, *train, 60);
    CHECK(std::isfinite(l));
    CHECK(l > 1.0);  // an untrained 10-class net: ln 10 or more
    CHECK(lab::dataset_loss(*m, *train, 60) == l);
}

TEST_CASE("batch lab: three arms, same epochs, probe at radius 0 is the training loss") {
    lab::batch_job j;
    lab::batch_settings s;
    s.model = "tiny_shufflenet_v2";
    s.small_batch = 8;
    s.large_batch = 32;
    s.lr = 0.02;
    s.epochs = 2;
    s.train_limit = 64;
    s.eval_limit = 20;
    s.radii = {0.0, 0.1};
    s.directions = 2;
    s.probe_images = 20;
    REQUIRE(j.start(s).empty());
    int ticks = 0;
    while (j.tick(0.0)) REQUIRE(++ticks < 100000);
    const auto& r = j.result();
    CHECK(r.finished);
    REQUIRE(r.arms.size() == 3);
    CHECK(r.arms[0].steps == 2 * (64 / 8));
    CHECK(r.arms[1].steps == 2 * (64 / 32));
    CHECK(r.arms[2].steps == 2 * (64 / 32));
    CHECK(r.arms[1].lr == doctest::Approx(0.02));
    CHECK(r.arms[2].lr == doctest::Approx(0.02 * 32 / 8));
    for (const auto& a : r.arms) {
        CAPTURE(a.name);
        REQUIRE(a.epochs.size() == 2);
        CHECK(a.epochs[1].seconds > 0);
        CHECK(a.epochs[1].test_accuracy >= 0);
        REQUIRE(a.sharpness.size() == 2);
        CHECK(std::isfinite(a.sharpness[1]));
    }
    const auto js = j.state_json();
    CHECK(js["arms"].size() == 3);
    CHECK(js["arms"][2]["name"] == "large_scaled");

    lab::batch_settings bad = s;
    bad.large_batch = 8;  // not larger than the small one
    CHECK(j.start(bad).find("large batch") != std::string::npos);
    bad = s;
    bad.radii = {0.1, 0.0};
    CHECK(j.start(bad).find("increase") != std::string::npos);
    bad = s;
    bad.model = "mobilenet_v2";
    CHECK(j.start(bad).find("tiny") != std::string::npos);
    bad = s;
    bad.train_limit = 16;  // less than one large batch
    CHECK_FALSE(j.start(bad).empty());
    CHECK(j.result().arms.size() == 3);  // the last result is kept
}
