// Quantization-aware training: fake quantization in bulk equals fake_quant(); the fake-quantized
// forward pass equals fake quantization applied by hand (a model on exact dyadic values); the
// straight-through estimator (clipped and identity) on hand-made cases; the moving-average
// ranges; a few QAT steps repair a 2-bit model; the stepwise trainer equals run_qat.
#include "data/fashion_mnist.h"
#include "engine/model.h"
#include "models/model_file.h"
#include "models/shipped.h"
#include "quant/qat.h"
#include "quant/qparams.h"
#include "train/graph.h"
#include "train/trainer.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

using namespace es;
using quant::range;

namespace {

bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// The data the training-based checks need: real Fashion-MNIST and a shipped model.
struct fixture {
    data::dataset train, test;
    engine::model model;
};
// tiny_mobilenet_v3 (the fastest preset) with the training set and 200 test images.
const fixture* mnv3_fixture() {
    static std::optional<fixture> f;
    static bool tried = false;
    if (!tried) {
        tried = true;
        std::string err;
        auto tr = data::load_fashion_mnist(data::fashion_mnist_dir(), data::split::train, &err);
        auto te = data::load_fashion_mnist(data::fashion_mnist_dir(), data::split::test, &err);
        auto path = models::resolve_model("tiny_mobilenet_v3", &err);
        auto m = path ? models::load_model_file(*path, &err) : std::nullopt;
        if (tr && te && m) f = fixture{std::move(*tr), train::stratified_subset(*te, 20), std::move(*m)};
    }
    return f ? &*f : nullptr;
}

}  // namespace

TEST_CASE("fake_quant_array: bit for bit fake_quant(), and the clamp mask is round(x/S) + Z outside [q_min, q_max]") {
    std::mt19937 g(41);
    const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
    std::size_t checked = 0, clamped = 0;
    for (int bits : {2, 3, 4, 8})
        for (auto [lo, hi] : {std::pair{-3.0f, 5.0f}, {0.0f, 6.0f}, {-0.02f, 0.7f}, {-1000.0f, 1e5f}, {0.0f, 0.0f}}) {
            const quant::tensor_q p = quant::act_params(lo, hi, bits);
            std::vector<float> v;
            std::uniform_real_distribution<float> d(std::min(lo, 0.0f) * 1.5f - 1.0f, std::max(hi, 0.0f) * 1.5f + 1.0f);
            for (int i = 0; i < 3000; ++i) v.push_back(d(g));
            // Ties and their neighbours on the grid (where rounding half away from zero matters),
            // both signs, and the special values.
            for (int k = -300; k <= 300; ++k) {
                const float t = p.scale * (static_cast<float>(k) + 0.5f);
                v.insert(v.end(), {t, std::nextafter(t, inf), std::nextafter(t, -inf), p.scale * static_cast<float>(k)});
            }
            v.insert(v.end(), {nan, inf, -inf, 1e30f, -1e30f, 1e-40f, -0.0f, 0.0f, 8388607.5f, -4194303.5f});
            std::vector<float> w = v;
            std::vector<std::uint8_t> mask(v.size(), 7);
            quant::fake_quant_array(w.data(), w.size(), p, mask.data());
            std::vector<float> w2 = v;
            quant::fake_quant_array(w2.data(), w2.size(), p, nullptr);
            for (std::size_t i = 0; i < v.size(); ++i) {
                const float ref = quant::fake_quant(v[i], p);
                const float q = std::round(v[i] / p.scale) + static_cast<float>(p.zero_point);
                const bool out = q < static_cast<float>(p.qmin) || q > static_cast<float>(p.qmax);
                if (!same_bits(w[i], ref) || !same_bits(w2[i], ref) || mask[i] != (out ? 1 : 0)) {
                    CAPTURE(bits);
                    CAPTURE(v[i]);
                    CHECK(w[i] == ref);
                    CHECK(int(mask[i]) == int(out));
                }
                clamped += mask[i];
                ++checked;
            }
        }
    CHECK(checked > 50000);
    CHECK(clamped > 1000);
}

TEST_CASE("weights: fake_quantized_graph quantizes every conv, fc and SE weight per channel and leaves biases") {
    std::string err;
    auto m = models::build_arch("tiny_mobilenet_v3", models::tiny_defaults(), &err);
    REQUIRE(m.has_value());
    quant::qat_model q;
    q.graph = quant::int8_graph(*m);
    q.q.weight_bits = 3;
    const auto slices = quant::weight_slices(q.graph);
    std::size_t se = 0, covered = 0;
    for (const auto& n : q.graph.nodes) se += n.type == engine::op::op_se;
    CHECK(se == 5);
    for (const auto& s : slices) covered += static_cast<std::size_t>(s.cout) * static_cast<std::size_t>(s.per);
    const engine::model f = quant::fake_quantized_graph(q);
    // By hand: each slice with its own parameters; every other float unchanged.
    std::vector<float> expect = q.graph.weights;
    std::vector<unsigned char> is_weight(expect.size(), 0);
    for (const auto& s : slices) {
        const auto wq = quant::weight_params(q.graph.weights.data() + s.off, s.cout, s.per, 3, true, true);
        CHECK(wq.qmax == 3);
        quant::fake_quant_weights(expect.data() + s.off, s.cout, s.per, wq);
        for (std::size_t i = 0; i < static_cast<std::size_t>(s.cout) * s.per; ++i) is_weight[s.off + i] = 1;
    }
    CHECK(f.weights == expect);
    std::size_t changed = 0, marked = 0;
    for (std::size_t i = 0; i < expect.size(); ++i) {
        marked += is_weight[i];
        changed += f.weights[i] != q.graph.weights[i];
        if (!is_weight[i]) CHECK(f.weights[i] == q.graph.weights[i]);
    }
    CHECK(marked == covered);      // slices do not overlap
    CHECK(changed > covered / 2);  // 3 bits: most weights move
    // At most 2^3 - 1 = 7 distinct values per output channel.
    const auto& s0 = slices.front();
    std::vector<float> row(f.weights.begin() + static_cast<std::ptrdiff_t>(s0.off),
                           f.weights.begin() + static_cast<std::ptrdiff_t>(s0.off + static_cast<std::size_t>(s0.per)));
    std::sort(row.begin(), row.end());
    CHECK(std::unique(row.begin(), row.end()) - row.begin() <= 7);
}

TEST_CASE("fake-quantized forward = fake_quant applied by hand (exact dyadic model: conv 1x1 + ReLU, GAP, FC)") {
    // Weights are integers of magnitude <= 7 with a 7 in every row, so 4-bit restricted
    // weights have S = 1 and stay as they are; activation grids have power-of-two scales, so
    // every sum is exact in float and the hand computation below is order-independent.
    engine::graph_builder b("dyadic", {1, 2, 2, 3}, 1);
    int x = b.conv(b.input(), 4, 1, 1, 1, /*bn=*/false, "pw");
    x = b.act(x, engine::act::act_relu);
    x = b.global_avgpool(x, "gap");
    x = b.fc(x, 2, true, "fc");
    engine::model m = b.finish(x);
    REQUIRE(b.error().empty());
    std::mt19937 g(42);
    std::uniform_int_distribution<int> wi(-7, 7);
    const auto slices_m = [&] {
        quant::qat_model tmp;
        tmp.graph = quant::int8_graph(m);
        return tmp;
    }();
    quant::qat_model q = slices_m;
    for (const auto& s : quant::weight_slices(q.graph))
        for (int c = 0; c < s.cout; ++c)
            for (int k = 0; k < s.per; ++k)
                q.graph.weights[s.off + static_cast<std::size_t>(c) * s.per + k] = k == c % s.per ? 7.0f : static_cast<float>(wi(g));
    const auto& nodes = q.graph.nodes;
    REQUIRE(nodes.size() == 4);  // input, conv (ReLU fused), gap, fc
    const engine::node& conv = nodes[1];
    const engine::node& fc = nodes[3];
    for (int c = 0; c < 4; ++c) q.graph.weights[conv.b_off + c] = static_cast<float>(wi(g)) / 16.0f;
    for (int c = 0; c < 2; ++c) q.graph.weights[fc.b_off + c] = static_cast<float>(wi(g)) / 8.0f;
    q.q.weight_bits = 4;
    q.q.act_bits = 8;
    // Ranges with S = (hi - lo) / 255 a power of two; the conv's is narrow so values clamp.
    const int t_in = 0, t_conv = conv.out[0], t_gap = nodes[2].out[0], t_fc = fc.out[0];
    q.ranges.assign(q.graph.tensors.size(), range{});
    q.ranges[static_cast<std::size_t>(t_in)] = {-127.5f / 64.0f, 127.5f / 64.0f};  // S = 1/64
    q.ranges[static_cast<std::size_t>(t_conv)] = {0.0f, 255.0f / 32.0f};             // S = 1/32, [0, 7.97]
    q.ranges[static_cast<std::size_t>(t_gap)] = {-64.0f / 16.0f, 191.0f / 16.0f};    // S = 1/16
    q.ranges[static_cast<std::size_t>(t_fc)] = {-8.0f, 7.9375f};                    // S = 1/16
    CHECK(quant::quantized_tensors(q.graph) == std::vector<int>{t_in, t_conv, t_gap, t_fc});

    const int batch = 3;
    std::uniform_real_distribution<float> xd(-2.5f, 2.5f);
    std::vector<float> in(static_cast<std::size_t>(batch) * 12);
    for (auto& v : in) v = xd(g);

    // The graph with the hook in the apply phase.
    const engine::model fq = quant::fake_quantized_graph(q);
    CHECK(fq.weights == q.graph.weights);  // integer weights with S = 1: unchanged
    quant::fake_quant_hook hook(fq, 8, quant::ste_mode::clipped, 0.99f);
    hook.set_ranges(q.ranges);
    hook.set_phase(quant::fake_quant_hook::phase::apply);
    train::train_graph tg;
    tg.set_hook(&hook);
    REQUIRE(tg.prepare(fq, batch).empty());
    tg.forward(in.data(), false);

    // By hand.
    auto p = [&](int t) { return quant::activation_params(q, t); };
    const float* W = q.graph.weights.data();
    int clamped = 0;
    for (int n = 0; n < batch; ++n) {
        float xq[12];
        for (int i = 0; i < 12; ++i) xq[i] = quant::fake_quant(in[static_cast<std::size_t>(n) * 12 + i], p(t_in));
        float pooled[4] = {0, 0, 0, 0};
        for (int px = 0; px < 4; ++px)
            for (int c = 0; c < 4; ++c) {
                float z = W[conv.b_off + c];
                for (int k = 0; k < 3; ++k) z += W[conv.w_off + static_cast<std::size_t>(c) * 3 + k] * xq[px * 3 + k];
                const float y = std::max(z, 0.0f);
                const float yq = quant::fake_quant(y, p(t_conv));
                clamped += yq != y && y > 255.0f / 32.0f;
                pooled[c] += yq;
            }
        float logits[2];
        for (int o = 0; o < 2; ++o) {
            float acc = W[fc.b_off + o];
            for (int c = 0; c < 4; ++c)
                acc += W[fc.w_off + static_cast<std::size_t>(o) * 4 + c] * quant::fake_quant(pooled[c] / 4.0f, p(t_gap));
            logits[o] = quant::fake_quant(acc, p(t_fc));
        }
        for (int o = 0; o < 2; ++o) {
            CAPTURE(n);
            CAPTURE(o);
            CHECK(same_bits(tg.output()[n * 2 + o], logits[o]));
        }
    }
    CHECK(clamped > 0);  // the narrow conv range really clamps some values
    // The evaluator runs the same thing.
    quant::qat_evaluator ev;
    data::dataset d;
    d.count = 1;
    d.rows = d.cols = 2;
    CHECK_FALSE(ev.start(q, d).empty());  // a 2x2x1 image does not fit a 2x2x3 input
}

TEST_CASE("fake-quantized forward of a real preset: every quantized tensor lies on its grid") {
    std::string err;
    auto m = models::build_arch("tiny_shufflenet_v2", models::tiny_defaults(), &err);
    REQUIRE(m.has_value());
    const engine::model g = quant::int8_graph(*m);
    quant::fake_quant_hook hook(g, 4, quant::ste_mode::clipped, 0.99f);
    train::train_graph tg;
    tg.set_hook(&hook);
    REQUIRE(tg.prepare(g, 2, /*keep_all=*/true).empty());
    std::mt19937 r(43);
    std::normal_distribution<float> nd(0.0f, 1.0f);
    std::vector<float> in(tg.input_count());
    for (auto& v : in) v = nd(r);
    hook.set_phase(quant::fake_quant_hook::phase::train);  // first batch: ranges from it
    tg.forward(in.data(), true);
    const auto src = quant::param_source(g);
    int checked = 0;
    for (std::size_t t = 0; t < src.size(); ++t) {
        if (src[t] < 0 || !hook.observed(src[t])) continue;
        const quant::tensor_q p = quant::act_params(hook.ranges()[static_cast<std::size_t>(src[t])].lo,
                                                    hook.ranges()[static_cast<std::size_t>(src[t])].hi, 4);
        const float* a = tg.activation(static_cast<int>(t));
        const std::size_t n = tg.tensor_shape(static_cast<int>(t)).numel();
        bool on_grid = true;
        for (std::size_t i = 0; i < n; ++i) on_grid = on_grid && same_bits(quant::fake_quant(a[i], p), a[i]);
        CAPTURE(t);
        CHECK(on_grid);
        ++checked;
    }
    CHECK(checked >= static_cast<int>(quant::quantized_tensors(g).size()));  // split/shuffle outputs share grids
    // First batch sets the ranges; later ones move them by (1 - momentum).
    const range r0 = hook.ranges()[0];
    for (auto& v : in) v *= 2.0f;
    tg.forward(in.data(), true);
    const range r1 = hook.ranges()[0];
    CHECK(r1.lo == doctest::Approx(0.99f * r0.lo + 0.01f * (2.0f * r0.lo)).epsilon(1e-5));
    CHECK(r1.hi == doctest::Approx(0.99f * r0.hi + 0.01f * (2.0f * r0.hi)).epsilon(1e-5));
}

TEST_CASE("straight-through estimator by hand: clipped zeroes the clamped inputs' gradient, identity passes it") {
    // y = w . x (fc 4 -> 1, no bias), dL/dy = 1: dL/dx = w where x was not clamped.
    engine::graph_builder b("ste", {1, 1, 1, 4}, 1);
    engine::model m = b.finish(b.fc(b.input(), 1, false, "fc"));
    REQUIRE(b.error().empty());
    quant::qat_model q;
    q.graph = quant::int8_graph(m);
    const float w[4] = {0.5f, -0.25f, 1.0f, 0.75f};
    const auto& fcn = q.graph.nodes[1];
    for (int i = 0; i < 4; ++i) q.graph.weights[fcn.w_off + i] = w[i];
    q.q.weight_bits = 8;
    q.ranges.assign(q.graph.tensors.size(), range{});
    q.ranges[0] = {-1.0f, 1.0f};
    q.ranges[static_cast<std::size_t>(fcn.out[0])] = {-10.0f, 10.0f};
    const engine::model fq = quant::fake_quantized_graph(q);
    const float x[4] = {0.3f, 3.0f, -0.6f, -2.0f};  // the second and fourth clamp
    const float one = 1.0f;
    for (auto ste : {quant::ste_mode::clipped, quant::ste_mode::identity}) {
        const std::string name(quant::ste_name(ste));
        CAPTURE(name);
        quant::fake_quant_hook hook(fq, 8, ste, 1.0f);  // momentum 1: the ranges stay as set
        hook.set_ranges(q.ranges);
        hook.set_phase(quant::fake_quant_hook::phase::train);
        train::train_graph tg;
        tg.set_hook(&hook);
        REQUIRE(tg.prepare(fq, 1).empty());
        tg.forward(x, true);
        CHECK(hook.ranges()[0].lo == -1.0f);
        CHECK(hook.clamped() == 2);
        tg.backward(&one);
        const float* gx = tg.input_grad();
        for (int i = 0; i < 4; ++i) {
            CAPTURE(i);
            const bool clamped = i == 1 || i == 3;
            const float wq = fq.weights[fcn.w_off + static_cast<std::size_t>(i)];
            CHECK(gx[i] == (ste == quant::ste_mode::clipped && clamped ? 0.0f : wq));
        }
        // The weights' gradient is the (fake-quantized) input, clamped values included.
        for (int i = 0; i < 4; ++i)
            CHECK(tg.grads()[fcn.w_off + static_cast<std::size_t>(i)] == quant::fake_quant(x[i], quant::act_params(-1.0f, 1.0f, 8)));
        // A clamped output: with the clipped STE nothing flows back at all.
        quant::qat_model narrow = q;
        narrow.ranges[static_cast<std::size_t>(fcn.out[0])] = {-0.05f, 0.05f};
        quant::fake_quant_hook h2(fq, 8, ste, 1.0f);
        h2.set_ranges(narrow.ranges);
        h2.set_phase(quant::fake_quant_hook::phase::train);
        tg.set_hook(&h2);
        tg.forward(x, true);
        tg.backward(&one);
        float mass = 0.0f;
        for (float v : tg.grads()) mass += std::fabs(v);
        if (ste == quant::ste_mode::clipped) CHECK(mass == 0.0f);
        else CHECK(mass > 0.0f);
    }
}

TEST_CASE("QAT options are checked; an empty training set or a model that does not fit is refused") {
    quant::qat_options o;
    CHECK(quant::check_options(o).empty());
    o.q.weight_bits = 1;
    CHECK(quant::check_options(o).find("weight bits") != std::string::npos);
    o = {};
    o.q.act_bits = 9;
    CHECK(quant::check_options(o).find("activation bits") != std::string::npos);
    o = {};
    o.steps = 0;
    CHECK(quant::check_options(o).find("steps") != std::string::npos);
    o = {};
    o.optimizer = "lion";
    CHECK_FALSE(quant::check_options(o).empty());
    o = {};
    o.ema_momentum = 1.0f;
    CHECK_FALSE(quant::check_options(o).empty());
    CHECK(quant::parse_ste("clipped") == quant::ste_mode::clipped);
    CHECK(quant::parse_ste("identity") == quant::ste_mode::identity);
    CHECK_FALSE(quant::parse_ste("straight").has_value());
    CHECK(quant::default_lr(2, "adam") > quant::default_lr(4, "adam"));
    CHECK(quant::default_lr(4, "adam") > quant::default_lr(8, "adam"));

    std::string err;
    auto m = models::build_arch("tiny_mobilenet_v1", models::tiny_defaults(), &err);
    REQUIRE(m.has_value());
    quant::qat_trainer t;
    data::dataset empty;
    CHECK(t.start(*m, empty, {}).find("no training images") != std::string::npos);
    CHECK(t.done());
    CHECK_FALSE(t.step());
    data::dataset wrong;  // 14x14 images
    wrong.count = 4;
    wrong.rows = wrong.cols = 14;
    wrong.images.assign(4 * 14 * 14, 0);
    wrong.labels.assign(4, 0);
    CHECK(t.start(*m, wrong, {}).find("input") != std::string::npos);
    auto r = quant::run_qat(*m, empty, {}, nullptr);
    CHECK_FALSE(r.error.empty());
}

TEST_CASE("QAT repairs a 2-bit model: a few steps raise its simulated accuracy far above PTQ's") {
    const fixture* f = mnv3_fixture();
    if (!f) {
        MESSAGE("skipped: Fashion-MNIST or the shipped tiny_mobilenet_v3 weights are missing");
        return;
    }
    quant::qat_options o;
    o.q.weight_bits = 2;
    o.steps = 16;
    o.batch = 16;
    o.lr = 2e-3f;
    o.limit = 512;
    o.calib_batches = 2;
    auto r = quant::run_qat(f->model, f->train, o, nullptr);
    REQUIRE_MESSAGE(r.error.empty(), r.error);
    REQUIRE(r.history.size() == 16);
    const auto ptq = quant::evaluate_fake_quant(r.calibrated, f->test);
    const auto qat = quant::evaluate_fake_quant(r.trained, f->test);
    const auto fp = train::evaluate(f->model, f->test);
    MESSAGE("2-bit weights, 200 test images: fp32 " << fp.accuracy << ", PTQ (simulated) " << ptq.accuracy
                                                    << ", after 16 QAT steps " << qat.accuracy);
    CHECK(qat.n == 200);
    CHECK(fp.accuracy > 0.85);
    CHECK(ptq.accuracy < 0.5);                   // 2-bit weights ruin the model
    CHECK(qat.accuracy > ptq.accuracy + 0.2);    // and a little fine-tuning brings much back
    double first = 0, last = 0;                  // the training loss falls
    for (int i = 0; i < 4; ++i) {
        first += r.history[static_cast<std::size_t>(i)].loss;
        last += r.history[r.history.size() - 1 - static_cast<std::size_t>(i)].loss;
    }
    CHECK(last < first);
    // The calibrated snapshot kept the starting weights; the trained model moved them.
    CHECK(r.calibrated.graph.weights == quant::int8_graph(f->model).weights);
    CHECK(r.trained.graph.weights != r.calibrated.graph.weights);
    // The integer engine runs the QAT model too, near its simulation.
    const auto images = quant::normalised_images(f->train, 0, 64);
    std::string err;
    auto q = quant::to_quantized(r.trained, images.data(), 64, &err);
    REQUIRE_MESSAGE(q.has_value(), err);
    const auto i8 = quant::evaluate_int8(*q, f->test);
    MESSAGE("integer engine on the QAT model: " << i8.accuracy);
    CHECK(std::fabs(i8.accuracy - qat.accuracy) < 0.1);
}

TEST_CASE("qat_trainer stepped by hand equals run_qat; the seed decides everything") {
    const fixture* f = mnv3_fixture();
    if (!f) {
        MESSAGE("skipped: Fashion-MNIST or the shipped tiny_mobilenet_v3 weights are missing");
        return;
    }
    quant::qat_options o;
    o.q.weight_bits = 4;
    o.steps = 3;
    o.batch = 8;
    o.limit = 64;
    o.calib_batches = 2;
    quant::qat_trainer t;
    REQUIRE(t.start(f->model, f->train, o).empty());
    int calib = 0, steps = 0;
    while (!t.done()) {
        const bool was = t.calibrating();
        REQUIRE(t.step());
        (was ? calib : steps)++;
    }
    CHECK(calib == 2);
    CHECK(steps == 3);
    CHECK(t.step_loss().size() == 3);
    CHECK(t.status().step == 3);
    const auto a = t.model();
    const auto b = quant::run_qat(f->model, f->train, o, nullptr).trained;
    CHECK(a.graph.weights == b.graph.weights);
    CHECK(std::equal(a.ranges.begin(), a.ranges.end(), b.ranges.begin(),
                     [](const range& x, const range& y) { return x.lo == y.lo && x.hi == y.hi; }));
    o.seed = 2;
    const auto c = quant::run_qat(f->model, f->train, o, nullptr).trained;
    CHECK(c.graph.weights != a.graph.weights);
    // Cancelling from the callback stops early and says so.
    int calls = 0;
    auto cancelled = quant::run_qat(f->model, f->train, o, [&](const quant::qat_progress&) { return ++calls < 3; });
    CHECK(cancelled.error == "cancelled");
    CHECK(calls == 3);
}
