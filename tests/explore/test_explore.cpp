// The architecture explorer's logic: blocks counted by hand and by the conv calculator,
// layouts, channel permutations traced through the engine, the guidelines' numbers, the
// activation curves and the ReLU-manifold experiment, and the explore commands.
#include "api/dispatcher.h"
#include "calc/conv.h"
#include "explore/activations.h"
#include "explore/blocks.h"
#include "explore/channels.h"
#include "explore/guidelines.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

using namespace es::explore;

namespace {

block_diagram must_build(const block_params& p, bool fold = true) {
    std::string err;
    auto d = build_block(p, fold, &err);
    INFO(err);
    REQUIRE(d.has_value());
    return *d;
}

const diagram_node& by_name(const block_diagram& d, const std::string& name) {
    for (const auto& n : d.nodes)
        if (n.name == name) return n;
    FAIL("no node " << name);
    return d.nodes[0];
}

std::uint64_t node_sum(const block_diagram& d) {
    std::uint64_t s = 0;
    for (const auto& n : d.nodes) s += n.macs;
    return s;
}

}  // namespace

TEST_CASE("explore: MobileNet V1 block equals the conv calculator's depthwise-separable answer") {
    const auto d = must_build(find_preset("mnv1_dw1")->p);  // 112x112x32 -> 64, stride 1
    es::calc::conv_input in;
    in.h = in.w = 112;
    in.cin = 32;
    in.cout = 64;
    in.k = 3;
    in.pad = 1;
    in.type = es::calc::conv_type::dsc;
    auto c = es::calc::conv(in, es::i18n::lang::en);
    REQUIRE(c.has_value());
    CHECK(by_name(d, "block.dw").macs == static_cast<std::uint64_t>(c->macs_dw));  // 3,612,672
    CHECK(by_name(d, "block.pw").macs == static_cast<std::uint64_t>(c->macs_pw));  // 25,690,112
    CHECK(d.macs == 3612672u + 25690112u);
    CHECK(d.standard_macs == static_cast<std::uint64_t>(c->macs_standard));
    CHECK(by_name(d, "block.dw").fused == std::vector<std::string>{"bn", "relu"});
    CHECK(by_name(d, "block.dw").op == "depthwise");
    CHECK(by_name(d, "block.pw").op == "pointwise");
    CHECK(by_name(d, "block.pw").params == 32u * 64u);
    CHECK(by_name(d, "block.pw").bn_params == 128u);
    CHECK(d.nodes.size() == 3);
    CHECK(d.out_shape == "112×112×64");
}

TEST_CASE("explore: MobileNet V2 residual block, folded and unfolded") {
    const auto d = must_build(find_preset("mnv2_res")->p);  // 56x56x24, t = 6, stride 1
    CHECK(by_name(d, "block.expand").macs == 56u * 56 * 144 * 24);
    CHECK(by_name(d, "block.dw").macs == 56u * 56 * 144 * 9);
    const auto& project = by_name(d, "block.project");
    CHECK(project.macs == 56u * 56 * 24 * 144);
    CHECK(project.fused == std::vector<std::string>{"bn"});  // linear bottleneck: no activation
    CHECK(by_name(d, "block.expand").fused == std::vector<std::string>{"bn", "relu6"});
    CHECK(d.macs == node_sum(d));
    CHECK(d.macs == 25740288u);
    const auto& add = by_name(d, "block.add");
    CHECK(add.inputs == std::vector<int>{0, 3});
    CHECK(add.skips == std::vector<bool>{true, false});  // the shortcut passes the block's boxes
    CHECK(add.row == 4);
    CHECK(d.lanes == 1);

    const auto u = must_build(find_preset("mnv2_res")->p, false);
    CHECK(u.nodes.size() == 1 + 3 + 3 + 2 + 1);  // input, 3 convs, 3 BNs, 2 ReLU6, add
    CHECK(u.macs == d.macs);
    CHECK(by_name(u, "block.expand.bn").op == "batchnorm");
    CHECK(by_name(u, "block.expand.relu6").act == "relu6");

    // Stride 2 or cin != cout: no residual add.
    const auto s2 = must_build(find_preset("mnv2_down")->p);
    for (const auto& n : s2.nodes) CHECK(n.op != "add");
    // t = 1: no expansion conv.
    const auto t1 = must_build(find_preset("mnv2_t1")->p);
    CHECK(t1.nodes[1].op == "depthwise");
}

TEST_CASE("explore: MobileNet V3 block with SE and hard-swish") {
    const auto d = must_build(find_preset("mnv3_hs_se")->p);  // 14x14x112, k3, exp 672, SE, HS
    const auto& se = by_name(d, "block.se");
    CHECK(se.op == "squeeze_excite");
    CHECK(se.squeeze == 168);  // make_divisible(672 / 4, 8)
    CHECK(se.macs == 2u * 672 * 168);
    CHECK(by_name(d, "block.dw").fused == std::vector<std::string>{"bn", "hswish"});
    const auto k5 = must_build(find_preset("mnv3_k5_se")->p);
    CHECK(by_name(k5, "block.dw").k == 5);
    CHECK(by_name(k5, "block.dw").macs == 28u * 28 * 72 * 25);
}

TEST_CASE("explore: ShuffleNet V1 units: group convs, shuffle, add or concat") {
    const auto d = must_build(find_preset("snv1_stage2")->p);  // 28x28x240, g = 3
    CHECK(by_name(d, "block.gconv1").op == "group_conv");
    CHECK(by_name(d, "block.gconv1").macs == 28u * 28 * 60 * 80);
    CHECK(by_name(d, "block.dw").macs == 28u * 28 * 60 * 9);
    CHECK(by_name(d, "block.gconv2").macs == 28u * 28 * 240 * 20);
    CHECK(by_name(d, "block.shuffle").groups == 3);
    CHECK(by_name(d, "block.add").fused == std::vector<std::string>{"relu"});
    CHECK(d.macs == 7949760u);

    const auto s2 = must_build(find_preset("snv1_stage2_first")->p);  // 56x56x24 -> 240, stride 2
    CHECK(by_name(s2, "block.gconv1").op == "pointwise");               // stage 2's first 1x1 is dense
    const auto& pool = by_name(s2, "block.shortcut_avgpool");
    const auto& cat = by_name(s2, "block.concat");
    CHECK(pool.lane == 1);
    CHECK(cat.lane == 0);
    CHECK(cat.out_shape == "28×28×240");
    CHECK(s2.lanes == 2);
}

TEST_CASE("explore: ShuffleNet V2 units: split and two branches") {
    const auto d = must_build(find_preset("snv2_stage2")->p);  // 28x28x116, stride 1
    const auto& split = by_name(d, "block.split");
    CHECK(split.out_shape == "28×28×58 + 28×28×58");
    const auto& cat = by_name(d, "block.concat");
    CHECK(cat.inputs[0] == 1);  // the identity half comes straight from the split
    CHECK(cat.skips[0]);
    CHECK(by_name(d, "block.shuffle").groups == 2);
    CHECK(d.macs == 28u * 28 * 58 * 58 * 2 + 28u * 28 * 58 * 9);

    const auto s2 = must_build(find_preset("snv2_stage2_first")->p);  // 56x56x24 -> 116, stride 2
    CHECK(by_name(s2, "block.branch1.dw").macs == 28u * 28 * 24 * 9);
    CHECK(by_name(s2, "block.branch1.pw").macs == 28u * 28 * 58 * 24);
    CHECK(by_name(s2, "block.branch2.pw1").macs == 56u * 56 * 58 * 24);
    CHECK(by_name(s2, "block.branch2.dw").macs == 28u * 28 * 58 * 9);
    CHECK(by_name(s2, "block.branch2.pw2").macs == 28u * 28 * 58 * 58);
    CHECK(s2.lanes == 2);
    CHECK(by_name(s2, "block.branch1.dw").lane != by_name(s2, "block.branch2.pw1").lane);
    CHECK(s2.out_shape == "28×28×116");
}

TEST_CASE("explore: every preset builds; totals equal the sum of the boxes") {
    std::set<std::string> ids;
    for (const auto& p : presets()) {
        CAPTURE(p.id);
        CHECK(ids.insert(p.id).second);
        const auto d = must_build(p.p);
        CHECK(d.macs == node_sum(d));
        CHECK(d.macs > 0);
        // A depthwise-separable block is cheaper than the 3x3 conv it replaces. (An inverted
        // residual is not cheaper than a 3x3 conv at its narrow bottleneck width: it buys depth.)
        if (p.p.fam == family::mobilenet_v1) CHECK(d.macs < d.standard_macs);
        for (const auto& n : d.nodes) {
            CHECK(n.inputs.size() == n.skips.size());
            for (int s : n.inputs) CHECK(d.nodes[static_cast<std::size_t>(s)].row < n.row);
        }
    }
    CHECK(ids.size() == 15);
}

TEST_CASE("explore: bad block parameters are refused with a message") {
    auto refused = [](block_params p, const std::string& needle) {
        std::string err;
        CHECK_FALSE(build_block(p, true, &err).has_value());
        CHECK_MESSAGE(err.find(needle) != std::string::npos, err);
    };
    block_params p;
    p.h = 0;
    refused(p, "h must be between 1 and 1024");
    p = {};
    p.stride = 3;
    refused(p, "stride must be 1 or 2");
    p = find_preset("snv1_stage2")->p;
    p.groups = 5;
    refused(p, "groups must be 1, 2, 3, 4 or 8");
    p = find_preset("snv1_stage2")->p;
    p.cout = 252;
    refused(p, "cout must equal cin");
    p = find_preset("snv2_stage2")->p;
    p.cout = 117;
    refused(p, "even");
    p = find_preset("mnv3_hs")->p;
    p.kernel = 4;
    refused(p, "kernel must be 3 or 5");
    p = find_preset("snv1_stage2_first")->p;
    p.cout = 248;  // the bottleneck 248 / 4 = 62 is not divisible by 3
    refused(p, "bottleneck");
}

TEST_CASE("explore: channel shuffle and split traced through the engine") {
    std::string err;
    auto o = shuffle_order(12, 3, &err);
    REQUIRE(o.has_value());
    CHECK(*o == std::vector<int>{0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11});
    // After the shuffle, every group of the next group conv holds one channel of each old group.
    for (int g = 0; g < 3; ++g) {
        std::set<int> from;
        for (int i = 0; i < 4; ++i) from.insert((*o)[static_cast<std::size_t>(g * 4 + i)] / 4);
        CHECK(from.size() == 3);
    }
    CHECK(*shuffle_order(6, 1, nullptr) == std::vector<int>{0, 1, 2, 3, 4, 5});
    CHECK_FALSE(shuffle_order(12, 5, &err).has_value());
    CHECK(err.find("groups must divide channels (12)") != std::string::npos);
    CHECK_FALSE(shuffle_order(0, 1, &err).has_value());

    auto t = split_unit({0, 1, 2, 3, 4, 5, 6, 7}, 100, &err);
    REQUIRE(t.has_value());
    CHECK(t->identity == std::vector<int>{0, 1, 2, 3});
    CHECK(t->branch_in == std::vector<int>{4, 5, 6, 7});
    CHECK(t->concat == std::vector<int>{0, 1, 2, 3, 100, 101, 102, 103});
    CHECK(t->shuffled == std::vector<int>{0, 100, 1, 101, 2, 102, 3, 103});
    CHECK_FALSE(split_unit({0, 1, 2}, 100, &err).has_value());
    CHECK(err.find("even") != std::string::npos);

    CHECK(reuse_fractions(16, 4) == std::vector<double>{0.5, 0.25, 0.125, 0.0625});
    CHECK(reuse_fractions(7, 2).empty());
}

TEST_CASE("explore: ShuffleNet V2 guidelines with numbers") {
    auto g1 = g1_table(56, 56, 128, nullptr);
    REQUIRE(g1.has_value());
    REQUIRE(g1->size() == 4);
    CHECK((*g1)[0].c1 == 128);
    CHECK((*g1)[0].mac == 3136u * 256 + 128 * 128);
    CHECK((*g1)[0].bound == doctest::Approx(static_cast<double>((*g1)[0].mac)));  // equality at c1 = c2
    for (std::size_t i = 1; i < 4; ++i) {
        CHECK((*g1)[i].mac > (*g1)[i].bound);        // the bound is strict off balance
        CHECK((*g1)[i].mac > (*g1)[i - 1].mac);      // and MAC grows with the imbalance
        CHECK(std::fabs(double((*g1)[i].flops) / double((*g1)[0].flops) - 1.0) < 0.05);  // same B
    }
    auto g2 = g2_table(56, 56, 128, nullptr);
    REQUIRE(g2.has_value());
    CHECK((*g2)[0].mac == 3136u * 256 + 128 * 128);
    for (std::size_t i = 1; i < 4; ++i) {
        CHECK((*g2)[i].mac > (*g2)[i - 1].mac);
        CHECK((*g2)[i].c % static_cast<std::uint64_t>((*g2)[i].groups) == 0);
        CHECK(std::fabs(double((*g2)[i].flops) / double((*g2)[0].flops) - 1.0) < 0.05);
    }
    std::string err;
    CHECK_FALSE(g1_table(0, 56, 128, &err).has_value());
    CHECK(err.find("h and w must be between 1 and 1024") != std::string::npos);

    auto g4 = g4_network("mobilenet_v2", &err);
    REQUIRE(g4.has_value());
    CHECK(g4->eltwise_mac_share > 0.0);   // ptflops counts them, a little
    CHECK(g4->eltwise_mac_share < 0.1);
    CHECK(g4->eltwise_byte_share > 0.3);  // BN, ReLU6 and adds move a large part of the bytes
    CHECK(g4->eltwise_byte_share < 0.9);
    CHECK_FALSE(g4_network("nonet", &err).has_value());

    const auto g3 = g3_blocks();
    CHECK(g3.size() == presets().size());
    for (const auto& r : g3)
        if (r.preset == std::string("mnv1_dw1")) CHECK(r.ops == 2);
}

TEST_CASE("explore: activation curves from the engine's kernels") {
    const std::vector<float> xs = {-4.0f, -3.0f, 0.0f, 1.0f, 3.0f, 5.0f};
    auto hs = activation_curve("hswish", xs);
    REQUIRE(hs.has_value());
    CHECK((*hs)[0] == doctest::Approx(0.0f));
    CHECK((*hs)[1] == doctest::Approx(0.0f));
    CHECK((*hs)[3] == doctest::Approx(4.0f / 6.0f));
    CHECK((*hs)[4] == doctest::Approx(3.0f));
    auto sw = activation_curve("swish", xs);
    CHECK((*sw)[3] == doctest::Approx(1.0 / (1.0 + std::exp(-1.0))).epsilon(1e-3));
    CHECK_FALSE(activation_curve("gelu", xs).has_value());
    std::vector<float> grid;
    for (int i = -600; i <= 600; ++i) grid.push_back(static_cast<float>(i) / 100.0f);
    const double gap = max_swish_gap(grid);
    CHECK(gap > 0.05);  // an approximation, not the same function
    CHECK(gap < 0.2);
}

TEST_CASE("explore: ReLU in few dimensions loses the manifold, in many it does not") {
    auto low = relu_manifold(2, 400, 7);
    auto mid = relu_manifold(5, 400, 7);
    auto high = relu_manifold(30, 400, 7);
    REQUIRE(low.has_value());
    REQUIRE(high.has_value());
    CHECK(low->recoverable < 0.6);
    CHECK(high->recoverable > 0.97);
    CHECK(mid->recoverable > low->recoverable);
    CHECK(low->rx.size() == 400);
    // Reproducible from the seed.
    CHECK(relu_manifold(5, 400, 7)->rx == mid->rx);
    CHECK_FALSE(relu_manifold(1, 400, 7).has_value());
    CHECK_FALSE(relu_manifold(5, 1, 7).has_value());
}

TEST_CASE("explore commands") {
    auto r = es::api::run({{"cmd", "explore block"}, {"preset", "mnv2_res"}});
    REQUIRE_FALSE(es::api::is_error(r));
    CHECK(r["macs"] == 25740288u);
    CHECK(r["nodes"].size() == 5);
    CHECK(r["nodes"][4]["op"] == "add");
    CHECK(r["params"]["expanded"] == 144);

    r = es::api::run({{"cmd", "explore block"}, {"preset", "mnv2_res"}, {"unfold", true}});
    CHECK(r["nodes"].size() == 10);
    r = es::api::run({{"cmd", "explore block"}, {"preset", "mnv2_res"}, {"stride", 2}});
    CHECK(r["out_shape"] == "28×28×24");

    r = es::api::run({{"cmd", "explore block"}, {"family", "mobilenet_v1"}, {"h", 7}, {"w", 7}, {"cin", 4}, {"cout", 8}});
    CHECK(r["macs"] == 7u * 7 * 4 * 9 + 7u * 7 * 4 * 8);

    r = es::api::run({{"cmd", "explore block"}});
    CHECK(es::api::is_error(r));
    CHECK(r["error"].get<std::string>().find("--preset or --family") != std::string::npos);
    r = es::api::run({{"cmd", "explore block"}, {"preset", "snv2_stage2"}, {"family", "mobilenet_v1"}});
    CHECK(r["error"].get<std::string>().find("does not match") != std::string::npos);
    r = es::api::run({{"cmd", "explore block"}, {"preset", "snv1_stage2"}, {"groups", 5}});
    CHECK(r["error"].get<std::string>().find("groups must be 1, 2, 3, 4 or 8") != std::string::npos);

    r = es::api::run({{"cmd", "explore shuffle"}, {"channels", 6}, {"groups", 2}});
    CHECK(r["order"] == nlohmann::json({0, 3, 1, 4, 2, 5}));
    r = es::api::run({{"cmd", "explore shuffle"}, {"channels", 6}, {"groups", 4}});
    CHECK(es::api::is_error(r));

    r = es::api::run({{"cmd", "explore guidelines"}});
    CHECK(r["g1"].size() == 4);
    CHECK(r["g2"][3]["groups"] == 8);
    CHECK(r["g3"].size() == 15);
}
