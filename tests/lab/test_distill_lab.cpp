// The distillation lab: two students from one initialization on the same batches; with alpha 0
// the distillation loss is the cross-entropy, so both arms must end identical; soft targets
// soften with T without reordering; refusals change nothing.
#include "lab/distill_lab.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

using namespace es;

namespace {

lab::distill_settings small() {
    lab::distill_settings s;
    s.teacher = "tiny_shufflenet_v2";
    s.student = "tiny_mobilenet_v2";
    s.student_width = 0.25;
    s.steps = 6;
    s.batch = 8;
    s.eval_every = 3;
    s.eval_limit = 40;
    s.train_limit = 64;
    return s;
}

void run(lab::distill_job& j) {
    int ticks = 0;
    while (j.tick(0.0)) REQUIRE(++ticks < 100000);
}

}  // namespace

TEST_CASE("distill lab: alpha 0 trains both arms alike; alpha > 0 differs; curves and sizes") {
    lab::distill_job j;
    auto s = small();
    s.alpha = 0.0;
    REQUIRE(j.start(s).empty());
    CHECK(j.busy());
    run(j);
    const auto& r = j.result();
    CHECK(r.finished);
    CHECK(j.message() == "done");
    REQUIRE(r.curve.size() == 2);
    CHECK(r.curve[0].step == 3);
    CHECK(r.curve[1].step == 6);
    CHECK(r.n == 40);
    CHECK(r.teacher_accuracy > 0.8);  // a trained teacher
    CHECK(r.student_params * 4 < r.teacher_params);
    CHECK(r.student_macs < r.teacher_macs);
    REQUIRE(r.loss_kd.size() == 6);
    for (std::size_t i = 0; i < r.curve.size(); ++i) CHECK(r.curve[i].accuracy_kd == r.curve[i].accuracy_scratch);
    for (std::size_t i = 0; i < r.loss_kd.size(); ++i) CHECK(r.loss_kd[i] == doctest::Approx(r.loss_scratch[i]).epsilon(1e-4));

    s.alpha = 0.9;
    REQUIRE(j.start(s).empty());
    run(j);
    const auto& r2 = j.result();
    REQUIRE(r2.loss_kd.size() == 6);
    // The soft term (T² · KL) changes the loss and the updates.
    CHECK(r2.loss_kd[0] != doctest::Approx(r2.loss_scratch[0]).epsilon(1e-3));
    CHECK(r2.loss_scratch == r.loss_scratch);  // the scratch arm does not depend on alpha
    const auto js = j.state_json();
    CHECK(js["curve"].size() == 2);
    CHECK(js["settings"]["alpha"] == 0.9);

    // Cancel keeps what was measured and stops.
    auto longer = s;
    longer.steps = 500;
    REQUIRE(j.start(longer).empty());
    j.tick(0.0);
    j.cancel();
    CHECK_FALSE(j.busy());
    CHECK(j.message() == "cancelled");
}

TEST_CASE("distill lab: soft targets, refusals") {
    lab::distill_job j;
    std::string err;
    const auto t1 = j.soft_targets("tiny_shufflenet_v2", 4, 1.0, &err);
    const auto t8 = j.soft_targets("tiny_shufflenet_v2", 4, 8.0, &err);
    REQUIRE(t1.size() == 10);
    REQUIRE(t8.size() == 10);
    CHECK(std::accumulate(t8.begin(), t8.end(), 0.0) == doctest::Approx(1.0));
    auto entropy = [](const std::vector<double>& p) {
        double h = 0;
        for (double x : p) h -= x > 0 ? x * std::log(x) : 0.0;
        return h;
    };
    CHECK(entropy(t8) > entropy(t1));
    CHECK(std::max_element(t8.begin(), t8.end()) - t8.begin() == std::max_element(t1.begin(), t1.end()) - t1.begin());
    CHECK(j.soft_targets("tiny_shufflenet_v2", 99999, 1.0, &err).empty());
    CHECK(err.find("image") != std::string::npos);
    CHECK(j.soft_targets("tiny_shufflenet_v2", 0, 0.0, &err).empty());
    CHECK(j.soft_targets("nosuch", 0, 1.0, &err).empty());

    REQUIRE(j.start(small()).empty());
    run(j);
    const auto before = j.result().curve;
    std::vector<lab::distill_settings> bad(6, small());
    bad[0].temperature = 0;
    bad[1].alpha = 1.5;
    bad[2].student = "mobilenet_v2";  // not a tiny preset
    bad[3].teacher = "nosuch";
    bad[4].student_width = 5;
    bad[5].steps = 0;
    for (const auto& b : bad) CHECK_FALSE(j.start(b).empty());
    CHECK_FALSE(j.busy());
    CHECK(j.result().curve.size() == before.size());
}
