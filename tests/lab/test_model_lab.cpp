// model_lab: the page's Model lab without drawing — evaluation in slices equals the CLI's,
// look-inside gives every layer and a probability distribution, fine-tuning in steps.
#include "lab/model_lab.h"
#include "models/model_file.h"
#include "models/models.h"

#include <doctest/doctest.h>

#include <numeric>
#include <stdlib.h>

using namespace es;

namespace {
std::string fresh_model_file(const char* arch) {
    char tmpl[] = "/tmp/edgestudy-lab-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    const std::string path = std::string(tmpl) + "/m.esw";
    std::string err;
    auto m = models::build_arch(arch, models::tiny_defaults(), &err);
    REQUIRE_MESSAGE(m, err);
    REQUIRE(models::save_model_file(path, *m, arch, models::tiny_defaults()).empty());
    return path;
}
}  // namespace

TEST_CASE("tile_channels: channels in a near-square grid with one-value gaps; range over real values") {
    // 2x3 maps, 5 channels: grid 3 columns x 2 rows.
    std::vector<float> x(2 * 3 * 5);
    std::iota(x.begin(), x.end(), 1.0f);  // value = 1 + (y*3 + x)*5 + k
    const auto t = lab::tile_channels(x.data(), 2, 3, 5);
    CHECK(t.grid_cols == 3);
    CHECK(t.grid_rows == 2);
    CHECK(t.rows == 2 * 2 + 1);
    CHECK(t.cols == 3 * 3 + 2);
    // Channel 4 sits at grid row 1, column 1: its (y=1, x=2) value.
    CHECK(t.data[static_cast<std::size_t>(3 + 1) * t.cols + (4 + 2)] == 1.0f + (1 * 3 + 2) * 5 + 4);
    CHECK(t.data[2 * static_cast<std::size_t>(t.cols)] == lab::tile_gap);  // the gap row
    CHECK(t.data.back() == lab::tile_gap);                                 // grid cell 5 is empty
    CHECK(t.vmin == 1.0f);
    CHECK(t.vmax == 30.0f);
    // 1x1 maps (after global pooling) form one row without gaps.
    const auto r = lab::tile_channels(x.data(), 1, 1, 7);
    CHECK(r.rows == 1);
    CHECK(r.cols == 7);
}

TEST_CASE("model lab: evaluation in slices makes the CLI's predictions; look inside; fine-tune in steps") {
    lab::model_lab lab;
    REQUIRE(lab.load_data().empty());
    CHECK(lab.test_set().count == 2000);
    CHECK(lab.train_set().count == 6000);
    CHECK(lab.start_eval() == "no model selected");
    CHECK_FALSE(lab.select("/nonexistent/m.esw").empty());

    const std::string path = fresh_model_file("tiny_mobilenet_v2");
    REQUIRE(lab.select(path).empty());
    REQUIRE(lab.start_eval().empty());
    CHECK(lab.busy());
    int ticks = 0;
    while (lab.tick(0.0)) ++ticks;  // a zero budget still does one batch per tick
    CHECK(ticks == 19);             // 20 batches of 100
    REQUIRE(lab.eval_result());
    const auto whole = train::evaluate(lab.model(), lab.test_set(), 0, 100);
    CHECK(lab.eval_result()->predictions == whole.predictions);
    CHECK(lab.eval_result()->n == 2000);
    CHECK(lab.baseline_accuracy() == whole.accuracy);
    const auto j = lab.state_json();
    CHECK(j["eval"]["predictions_hash"] == train::predictions_hash(whole.predictions));

    // Look inside.
    CHECK_FALSE(lab.inspect_test_image(2000).empty());
    REQUIRE(lab.inspect_test_image(5).empty());
    CHECK(lab.inspected_label() == lab.test_set().labels[5]);
    CHECK(lab.layers().size() > 10);
    const float sum = std::accumulate(lab.probabilities().begin(), lab.probabilities().end(), 0.0f);
    CHECK(sum == doctest::Approx(1.0f).epsilon(1e-5));
    CHECK(lab.predicted() == std::max_element(lab.probabilities().begin(), lab.probabilities().end()) -
                                 lab.probabilities().begin());
    // The first layer is the stem convolution (3x3 stride 1: 28x28x16 maps), its weights a matrix.
    const auto& first = lab.layers().front();
    CHECK(first.shape.h == 28);
    CHECK(first.shape.c == 16);
    CHECK(first.has_weights);
    CHECK(first.maps.vmax >= first.maps.vmin);
    const auto w = lab.layer_weights(0);
    CHECK(w.rows == first.shape.c);
    CHECK(w.cols == 3 * 3 * 1);
    bool saw_dw = false;
    for (int i = 0; i < static_cast<int>(lab.layers().size()); ++i)
        if (lab.layers()[static_cast<std::size_t>(i)].op == "depthwise") {
            saw_dw = true;
            const auto dw = lab.layer_weights(i);
            CHECK(dw.cell_h == 3);
            CHECK(dw.grid_rows * dw.grid_cols >= lab.layers()[static_cast<std::size_t>(i)].shape.c);
            break;
        }
    CHECK(saw_dw);
    CHECK(lab.layer_weights(999).data.empty());

    // Fine-tune: bad options refused; a few steps run, then the lab evaluates again.
    CHECK_FALSE(lab.start_finetune({.steps = 0}).empty());
    CHECK_FALSE(lab.start_finetune({.steps = 5, .batch = 0}).empty());
    const auto before = lab.model().weights;
    REQUIRE(lab.start_finetune({.steps = 6, .batch = 8, .lr = 0.05f}).empty());
    while (lab.busy() && std::string(lab.job_name()) == "finetune") lab.tick(0.0);
    CHECK(lab.ft_steps_done() == 6);
    CHECK(lab.ft_loss().size() == 6);
    CHECK(lab.fine_tuned());
    CHECK(lab.model().weights != before);
    CHECK(std::string(lab.job_name()) == "eval");  // evaluates the fine-tuned weights next
    lab.cancel();
    CHECK_FALSE(lab.busy());
    CHECK(lab.message() == "cancelled");

    // Cancel during fine-tuning keeps the steps taken; reset goes back to the shipped weights.
    REQUIRE(lab.start_finetune({.steps = 50, .batch = 8}).empty());
    lab.tick(0.0);
    lab.cancel();
    CHECK(lab.ft_steps_done() >= 1);
    CHECK(lab.ft_steps_done() < 50);
    REQUIRE(lab.reset_weights().empty());
    CHECK_FALSE(lab.fine_tuned());
    CHECK(lab.model().weights == before);
}
