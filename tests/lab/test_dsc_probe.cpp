// The depthwise-separable probe: the pairs found in the tiny models, their MACs against the
// calculator's dsc formula and the engine's own MAC count of the one-block models.
#include "lab/dsc_probe.h"

#include "calc/conv.h"
#include "models/analysis.h"
#include "models/models.h"

#include <doctest/doctest.h>

using namespace es;

TEST_CASE("dsc probe: pairs of the tiny models, MACs equal the calculator and the engine") {
    std::string err;
    for (const char* arch : {"tiny_mobilenet_v1", "tiny_mobilenet_v2", "tiny_mobilenet_v3", "tiny_shufflenet_v1",
                             "tiny_shufflenet_v2"}) {
        CAPTURE(arch);
        auto m = models::build_arch(arch, models::tiny_defaults(), &err);
        REQUIRE(m.has_value());
        const auto pairs = lab::find_dsc_pairs(*m);
        REQUIRE(pairs.size() >= 4);
        // Every depthwise conv of these nets reaches a pointwise conv, and finding works on the
        // optimized model (batch norm folded, activations fused) as well.
        int dw = 0;
        for (const auto& n : m->nodes) dw += engine::is_depthwise(*m, n);
        CHECK(static_cast<int>(pairs.size()) == dw);
        CHECK(lab::find_dsc_pairs(engine::optimize(*m)).size() == pairs.size());
        for (const auto& p : pairs) {
            CAPTURE(p.dw);
            CHECK(p.win.kh == p.win.kw);
            // The calculator's dsc formula (ungrouped pointwise) on the same shape.
            if (p.pw_groups == 1 && p.win.pad_t == p.win.pad_b && p.win.pad_l == p.win.pad_r && p.win.pad_t == p.win.pad_l) {
                calc::conv_input in;
                in.h = p.h;
                in.w = p.w;
                in.cin = p.cin;
                in.cout = p.cout;
                in.k = p.win.kh;
                in.stride = p.win.sh;
                in.pad = p.win.pad_t;
                in.type = calc::conv_type::dsc;
                auto r = calc::conv(in, i18n::lang::en);
                REQUIRE(r.has_value());
                CHECK(r->macs == static_cast<std::int64_t>(p.macs_separable));
                CHECK(r->macs_standard == static_cast<std::int64_t>(p.macs_standard));
                CHECK(r->h_out == p.ho);
            }
            // The one-block models: the engine's MAC count agrees, and the shapes match.
            const auto sep = lab::separable_block(p), std_conv = lab::standard_block(p);
            CHECK(engine::validate(sep).empty());
            CHECK(engine::validate(std_conv).empty());
            CHECK(models::analyze(sep).total.macs == p.macs_separable);
            CHECK(models::analyze(std_conv).total.macs == p.macs_standard);
            CHECK(sep.tensors[static_cast<std::size_t>(sep.output)] == std_conv.tensors[static_cast<std::size_t>(std_conv.output)]);
            CHECK(p.macs_standard > p.macs_separable);
        }
    }
}

TEST_CASE("dsc probe: a network without depthwise convs has no pairs") {
    engine::graph_builder b("plain", engine::shape{1, 8, 8, 3}, 1);
    int x = b.conv(b.input(), 8, 3, 1);
    x = b.pwconv(x, 16);
    x = b.global_avgpool(x);
    x = b.fc(x, 10);
    CHECK(lab::find_dsc_pairs(b.finish(x)).empty());
}
