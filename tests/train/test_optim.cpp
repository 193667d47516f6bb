// Losses, optimizers, schedules and augmentation.
#include "train/augment.h"
#include "train/loss.h"
#include "train/optim.h"

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

using namespace es::train;

namespace {

// Central finite difference of f at x along coordinate i.
template <class F>
double numeric_grad(F f, std::vector<float> x, std::size_t i, float h = 1e-3f) {
    x[i] += h;
    const double up = f(x);
    x[i] -= 2 * h;
    const double down = f(x);
    return (up - down) / (2.0 * h);
}

}  // namespace

TEST_CASE("cross-entropy: value, gradient and accuracy count") {
    const float z[4] = {0.0f, 0.0f, 2.0f, -1.0f};
    const std::uint8_t y[2] = {0, 0};
    float d[4];
    int correct = -1;
    const float l = cross_entropy(z, y, 2, 2, d, &correct);
    const double l2 = std::log(1.0 + std::exp(-3.0));  // second row: softmax(2,-1)[0]
    CHECK(l == doctest::Approx((std::log(2.0) + l2) / 2.0));
    CHECK(d[0] == doctest::Approx((0.5 - 1.0) / 2.0));
    CHECK(d[1] == doctest::Approx(0.5 / 2.0));
    CHECK(correct == 2);  // row 0 is a tie (argmax takes the first: 0), row 1 predicts 0
    std::vector<float> logits = {0.3f, -1.2f, 2.0f, 0.1f, 0.7f, -0.4f};
    const std::uint8_t labels[2] = {2, 0};
    std::vector<float> g(6);
    cross_entropy(logits.data(), labels, 2, 3, g.data());
    for (std::size_t i = 0; i < 6; ++i)
        CHECK(g[i] == doctest::Approx(numeric_grad([&](const std::vector<float>& v) {
                   return static_cast<double>(cross_entropy(v.data(), labels, 2, 3, nullptr));
               }, logits, i)).epsilon(1e-2));
}

TEST_CASE("distillation: alpha 0 is cross-entropy; gradient matches finite differences; T^2 scaling") {
    std::vector<float> s = {0.5f, -0.3f, 1.2f, 0.0f, 2.0f, -1.0f, 0.3f, 0.3f};
    std::vector<float> t = {1.5f, 0.2f, 0.4f, -0.7f, 0.1f, 1.1f, -0.2f, 0.9f};
    const std::uint8_t y[2] = {2, 1};
    CHECK(distillation_loss(s.data(), t.data(), y, 2, 4, 4.0f, 0.0f, nullptr) ==
          doctest::Approx(cross_entropy(s.data(), y, 2, 4, nullptr)));
    // Student = teacher: the soft term is zero.
    CHECK(distillation_loss(t.data(), t.data(), y, 2, 4, 3.0f, 1.0f, nullptr) == doctest::Approx(0.0).epsilon(1e-6));
    for (float T : {1.0f, 4.0f})
        for (float alpha : {0.3f, 0.9f}) {
            std::vector<float> g(8);
            distillation_loss(s.data(), t.data(), y, 2, 4, T, alpha, g.data());
            for (std::size_t i = 0; i < 8; ++i) {
                CAPTURE(T);
                CAPTURE(alpha);
                CAPTURE(i);
                CHECK(g[i] == doctest::Approx(numeric_grad([&](const std::vector<float>& v) {
                           return static_cast<double>(distillation_loss(v.data(), t.data(), y, 2, 4, T, alpha, nullptr));
                       }, s, i)).epsilon(2e-2));
            }
        }
}

TEST_CASE("SGD with momentum and weight decay, trainable mask respected") {
    std::vector<float> w = {1.0f, 2.0f, 3.0f};
    const std::vector<float> g = {0.5f, 0.5f, 0.5f};
    const std::vector<unsigned char> mask = {1, 1, 0};
    sgd opt({.momentum = 0.9f, .weight_decay = 0.1f});
    opt.step(w, g, mask, 0.1f);
    CHECK(w[0] == doctest::Approx(1.0f - 0.1f * (0.5f + 0.1f * 1.0f)));
    CHECK(w[2] == 3.0f);
    const float v0 = 0.5f + 0.1f;  // first velocity of w[0]
    const float w0 = w[0];
    opt.step(w, g, mask, 0.1f);
    CHECK(w[0] == doctest::Approx(w0 - 0.1f * (0.9f * v0 + 0.5f + 0.1f * w0)));
}

TEST_CASE("Adam's first step moves each weight by about lr, and both optimizers minimise a quadratic") {
    std::vector<float> w = {1.0f, -1.0f};
    adam a;
    a.step(w, {3.0f, -0.01f}, {1, 1}, 0.01f);
    CHECK(w[0] == doctest::Approx(0.99f).epsilon(1e-4));
    CHECK(w[1] == doctest::Approx(-0.99f).epsilon(1e-4));
    for (int kind = 0; kind < 2; ++kind) {
        std::vector<float> x = {5.0f, -3.0f};
        sgd s({.momentum = 0.9f});
        adam ad;
        for (int i = 0; i < 500; ++i) {
            const std::vector<float> grad = {2.0f * (x[0] - 1.0f), 2.0f * (x[1] + 2.0f)};  // min at (1, -2)
            if (kind == 0) s.step(x, grad, {1, 1}, 0.05f);
            else ad.step(x, grad, {1, 1}, 0.05f);
        }
        CAPTURE(kind);
        CHECK(x[0] == doctest::Approx(1.0f).epsilon(1e-2));
        CHECK(x[1] == doctest::Approx(-2.0f).epsilon(1e-2));
    }
}

TEST_CASE("learning-rate schedules") {
    CHECK(cosine_lr(0.1f, 0, 100) == doctest::Approx(0.1f));
    CHECK(cosine_lr(0.1f, 50, 100) == doctest::Approx(0.05f));
    CHECK(cosine_lr(0.1f, 100, 100) == doctest::Approx(0.0f));
    CHECK(cosine_lr(0.1f, 100, 100, 0, 0.1f) == doctest::Approx(0.01f));
    CHECK(cosine_lr(0.1f, 0, 100, 10) == doctest::Approx(0.01f));   // warm-up 1/10
    CHECK(cosine_lr(0.1f, 10, 100, 10) == doctest::Approx(0.1f));
    CHECK(step_lr(0.1f, 29, 30, 0.1f) == doctest::Approx(0.1f));
    CHECK(step_lr(0.1f, 30, 30, 0.1f) == doctest::Approx(0.01f));
}

TEST_CASE("augmentation: deterministic, identity without pad and flip, flips mirror, crops shift") {
    std::vector<std::uint8_t> src(2 * 4 * 4);
    for (std::size_t i = 0; i < src.size(); ++i) src[i] = static_cast<std::uint8_t>(i + 1);
    std::vector<std::uint8_t> a(src.size()), b(src.size());
    rng r1{7}, r2{7};
    augment_batch(src.data(), a.data(), 2, 4, 4, {}, r1);
    augment_batch(src.data(), b.data(), 2, 4, 4, {}, r2);
    CHECK(a == b);
    rng r3{7};
    augment_batch(src.data(), a.data(), 2, 4, 4, {.pad = 0, .flip = false}, r3);
    CHECK(a == src);
    // Over many draws every output pixel is a source pixel or padding, and some are shifted.
    rng r4{1};
    bool shifted = false, flipped = false;
    for (int k = 0; k < 50; ++k) {
        augment_batch(src.data(), a.data(), 1, 4, 4, {.pad = 1, .flip = true}, r4);
        for (int i = 0; i < 16; ++i) CHECK((a[static_cast<std::size_t>(i)] == 0 || (a[static_cast<std::size_t>(i)] >= 1 && a[static_cast<std::size_t>(i)] <= 16)));
        shifted = shifted || a[5] != src[5];
        flipped = flipped || (a[5] == src[6] && a[6] == src[5]);
    }
    CHECK(shifted);
    CHECK(flipped);
}

TEST_CASE("normalisation uses the Fashion-MNIST mean and standard deviation") {
    const std::uint8_t px[2] = {0, 255};
    float out[2];
    normalise(px, out, 2);
    CHECK(out[0] == doctest::Approx(-0.2860f / 0.3530f));
    CHECK(out[1] == doctest::Approx((1.0f - 0.2860f) / 0.3530f));
}
