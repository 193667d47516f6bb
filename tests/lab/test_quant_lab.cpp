// The Quantization panel's state: configure, the sliced job, histograms and the conv trace.
#include "lab/quant_lab.h"

#include <doctest/doctest.h>

using namespace es;

TEST_CASE("quant lab: configure, trace an integer conv output, histograms, bad settings") {
    lab::quant_lab q;
    REQUIRE(q.load_data().empty());
    lab::quant_settings s;
    s.model = "tiny_mobilenet_v3";
    s.calib_images = 64;
    REQUIRE(q.configure(s).empty());
    REQUIRE(q.ready());
    CHECK(!q.errors().empty());
    REQUIRE(q.weight_layers().size() > 5);
    // The worked trace equals what the engine stored, for a first conv (padding), a depthwise
    // and a pointwise layer and the classifier.
    const auto& g = q.quantized().graph;
    int checked = 0;
    for (int node : q.weight_layers()) {
        const auto& n = g.nodes[static_cast<std::size_t>(node)];
        const auto out = g.tensors[static_cast<std::size_t>(n.out[0])];
        std::string err;
        auto t = q.trace(node, 3, 0, std::max(0, out.w - 1), out.c - 1, &err);
        REQUIRE_MESSAGE(t.has_value(), err);
        CHECK(t->out_q == t->engine_q);
        CHECK(t->acc == t->bias + t->sum);
        CHECK(t->xq.size() == t->wq.size());
        // The dequantized integer result is close to the float model's value.
        const double deq = t->s_out * (t->out_q - t->zp_out);
        CHECK(std::fabs(deq - t->real_float) <= 8.0 * t->s_out + 0.05 * std::fabs(t->real_float));
        ++checked;
    }
    CHECK(checked == static_cast<int>(q.weight_layers().size()));
    std::string err;
    CHECK_FALSE(q.trace(0, 0, 0, 0, 0, &err).has_value());
    CHECK_FALSE(q.trace(q.weight_layers()[0], 0, 999, 0, 0, &err).has_value());
    CHECK(err.find("outside") != std::string::npos);
    auto h = q.weight_histogram(q.weight_layers()[1], 0, 32);
    int total = 0;
    for (int c : h.counts) total += c;
    CHECK(total > 0);
    CHECK(h.lo < h.hi);
    CHECK(q.weight_scale(q.weight_layers()[1], 0) > 0.0f);
    auto a = q.activation_histogram(0, 16);
    CHECK(a.counts.size() == 16);
    // Bad settings leave the current quantization in place.
    lab::quant_settings bad = s;
    bad.weight_bits = 9;
    CHECK(q.configure(bad).find("weight bits") != std::string::npos);
    CHECK(q.ready());
    CHECK(q.settings().weight_bits == 8);
    bad = s;
    bad.calib_images = 0;
    CHECK(q.configure(bad).find("calibration") != std::string::npos);
    bad = s;
    bad.model = "no_such_model";
    CHECK_FALSE(q.configure(bad).empty());
}

TEST_CASE("quant lab: the sliced job evaluates both engines and times them") {
    lab::quant_lab q;
    lab::quant_settings s;
    s.model = "tiny_mobilenet_v3";
    s.calib_images = 32;
    REQUIRE(q.configure(s).empty());
    REQUIRE(q.start().empty());
    int ticks = 0;
    while (q.tick(50.0)) ++ticks;
    CHECK(ticks > 3);  // it really was sliced
    const auto& r = q.results();
    REQUIRE(r.fp32_accuracy.has_value());
    REQUIRE(r.int8_accuracy.has_value());
    CHECK(*r.fp32_accuracy > 0.85);
    CHECK(*r.int8_accuracy > *r.fp32_accuracy - 0.03);
    CHECK(r.evaluated == 2000);
    REQUIRE(r.fp32_ms.has_value());
    REQUIRE(r.int8_ms.has_value());
    CHECK(r.int8_bytes < r.fp32_bytes / 3);
    CHECK(q.state_json()["phase"] == "idle");
    // A second run reuses the FP32 accuracy; cancel stops it.
    REQUIRE(q.start().empty());
    CHECK(q.state_json()["phase"] == "eval_int8");
    q.cancel();
    CHECK_FALSE(q.busy());
}

TEST_CASE("quant lab: a short QAT fine-tune in slices, evaluated beside PTQ at the same bits") {
    lab::quant_lab q;
    lab::quant_settings s;
    s.model = "tiny_mobilenet_v3";
    s.weight_bits = 4;
    s.calib_images = 64;
    REQUIRE(q.configure(s).empty());
    // Bad QAT settings are refused and start nothing.
    CHECK(q.start_qat({.steps = 0}).find("steps") != std::string::npos);
    CHECK(q.start_qat({.steps = 10, .batch = 0}).find("batch") != std::string::npos);
    CHECK(q.start_qat({.steps = 10, .batch = 8, .lr = -1}).find("learning rate") != std::string::npos);
    CHECK_FALSE(q.busy());
    REQUIRE(q.start_qat({.steps = 24, .batch = 16}).empty());
    CHECK(q.state_json()["phase"] == "qat_train");
    int ticks = 0;
    while (q.tick(20.0)) ++ticks;
    CHECK(ticks > 10);  // one optimizer step per slice at most while training
    CHECK(q.message() == "done");
    const auto& r = q.qat_results();
    CHECK(r.step == 24);
    CHECK(r.loss.size() == 24);
    CHECK(r.weight_bits == 4);
    REQUIRE(r.accuracy_int8.has_value());
    CHECK(*r.accuracy_int8 > 0.8);
    CHECK(r.evaluated == 2000);
    CHECK(r.bytes > 0);
    // PTQ at the same bits and FP32 were measured too, for the side-by-side table.
    REQUIRE(q.results().fp32_accuracy.has_value());
    REQUIRE(q.results().int8_accuracy.has_value());
    CHECK(*q.results().int8_accuracy > 0.5);
    const auto j = q.state_json()["qat"];
    CHECK(j["weight_bits"] == 4);
    CHECK(j["accuracy_int8"].get<double>() == doctest::Approx(*r.accuracy_int8));
    CHECK(j["lr"].get<double>() > 0);  // the automatic learning rate, resolved
    // Cancelling a running fine-tune stops it.
    REQUIRE(q.start_qat({.steps = 50, .batch = 8}).empty());
    q.tick(5.0);
    q.cancel();
    CHECK_FALSE(q.busy());
    CHECK(q.message() == "cancelled");
}
