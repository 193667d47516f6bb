// Pruning masks: which layers are prunable; layer-wise and global magnitude masks (the pruned
// weights are the smallest, the counts are the targets); 2:4 groups along the input channels
// (a hand-made layer with known values), skipped and strict layers; monotone masks; bad input
// leaves the model untouched; measure() counts what is there.
#include "engine/model.h"
#include "models/models.h"
#include "prune/masks.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

using namespace es;

namespace {

engine::model tiny(const char* arch) {
    std::string err;
    auto m = models::build_arch(arch, models::tiny_defaults(), &err);
    REQUIRE_MESSAGE(m, err);
    return *m;
}

float max_pruned(const engine::model& m, const prune::weight_mask& k, const prune::layer& l) {
    float v = 0.0f;
    for (std::size_t i = l.off; i < l.off + l.count; ++i)
        if (!k.keep[i]) v = std::max(v, std::fabs(m.weights[i]));
    return v;
}
float min_kept(const engine::model& m, const prune::weight_mask& k, const prune::layer& l) {
    float v = std::numeric_limits<float>::infinity();
    for (std::size_t i = l.off; i < l.off + l.count; ++i)
        if (k.keep[i]) v = std::min(v, std::fabs(m.weights[i]));
    return v;
}
std::size_t pruned_in(const prune::weight_mask& k, const prune::layer& l) {
    std::size_t z = 0;
    for (std::size_t i = l.off; i < l.off + l.count; ++i) z += !k.keep[i];
    return z;
}

}  // namespace

TEST_CASE("weight_layers: every conv, fc and SE weight; the first conv, depthwise and classifier flagged") {
    const auto m = tiny("tiny_mobilenet_v3");
    const auto layers = prune::weight_layers(m);
    std::size_t conv = 0, fc = 0, se = 0, first = 0, classifier = 0, dw = 0, total = 0;
    for (const auto& n : m.nodes) {
        if (n.type == engine::op::op_conv2d) ++conv;
        if (n.type == engine::op::op_fc) ++fc;
        if (n.type == engine::op::op_se) se += 2;
    }
    for (const auto& l : layers) {
        first += l.first;
        classifier += l.classifier;
        dw += l.depthwise;
        total += l.count;
        CHECK(l.count == static_cast<std::size_t>(l.rows) * static_cast<std::size_t>(l.row_len));
        CHECK(l.row_len % l.run == 0);
        if (l.depthwise) CHECK_FALSE(l.sparse24_ok());
        if (!l.sparse24_ok()) CHECK_FALSE(l.sparse24_reason().empty());
    }
    CHECK(layers.size() == conv + fc + se);
    CHECK(se > 0);
    CHECK(first == 1);
    CHECK(classifier == 1);
    CHECK(dw > 0);
    CHECK(layers.front().first);
    CHECK(layers.front().run == 1);  // 28x28x1 input: one input channel
    CHECK_FALSE(layers.front().sparse24_ok());
    CHECK(prune::measure(m).count == total);
}

TEST_CASE("make_mask layer-wise: each layer at round(s * count), the smallest magnitudes; m untouched") {
    const auto m = tiny("tiny_mobilenet_v2");
    const auto before = m.weights;
    prune::mask_options o;
    o.sparsity = 0.7;
    std::string err;
    auto k = prune::make_mask(m, o, nullptr, &err);
    REQUIRE_MESSAGE(k, err);
    CHECK(m.weights == before);
    for (const auto& l : prune::weight_layers(m)) {
        CHECK(pruned_in(*k, l) == static_cast<std::size_t>(std::llround(0.7 * static_cast<double>(l.count))));
        CHECK(max_pruned(m, *k, l) <= min_kept(m, *k, l));
    }
    // Nothing outside the prunable layers is pruned (biases, batch norm).
    std::size_t in_layers = 0;
    for (const auto& l : prune::weight_layers(m)) in_layers += pruned_in(*k, l);
    CHECK(k->pruned() == in_layers);
    auto p = m;
    REQUIRE(prune::apply_mask(p, *k).empty());
    const auto r = prune::measure(p);
    CHECK(r.sparsity == doctest::Approx(0.7).epsilon(0.001));
    for (const auto& s : r.layers) CHECK(s.sparsity == doctest::Approx(0.7).epsilon(0.02));
    CHECK(prune::mask_of_zeros(p).keep == k->keep);
}

TEST_CASE("make_mask global: one threshold across layers, round(s * total) pruned, layers differ") {
    const auto m = tiny("tiny_shufflenet_v2");
    prune::mask_options o;
    o.how = prune::method::global;
    o.sparsity = 0.5;
    std::string err;
    auto k = prune::make_mask(m, o, nullptr, &err);
    REQUIRE_MESSAGE(k, err);
    const auto layers = prune::weight_layers(m);
    std::size_t total = 0;
    float hi = 0.0f, lo = std::numeric_limits<float>::infinity();
    double smin = 1, smax = 0;
    for (const auto& l : layers) {
        total += l.count;
        hi = std::max(hi, max_pruned(m, *k, l));
        lo = std::min(lo, min_kept(m, *k, l));
        const double s = static_cast<double>(pruned_in(*k, l)) / static_cast<double>(l.count);
        smin = std::min(smin, s);
        smax = std::max(smax, s);
    }
    CHECK(k->pruned() == static_cast<std::size_t>(std::llround(0.5 * static_cast<double>(total))));
    CHECK(hi <= lo);
    CHECK(smax - smin > 0.1);  // He init: wider fan-in, smaller weights, pruned more
}

TEST_CASE("sparse24: the 2 largest of every 4 consecutive input channels are kept, on a hand-made layer") {
    engine::graph_builder b("hand", {1, 2, 2, 8});
    const int x = b.conv(b.input(), 2, 1, 1, 1, false, "pw");  // [2][1][1][8], with bias
    auto m = b.finish(b.fc(b.global_avgpool(x), 3, true, "fc"));  // [3][2]: 2 inputs, not 2:4
    REQUIRE(b.error().empty());
    const auto layers = prune::weight_layers(m);
    REQUIRE(layers.size() == 2);
    REQUIRE(layers[0].run == 8);
    const float w[16] = {1, -5, 2, 0.5f, /**/ -3, 3, 1, -1, /**/ 0.1f, 0.2f, 0.3f, 0.4f, /**/ 7, -7, 7, -7};
    std::copy(w, w + 16, m.weights.begin() + static_cast<std::ptrdiff_t>(layers[0].off));
    prune::mask_options o;
    o.how = prune::method::sparse24;
    std::string err;
    auto k = prune::make_mask(m, o, nullptr, &err);
    REQUIRE_MESSAGE(k, err);
    // Keep: {-5, 2}, {-3, 3} (ties of |w|: lower index pruned first, so 1 and -1 go), {0.3, 0.4}, {7, -7} the last two.
    const unsigned char want[16] = {0, 1, 1, 0, /**/ 1, 1, 0, 0, /**/ 0, 0, 1, 1, /**/ 0, 0, 1, 1};
    for (int i = 0; i < 16; ++i) CHECK(k->keep[layers[0].off + static_cast<std::size_t>(i)] == want[i]);
    CHECK(pruned_in(*k, layers[1]) == 0);  // fc with 2 inputs: skipped, dense
    auto p = m;
    prune::apply_mask(p, *k);
    const auto r = prune::measure(p);
    CHECK(r.layers[0].is_sparse24);
    CHECK(r.layers[0].sparsity == 0.5);
    CHECK_FALSE(r.layers[1].sparse24_ok);
    CHECK_FALSE(r.layers[1].is_sparse24);
    // strict24: refused, naming the layer.
    o.strict24 = true;
    CHECK_FALSE(prune::make_mask(m, o, nullptr, &err));
    CHECK(err.find("fc.weight") != std::string::npos);
    CHECK(err.find("not a multiple of 4") != std::string::npos);
}

TEST_CASE("sparse24 on a real network: every eligible layer exactly 2:4, depthwise and the first conv dense") {
    const auto m = tiny("tiny_mobilenet_v2");
    prune::mask_options o;
    o.how = prune::method::sparse24;
    std::string err;
    auto k = prune::make_mask(m, o, nullptr, &err);
    REQUIRE_MESSAGE(k, err);
    auto p = m;
    prune::apply_mask(p, *k);
    const auto layers = prune::weight_layers(m);
    const auto r = prune::measure(p);
    int eligible = 0;
    for (std::size_t i = 0; i < layers.size(); ++i) {
        if (layers[i].sparse24_ok()) {
            ++eligible;
            CHECK(r.layers[i].is_sparse24);
            CHECK(r.layers[i].sparsity == 0.5);
            CHECK(prune::satisfies_24(p, layers[i]));
            CHECK_FALSE(prune::satisfies_24(m, layers[i]));  // the dense weights are not
        } else {
            CHECK(r.layers[i].zeros == 0);
        }
    }
    CHECK(eligible > 5);
    CHECK(r.sparsity < 0.5);
    CHECK(r.sparsity > 0.4);
    o.strict24 = true;
    CHECK_FALSE(prune::make_mask(m, o, nullptr, &err));
    CHECK(err.find("depthwise") == std::string::npos);  // the first conv is met first: cin = 1
    CHECK(err.find(layers.front().name) != std::string::npos);
}

TEST_CASE("make_mask: skip options, monotone masks from a previous round") {
    const auto m = tiny("tiny_mobilenet_v1");
    prune::mask_options o;
    o.sparsity = 0.3;
    o.skip_first = o.skip_classifier = o.skip_depthwise = true;
    std::string err;
    auto k1 = prune::make_mask(m, o, nullptr, &err);
    REQUIRE(k1);
    for (const auto& l : prune::weight_layers(m))
        if (l.first || l.classifier || l.depthwise) CHECK(pruned_in(*k1, l) == 0);
        else CHECK(pruned_in(*k1, l) > 0);
    // A later round at 0.6 from other magnitudes keeps every weight the first pruned.
    auto moved = m;
    std::mt19937 g(5);
    std::normal_distribution<float> d(0.0f, 1.0f);
    for (auto& w : moved.weights) w = d(g);
    prune::apply_mask(moved, *k1);
    o.sparsity = 0.6;
    auto k2 = prune::make_mask(moved, o, &*k1, &err);
    REQUIRE(k2);
    for (std::size_t i = 0; i < k1->keep.size(); ++i)
        if (!k1->keep[i]) CHECK(k2->keep[i] == 0);
    for (const auto& l : prune::selected_layers(m, o))
        CHECK(pruned_in(*k2, l) == static_cast<std::size_t>(std::llround(0.6 * static_cast<double>(l.count))));
    // A previous mask of another size is refused.
    prune::weight_mask bad{std::vector<unsigned char>(3, 1)};
    CHECK_FALSE(prune::make_mask(m, o, &bad, &err));
}

TEST_CASE("bad input: sparsity outside [0, 1) refused by name; a mask of another size leaves the model untouched") {
    auto m = tiny("tiny_mobilenet_v3");
    const auto before = m.weights;
    prune::mask_options o;
    std::string err;
    for (double s : {1.0, -0.1, 1.5, std::numeric_limits<double>::quiet_NaN()}) {
        o.sparsity = s;
        CHECK_FALSE(prune::make_mask(m, o, nullptr, &err));
        CHECK(err.find("sparsity must be in [0, 1)") != std::string::npos);
        CHECK_FALSE(prune::check_sparsity(s).empty());
    }
    CHECK(prune::check_sparsity(0.0).empty());
    CHECK(prune::check_sparsity(0.99).empty());
    o.sparsity = 0.0;
    auto k = prune::make_mask(m, o, nullptr, &err);
    REQUIRE(k);
    CHECK(k->pruned() == 0);
    prune::weight_mask bad{std::vector<unsigned char>(m.weights.size() - 1, 0)};
    CHECK_FALSE(prune::apply_mask(m, bad).empty());
    CHECK(m.weights == before);
    CHECK(prune::parse_method("magnitude") == prune::method::layerwise);
    CHECK(prune::parse_method("2:4") == prune::method::sparse24);
    CHECK_FALSE(prune::parse_method("random"));
}
