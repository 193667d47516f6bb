// The Once-for-All lab: the Pareto front, evolution's child, a whole small run (sampling,
// both searches within the budget, the same numbers again with the same seed), a sub-network
// the user picks, refusals.
#include "lab/ofa_lab.h"

#include "nas/ofa_train.h"

#include "support/model_fixtures.h"

#include <doctest/doctest.h>

#include <cstdio>
#include <set>

using namespace es;

namespace {

lab::ofa_point pt(double acc, double ms) {
    lab::ofa_point p;
    p.accuracy = acc;
    p.latency_ms = ms;
    return p;
}

}  // namespace

TEST_CASE("ofa lab: the Pareto front") {
    const std::vector<lab::ofa_point> pts = {pt(0.80, 1.0), pt(0.85, 2.0), pt(0.82, 2.5), pt(0.90, 3.0),
                                             pt(0.70, 0.5), pt(0.95, 5.0), pt(-1, 0.1),   pt(0.80, 1.0)};
    // 0.70@0.5 < 0.80@1.0 < 0.85@2.0 < 0.90@3.0 < 0.95@5.0; 0.82@2.5 is beaten by 0.85@2.0, the
    // untested point (-1) and the tie at 1.0 are not on it.
    CHECK(lab::pareto_front(pts) == std::vector<int>{4, 0, 1, 3, 5});
    CHECK(lab::pareto_front({}).empty());
}

TEST_CASE("ofa lab: evolution's child takes its genes from its parents") {
    const nas::ofa_space s;
    const auto a = nas::largest(s), b = nas::smallest(s);
    bool from_a = false, from_b = false;
    for (std::uint64_t seed = 1; seed < 30; ++seed) {
        const auto c = lab::crossover_mutate(s, a, b, 0.0, seed);
        CHECK(nas::check_config(s, c).empty());
        for (std::size_t i = 0; i < c.depth.size(); ++i) CHECK((c.depth[i] == a.depth[i] || c.depth[i] == b.depth[i]));
        for (std::size_t i = 0; i < c.kernel.size(); ++i) {
            CHECK((c.kernel[i] == a.kernel[i] || c.kernel[i] == b.kernel[i]));
            CHECK((c.expand[i] == a.expand[i] || c.expand[i] == b.expand[i]));
            from_a = from_a || c.kernel[i] == a.kernel[i];
            from_b = from_b || c.kernel[i] == b.kernel[i];
        }
        // Same parents, mutation 0: the child of a and a is a.
        CHECK(nas::config_text(lab::crossover_mutate(s, a, a, 0.0, seed)) == nas::config_text(a));
        CHECK(nas::check_config(s, lab::crossover_mutate(s, a, b, 1.0, seed)).empty());
    }
    CHECK(from_a);
    CHECK(from_b);
}

TEST_CASE("ofa lab: sampling, both searches under the budget, repeatable") {
    const nas::ofa_space s = testing::small_ofa_space();
    const std::string path = "ofa_lab_test_supernet.esw";
    REQUIRE(nas::save_supernet(path, nas::build_supernet(s, 3), s).empty());
    lab::ofa_settings st;
    st.supernet = path;
    st.samples = 3;
    st.evals = 4;
    st.population = 2;
    st.recal_images = 60;
    st.eval_limit = 30;
    st.latency_runs = 3;
    lab::ofa_job j;
    REQUIRE(j.start(st).empty());
    int ticks = 0;
    while (j.tick(5.0)) ++ticks;
    REQUIRE_MESSAGE(j.result().finished, j.message());
    CHECK(ticks > 3);
    const auto& r = j.result();
    CHECK(r.n == 30);
    CHECK(r.recal_n == 50);  // whole batches of 25
    REQUIRE(r.points.size() >= 5);
    CHECK(r.points[0].source == "largest");
    CHECK(r.points[0].config == nas::config_text(nas::largest(s)));
    CHECK(r.points[1].source == "smallest");
    CHECK(r.points[0].macs > r.points[1].macs);
    CHECK(r.points[0].params > r.points[1].params);
    CHECK(r.budget_ms > 0);  // the median of the sampled latencies
    for (const auto& p : r.points) {
        CHECK(p.accuracy >= 0.0);
        CHECK(p.accuracy <= 1.0);
        CHECK(p.latency_ms > 0.0);
    }
    REQUIRE(r.searches.size() == 2);
    for (const auto& sr : r.searches) {
        CHECK(sr.tested.size() == 4u);  // the small space has enough sub-networks within the budget
        CHECK(sr.best_point >= 0);
        CHECK(sr.best.size() == sr.tested.size());
        for (std::size_t i = 1; i < sr.best.size(); ++i) CHECK(sr.best[i] >= sr.best[i - 1]);
        for (int t : sr.tested) CHECK(r.points[static_cast<std::size_t>(t)].latency_ms <= r.budget_ms);
        if (!sr.tested.empty()) CHECK(sr.best_point >= 0);
    }
    // Evolution never tests one network twice (configs differing only in dropped blocks are one).
    std::set<std::string> evo;
    for (int t : r.searches[1].tested) evo.insert(nas::config_text(nas::canonical(s, *nas::parse_config(s, r.points[static_cast<std::size_t>(t)].config, nullptr))));
    CHECK(evo.size() == r.searches[1].tested.size());
    CHECK_FALSE(r.pareto.empty());
    const auto json = lab::to_json(r);
    CHECK(json["points"].size() == r.points.size());
    CHECK(json["searches"][1]["name"] == "evolution");

    // The same seed draws the same sub-networks and scores them the same (latency aside).
    lab::ofa_job k;
    st.search = false;
    REQUIRE(k.start(st).empty());
    while (k.tick(50.0)) {
    }
    REQUIRE(k.result().points.size() == 5);
    for (std::size_t i = 0; i < 5; ++i) {
        CHECK(k.result().points[i].config == r.points[i].config);
        CHECK(k.result().points[i].accuracy == r.points[i].accuracy);
    }
    CHECK(k.result().searches.empty());

    // A sub-network the user picks.
    CHECK(k.measure("d1,1-k3,3,3,3-e2,2,2,2").empty());
    CHECK(k.busy());
    while (k.tick(50.0)) {
    }
    // The smallest one was tested already: measured again in place, and listed as the user's.
    REQUIRE(k.result().manual.size() == 1);
    CHECK(k.result().manual[0] == 1);
    CHECK(k.result().points.size() == 5);
    CHECK(k.measure("d2,2-k5,5,5,5-e2,2,2,2").empty());
    while (k.tick(50.0)) {
    }
    REQUIRE(k.result().manual.size() == 2);
    CHECK(k.result().points.back().source == "manual");
    CHECK(k.result().points.back().config == "d2,2-k5,5,5,5-e2,2,2,2");
    CHECK(k.result().manual[1] == static_cast<int>(k.result().points.size()) - 1);
    std::string bad = k.measure("d1,1-k4,3,3,3-e2,2,2,2");
    CHECK(bad.find("kernel 4") != std::string::npos);
    CHECK_FALSE(k.busy());
    // A refused start leaves the last run and its supernet as they were.
    const auto before = k.result().points.size();
    lab::ofa_settings worse = st;
    worse.supernet = "no/such/file.esw";
    CHECK_FALSE(k.start(worse).empty());
    CHECK(k.result().points.size() == before);
    CHECK(k.measure("d1,1-k3,3,3,3-e2,2,2,2").empty());  // still the small space's supernet
    while (k.tick(50.0)) {
    }
    CHECK(k.result().finished);
    std::remove(path.c_str());
}

TEST_CASE("ofa lab: refusals") {
    lab::ofa_settings st;
    st.population = 1;
    CHECK(lab::check_settings(st).find("population") != std::string::npos);
    st = {};
    st.budget_ms = -1;
    CHECK(lab::check_settings(st).find("budget-ms") != std::string::npos);
    st = {};
    st.supernet = "no/such/file.esw";
    lab::ofa_job j;
    CHECK_FALSE(j.start(st).empty());
    CHECK_FALSE(j.busy());
    CHECK(j.measure("d1,2,2-k3,3,3,3,3,3,3,3-e3,3,3,3,3,3,3,3").find("run the lab once") != std::string::npos);
}
