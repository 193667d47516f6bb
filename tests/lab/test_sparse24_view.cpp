// The 2:4 visualizer's data: mask, values and indices of a real layer.
#include "lab/sparse24_view.h"
#include "models/model_file.h"
#include "models/shipped.h"

#include <doctest/doctest.h>

#include <algorithm>

using namespace es;

TEST_CASE("sparse24 view: two of every four kept, the compressed arrays, magnitude kept vs unstructured") {
    std::string err;
    auto path = models::resolve_model("tiny_mobilenet_v2", &err);
    REQUIRE_MESSAGE(path.has_value(), err);
    auto m = models::load_model_file(*path, &err);
    REQUIRE_MESSAGE(m.has_value(), err);
    const auto layers = lab::sparse24_layers(*m);
    REQUIRE(layers.size() > 10);
    // The first conv (28x28x1 input, 3x3 taps: 9 per output) cannot be 2:4.
    int first_conv = -1;
    for (std::size_t i = 0; i < m->nodes.size(); ++i)
        if (m->nodes[i].type == engine::op::op_conv2d) {
            first_conv = static_cast<int>(i);
            break;
        }
    REQUIRE(first_conv > 0);
    CHECK(std::find(layers.begin(), layers.end(), first_conv) == layers.end());
    CHECK_FALSE(lab::make_sparse24_view(*m, first_conv, &err).has_value());
    CHECK(err.find("multiple of 4") != std::string::npos);
    CHECK_FALSE(lab::make_sparse24_view(*m, 0, &err).has_value());

    // A known group pattern written into a real layer.
    const int node = layers[2];
    auto& n = m->nodes[static_cast<std::size_t>(node)];
    float* w = m->weights.data() + n.w_off;
    const float g0[] = {0.1f, -0.5f, 0.3f, 0.4f};  // keeps positions 1 and 3
    const float g1[] = {1.0f, 1.0f, 1.0f, 0.0f};   // a tie: the lower positions 0 and 1
    std::copy(g0, g0 + 4, w);
    std::copy(g1, g1 + 4, w + 4);
    auto v = lab::make_sparse24_view(*m, node, &err);
    REQUIRE_MESSAGE(v.has_value(), err);
    CHECK(v->rows == n.cout);
    CHECK(v->cols % 4 == 0);
    CHECK(v->values.size() == v->weights.size() / 2);
    CHECK(v->indices[0] == 1);
    CHECK(v->indices[1] == 3);
    CHECK(v->values[0] == doctest::Approx(-0.5f));
    CHECK(v->values[1] == doctest::Approx(0.4f));
    CHECK(v->indices[2] == 0);
    CHECK(v->indices[3] == 1);
    // Every group keeps exactly two, and decompressing the arrays gives the masked matrix.
    for (std::size_t g = 0; g < v->weights.size(); g += 4) {
        int kept = 0;
        for (int i = 0; i < 4; ++i) kept += v->keep[g + static_cast<std::size_t>(i)];
        REQUIRE(kept == 2);
        for (int j = 0; j < 2; ++j) {
            const std::size_t c = g / 2 + static_cast<std::size_t>(j);
            CHECK(v->values[c] == v->weights[g + v->indices[c]]);
        }
        CHECK(v->indices[g / 2] < v->indices[g / 2 + 1]);
    }
    // Unstructured 50% may keep any half, so it keeps at least as much magnitude as 2:4.
    CHECK(v->kept_l1_24 > 0.5);
    CHECK(v->kept_l1_24 <= v->kept_l1_unstructured + 1e-12);
    CHECK(v->kept_l2_24 <= v->kept_l2_unstructured + 1e-12);
    CHECK(v->kept_l1_unstructured < 1.0);
}
