// The INT8 graph, calibration and the integer-only executor.
#include "data/fashion_mnist.h"
#include "engine/kernels/qnn.h"
#include "engine/session.h"
#include "models/model_file.h"
#include "models/models.h"
#include "models/shipped.h"
#include "quant/calibrate.h"
#include "quant/ptq.h"
#include "quant/qsession.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

using namespace es;

namespace {

engine::model tiny(const std::string& name) {
    std::string err;
    auto m = models::build_arch(name, models::tiny_defaults(), &err);
    REQUIRE_MESSAGE(m.has_value(), err);
    return *m;
}

std::vector<float> noise_images(int count, int pixels, std::uint64_t seed) {
    std::vector<float> v(static_cast<std::size_t>(count) * pixels);
    for (auto& x : v) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        x = static_cast<float>((seed >> 40) & 0xFFFF) / 65535.0f * 3.0f - 0.8f;
    }
    return v;
}

// A 1x1 conv (2 -> 1 channels) with known weights, no batch norm, ReLU fused.
engine::model one_conv() {
    engine::graph_builder b("one", {1, 1, 1, 2});
    int x = b.conv(b.input(), 1, 1, 1, 1, /*bn=*/false, "c");
    x = b.act(x, engine::act::act_relu);
    engine::model m = b.finish(x);
    auto& n = m.nodes[1];
    m.weights[n.w_off] = 0.5f;
    m.weights[n.w_off + 1] = -1.0f;
    m.weights[n.b_off] = 0.25f;
    return m;
}

}  // namespace

TEST_CASE("int8_graph splits LUT activations off and computes the same function") {
    const engine::model m = tiny("tiny_mobilenet_v3");
    const engine::model g = quant::int8_graph(m);
    const engine::model f = engine::optimize(m);
    int fused_lut = 0;
    for (const auto& n : g.nodes)
        if (n.type != engine::op::op_act)
            fused_lut += n.activation == engine::act::act_hswish || n.activation == engine::act::act_hsigmoid ||
                         n.activation == engine::act::act_sigmoid;
    CHECK(fused_lut == 0);
    CHECK(g.nodes.size() > f.nodes.size());
    CHECK(engine::validate(g).empty());
    engine::session a, b;
    REQUIRE(a.prepare(f, 2).empty());
    REQUIRE(b.prepare(g, 2).empty());
    auto img = noise_images(2, 28 * 28, 7);
    std::copy(img.begin(), img.end(), a.input());
    std::copy(img.begin(), img.end(), b.input());
    a.run();
    b.run();
    for (std::size_t i = 0; i < a.output_shape().numel(); ++i) CHECK(b.output()[i] == doctest::Approx(a.output()[i]).epsilon(1e-4));
}

TEST_CASE("calibration: min/max, moving average and percentile ranges, and bad input") {
    const engine::model g = quant::int8_graph(tiny("tiny_shufflenet_v2"));
    auto img = noise_images(40, 28 * 28, 3);
    std::string err;
    auto mm = quant::calibrate(g, img.data(), 40, {}, &err);
    REQUIRE_MESSAGE(mm.has_value(), err);
    quant::calib_options p;
    p.method = quant::calib_method::percentile;
    p.percentile = 99.0;
    auto pc = quant::calibrate(g, img.data(), 40, p, &err);
    REQUIRE_MESSAGE(pc.has_value(), err);
    quant::calib_options e;
    e.method = quant::calib_method::moving_average;
    auto ma = quant::calibrate(g, img.data(), 40, e, &err);
    REQUIRE(ma.has_value());
    const auto src = quant::param_source(g);
    int narrower = 0, checked = 0;
    for (std::size_t t = 0; t < g.tensors.size(); ++t) {
        if (src[t] != static_cast<int>(t)) continue;
        ++checked;
        // Percentiles and averages lie inside the overall min/max.
        CHECK(pc->tensor[t].lo >= mm->tensor[t].lo - 1e-6f);
        CHECK(pc->tensor[t].hi <= mm->tensor[t].hi + 1e-6f);
        CHECK(ma->tensor[t].lo >= mm->tensor[t].lo - 1e-6f);
        CHECK(ma->tensor[t].hi <= mm->tensor[t].hi + 1e-6f);
        narrower += (pc->tensor[t].hi - pc->tensor[t].lo) < 0.999f * (mm->tensor[t].hi - mm->tensor[t].lo);
    }
    CHECK(checked > 10);
    CHECK(narrower > checked / 2);  // 1% clipped on each side narrows almost every range
    // The input's range is the images' own.
    CHECK(mm->tensor[0].lo == doctest::Approx(*std::min_element(img.begin(), img.end())));
    CHECK_FALSE(quant::calibrate(g, img.data(), 0, {}, &err).has_value());
    CHECK(err.find("empty") != std::string::npos);
    p.percentile = 30;
    CHECK_FALSE(quant::calibrate(g, img.data(), 4, p, &err).has_value());
    CHECK(err.find("percentile") != std::string::npos);
}

TEST_CASE("a 1x1 conv in integers, by hand") {
    const engine::model g = quant::int8_graph(one_conv());
    // Input range [-1, 3] -> S = 4/255, Z = -64; output (ReLU) range [0, 2] -> S = 2/255, Z = -128.
    quant::calibration cal;
    cal.tensor.assign(g.tensors.size(), {0.0f, 2.0f});
    cal.tensor[0] = {-1.0f, 3.0f};
    cal.se_pooled.assign(g.nodes.size(), {});
    cal.se_hidden.assign(g.nodes.size(), {});
    quant::qsession s;
    REQUIRE(s.prepare(g, cal, {}, 1).empty());
    // x = (2.1, 0.5): 0.5*2.1 - 1*0.5 + 0.25 = 0.8.
    s.input()[0] = 2.1f;
    s.input()[1] = 0.5f;
    s.run();
    // Weights per channel: S_w = 1/127, q_w = (64, -127) (63.5 rounds away from zero).
    // x_q = (round(2.1 * 63.75) - 64, round(0.5 * 63.75) - 64) = (70, -32).
    // acc = 64*(70+64) + (-127)*(-32+64) + round(0.25 / (S_in S_w)) = 8576 - 4064 + 2024 = 6536.
    // y_q = -128 + round(6536 * S_in S_w / S_out) = -128 + round(6536 * 2/127 = 102.93) = -25.
    const auto& tq = s.tensor_params(g.output);
    CHECK(tq.zero_point == -128);
    CHECK(s.node_bias(1).at(0) == 2024);
    CHECK(s.node_weights(1).at(0) == 64);
    CHECK(s.node_weights(1).at(1) == -127);
    CHECK(s.output()[0] == doctest::Approx(tq.scale * (-25 + 128)));
    CHECK(s.output()[0] == doctest::Approx(0.8).epsilon(0.02));
    // ReLU as a clamp: a negative result stays at the zero point.
    s.input()[0] = -1.0f;
    s.input()[1] = 2.0f;
    s.run();
    CHECK(s.output()[0] == 0.0f);
}

TEST_CASE("every tiny architecture runs in integers close to float on the same input") {
    for (const auto& name : models::arch_names()) {
        if (!models::is_tiny(name)) continue;
        CAPTURE(name);
        const engine::model g = quant::int8_graph(tiny(name));
        auto img = noise_images(24, 28 * 28, 11);
        std::string err;
        auto cal = quant::calibrate(g, img.data(), 24, {}, &err);
        REQUIRE_MESSAGE(cal.has_value(), err);
        quant::quantized q{g, *cal, {}};
        // Per-layer error: every layer well above the noise floor of a few bits.
        auto errs = quant::layer_errors(q, img.data(), 8, &err);
        REQUIRE_MESSAGE(!errs.empty(), err);
        double worst = 1e9;
        for (const auto& e : errs) worst = std::min(worst, e.sqnr_db);
        CHECK(worst > 15.0);
        // Fewer bits lose signal: the output's SQNR falls with the weight bits.
        quant::quantized q4{g, *cal, {}};
        q4.opt.weight_bits = 4;
        auto errs4 = quant::layer_errors(q4, img.data(), 8, &err);
        REQUIRE(errs4.size() == errs.size());
        CHECK(errs4.back().sqnr_db < errs.back().sqnr_db);
        // Batch-independent: one image at a time gives the same logits as a batch of 4.
        quant::qsession one, four;
        REQUIRE(one.prepare(g, *cal, {}, 1).empty());
        REQUIRE(four.prepare(g, *cal, {}, 4).empty());
        std::copy_n(img.begin(), four.input_count(), four.input());
        four.run();
        const std::size_t per = one.input_count(), classes = static_cast<std::size_t>(one.output_shape().c);
        for (int i = 0; i < 4; ++i) {
            std::copy_n(img.begin() + static_cast<std::ptrdiff_t>(i * per), per, one.input());
            one.run();
            for (std::size_t c = 0; c < classes; ++c) CHECK(one.output()[c] == four.output()[i * classes + c]);
        }
    }
}

TEST_CASE("options and calibrations that do not fit are refused with a message") {
    const engine::model g = quant::int8_graph(tiny("tiny_mobilenet_v1"));
    auto img = noise_images(4, 28 * 28, 5);
    std::string err;
    auto cal = quant::calibrate(g, img.data(), 4, {}, &err);
    REQUIRE(cal.has_value());
    quant::qsession s;
    quant::ptq_options o;
    o.weight_bits = 1;
    CHECK(s.prepare(g, *cal, o, 1).find("weight bits") != std::string::npos);
    o.weight_bits = 8;
    o.act_bits = 9;
    CHECK(s.prepare(g, *cal, o, 1).find("activation bits") != std::string::npos);
    quant::calibration wrong = *cal;
    wrong.tensor.pop_back();
    CHECK(s.prepare(g, wrong, {}, 1).find("does not belong") != std::string::npos);
    CHECK(s.prepare(g, *cal, {}, 0).find("batch") != std::string::npos);
    data::dataset empty;
    CHECK_FALSE(quant::quantize_ptq(tiny("tiny_mobilenet_v1"), empty, 16, {}, {}, &err).has_value());
    CHECK(err.find("empty") != std::string::npos);
}

TEST_CASE("the shipped tiny MobileNet V2 keeps its accuracy in INT8 on 500 test images") {
    std::string err;
    auto path = models::resolve_model("tiny_mobilenet_v2", &err);
    REQUIRE_MESSAGE(path.has_value(), err);
    auto m = models::load_model_file(*path, &err);
    REQUIRE_MESSAGE(m.has_value(), err);
    auto train_set = data::load_fashion_mnist(data::fashion_mnist_dir(), data::split::train, &err);
    auto test_set = data::load_fashion_mnist(data::fashion_mnist_dir(), data::split::test, &err);
    REQUIRE_MESSAGE((train_set && test_set), err);
    auto q = quant::quantize_ptq(*m, *train_set, 128, {}, {}, &err);
    REQUIRE_MESSAGE(q.has_value(), err);
    const auto f = train::evaluate(*m, *test_set, 500);
    const auto i8 = quant::evaluate_int8(*q, *test_set, 500);
    CHECK(i8.n == 500);
    CHECK(i8.accuracy >= f.accuracy - 0.02);
    // The predictions are the network's, not a constant: most classes are predicted.
    int predicted = 0;
    for (int c = 0; c < 10; ++c) predicted += i8.per_class[static_cast<std::size_t>(c)] > 0.5;
    CHECK(predicted >= 8);
    // 2-bit weights per tensor wreck it: the quantization matters.
    quant::quantized bad = *q;
    bad.opt.weight_bits = 2;
    bad.opt.per_channel = false;
    CHECK(quant::evaluate_int8(bad, *test_set, 500).accuracy < f.accuracy - 0.2);
}

TEST_CASE("fewer activation bits: every int8 tensor stays on its narrower grid") {
    for (const char* name : {"tiny_mobilenet_v3", "tiny_shufflenet_v1"}) {
        CAPTURE(name);
        const engine::model g = quant::int8_graph(tiny(name));
        auto img = noise_images(8, 28 * 28, 21);
        std::string err;
        auto cal = quant::calibrate(g, img.data(), 8, {}, &err);
        REQUIRE(cal.has_value());
        quant::ptq_options o;
        o.act_bits = 4;
        o.weight_bits = 4;
        quant::qsession s;
        REQUIRE(s.prepare(g, *cal, o, 2).empty());
        int outside = 0, seen = 0;
        s.set_observer([&](const quant::qsession::observation& ob) {
            const int t = ob.node == 0 ? 0 : g.nodes[static_cast<std::size_t>(ob.node)].out[static_cast<std::size_t>(ob.which)];
            const auto& p = s.tensor_params(t);
            CHECK(p.qmin == -8);
            CHECK(p.qmax == 7);
            for (std::size_t i = 0; i < ob.count; ++i) outside += ob.data[i] < p.qmin || ob.data[i] > p.qmax;
            ++seen;
        });
        std::copy_n(img.begin(), s.input_count(), s.input());
        s.run();
        CHECK(seen > 10);
        CHECK(outside == 0);
    }
}
