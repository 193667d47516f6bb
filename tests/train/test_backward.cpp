// train_graph: the analytic gradients of every op against central finite differences of a
// scalar loss L = sum_i r_i * output_i (fixed random r), the training forward against the
// inference session, batch-norm running statistics, planning errors, and the five tiny
// presets end to end.
//
// Finite differences in float32: L is accumulated in double from the float outputs, the
// step h is 1e-2 (then 3.3e-3 and 1e-3), the divisor is the step actually taken in float,
// and the tolerance is rtol * |gradient| + an absolute floor (1e-4 of the largest gradient)
// + the rounding of L divided by h (1e-6 * sum |r_i * output_i| / h). Kinks: every check
// records which side of every kink each pre-activation of a ReLU/ReLU6/hard-swish/
// hard-sigmoid (SE's included) sits on and which input each max-pool window picks; a step
// that changes this is retried smaller, and the coordinate redrawn if all cross. Where a
// check perturbs the input of an activation or a max-pool directly, the inputs sit at least
// 0.05 from every kink, and a max-pool's inputs are distinct values 0.05 apart (no ties).
// Every check also runs the default plan (buffers shared by liveness) against the
// keep-everything plan: the same outputs and gradients, bit for bit.
#include "support/model_fixtures.h"
#include "engine/kernels/nn.h"
#include "engine/model.h"
#include "engine/session.h"
#include "models/models.h"
#include "train/graph.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <string>
#include <vector>

using namespace es::engine;
using es::train::train_graph;

namespace {

struct fd_options {
    bool training = true;
    double h = 1e-2;          // first step; h/3 and h/10 when a step crosses a kink
    double rtol = 1e-2;
    double atol = 1e-4;       // absolute floor, scaled by the largest gradient magnitude checked
    double noise = 1e-6;      // float32 rounding in L, relative to sum |r_i * output_i|
    int max_weights = 80;     // coordinates to check (all when fewer)
    int max_inputs = 60;
    int steps = 3;            // of h, h/3, h/10: how many to try before redrawing
    int tries = 4;            // candidates drawn per coordinate wanted
    double min_checked = 0.75;  // of the coordinates wanted, at least this fraction measured
    double min_grad = 0.0;    // draw only weights whose |gradient| >= this fraction of the largest
};

struct fd_report {
    int checked = 0, failed = 0, skipped = 0;  // skipped: every step crossed a kink
    double worst = 0.0;  // largest |analytic - numeric| / tolerance seen
    double noise_floor = 0.0;  // the rounding term of the tolerance at step h
};

using es::testing::randomise_bn_and_biases;

std::vector<float> random_vector(std::size_t n, std::mt19937& g, float lo = -1.0f, float hi = 1.0f) {
    std::uniform_real_distribution<float> d(lo, hi);
    std::vector<float> v(n);
    for (auto& x : v) x = d(g);
    return v;
}

double loss_of(train_graph& t, const std::vector<float>& x, const std::vector<float>& r, bool training) {
    t.forward(x.data(), training);
    double l = 0.0;
    for (std::size_t i = 0; i < r.size(); ++i) l += static_cast<double>(r[i]) * t.output()[i];
    return l;
}

// Which side of every kink each pre-activation of an act node is on, and which input each
// max-pool window picks: a finite difference whose +h or -h changes this crossed a kink and
// measures a different piece of the function.
std::vector<int> kink_pattern(const train_graph& t) {
    std::vector<int> pat;
    const model& m = t.model();
    auto region = [&](act a, float v) {
        switch (a) {
        case act::act_relu: pat.push_back(v > 0.0f); break;
        case act::act_relu6: pat.push_back((v > 0.0f) + (v >= 6.0f)); break;
        case act::act_hswish:
        case act::act_hsigmoid: pat.push_back((v > -3.0f) + (v >= 3.0f)); break;
        default: break;
        }
    };
    for (const auto& n : m.nodes) {
        if (n.type == op::op_se) {  // the squeeze and gate pre-activations, recomputed in double
            const shape in = t.tensor_shape(n.in[0]);
            const int c = in.c, sq = n.se_squeeze, hw = in.h * in.w;
            const float* x = t.activation(n.in[0]);
            const float* w1 = m.weights.data() + n.w_off;
            const float* w2 = w1 + static_cast<std::size_t>(sq) * c;
            const float* b1 = m.weights.data() + n.b_off;
            const float* b2 = b1 + sq;
            for (int b = 0; b < in.n; ++b) {
                std::vector<double> pooled(static_cast<std::size_t>(c), 0.0), hid(static_cast<std::size_t>(sq));
                for (int p = 0; p < hw; ++p)
                    for (int k = 0; k < c; ++k) pooled[static_cast<std::size_t>(k)] += x[(static_cast<std::size_t>(b) * hw + p) * c + k];
                for (auto& v : pooled) v /= hw;
                for (int j = 0; j < sq; ++j) {
                    double acc = b1[j];
                    for (int k = 0; k < c; ++k) acc += pooled[static_cast<std::size_t>(k)] * w1[static_cast<std::size_t>(j) * c + k];
                    region(n.se_inner, static_cast<float>(acc));
                    hid[static_cast<std::size_t>(j)] = es::kernels::activate_ref(static_cast<float>(acc), static_cast<es::kernels::epilogue>(n.se_inner));
                }
                for (int k = 0; k < c; ++k) {
                    double acc = b2[k];
                    for (int j = 0; j < sq; ++j) acc += hid[static_cast<std::size_t>(j)] * w2[static_cast<std::size_t>(k) * sq + j];
                    region(n.se_gate, static_cast<float>(acc));
                }
            }
        } else if (n.type == op::op_act) {
            const float* x = t.activation(n.in[0]);
            const std::size_t count = t.tensor_shape(n.in[0]).numel();
            for (std::size_t i = 0; i < count; ++i) region(n.activation, x[i]);
        } else if (n.type == op::op_maxpool) {
            const shape in = t.tensor_shape(n.in[0]), out = t.tensor_shape(n.out[0]);
            const float* x = t.activation(n.in[0]);
            const float* y = t.activation(n.out[0]);
            for (int b = 0; b < out.n; ++b)
                for (int oy = 0; oy < out.h; ++oy)
                    for (int ox = 0; ox < out.w; ++ox)
                        for (int c = 0; c < out.c; ++c) {
                            const float best = y[((static_cast<std::size_t>(b) * out.h + oy) * out.w + ox) * out.c + c];
                            int pick = -1;
                            for (int ky = 0; ky < n.win.kh && pick < 0; ++ky)
                                for (int kx = 0; kx < n.win.kw && pick < 0; ++kx) {
                                    const int iy = oy * n.win.sh - n.win.pad_t + ky, ix = ox * n.win.sw - n.win.pad_l + kx;
                                    if (iy < 0 || iy >= in.h || ix < 0 || ix >= in.w) continue;
                                    if (x[((static_cast<std::size_t>(b) * in.h + iy) * in.w + ix) * in.c + c] == best)
                                        pick = ky * n.win.kw + kx;
                                }
                            pat.push_back(pick);
                        }
        }
    }
    return pat;
}

// Central difference of L in one float, restoring it afterwards. Returns false (no
// measurement) when the step crossed a kink (see kink_pattern).
bool numeric(train_graph& t, float& v, double h, const std::vector<float>& x, const std::vector<float>& r,
             bool training, const std::vector<int>& pattern, double* out) {
    const float v0 = v;
    const float up = static_cast<float>(v0 + h), down = static_cast<float>(v0 - h);
    v = up;
    const double lp = loss_of(t, x, r, training);
    const bool same_up = kink_pattern(t) == pattern;
    v = down;
    const double lm = loss_of(t, x, r, training);
    const bool same_down = kink_pattern(t) == pattern;
    v = v0;
    *out = (lp - lm) / (static_cast<double>(up) - static_cast<double>(down));
    return same_up && same_down;
}

// Forward + backward once, then central finite differences on randomly drawn trainable
// weights and inputs. A coordinate whose steps all cross a kink is skipped and another drawn.
fd_report grad_check(const model& m, int batch, std::vector<float> x, const fd_options& o, std::mt19937& g) {
    fd_report rep;
    train_graph t;  // every tensor kept: kink_pattern reads them
    const std::string err = t.prepare(m, batch, /*keep_all=*/true);
    REQUIRE(err.empty());
    if (x.empty()) x = random_vector(t.input_count(), g);
    REQUIRE(x.size() == t.input_count());
    const std::vector<float> r = random_vector(t.output_count(), g);
    t.forward(x.data(), o.training);
    const std::vector<int> pattern = kink_pattern(t);
    double mass = 0.0;  // sum |r_i * y_i|: the scale of L's rounding error
    for (std::size_t i = 0; i < r.size(); ++i) mass += std::fabs(static_cast<double>(r[i]) * t.output()[i]);
    t.backward(r.data());
    const std::vector<float> grads = t.grads();
    const std::vector<float> gin(t.input_grad(), t.input_grad() + t.input_count());
    const std::vector<float> weights0 = t.model().weights;

    // The default plan (buffers shared by liveness) computes exactly the same, twice in a row.
    {
        train_graph shared;
        REQUIRE(shared.prepare(m, batch).empty());
        CHECK(shared.planned_bytes() <= t.planned_bytes());
        for (int round = 0; round < 2; ++round) {
            shared.forward(x.data(), o.training);
            CHECK(std::equal(t.output(), t.output() + t.output_count(), shared.output()));
            shared.backward(r.data());
            CHECK(shared.grads() == grads);
            CHECK(std::equal(gin.begin(), gin.end(), shared.input_grad()));
        }
    }

    // Non-parameters (BN running statistics, unused floats) get exactly zero.
    bool zero = true;
    for (std::size_t i = 0; i < grads.size(); ++i)
        if (!t.trainable()[i]) zero = zero && grads[i] == 0.0f;
    CHECK(zero);

    float gmax = 0.0f;
    for (float v : grads) gmax = std::max(gmax, std::fabs(v));
    std::vector<std::size_t> widx;
    for (std::size_t i = 0; i < grads.size(); ++i)
        if (t.trainable()[i] && std::fabs(grads[i]) >= o.min_grad * gmax) widx.push_back(i);
    std::shuffle(widx.begin(), widx.end(), g);
    std::vector<std::size_t> xidx(x.size());
    std::iota(xidx.begin(), xidx.end(), 0);
    std::shuffle(xidx.begin(), xidx.end(), g);

    // The absolute floor scales with the gradients' size; the rounding in L adds noise / h.
    double scale = 0.0;
    for (float v : grads) scale = std::max(scale, std::fabs(static_cast<double>(v)));
    for (float v : gin) scale = std::max(scale, std::fabs(static_cast<double>(v)));
    const double floor = o.atol * std::max(1.0, scale);
    rep.noise_floor = o.noise * mass / o.h;

    auto judge = [&](const char* what, std::size_t i, double a, double num, double h) {
        const double tol = o.rtol * std::max(std::fabs(a), std::fabs(num)) + floor + o.noise * mass / h;
        const double e = std::fabs(a - num);
        rep.worst = std::max(rep.worst, e / tol);
        ++rep.checked;
        if (e > tol) {
            ++rep.failed;
            const std::string kind_of = what;
            CAPTURE(kind_of);
            CAPTURE(i);
            CAPTURE(h);
            CAPTURE(a);
            CAPTURE(num);
            CHECK(e <= tol);
        }
    };
    // Tries h, h/3, h/10; true when one of them stayed on every kink's side.
    auto measure = [&](float& v, const std::vector<float>& input, double* num, double* used) {
        const double hs[3] = {o.h, o.h / 3, o.h / 10};
        for (int k = 0; k < o.steps && k < 3; ++k) {
            const double h = hs[k];
            *used = h;
            if (numeric(t, v, h, input, r, o.training, pattern, num)) return true;
        }
        return false;
    };
    auto run = [&](const std::vector<std::size_t>& idx, int want, bool weights) {
        const std::size_t target = std::min<std::size_t>(idx.size(), static_cast<std::size_t>(want));
        std::size_t done = 0, tried = 0;
        for (std::size_t i : idx) {
            if (done == target || tried == target * static_cast<std::size_t>(o.tries)) break;
            ++tried;
            double num = 0.0, h = 0.0;
            bool ok;
            if (weights) {
                ok = measure(t.model().weights[i], x, &num, &h);
            } else {
                std::vector<float> xp = x;
                ok = measure(xp[i], xp, &num, &h);
            }
            if (!ok) {
                ++rep.skipped;
                continue;
            }
            judge(weights ? "weight" : "input", i, weights ? grads[i] : gin[i], num, h);
            ++done;
        }
        CHECK(static_cast<double>(done) >= o.min_checked * static_cast<double>(target));
    };
    run(widx, o.max_weights, true);
    run(xidx, o.max_inputs, false);
    // The parameters are as they were (running statistics aside: training forwards move them).
    bool same = true;
    for (std::size_t i = 0; i < weights0.size(); ++i)
        if (t.trainable()[i]) same = same && t.model().weights[i] == weights0[i];
    CHECK(same);
    return rep;
}

model finish_checked(graph_builder& b, int out, std::mt19937& g) {
    model m = b.finish(out);
    REQUIRE(b.error().empty());
    REQUIRE(validate(m).empty());
    randomise_bn_and_biases(m, g);
    return m;
}

// Values at least `gap` away from every point in `kinks`, uniform over [lo, hi] otherwise.
std::vector<float> away_from(std::size_t n, std::mt19937& g, float lo, float hi, const std::vector<float>& kinks,
                             float gap = 0.05f) {
    std::uniform_real_distribution<float> d(lo, hi);
    std::vector<float> v(n);
    for (auto& x : v) {
        for (;;) {
            x = d(g);
            bool ok = true;
            for (float k : kinks) ok = ok && std::fabs(x - k) >= gap;
            if (ok) break;
        }
    }
    return v;
}

// Distinct values spaced `step` apart, shuffled: no two inputs of a max-pool window tie.
std::vector<float> distinct_values(std::size_t n, std::mt19937& g, float step = 0.05f) {
    std::vector<float> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = (static_cast<float>(i) - static_cast<float>(n) / 2) * step;
    std::shuffle(v.begin(), v.end(), g);
    return v;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Convolutions
// ---------------------------------------------------------------------------------------------

TEST_CASE("train_graph backward: dense conv 3x3 stride 1 with bias (im2col path)") {
    std::mt19937 g(1);
    graph_builder b("conv", {1, 6, 7, 3}, 11);
    int x = b.conv(b.input(), 5, 3, 1, 1, /*bn=*/false);
    model m = finish_checked(b, x, g);
    auto rep = grad_check(m, 2, {}, {}, g);
    CHECK(rep.failed == 0);
    CHECK(rep.checked > 50);
}

TEST_CASE("train_graph backward: grouped conv 3x2, stride 2, asymmetric padding (im2col per group)") {
    std::mt19937 g(2);
    graph_builder b("gconv", {1, 7, 8, 4}, 12);
    window w;
    w.kh = 3;
    w.kw = 2;
    w.sh = w.sw = 2;
    w.pad_t = 0;
    w.pad_l = 1;
    w.pad_b = 2;
    w.pad_r = 0;
    int x = b.conv_window(b.input(), 6, w, /*groups=*/2, /*bn=*/false);
    model m = finish_checked(b, x, g);
    CHECK(m.tensors[1].h == out_extent(7, 3, 2, 0, 2));
    auto rep = grad_check(m, 2, {}, {}, g);
    CHECK(rep.failed == 0);
}

TEST_CASE("train_graph backward: 1x1 conv with stride 2 and grouped 1x1 conv (GEMM paths)") {
    std::mt19937 g(3);
    {
        graph_builder b("pw_s2", {1, 5, 6, 4}, 13);
        window w;
        w.sh = w.sw = 2;
        int x = b.conv_window(b.input(), 3, w, 1, /*bn=*/false);  // 1x1/2: im2col with K = cin
        model m = finish_checked(b, x, g);
        CHECK(grad_check(m, 3, {}, {}, g).failed == 0);
    }
    {
        graph_builder b("pw_grouped", {1, 4, 5, 6}, 14);
        int x = b.pwconv(b.input(), 9, /*groups=*/3, /*bn=*/false);
        model m = finish_checked(b, x, g);
        CHECK(grad_check(m, 2, {}, {}, g).failed == 0);
    }
}

TEST_CASE("train_graph backward: depthwise conv, stride 2, asymmetric padding, with and without bias") {
    std::mt19937 g(4);
    for (int c : {3, 8, 13}) {  // below, at and past the SIMD kernel's channel groups
        CAPTURE(c);
        graph_builder b("dw", {1, 9, 8, c}, 15);
        window w;
        w.kh = 3;
        w.kw = 5;
        w.sh = 2;
        w.sw = 2;
        w.pad_t = 1;
        w.pad_l = 2;
        w.pad_b = 0;
        w.pad_r = 1;
        int x = b.conv_window(b.input(), c, w, c, /*bn=*/false);
        int y = b.dwconv(x, 3, 1, /*bn=*/false);  // 3x3/1, padding 1
        model m = finish_checked(b, y, g);
        CHECK(grad_check(m, 2, {}, {}, g).failed == 0);
    }
}

TEST_CASE("train_graph backward: fully connected over a spatial NHWC input, with and without bias") {
    std::mt19937 g(5);
    for (bool bias : {true, false}) {
        graph_builder b("fc", {1, 3, 4, 5}, 16);
        int x = b.fc(b.input(), 7, bias);
        model m = finish_checked(b, x, g);
        CHECK(grad_check(m, 3, {}, {}, g).failed == 0);
    }
}

// ---------------------------------------------------------------------------------------------
// Batch norm
// ---------------------------------------------------------------------------------------------

TEST_CASE("train_graph backward: batch norm in training mode (gradient through the batch statistics)") {
    std::mt19937 g(6);
    graph_builder b("bn", {1, 4, 5, 6}, 17);
    int x = b.conv(b.input(), 6, 3, 1);  // conv + BN
    x = b.batchnorm(x);                  // a second, standalone BN
    x = b.fc(x, 4);
    model m = finish_checked(b, x, g);
    auto rep = grad_check(m, 3, {}, {}, g);
    CHECK(rep.failed == 0);
    // A BN whose output is the loss directly: sum_i r_i * y_i with batch statistics.
    graph_builder b2("bn_only", {1, 3, 3, 4}, 18);
    model m2 = finish_checked(b2, b2.batchnorm(b2.input()), g);
    CHECK(grad_check(m2, 2, {}, {}, g).failed == 0);
}

TEST_CASE("train_graph backward: batch norm in inference mode (forward(false): a fixed affine map)") {
    std::mt19937 g(7);
    graph_builder b("bn_eval", {1, 4, 5, 6}, 19);
    int x = b.conv(b.input(), 6, 3, 2);
    x = b.fc(x, 4);
    model m = finish_checked(b, x, g);
    fd_options o;
    o.training = false;
    CHECK(grad_check(m, 2, {}, o, g).failed == 0);
}

TEST_CASE("train_graph: forward(training) updates the running statistics as PyTorch (momentum 0.1, unbiased var)") {
    std::mt19937 g(8);
    graph_builder b("bn_stats", {1, 3, 4, 5}, 20);
    model m = finish_checked(b, b.batchnorm(b.input()), g);
    const node& bn = m.nodes[1];
    const std::size_t c = 5, off = bn.w_off;
    const int batch = 3;
    train_graph t;
    REQUIRE(t.prepare(m, batch).empty());
    auto x = random_vector(t.input_count(), g, -2.0f, 3.0f);
    for (int round = 0; round < 2; ++round) {
        const std::vector<float> before = t.model().weights;
        t.forward(x.data(), true);
        const std::size_t count = static_cast<std::size_t>(batch) * 3 * 4;
        for (std::size_t j = 0; j < c; ++j) {
            double mean = 0, sq = 0;
            for (std::size_t p = 0; p < count; ++p) mean += x[p * c + j];
            mean /= count;
            for (std::size_t p = 0; p < count; ++p) sq += (x[p * c + j] - mean) * (x[p * c + j] - mean);
            const double var = sq / count, unbiased = sq / (count - 1);
            const double want_mean = 0.9 * before[off + 2 * c + j] + 0.1 * mean;
            const double want_var = 0.9 * before[off + 3 * c + j] + 0.1 * unbiased;
            CHECK(t.model().weights[off + 2 * c + j] == doctest::Approx(want_mean).epsilon(1e-5));
            CHECK(t.model().weights[off + 3 * c + j] == doctest::Approx(want_var).epsilon(1e-5));
            // The output is normalised with the batch's biased variance.
            const double gamma = before[off + j], beta = before[off + c + j];
            for (std::size_t p = 0; p < count; p += 7) {
                const double want = gamma * (x[p * c + j] - mean) / std::sqrt(var + bn.bn_eps) + beta;
                CHECK(t.output()[p * c + j] == doctest::Approx(want).epsilon(1e-4));
            }
            // Gamma, beta untouched.
            CHECK(t.model().weights[off + j] == before[off + j]);
            CHECK(t.model().weights[off + c + j] == before[off + c + j]);
        }
    }
    // Inference leaves them alone and uses them.
    const std::vector<float> before = t.model().weights;
    t.forward(x.data(), false);
    CHECK(t.model().weights == before);
    for (std::size_t j = 0; j < c; ++j) {
        const double want = (x[j] - before[off + 2 * c + j]) / std::sqrt(before[off + 3 * c + j] + bn.bn_eps) *
                                before[off + j] + before[off + c + j];
        CHECK(t.output()[j] == doctest::Approx(want).epsilon(1e-4));
    }
}

// ---------------------------------------------------------------------------------------------
// Activations
// ---------------------------------------------------------------------------------------------

TEST_CASE("train_graph backward: every activation (input gradient away from the kinks, and weights after)") {
    std::mt19937 g(9);
    struct one {
        act a;
        float lo, hi;
        std::vector<float> kinks;
    };
    const one cases[] = {
        {act::act_relu, -2.0f, 2.0f, {0.0f}},
        {act::act_relu6, -2.0f, 8.0f, {0.0f, 6.0f}},
        {act::act_hswish, -5.0f, 5.0f, {-3.0f, 3.0f}},
        {act::act_hsigmoid, -5.0f, 5.0f, {-3.0f, 3.0f}},
        {act::act_sigmoid, -4.0f, 4.0f, {}},
    };
    for (const auto& k : cases) {
        const std::string act_s = act_name(k.a);
        CAPTURE(act_s);
        // input -> act -> output: the loss sees the activation directly.
        {
            graph_builder b("act", {1, 3, 4, 5}, 21);
            model m = finish_checked(b, b.act(b.input(), k.a), g);
            auto x = away_from(2 * 3 * 4 * 5, g, k.lo, k.hi, k.kinks);
            fd_options o;
            o.max_inputs = 120;
            CHECK(grad_check(m, 2, x, o, g).failed == 0);
        }
        // input -> act -> fc: weights after the activation, the activation's gradient to the input.
        {
            graph_builder b("act_fc", {1, 2, 3, 4}, 22);
            model m = finish_checked(b, b.fc(b.act(b.input(), k.a), 3), g);
            auto x = away_from(2 * 2 * 3 * 4, g, k.lo, k.hi, k.kinks);
            CHECK(grad_check(m, 2, x, {}, g).failed == 0);
        }
    }
}

TEST_CASE("train_graph backward: activations between layers with weights (conv -> BN -> act -> conv)") {
    std::mt19937 g(10);
    for (act a : {act::act_relu, act::act_relu6, act::act_hswish, act::act_hsigmoid, act::act_sigmoid}) {
        const std::string act_s = act_name(a);
        CAPTURE(act_s);
        graph_builder b("act_mid", {1, 5, 5, 3}, 23);
        int x = b.conv(b.input(), 6, 3, 1);
        x = b.act(x, a);
        x = b.conv(x, 4, 3, 2, 1, false);
        model m = finish_checked(b, x, g);
        fd_options o;
        CHECK(grad_check(m, 2, {}, o, g).failed == 0);
    }
}

TEST_CASE("train_graph backward: fused activations (the optimized graph: BN folded, activations fused)") {
    std::mt19937 g(11);
    graph_builder b("fused", {1, 6, 6, 3}, 24);
    int x = b.conv(b.input(), 8, 3, 2);
    x = b.act(x, act::act_hswish);
    int d = b.dwconv(x, 3, 1);
    d = b.act(d, act::act_sigmoid);
    int p = b.pwconv(d, 8, 1, true);
    x = b.add(x, p);
    x = b.act(x, act::act_hsigmoid);
    x = b.batchnorm(x);
    x = b.act(x, act::act_sigmoid);
    x = b.fc(x, 5);
    x = b.act(x, act::act_hswish);
    model m = finish_checked(b, x, g);
    model fast = optimize(m);
    int fused = 0;
    for (const auto& n : fast.nodes) fused += n.type != op::op_act && n.activation != act::act_none;
    CHECK(fused >= 4);  // conv, dw, add, fc (BN after add) carry activations
    fd_options o;
    CHECK(grad_check(fast, 2, {}, o, g).failed == 0);
    // The same function as the un-optimized graph in inference mode.
    train_graph t1, t2;
    REQUIRE(t1.prepare(m, 2).empty());
    REQUIRE(t2.prepare(fast, 2).empty());
    auto in = random_vector(t1.input_count(), g);
    t1.forward(in.data(), false);
    t2.forward(in.data(), false);
    for (std::size_t i = 0; i < t1.output_count(); ++i) CHECK(t1.output()[i] == doctest::Approx(t2.output()[i]).epsilon(1e-4));
}

// ---------------------------------------------------------------------------------------------
// Data movement, residuals, pooling, SE, softmax
// ---------------------------------------------------------------------------------------------

TEST_CASE("train_graph backward: residual add (both operands get the gradient; a tensor read twice accumulates)") {
    std::mt19937 g(12);
    graph_builder b("add", {1, 4, 4, 6}, 25);
    int a = b.pwconv(b.input(), 6, 1, false);
    int c = b.conv(b.input(), 6, 3, 1, 1, false);
    int s = b.add(a, c);
    s = b.add(s, b.input());  // the input is read by three nodes
    s = b.add(s, s);          // one tensor as both operands
    model m = finish_checked(b, b.fc(s, 3), g);
    CHECK(grad_check(m, 2, {}, {}, g).failed == 0);
}

TEST_CASE("train_graph backward: split + concat + shuffle (both split halves flow back; an unused half)") {
    std::mt19937 g(13);
    {
        graph_builder b("ssc", {1, 4, 5, 8}, 26);
        int x = b.pwconv(b.input(), 12, 1, false);
        auto [l, r] = b.split(x, 4);
        r = b.dwconv(r, 3, 1, false);
        x = b.concat({r, l, r});  // 8 + 4 + 8 = 20 channels, r twice
        x = b.shuffle(x, 4);
        x = b.shuffle(x, 2);
        auto [p, q] = b.split(x, 6);
        (void)q;                  // unused half: its gradient is zero
        x = b.fc(p, 5);
        model m = finish_checked(b, x, g);
        CHECK(grad_check(m, 2, {}, {}, g).failed == 0);
    }
    // Shuffle alone on the input, the permutation's adjoint exactly.
    graph_builder b("shuffle", {1, 2, 3, 12}, 27);
    model m = finish_checked(b, b.shuffle(b.input(), 3), g);
    CHECK(grad_check(m, 2, {}, {}, g).failed == 0);
}

TEST_CASE("train_graph backward: max pooling with padding (first maximum wins; no ties by construction)") {
    std::mt19937 g(14);
    struct pool {
        int k, s, p;
    };
    for (pool q : {pool{3, 2, 1}, pool{2, 2, 0}, pool{3, 1, 1}, pool{5, 2, 2}}) {
        CAPTURE(q.k);
        CAPTURE(q.s);
        CAPTURE(q.p);
        graph_builder b("maxpool", {1, 7, 6, 5}, 28);
        model m = finish_checked(b, b.maxpool(b.input(), q.k, q.s, q.p), g);
        auto x = distinct_values(2 * 7 * 6 * 5, g);
        fd_options o;
        o.max_inputs = 400;
        CHECK(grad_check(m, 2, x, o, g).failed == 0);
    }
    // Ties: the gradient goes to the first maximum of the window only.
    graph_builder b("tie", {1, 2, 2, 1}, 29);
    model m = finish_checked(b, b.maxpool(b.input(), 2, 2, 0), g);
    train_graph t;
    REQUIRE(t.prepare(m, 1).empty());
    const float x[4] = {1.0f, 3.0f, 3.0f, 2.0f};
    t.forward(x, true);
    CHECK(t.output()[0] == 3.0f);
    const float d = 1.5f;
    t.backward(&d);
    CHECK(t.input_grad()[0] == 0.0f);
    CHECK(t.input_grad()[1] == 1.5f);
    CHECK(t.input_grad()[2] == 0.0f);
    CHECK(t.input_grad()[3] == 0.0f);
}

TEST_CASE("train_graph backward: average pooling with padding (count_include_pad) and global average pooling") {
    std::mt19937 g(15);
    struct pool {
        int k, s, p;
    };
    for (pool q : {pool{3, 2, 1}, pool{2, 2, 0}, pool{3, 1, 1}}) {
        CAPTURE(q.k);
        graph_builder b("avgpool", {1, 7, 6, 5}, 30);
        model m = finish_checked(b, b.fc(b.avgpool(b.input(), q.k, q.s, q.p), 3), g);
        CHECK(grad_check(m, 2, {}, {}, g).failed == 0);
    }
    // A corner output of a 3x3/2 pad-1 pool sees 4 real pixels but divides by 9.
    graph_builder b("avg_corner", {1, 3, 3, 1}, 31);
    model m = finish_checked(b, b.avgpool(b.input(), 3, 2, 1), g);
    train_graph t;
    REQUIRE(t.prepare(m, 1).empty());
    const float x[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    t.forward(x, true);
    CHECK(t.output()[0] == doctest::Approx(4.0 / 9.0));
    const float d[4] = {1, 0, 0, 0};
    t.backward(d);
    CHECK(t.input_grad()[0] == doctest::Approx(1.0 / 9.0));
    CHECK(t.input_grad()[2] == 0.0f);

    graph_builder b2("gap", {1, 4, 3, 6}, 32);
    model m2 = finish_checked(b2, b2.fc(b2.global_avgpool(b2.input()), 4), g);
    CHECK(grad_check(m2, 3, {}, {}, g).failed == 0);
}

TEST_CASE("train_graph backward: squeeze-and-excitation (w1, b1, w2, b2 and both paths to the input)") {
    std::mt19937 g(16);
    struct acts {
        act inner, gate;
    };
    for (acts a : {acts{act::act_relu, act::act_hsigmoid}, acts{act::act_hswish, act::act_sigmoid}}) {
        const std::string act_s = act_name(a.inner);
        CAPTURE(act_s);
        graph_builder b("se", {1, 3, 4, 8}, 33);
        int x = b.se(b.input(), 4, a.inner, a.gate);
        model m = finish_checked(b, x, g);
        fd_options o;
        o.max_weights = 200;
        CHECK(grad_check(m, 3, {}, o, g).failed == 0);
    }
}

TEST_CASE("train_graph backward: softmax at the end") {
    std::mt19937 g(17);
    graph_builder b("softmax", {1, 2, 2, 3}, 34);
    model m = finish_checked(b, b.softmax(b.fc(b.input(), 6)), g);
    CHECK(grad_check(m, 3, {}, {}, g).failed == 0);
    graph_builder b2("softmax_sp", {1, 2, 3, 5}, 35);  // over channels of every pixel
    model m2 = finish_checked(b2, b2.softmax(b2.input()), g);
    CHECK(grad_check(m2, 2, {}, {}, g).failed == 0);
}

// ---------------------------------------------------------------------------------------------
// The forward pass against the inference engine; planning; conventions
// ---------------------------------------------------------------------------------------------

namespace {
// Every op and every activation (the session test's network).
model every_op_model(bool with_softmax) {
    graph_builder b("every_op", {1, 15, 17, 3}, 42);
    int x = b.conv(b.input(), 8, 3, 2);
    x = b.act(x, act::act_relu6);
    int d = b.dwconv(x, 3, 1);
    d = b.act(d, act::act_hswish);
    d = b.se(d, 4, act::act_relu, act::act_hsigmoid);
    int p = b.pwconv(d, 8);
    x = b.add(x, p);
    int gconv = b.pwconv(x, 12, 2);
    gconv = b.act(gconv, act::act_relu);
    gconv = b.shuffle(gconv, 2);
    auto [l, r] = b.split(gconv, 4);
    r = b.dwconv(r, 5, 2);
    l = b.avgpool(l, 3, 2, 1);
    x = b.concat({l, r});
    x = b.maxpool(x, 3, 1, 1);
    x = b.conv(x, 9, 3, 1, 3, false);
    x = b.act(x, act::act_sigmoid);
    x = b.batchnorm(x);
    x = b.global_avgpool(x);
    x = b.fc(x, 7);
    if (with_softmax) x = b.softmax(x);
    model m = b.finish(x);
    REQUIRE(b.error().empty());
    return m;
}
}  // namespace

TEST_CASE("train_graph: forward(training = false) equals the inference session on optimize(m)") {
    for (bool with_softmax : {false, true})
        for (int batch : {1, 3}) {
            CAPTURE(with_softmax);
            CAPTURE(batch);
            std::mt19937 g(18);
            model m = every_op_model(with_softmax);
            randomise_bn_and_biases(m, g);
            train_graph t;
            REQUIRE(t.prepare(m, batch).empty());
            session s;
            REQUIRE(s.prepare(optimize(m), batch).empty());
            auto x = random_vector(t.input_count(), g);
            REQUIRE(x.size() == s.input_count());
            std::copy(x.begin(), x.end(), s.input());
            s.run();
            t.forward(x.data(), false);
            REQUIRE(t.output_count() == s.output_shape().numel());
            for (std::size_t i = 0; i < t.output_count(); ++i) {
                CAPTURE(i);
                CHECK(t.output()[i] == doctest::Approx(s.output()[i]).epsilon(1e-4));
            }
            CHECK(t.model().weights == m.weights);  // inference does not touch the statistics
        }
}

TEST_CASE("train_graph backward: the every-op network in training mode, SIMD and reference kernels agree") {
    std::mt19937 g(19);
    model m = every_op_model(false);
    randomise_bn_and_biases(m, g);
    fd_options o;
    o.max_weights = 120;
    CHECK(grad_check(m, 2, {}, o, g).failed == 0);

    std::vector<float> grads[2], gin[2];
    auto x = random_vector(2 * 15 * 17 * 3, g);
    auto r = random_vector(2 * 7, g);
    int i = 0;
    for (auto mode : {es::kernels::kernel_mode::kernel_mode_simd, es::kernels::kernel_mode::kernel_mode_ref}) {
        es::kernels::set_mode(mode);
        train_graph t;
        REQUIRE(t.prepare(m, 2).empty());
        t.forward(x.data(), true);
        t.backward(r.data());
        grads[i] = t.grads();
        gin[i].assign(t.input_grad(), t.input_grad() + t.input_count());
        ++i;
    }
    es::kernels::set_mode(es::kernels::kernel_mode::kernel_mode_simd);
    float scale = 0;
    for (float v : grads[1]) scale = std::max(scale, std::fabs(v));
    bool same = true;
    for (std::size_t k = 0; k < grads[0].size(); ++k) same = same && std::fabs(grads[0][k] - grads[1][k]) <= 1e-4f * scale;
    CHECK(same);
    for (std::size_t k = 0; k < gin[0].size(); ++k) same = same && std::fabs(gin[0][k] - gin[1][k]) <= 1e-4f * scale;
    CHECK(same);
}

TEST_CASE("train_graph: prepare rejects batch 0 and invalid models with a message") {
    model m = every_op_model(false);
    train_graph t;
    CHECK(t.prepare(m, 0).find("batch") != std::string::npos);
    CHECK(t.prepare(m, -3).find("batch") != std::string::npos);
    model broken = m;
    broken.nodes[1].in = {99};
    CHECK(t.prepare(broken, 2) == validate(broken));
    CHECK_FALSE(t.prepare(broken, 2).empty());
    broken = m;
    broken.weights.resize(3);
    CHECK(t.prepare(broken, 2).find("weights") != std::string::npos);
    broken = m;
    broken.output = -1;
    CHECK_FALSE(t.prepare(broken, 2).empty());
    CHECK(t.prepare(m, 2).empty());
    CHECK(t.batch() == 2);
    CHECK(t.input_count() == 2u * 15 * 17 * 3);
    CHECK(t.output_count() == 2u * 7);
}

TEST_CASE("train_graph: backward overwrites the gradients, zero_grads clears them, trainable marks the parameters") {
    std::mt19937 g(20);
    model m = every_op_model(false);
    randomise_bn_and_biases(m, g);
    train_graph t;
    REQUIRE(t.prepare(m, 2).empty());
    CHECK(t.grads().size() == m.weights.size());
    CHECK(t.trainable().size() == m.weights.size());
    std::size_t n_trainable = 0;
    for (auto v : t.trainable()) n_trainable += v;
    CHECK(n_trainable == param_count(m));
    auto x = random_vector(t.input_count(), g);
    auto r = random_vector(t.output_count(), g);
    t.forward(x.data(), true);
    t.backward(r.data());
    const std::vector<float> first = t.grads();
    const std::vector<float> first_in(t.input_grad(), t.input_grad() + t.input_count());
    t.forward(x.data(), true);  // again: the same, not doubled (backward consumes the forward pass)
    t.backward(r.data());
    CHECK(t.grads() == first);
    CHECK(std::equal(first_in.begin(), first_in.end(), t.input_grad()));
    // With every tensor kept, backward can even run twice after one forward.
    train_graph k;
    REQUIRE(k.prepare(m, 2, true).empty());
    k.forward(x.data(), true);
    k.backward(r.data());
    k.backward(r.data());
    CHECK(k.grads() == first);
    bool any = false;
    for (float v : first) any = any || v != 0.0f;
    CHECK(any);
    t.zero_grads();
    CHECK(std::all_of(t.grads().begin(), t.grads().end(), [](float v) { return v == 0.0f; }));
    // Linearity in d(output): twice the seed, twice the gradients.
    for (auto& v : r) v *= 2.0f;
    t.forward(x.data(), true);
    t.backward(r.data());
    for (std::size_t i = 0; i < first.size(); ++i) CHECK(t.grads()[i] == doctest::Approx(2.0f * first[i]).epsilon(1e-5));
}

// ---------------------------------------------------------------------------------------------
// The tiny presets end to end
// ---------------------------------------------------------------------------------------------

namespace {
const char* const preset_names[] = {"tiny_mobilenet_v1", "tiny_mobilenet_v2", "tiny_mobilenet_v3",
                                    "tiny_shufflenet_v1", "tiny_shufflenet_v2"};

model preset(const char* name, std::mt19937& g) {
    std::string err;
    auto m = es::models::build_arch(name, es::models::tiny_defaults(), &err);
    REQUIRE(m.has_value());
    randomise_bn_and_biases(*m, g);
    return *m;
}
}  // namespace

TEST_CASE("train_graph: the five tiny presets: inference forward = the engine, trainable = param_count") {
    for (const char* name : preset_names) {
        const std::string arch = name;
        CAPTURE(arch);
        std::mt19937 g(21);
        model m = preset(name, g);
        train_graph t;
        REQUIRE(t.prepare(m, 2).empty());
        CHECK(t.input_count() == 2u * 28 * 28);
        CHECK(t.output_count() == 2u * 10);
        std::size_t n_trainable = 0;
        for (auto v : t.trainable()) n_trainable += v;
        CHECK(n_trainable == param_count(m));
        session s;
        REQUIRE(s.prepare(optimize(m), 2).empty());
        auto x = random_vector(t.input_count(), g);
        std::copy(x.begin(), x.end(), s.input());
        s.run();
        t.forward(x.data(), false);
        for (std::size_t i = 0; i < t.output_count(); ++i)
            CHECK(t.output()[i] == doctest::Approx(s.output()[i]).epsilon(1e-4).scale(1e-2));
    }
}

TEST_CASE("train_graph backward: the five tiny presets at batch 2, every kinked activation made smooth") {
    // ReLU, ReLU6, hard-swish and hard-sigmoid (SE included) replaced by the sigmoid: every
    // layer's gradient is then checkable at random coordinates anywhere in the network.
    for (const char* name : preset_names) {
        const std::string arch = name;
        CAPTURE(arch);
        std::mt19937 g(22);
        model m = preset(name, g);
        for (auto& n : m.nodes) {
            if (n.type == op::op_act) n.activation = act::act_sigmoid;
            n.se_inner = n.se_gate = act::act_sigmoid;
        }
        fd_options o;
        o.max_weights = 16;
        o.max_inputs = 6;
        auto rep = grad_check(m, 2, {}, o, g);
        INFO(arch << " (smooth): " << rep.checked << " checked, worst error / tolerance " << rep.worst
                                   << ", noise floor " << rep.noise_floor);
        CHECK(rep.failed == 0);
        CHECK(rep.skipped == 0);
        CHECK(rep.checked == 22);
    }
}

TEST_CASE("train_graph backward: the five tiny presets at batch 2 as built (kinks: coordinates that cross one are redrawn)") {
    // A step moves thousands of pre-activations, so most coordinates cross some kink even at
    // h = 1e-3: those are redrawn. The smooth variant above checks everything else.
    for (const char* name : preset_names) {
        const std::string arch = name;
        CAPTURE(arch);
        std::mt19937 g(23);
        model m = preset(name, g);
        fd_options o;
        o.h = 1e-3;
        o.steps = 1;
        o.max_weights = 4;
        o.max_inputs = 0;
        o.tries = 25;
        o.min_checked = 0.5;
        o.min_grad = 0.1;  // gradients well above the float32 noise of L at this small step
        auto rep = grad_check(m, 2, {}, o, g);
        INFO(arch << ": " << rep.checked << " checked, " << rep.skipped << " redrawn, worst error / tolerance "
                     << rep.worst << ", noise floor " << rep.noise_floor);
        CHECK(rep.failed == 0);
        CHECK(rep.checked >= 2);
    }
}
