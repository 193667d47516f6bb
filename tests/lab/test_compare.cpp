// The side-by-side comparison: every cell measured in slices, equal to eval's accuracy,
// cancel and re-run, exports, bad input.
#include "api/dispatcher.h"
#include "lab/compare.h"

#include <doctest/doctest.h>

using namespace es;

TEST_CASE("compare job: cells measured in slices, accuracy equal to eval, speedups, exports") {
    lab::compare_job j;
    lab::compare_options o;
    o.runs = 3;
    o.runs_b32 = 1;
    o.warm_ms = 0;
    o.limit = 200;
    REQUIRE(j.start({"tiny_mobilenet_v3"}, {"fp32", "int8"}, o).empty());
    CHECK(j.busy());
    int ticks = 0;
    while (j.tick(5.0)) ++ticks;
    CHECK(ticks > 5);  // sliced
    CHECK(j.progress() == doctest::Approx(1.0));
    REQUIRE(j.cells().size() == 2);
    for (const auto& c : j.cells()) {
        CHECK_MESSAGE(c.status == lab::cell_status::done, c.error);
        REQUIRE(c.accuracy.has_value());
        CHECK(c.evaluated == 200);
        CHECK(c.latency_ms_b1.value_or(0) > 0);
        CHECK(c.latency_ms_b32.value_or(0) > 0);
        CHECK(c.macs > 1000000);
        const api::json e = api::run({{"cmd", "eval"}, {"model", c.model}, {"variant", c.variant}, {"subset", "web"}, {"limit", 200}});
        CHECK(*c.accuracy == doctest::Approx(e["accuracy"].get<double>()));
        CHECK(c.weight_bytes == e["weight_bytes"].get<std::size_t>());
    }
    // The fp32 cell timed the model's depthwise-separable pairs against standard convs.
    const auto& f = j.cells()[0];
    CHECK(f.dsc_pairs >= 4);
    CHECK(f.dsc_macs_standard > 4 * f.dsc_macs_separable);
    CHECK(f.dsc_ms_separable.value_or(0) > 0);
    CHECK(f.dsc_ms_standard.value_or(0) > *f.dsc_ms_separable);  // fewer MACs and faster, by a wide margin here
    CHECK(j.cells()[1].dsc_pairs == 0);                          // only fp32 cells carry it
    CHECK(j.markdown().find("depthwise-separable pairs") != std::string::npos);
    CHECK(j.cells()[0].predicted_speedup == 1.0);
    CHECK(j.cells()[1].predicted_speedup == 4.0);
    CHECK(j.cells()[0].measured_speedup.value_or(0) == doctest::Approx(1.0));
    CHECK(j.cells()[1].measured_speedup.has_value());
    const auto rows = j.rows_json()["rows"];
    REQUIRE(rows.size() == 2);
    for (const char* k : {"model", "variant", "accuracy", "latency_ms_b1", "latency_ms_b32", "weight_bytes", "macs",
                          "predicted_speedup", "measured_speedup", "dsc_pairs", "dsc_predicted_speedup", "dsc_measured_speedup"})
        CHECK_MESSAGE(rows[1].contains(k), k);
    CHECK(rows[0]["dsc_measured_speedup"].is_number());
    CHECK(rows[1]["dsc_measured_speedup"].is_null());
    CHECK(j.csv().find("tiny_mobilenet_v3,int8,done,") != std::string::npos);
    CHECK(j.markdown().find("| tiny_mobilenet_v3 | int8 |") != std::string::npos);

    // Re-run one cell: it alone is measured again; starting the same set again measures nothing.
    REQUIRE(j.rerun(1).empty());
    CHECK(j.cells()[1].status == lab::cell_status::pending);
    CHECK_FALSE(j.cells()[1].accuracy.has_value());
    while (j.tick(50.0)) {}
    CHECK(j.cells()[1].status == lab::cell_status::done);
    REQUIRE(j.start({"tiny_mobilenet_v3"}, {"fp32", "int8"}, o).empty());
    CHECK_FALSE(j.busy());
    // Cancel: the running cell says so, the rest wait.
    REQUIRE(j.start({"tiny_mobilenet_v3", "tiny_shufflenet_v2"}, {"fp32"}, o).empty());
    j.tick(1.0);
    j.tick(1.0);
    j.cancel();
    CHECK_FALSE(j.busy());
    CHECK(j.cells()[2].status == lab::cell_status::cancelled);
    CHECK(j.rerun(99).find("no cell") != std::string::npos);
}

TEST_CASE("compare: bad models, variants and options are refused") {
    lab::compare_job j;
    CHECK(j.start({"nosuch"}, {"fp32"}, {}).find("nosuch") != std::string::npos);
    CHECK(j.start({"tiny_mobilenet_v3"}, {"int3"}, {}).find("int3") != std::string::npos);
    CHECK_FALSE(j.start({}, {"fp32"}, {}).empty());
    lab::compare_options o;
    o.runs = 0;
    CHECK(j.start({"tiny_mobilenet_v3"}, {"fp32"}, o).find("runs") != std::string::npos);
    CHECK(j.cells().empty());
    CHECK(api::is_error(api::run({{"cmd", "compare"}, {"models", "tiny_mobilenet_v3,,x"}})));
    CHECK(api::is_error(api::run({{"cmd", "compare"}, {"variants", "fp32,bogus"}})));
}

TEST_CASE("pareto front: faster or more accurate, never both worse") {
    //                      0    1    2    3    4    5
    const std::vector<double> ms = {1.0, 0.5, 2.0, 0.5, 1.5, 3.0};
    const std::vector<double> acc = {0.90, 0.80, 0.95, 0.85, 0.89, 0.95};
    const auto f = lab::pareto_front(ms, acc);
    // 3 (0.5 ms, 0.85) beats 1; 0 (1 ms, 0.90); 4 is slower and worse than 0; 2 (0.95); 5 ties 2 but slower.
    REQUIRE(f.size() == 3);
    CHECK(f[0] == 3);
    CHECK(f[1] == 0);
    CHECK(f[2] == 2);
    CHECK(lab::pareto_front({}, {}).empty());
}
