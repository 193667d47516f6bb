// The session (optimized graph, arena, packed weights, SIMD kernels) against a naive
// interpreter of the un-optimized graph written here from the node definitions alone.
#include "support/model_fixtures.h"
#include "engine/kernels/nn.h"
#include "engine/model.h"
#include "engine/session.h"

#include <doctest/doctest.h>

#include <cfloat>
#include <cmath>
#include <random>
#include <vector>

using namespace es::engine;

namespace {

float act_naive(float x, act a) {
    switch (a) {
    case act::act_none: return x;
    case act::act_relu: return std::max(x, 0.0f);
    case act::act_relu6: return std::min(std::max(x, 0.0f), 6.0f);
    case act::act_hswish: return x * std::min(std::max(x + 3.0f, 0.0f), 6.0f) / 6.0f;
    case act::act_hsigmoid: return std::min(std::max(x + 3.0f, 0.0f), 6.0f) / 6.0f;
    case act::act_sigmoid: return 1.0f / (1.0f + std::exp(-x));
    }
    return x;
}

// Runs the model node by node in double precision, tensors as plain vectors.
std::vector<float> run_naive(const model& m, const std::vector<float>& input, int batch) {
    std::vector<std::vector<double>> t(m.tensors.size());
    t[0].assign(input.begin(), input.end());
    auto sh = [&](int id) {
        shape s = m.tensors[static_cast<std::size_t>(id)];
        s.n = batch;
        return s;
    };
    auto at = [](const shape& s, int b, int y, int x, int c) {
        return ((static_cast<std::size_t>(b) * s.h + y) * s.w + x) * s.c + c;
    };
    const float* W = m.weights.data();
    for (std::size_t ni = 1; ni < m.nodes.size(); ++ni) {
        const node& n = m.nodes[ni];
        const shape in = sh(n.in[0]), out = sh(n.out[0]);
        const auto& x = t[static_cast<std::size_t>(n.in[0])];
        auto& y = t[static_cast<std::size_t>(n.out[0])];
        y.assign(out.numel(), 0.0);
        switch (n.type) {
        case op::op_conv2d: {
            const int cin_g = in.c / n.groups, cout_g = n.cout / n.groups;
            for (int b = 0; b < batch; ++b)
                for (int oy = 0; oy < out.h; ++oy)
                    for (int ox = 0; ox < out.w; ++ox)
                        for (int o = 0; o < n.cout; ++o) {
                            const int g = o / cout_g;
                            double acc = n.bias ? W[n.b_off + static_cast<std::size_t>(o)] : 0.0;
                            for (int ky = 0; ky < n.win.kh; ++ky)
                                for (int kx = 0; kx < n.win.kw; ++kx) {
                                    const int iy = oy * n.win.sh - n.win.pad_t + ky, ix = ox * n.win.sw - n.win.pad_l + kx;
                                    if (iy < 0 || iy >= in.h || ix < 0 || ix >= in.w) continue;
                                    for (int i = 0; i < cin_g; ++i)
                                        acc += x[at(in, b, iy, ix, g * cin_g + i)] *
                                               W[n.w_off + ((static_cast<std::size_t>(o) * n.win.kh + ky) * n.win.kw + kx) * cin_g + i];
                                }
                            y[at(out, b, oy, ox, o)] = act_naive(static_cast<float>(acc), n.activation);
                        }
            break;
        }
        case op::op_fc: {
            const std::size_t k = static_cast<std::size_t>(in.h) * in.w * in.c;
            for (int b = 0; b < batch; ++b)
                for (int o = 0; o < n.cout; ++o) {
                    double acc = n.bias ? W[n.b_off + static_cast<std::size_t>(o)] : 0.0;
                    for (std::size_t j = 0; j < k; ++j) acc += x[b * k + j] * W[n.w_off + static_cast<std::size_t>(o) * k + j];
                    y[static_cast<std::size_t>(b) * n.cout + o] = act_naive(static_cast<float>(acc), n.activation);
                }
            break;
        }
        case op::op_batchnorm: {
            const std::size_t c = static_cast<std::size_t>(in.c);
            for (std::size_t i = 0; i < y.size(); ++i) {
                const std::size_t j = i % c;
                const double v = (x[i] - W[n.w_off + 2 * c + j]) / std::sqrt(W[n.w_off + 3 * c + j] + n.bn_eps) *
                                     W[n.w_off + j] + W[n.w_off + c + j];
                y[i] = act_naive(static_cast<float>(v), n.activation);
            }
            break;
        }
        case op::op_act:
            for (std::size_t i = 0; i < y.size(); ++i) y[i] = act_naive(static_cast<float>(x[i]), n.activation);
            break;
        case op::op_add: {
            const auto& x2 = t[static_cast<std::size_t>(n.in[1])];
            for (std::size_t i = 0; i < y.size(); ++i) y[i] = act_naive(static_cast<float>(x[i] + x2[i]), n.activation);
            break;
        }
        case op::op_concat: {
            int o = 0;
            for (int id : n.in) {
                const shape s = sh(id);
                const auto& src = t[static_cast<std::size_t>(id)];
                for (std::size_t p = 0; p < s.numel() / s.c; ++p)
                    for (int c = 0; c < s.c; ++c) y[p * out.c + o + c] = src[p * s.c + c];
                o += s.c;
            }
            break;
        }
        case op::op_split: {
            auto& y2 = t[static_cast<std::size_t>(n.out[1])];
            const shape s2 = sh(n.out[1]);
            y2.assign(s2.numel(), 0.0);
            for (std::size_t p = 0; p < in.numel() / in.c; ++p)
                for (int c = 0; c < in.c; ++c) {
                    if (c < n.split_at) y[p * n.split_at + c] = x[p * in.c + c];
                    else y2[p * s2.c + c - n.split_at] = x[p * in.c + c];
                }
            break;
        }
        case op::op_shuffle: {
            const int per = in.c / n.groups;
            for (std::size_t p = 0; p < in.numel() / in.c; ++p)
                for (int g = 0; g < n.groups; ++g)
                    for (int i = 0; i < per; ++i) y[p * in.c + i * n.groups + g] = x[p * in.c + g * per + i];
            break;
        }
        case op::op_maxpool:
        case op::op_avgpool: {
            const bool mx = n.type == op::op_maxpool;
            for (int b = 0; b < batch; ++b)
                for (int oy = 0; oy < out.h; ++oy)
                    for (int ox = 0; ox < out.w; ++ox)
                        for (int c = 0; c < in.c; ++c) {
                            double acc = mx ? -DBL_MAX : 0.0;
                            for (int ky = 0; ky < n.win.kh; ++ky)
                                for (int kx = 0; kx < n.win.kw; ++kx) {
                                    const int iy = oy * n.win.sh - n.win.pad_t + ky, ix = ox * n.win.sw - n.win.pad_l + kx;
                                    if (iy < 0 || iy >= in.h || ix < 0 || ix >= in.w) continue;
                                    const double v = x[at(in, b, iy, ix, c)];
                                    acc = mx ? std::max(acc, v) : acc + v;
                                }
                            y[at(out, b, oy, ox, c)] = mx ? acc : acc / (n.win.kh * n.win.kw);
                        }
            break;
        }
        case op::op_global_avgpool:
            for (int b = 0; b < batch; ++b)
                for (int c = 0; c < in.c; ++c) {
                    double acc = 0;
                    for (int p = 0; p < in.h * in.w; ++p) acc += x[(static_cast<std::size_t>(b) * in.h * in.w + p) * in.c + c];
                    y[static_cast<std::size_t>(b) * in.c + c] = acc / (in.h * in.w);
                }
            break;
        case op::op_se: {
            const int c = in.c, sq = n.se_squeeze, hw = in.h * in.w;
            const float* w1 = W + n.w_off;
            const float* w2 = w1 + static_cast<std::size_t>(sq) * c;
            const float* b1 = W + n.b_off;
            const float* b2 = b1 + sq;
            for (int b = 0; b < batch; ++b) {
                std::vector<double> pooled(static_cast<std::size_t>(c)), hid(static_cast<std::size_t>(sq));
                for (int j = 0; j < c; ++j) {
                    for (int p = 0; p < hw; ++p) pooled[static_cast<std::size_t>(j)] += x[(static_cast<std::size_t>(b) * hw + p) * c + j];
                    pooled[static_cast<std::size_t>(j)] /= hw;
                }
                for (int o = 0; o < sq; ++o) {
                    double acc = b1[o];
                    for (int j = 0; j < c; ++j) acc += pooled[static_cast<std::size_t>(j)] * w1[static_cast<std::size_t>(o) * c + j];
                    hid[static_cast<std::size_t>(o)] = act_naive(static_cast<float>(acc), n.se_inner);
                }
                for (int o = 0; o < c; ++o) {
                    double acc = b2[o];
                    for (int j = 0; j < sq; ++j) acc += hid[static_cast<std::size_t>(j)] * w2[static_cast<std::size_t>(o) * sq + j];
                    const double s = act_naive(static_cast<float>(acc), n.se_gate);
                    for (int p = 0; p < hw; ++p) {
                        const std::size_t i = (static_cast<std::size_t>(b) * hw + p) * c + o;
                        y[i] = x[i] * s;
                    }
                }
            }
            break;
        }
        case op::op_softmax:
            for (std::size_t r = 0; r < y.size() / in.c; ++r) {
                double mx = -DBL_MAX, sum = 0;
                for (int c = 0; c < in.c; ++c) mx = std::max(mx, x[r * in.c + c]);
                for (int c = 0; c < in.c; ++c) sum += std::exp(x[r * in.c + c] - mx);
                for (int c = 0; c < in.c; ++c) y[r * in.c + c] = std::exp(x[r * in.c + c] - mx) / sum;
            }
            break;
        case op::op_input: break;
        }
    }
    const auto& o = t[static_cast<std::size_t>(m.output)];
    return std::vector<float>(o.begin(), o.end());
}

using es::testing::randomise_bn_and_biases;

// A small network that touches every op and every activation.
model every_op_model(bool with_softmax) {
    graph_builder b("every_op", {1, 15, 17, 3}, 42);
    int x = b.conv(b.input(), 8, 3, 2);            // 3x3/2, Cin 3 (im2col path), BN
    x = b.act(x, act::act_relu6);
    int d = b.dwconv(x, 3, 1);                     // depthwise 3x3/1
    d = b.act(d, act::act_hswish);
    d = b.se(d, 4, act::act_relu, act::act_hsigmoid);
    int p = b.pwconv(d, 8);                        // pointwise, BN, no activation (linear bottleneck)
    x = b.add(x, p);                               // residual
    int gconv = b.pwconv(x, 12, 2);                // grouped 1x1
    gconv = b.act(gconv, act::act_relu);
    gconv = b.shuffle(gconv, 2);
    auto [l, r] = b.split(gconv, 4);
    r = b.dwconv(r, 5, 2);                         // 5x5/2
    l = b.avgpool(l, 3, 2, 1);
    x = b.concat({l, r});
    x = b.maxpool(x, 3, 1, 1);
    x = b.conv(x, 9, 3, 1, 3, false);              // grouped 3x3 with bias, no BN
    x = b.act(x, act::act_sigmoid);
    x = b.batchnorm(x);                            // standalone BN (not after a conv)
    x = b.global_avgpool(x);
    x = b.fc(x, 7);
    if (with_softmax) x = b.softmax(x);
    model m = b.finish(x);
    REQUIRE(b.error().empty());
    return m;
}

}  // namespace

TEST_CASE("session = naive interpreter of the un-optimized graph, SIMD and reference kernels, batch 1 and 3") {
  // The logits themselves (a strong check), then the same net ending in softmax.
  for (const bool GENERATE_SOFTMAX : {false, true}) {
    CAPTURE(GENERATE_SOFTMAX);
    std::mt19937 g(5);
    const bool with_softmax = GENERATE_SOFTMAX;
    model m = every_op_model(with_softmax);
    randomise_bn_and_biases(m, g);
    REQUIRE(validate(m).empty());
    model fast = optimize(m);
    REQUIRE(validate(fast).empty());
    CHECK(fast.nodes.size() < m.nodes.size());  // BN folded, activations fused
    for (auto mode : {es::kernels::kernel_mode::kernel_mode_simd, es::kernels::kernel_mode::kernel_mode_ref})
        for (int batch : {1, 3}) {
            CAPTURE(batch);
            CAPTURE(static_cast<int>(mode));
            es::kernels::set_mode(mode);
            session s;
            REQUIRE(s.prepare(fast, batch).empty());
            std::uniform_real_distribution<float> d(-1, 1);
            std::vector<float> input(s.input_count());
            for (auto& v : input) v = d(g);
            std::copy(input.begin(), input.end(), s.input());
            s.run();
            auto expect = run_naive(m, input, batch);
            REQUIRE(expect.size() == s.output_shape().numel());
            for (std::size_t i = 0; i < expect.size(); ++i) {
                CAPTURE(i);
                CHECK(s.output()[i] == doctest::Approx(expect[i]).epsilon(1e-4));
            }
            // Running twice gives the same answer (no state leaks between runs).
            std::vector<float> first(s.output(), s.output() + expect.size());
            std::copy(input.begin(), input.end(), s.input());
            s.run();
            CHECK(std::equal(first.begin(), first.end(), s.output()));
        }
  }
    es::kernels::set_mode(es::kernels::kernel_mode::kernel_mode_simd);
}

TEST_CASE("micro-batching gives the same answers as one pass over the whole batch") {
    std::mt19937 g(9);
    model m = every_op_model(false);
    randomise_bn_and_biases(m, g);
    model fast = optimize(m);
    std::uniform_real_distribution<float> d(-1, 1);
    std::vector<float> input(static_cast<std::size_t>(6) * 15 * 17 * 3);
    for (auto& v : input) v = d(g);
    std::vector<float> outs[4];
    int idx = 0;
    for (int micro : {6, 1, 2, 3}) {
        session s;
        REQUIRE(s.prepare(fast, 6, micro).empty());
        CHECK(s.micro_batch() == micro);
        CHECK(s.input_shape().n == 6);
        std::copy(input.begin(), input.end(), s.input());
        s.run();
        outs[idx++].assign(s.output(), s.output() + s.output_shape().numel());
    }
    for (int i = 1; i < 4; ++i) CHECK(outs[i] == outs[0]);
    session bad;
    CHECK(bad.prepare(fast, 6, 4).find("divide") != std::string::npos);
    // Automatic: a small model runs the whole batch at once.
    session autos;
    REQUIRE(autos.prepare(fast, 6).empty());
    CHECK(autos.micro_batch() == 6);
}

TEST_CASE("the arena reuses memory of tensors that are no longer needed") {
    model m = optimize(every_op_model(true));
    session s;
    REQUIRE(s.prepare(m, 2).empty());
    std::size_t all = 0;
    for (const auto& t : m.tensors) all += t.numel() * 2 * sizeof(float);
    CHECK(s.arena_bytes() < all);
}

TEST_CASE("prepare rejects bad batches and broken models with a message") {
    model m = optimize(every_op_model(true));
    session s;
    CHECK(s.prepare(m, 0).find("batch") != std::string::npos);
    model broken = m;
    broken.nodes[1].in = {99};
    CHECK_FALSE(s.prepare(broken, 1).empty());
    broken = m;
    broken.weights.resize(3);
    CHECK(s.prepare(broken, 1).find("weights") != std::string::npos);
}

TEST_CASE("builder reports windows that do not fit and bad groups") {
    graph_builder b("x", {1, 4, 4, 3});
    b.conv(b.input(), 8, 7, 1);  // 7x7 with pad 3 fits a 4x4 input
    CHECK(b.error().empty());
    graph_builder c("x", {1, 2, 2, 3});
    int t = c.conv(c.input(), 8, 3, 2);
    t = c.conv(t, 8, 3, 2);
    t = c.conv(t, 8, 5, 2, 1, true);
    CHECK(c.error().empty());  // 1x1 input with pad 2 still fits a 5x5
    graph_builder d("x", {1, 8, 8, 6});
    d.pwconv(d.input(), 8, 4);
    CHECK(d.error().find("divisible") != std::string::npos);
}

TEST_CASE("out_extent is floor((in + 2p - k) / s) + 1") {
    CHECK(out_extent(224, 3, 2, 1, 1) == 112);
    CHECK(out_extent(7, 3, 2, 1, 1) == 4);
    CHECK(out_extent(5, 3, 2, 0, 0) == 2);
    CHECK(out_extent(2, 5, 1, 0, 0) == 0);
}

TEST_CASE("BN folding preserves the function and counts parameters as trainable only") {
    graph_builder b("fold", {1, 4, 4, 2}, 3);
    int x = b.conv(b.input(), 3, 3, 1);
    model m = b.finish(x);
    // conv 3*3*3*2 = 54 weights, BN gamma+beta 6 (running stats are not parameters)
    CHECK(param_count(m) == 60);
}

TEST_CASE("conv2d layers on odd shapes: SIMD session matches the reference session within 1e-5") {
    std::mt19937 g(23);
    struct hw2 {
        int h, w;
    };
    for (int cin : {1, 3, 4, 5, 7, 8, 9, 17})
        for (hw2 s : {hw2{1, 1}, hw2{7, 5}, hw2{15, 17}})
            for (int stride : {1, 2})
                for (int k : {1, 3})
                    for (int groups : {1, cin}) {
                        const int cout = groups == cin ? cin : 9;  // depthwise or dense
                        graph_builder b("conv", {1, s.h, s.w, cin}, 7);
                        int x = b.conv(b.input(), cout, k, stride, groups, false);
                        x = b.act(x, act::act_hswish);
                        model m = b.finish(x);
                        REQUIRE(b.error().empty());
                        randomise_bn_and_biases(m, g);
                        model fast = optimize(m);
                        std::vector<float> outs[2];
                        std::uniform_real_distribution<float> d(-1, 1);
                        std::vector<float> input(static_cast<std::size_t>(2) * s.h * s.w * cin);
                        for (auto& v : input) v = d(g);
                        int idx = 0;
                        for (auto mode : {es::kernels::kernel_mode::kernel_mode_simd, es::kernels::kernel_mode::kernel_mode_ref}) {
                            es::kernels::set_mode(mode);
                            session sess;
                            REQUIRE(sess.prepare(fast, 2).empty());
                            std::copy(input.begin(), input.end(), sess.input());
                            sess.run();
                            outs[idx++].assign(sess.output(), sess.output() + sess.output_shape().numel());
                        }
                        es::kernels::set_mode(es::kernels::kernel_mode::kernel_mode_simd);
                        CAPTURE(cin);
                        CAPTURE(s.h);
                        CAPTURE(s.w);
                        CAPTURE(stride);
                        CAPTURE(k);
                        CAPTURE(groups);
                        bool ok = true;
                        for (std::size_t i = 0; i < outs[0].size(); ++i)
                            ok = ok && std::fabs(outs[0][i] - outs[1][i]) <= 1e-5f * (1.0f + std::fabs(outs[1][i]));
                        CHECK(ok);
                    }
}
