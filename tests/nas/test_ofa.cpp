// The Once-for-All supernet: configs, nested weights (extract then scatter is the identity),
// the kernel's centre crop, elastic depth and width, refusals.
#include "nas/ofa.h"

#include "models/analysis.h"

#include <doctest/doctest.h>

using namespace es;

TEST_CASE("ofa: configs, text round trip, refusals") {
    const nas::ofa_space s;
    CHECK(nas::check_space(s).empty());
    CHECK(nas::max_blocks(s) == 2 + 3 + 3);
    const auto big = nas::largest(s), small = nas::smallest(s);
    CHECK(nas::check_config(s, big).empty());
    CHECK(nas::check_config(s, small).empty());
    std::string err;
    auto back = nas::parse_config(s, nas::config_text(big), &err);
    REQUIRE_MESSAGE(back.has_value(), err);
    CHECK(back->depth == big.depth);
    CHECK(back->kernel == big.kernel);
    CHECK(back->expand == big.expand);
    CHECK_FALSE(nas::parse_config(s, "d1,2,2-k3", &err).has_value());
    CHECK_FALSE(nas::parse_config(s, "x", &err).has_value());
    auto bad = big;
    bad.kernel[0] = 4;
    CHECK(nas::check_config(s, bad).find("kernel 4") != std::string::npos);
    bad = big;
    bad.depth[1] = 7;
    CHECK(nas::check_config(s, bad).find("depth of stage 2") != std::string::npos);
    nas::ofa_space odd = s;
    odd.kernels = {3, 4};
    CHECK_FALSE(nas::check_space(odd).empty());
}

TEST_CASE("ofa: the canonical form names each network once") {
    const nas::ofa_space s;
    auto a = nas::largest(s);
    a.depth = {1, 2, 2};
    auto b = a;
    b.kernel[1] = 3;  // stage 1's second block: dropped at depth 1
    b.expand[4] = 4;  // stage 2's third block: dropped
    CHECK(nas::config_text(a) != nas::config_text(b));
    CHECK(nas::config_text(nas::canonical(s, a)) == nas::config_text(nas::canonical(s, b)));
    const auto c = nas::canonical(s, a);
    CHECK(c.kernel[0] == 7);  // blocks in use keep their choices
    CHECK(c.kernel[1] == 3);
    CHECK(c.expand[1] == 3);
    CHECK(nas::config_text(nas::canonical(s, nas::largest(s))) == nas::config_text(nas::largest(s)));
    std::string err;
    auto m1 = nas::extract(nas::build_supernet(s, 2), s, a, &err), m2 = nas::extract(nas::build_supernet(s, 2), s, c, &err);
    REQUIRE(m1.has_value());
    REQUIRE(m2.has_value());
    CHECK(m1->weights == m2->weights);  // the same network
}

TEST_CASE("ofa: sub-networks are nested slices of the supernet") {
    const nas::ofa_space s;
    auto super = nas::build_supernet(s, 3);
    REQUIRE_FALSE(super.nodes.empty());
    std::string err;
    // The largest sub-network is the supernet itself.
    auto full = nas::extract(super, s, nas::largest(s), &err);
    REQUIRE_MESSAGE(full.has_value(), err);
    CHECK(full->weights == super.weights);
    // A smaller one: fewer MACs and parameters, the kernel's centre, the first channels.
    auto c = nas::largest(s);
    c.depth = {1, 2, 2};
    c.kernel[0] = 3;
    c.expand[0] = 3;
    auto sub = nas::extract(super, s, c, &err);
    REQUIRE_MESSAGE(sub.has_value(), err);
    CHECK(models::analyze(*sub).total.macs < models::analyze(super).total.macs);
    CHECK(engine::param_count(*sub) < engine::param_count(super));
    const engine::node *dw_s = nullptr, *dw_b = nullptr;
    for (const auto& n : super.nodes)
        if (n.name == "stage1.block1.dw") dw_s = &n;
    for (const auto& n : sub->nodes)
        if (n.name == "stage1.block1.dw") dw_b = &n;
    REQUIRE(dw_s);
    REQUIRE(dw_b);
    CHECK(dw_s->win.kh == 7);
    CHECK(dw_b->win.kh == 3);
    // Channel 5's 3x3 = the centre of the supernet's 7x7 (rows 2..4, columns 2..4).
    for (int y = 0; y < 3; ++y)
        for (int x = 0; x < 3; ++x)
            CHECK(sub->weights[dw_b->w_off + 5 * 9 + static_cast<std::size_t>(y * 3 + x)] ==
                  super.weights[dw_s->w_off + 5 * 49 + static_cast<std::size_t>((y + 2) * 7 + (x + 2))]);
    // Scatter of an unchanged sub-network leaves the supernet as it was; a changed one writes
    // exactly its slices.
    auto copy = super;
    REQUIRE(nas::scatter(copy, s, c, *sub).empty());
    CHECK(copy.weights == super.weights);
    auto changed = *sub;
    for (auto& w : changed.weights) w += 1.0f;
    REQUIRE(nas::scatter(copy, s, c, changed).empty());
    auto again = nas::extract(copy, s, c, &err);
    REQUIRE(again.has_value());
    CHECK(again->weights == changed.weights);
    std::size_t moved = 0;
    for (std::size_t i = 0; i < copy.weights.size(); ++i) moved += copy.weights[i] != super.weights[i];
    CHECK(moved == changed.weights.size());  // every sub weight, nothing else
    // Refusals.
    CHECK_FALSE(nas::scatter(copy, s, nas::largest(s), *sub).empty());  // the sub does not match the config
    auto wrong = super;
    wrong.nodes[1].name = "renamed";
    CHECK_FALSE(nas::extract(wrong, s, c, &err).has_value());
}
