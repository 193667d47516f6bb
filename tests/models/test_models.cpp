// Architecture builders, tiny presets, per-layer analysis and the analyze command.
#include "api/dispatcher.h"
#include "engine/model.h"
#include "models/analysis.h"
#include "models/models.h"
#include "platform/cli_main.h"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <sstream>

using namespace es;
using models::convention;

namespace {

// Builds (once per name and options) and requires success.
const engine::model& built(const std::string& name, const models::arch_options& o = {}) {
    static std::map<std::string, engine::model> cache;
    std::ostringstream key;
    key << name << '/' << o.width << '/' << o.res << '/' << o.in_ch << '/' << o.classes << '/' << o.groups;
    auto it = cache.find(key.str());
    if (it == cache.end()) {
        std::string err;
        auto m = models::build_arch(name, o, &err);
        INFO(name << ": " << err);
        REQUIRE(m.has_value());
        it = cache.emplace(key.str(), std::move(*m)).first;
    }
    return it->second;
}

std::uint64_t paper_macs(const engine::model& m) {
    return models::analyze(m).total.macs;
}

bool within(double value, double published, double tolerance) {
    return std::fabs(value - published) <= tolerance * published;
}

std::string build_error(const std::string& name, const models::arch_options& o) {
    std::string err;
    auto m = models::build_arch(name, o, &err);
    CHECK_FALSE(m.has_value());
    return err;
}

constexpr convention all_conventions[] = {convention::convention_paper, convention::convention_torchprofile,
                                          convention::convention_ptflops, convention::convention_fvcore,
                                          convention::convention_flops};

} // namespace

// ---------------------------------------------------------------------------------------------
// Full architectures against the published figures (224x224, 1000 classes, width 1.0)
// ---------------------------------------------------------------------------------------------

TEST_CASE("architectures: every name builds and validates at the defaults") {
    const auto names = models::arch_names();
    CHECK(names.size() == 11);
    for (const auto& name : names) {
        CAPTURE(name);
        const auto o = models::is_tiny(name) ? models::tiny_defaults() : models::arch_options{};
        const auto& m = built(name, o);
        CHECK(engine::validate(m).empty());
        CHECK(m.arch == name);
        CHECK(m.tensors[static_cast<std::size_t>(m.output)] == engine::shape{1, 1, 1, o.classes});
        CHECK(m.input == engine::shape{1, o.res, o.res, o.in_ch});
    }
}

TEST_CASE("MobileNet V1: 569M mult-adds, 4.2M parameters (Table 1)") {
    const auto& m = built("mobilenet_v1");
    CHECK(within(static_cast<double>(paper_macs(m)), 569e6, 0.02));
    CHECK(paper_macs(m) == 568'740'352);
    // param_count includes BN gamma and beta (Keras' trainable count, 4,231,976). The paper's
    // 4.2M is the conv and FC weights alone: compare that too.
    CHECK(engine::param_count(m) == 4'231'976);
    std::size_t weights = 0;
    for (const auto& n : m.nodes)
        if (n.type == engine::op::op_conv2d || n.type == engine::op::op_fc) weights += n.w_count;
    CHECK(weights == 4'209'088);
    CHECK(within(static_cast<double>(weights), 4.2e6, 0.02));
    CHECK(within(static_cast<double>(engine::param_count(m)), 4.2e6, 0.02));
}

TEST_CASE("MobileNet V1: the paper's width and resolution rows (Tables 6 and 7)") {
    struct row {
        float width;
        int res;
        double macs;
    };
    for (const row r : {row{0.75f, 224, 325e6}, row{0.5f, 224, 149e6}, row{0.25f, 224, 41e6},
                        row{1.0f, 192, 418e6}, row{1.0f, 160, 290e6}, row{1.0f, 128, 186e6}}) {
        CAPTURE(r.width);
        CAPTURE(r.res);
        models::arch_options o;
        o.width = r.width;
        o.res = r.res;
        CHECK(within(static_cast<double>(paper_macs(built("mobilenet_v1", o))), r.macs, 0.02));
    }
}

TEST_CASE("MobileNet V2: 300M multiply-adds, 3.4M parameters; torchvision's 3,504,872 exactly") {
    const auto& m = built("mobilenet_v2");
    CHECK(within(static_cast<double>(paper_macs(m)), 300e6, 0.02));
    CHECK(paper_macs(m) == 300'774'272);
    // torchvision's count includes BN's affine parameters, as param_count does: exact match.
    CHECK(engine::param_count(m) == 3'504'872);
    // The paper's "3.4M" leaves out BN (17,056 channels, 34,112 gamma + beta) and truncates:
    // the conv and FC parameters are 3,470,760 = 3.47M, which no count brings within 2% of
    // 3.4M (2.1% off; with BN 3.1% off). So check the BN-free count and its truncation.
    std::size_t bn = 0;
    for (const auto& n : m.nodes)
        if (n.type == engine::op::op_batchnorm) bn += n.w_count / 2;
    CHECK(bn == 34'112);
    CHECK(engine::param_count(m) - bn == 3'470'760);
    CHECK((engine::param_count(m) - bn) / 100'000 == 34); // "3.4M"
}

TEST_CASE("MobileNet V3-Large: 219M multiply-adds, 5.4M parameters; torchvision's 5,483,032 exactly") {
    const auto& m = built("mobilenet_v3_large");
    CHECK(within(static_cast<double>(paper_macs(m)), 219e6, 0.02));
    CHECK(paper_macs(m) == 216'589'760);
    CHECK(engine::param_count(m) == 5'483'032);
    CHECK(within(static_cast<double>(engine::param_count(m)), 5.4e6, 0.02));
}

TEST_CASE("MobileNet V3-Small: 56M multiply-adds, 2.5M parameters; torchvision's 2,542,856 exactly") {
    const auto& m = built("mobilenet_v3_small");
    CHECK(within(static_cast<double>(paper_macs(m)), 56e6, 0.02));
    CHECK(paper_macs(m) == 56'510'400);
    CHECK(engine::param_count(m) == 2'542'856);
    CHECK(within(static_cast<double>(engine::param_count(m)), 2.5e6, 0.02));
}

TEST_CASE("ShuffleNet V1 1x: Table 1 complexity for every g; 140M for g = 3 (Table 2)") {
    // Table 1 lists 143 / 140 / 137 / 133 / 137 MFLOPs (multiply-adds) for g = 1, 2, 3, 4, 8;
    // Table 2 rounds them all to "ShuffleNet 1x: 140". Ours are within 2% of Table 1, and g = 3
    // also within 2% of 140 (g = 1 and g = 4 are 2.2% and 4% from 140, as Table 1 says).
    const std::map<int, double> table1 = {{1, 143e6}, {2, 140e6}, {3, 137e6}, {4, 133e6}, {8, 137e6}};
    for (const auto& entry : table1) {
        const int g = entry.first;
        const double published = entry.second;
        CAPTURE(g);
        models::arch_options o;
        o.groups = g;
        const auto& m = built("shufflenet_v1", o);
        CHECK(engine::validate(m).empty());
        CHECK(within(static_cast<double>(paper_macs(m)), published, 0.02));
    }
    models::arch_options g3;
    CHECK(paper_macs(built("shufflenet_v1", g3)) == 137'460'672);
    CHECK(within(static_cast<double>(paper_macs(built("shufflenet_v1", g3))), 140e6, 0.02));
    // Smaller widths (Table 2, g = 3): 0.5x 38M, 0.25x 13M.
    g3.width = 0.5f;
    CHECK(within(static_cast<double>(paper_macs(built("shufflenet_v1", g3))), 38e6, 0.02));
    g3.width = 0.25f;
    CHECK(within(static_cast<double>(paper_macs(built("shufflenet_v1", g3))), 13e6, 0.03));
}

TEST_CASE("ShuffleNet V1: the unit structure (grouped 1x1, shuffle, avg-pool shortcut concatenated)") {
    const auto& m = built("shufflenet_v1");
    std::map<std::string, const engine::node*> by_name;
    for (const auto& n : m.nodes)
        by_name[n.name] = &n;
    REQUIRE(by_name.count("stage2.1.gconv1"));
    CHECK(by_name["stage2.1.gconv1"]->groups == 1); // not grouped: only 24 input channels
    CHECK(by_name["stage2.2.gconv1"]->groups == 3);
    CHECK(by_name["stage3.1.gconv1"]->groups == 3);
    CHECK(by_name["stage2.1.gconv2"]->cout == 240 - 24);
    REQUIRE(by_name.count("stage2.1.shortcut_avgpool"));
    CHECK(by_name["stage2.1.concat"]->type == engine::op::op_concat);
    CHECK(by_name["stage2.1.shuffle"]->groups == 3);
    CHECK(by_name["stage2.2.add"]->type == engine::op::op_add);
}

TEST_CASE("ShuffleNet V2 1x: 146M multiply-adds, 2.3M parameters; torchvision's counts exactly") {
    const auto& m = built("shufflenet_v2");
    CHECK(within(static_cast<double>(paper_macs(m)), 146e6, 0.02));
    CHECK(paper_macs(m) == 144'907'992);
    CHECK(engine::param_count(m) == 2'278'604);
    CHECK(within(static_cast<double>(engine::param_count(m)), 2.3e6, 0.02));
    // The other columns of Table 5 (torchvision's x0_5, x1_5, x2_0 parameter counts exactly).
    struct column {
        float width;
        double macs;
        std::size_t params;
    };
    for (const column c :
         {column{0.5f, 41e6, 1'366'792}, column{1.5f, 299e6, 3'503'624}, column{2.0f, 591e6, 7'393'996}}) {
        CAPTURE(c.width);
        models::arch_options o;
        o.width = c.width;
        const auto& w = built("shufflenet_v2", o);
        CHECK(within(static_cast<double>(paper_macs(w)), c.macs, 0.02));
        CHECK(engine::param_count(w) == c.params);
    }
}

TEST_CASE("width multipliers 0.5 and 0.75 build and validate, and shrink the network") {
    for (const auto& name : models::arch_names()) {
        const auto base = models::is_tiny(name) ? models::tiny_defaults() : models::arch_options{};
        const auto macs_1 = paper_macs(built(name, base));
        for (float w : {0.5f, 0.75f}) {
            CAPTURE(name);
            CAPTURE(w);
            auto o = base;
            o.width = w;
            const auto& m = built(name, o);
            CHECK(engine::validate(m).empty());
            CHECK(paper_macs(m) < macs_1);
        }
    }
    // MobileNet V2/V3 round every channel count to a multiple of 8 (torchvision's _make_divisible).
    models::arch_options o;
    o.width = 0.35f;
    for (const auto& n : built("mobilenet_v2", o).nodes)
        if (n.type == engine::op::op_conv2d) CHECK(n.cout % 8 == 0);
    CHECK(models::make_divisible(32 * 0.35, 8) == 16); // 11.2 -> 8 is more than 10% down -> 16
    CHECK(models::make_divisible(1280 * 1.0, 8) == 1280);
    CHECK(models::make_divisible(72 / 4, 8) == 24); // V3's SE squeeze for exp 72: 18 -> 24
    CHECK(models::make_divisible(16 / 4, 8) == 8);
}

TEST_CASE("MobileNet V3: SE squeeze, hard-swish placement and the NBN head") {
    const auto& m = built("mobilenet_v3_large");
    std::map<std::string, const engine::node*> by_name;
    for (const auto& n : m.nodes)
        by_name[n.name] = &n;
    REQUIRE(by_name.count("block4.se"));
    CHECK(by_name["block4.se"]->se_squeeze == 24); // exp 72 -> _make_divisible(18, 8)
    CHECK(by_name["block4.se"]->se_inner == engine::act::act_relu);
    CHECK(by_name["block4.se"]->se_gate == engine::act::act_hsigmoid);
    CHECK(by_name.count("block1.expand") == 0); // exp 16 == input 16: no expansion
    CHECK(by_name.count("block1.add") == 1);
    CHECK(by_name.count("conv1.hswish") == 1);
    CHECK(by_name.count("block3.dw.relu") == 1);
    CHECK(by_name.count("block7.dw.hswish") == 1);
    CHECK(by_name.count("block7.project.hswish") == 0); // linear projection
    REQUIRE(by_name.count("conv_head"));
    CHECK(by_name["conv_head"]->bias); // NBN: bias, no batch norm
    CHECK(by_name["conv_head"]->cout == 1280);
    CHECK(by_name.count("conv_head.bn") == 0);
    CHECK(by_name.count("conv_head.hswish") == 1);
}

// ---------------------------------------------------------------------------------------------
// Tiny presets
// ---------------------------------------------------------------------------------------------

TEST_CASE("tiny presets: at most 300k parameters, 28x28x1 -> 10 logits, 7x7 before the pool") {
    for (const auto& name : models::arch_names()) {
        if (!models::is_tiny(name)) continue;
        CAPTURE(name);
        const auto& m = built(name, models::tiny_defaults());
        const std::size_t params = engine::param_count(m);
        CHECK(params <= 300'000);
        CHECK(params >= 100'000);
        const auto macs = paper_macs(m);
        CHECK(macs >= 5'000'000);
        CHECK(macs <= 30'000'000);
        CHECK(m.input == engine::shape{1, 28, 28, 1});
        CHECK(m.tensors[static_cast<std::size_t>(m.output)] == engine::shape{1, 1, 1, 10});
        CHECK(engine::validate(m).empty());
        for (const auto& n : m.nodes)
            if (n.type == engine::op::op_global_avgpool) {
                const auto& in = m.tensors[static_cast<std::size_t>(n.in[0])];
                CHECK((in.h == 7 || in.h == 4));
            }
        const engine::model fast = engine::optimize(m);
        CHECK(engine::validate(fast).empty());
        CHECK(fast.nodes.size() < m.nodes.size());
        CHECK(fast.tensors[static_cast<std::size_t>(fast.output)] == engine::shape{1, 1, 1, 10});
    }
}

TEST_CASE("tiny presets keep their family's defining block") {
    auto count = [](const engine::model& m, auto pred) {
        int c = 0;
        for (const auto& n : m.nodes)
            c += pred(n) ? 1 : 0;
        return c;
    };
    const auto t = models::tiny_defaults();
    using engine::op;
    const auto& v1 = built("tiny_mobilenet_v1", t);
    CHECK(count(v1, [&](const engine::node& n) { return models::layer_type(v1, n) == "depthwise"; }) >= 5);
    CHECK(count(v1, [&](const engine::node& n) { return models::layer_type(v1, n) == "pointwise"; }) >= 5);
    const auto& v2 = built("tiny_mobilenet_v2", t);
    CHECK(count(v2, [](const engine::node& n) { return n.type == op::op_add; }) >= 3);
    CHECK(count(v2, [](const engine::node& n) {
              return n.name.find(".project.relu6") != std::string::npos;
          }) == 0);
    const auto& v3 = built("tiny_mobilenet_v3", t);
    CHECK(count(v3, [](const engine::node& n) { return n.type == op::op_se; }) >= 3);
    CHECK(count(v3, [](const engine::node& n) {
              return n.type == op::op_act && n.activation == engine::act::act_hswish;
          }) >= 5);
    const auto& s1 = built("tiny_shufflenet_v1", t);
    CHECK(count(s1, [&](const engine::node& n) { return models::layer_type(s1, n) == "group_conv"; }) >= 5);
    CHECK(count(s1, [](const engine::node& n) { return n.type == op::op_shuffle; }) >= 5);
    const auto& s2 = built("tiny_shufflenet_v2", t);
    CHECK(count(s2, [](const engine::node& n) { return n.type == op::op_split; }) >= 4);
    CHECK(count(s2, [](const engine::node& n) { return n.type == op::op_shuffle; }) >= 6);
}

TEST_CASE("tiny_shufflenet_v1 accepts every group count of the paper") {
    for (int g : {1, 2, 3, 4, 8}) {
        CAPTURE(g);
        auto o = models::tiny_defaults();
        o.groups = g;
        const auto& m = built("tiny_shufflenet_v1", o);
        CHECK(engine::param_count(m) <= 300'000);
        CHECK(engine::validate(engine::optimize(m)).empty());
    }
}

// ---------------------------------------------------------------------------------------------
// Bad input
// ---------------------------------------------------------------------------------------------

TEST_CASE("build_arch: bad input gives nullopt and a message naming the problem") {
    const models::arch_options ok;
    auto has = [](const std::string& s, const char* what) { return s.find(what) != std::string::npos; };

    CHECK(has(build_error("mobilenet_v9", ok), "unknown architecture 'mobilenet_v9'"));
    CHECK(has(build_error("", ok), "unknown architecture"));
    CHECK(has(build_error("mobilenet_v9", ok), "shufflenet_v2")); // lists the known ones

    for (float w : {0.0f, -1.0f, 100.0f, std::numeric_limits<float>::quiet_NaN(),
                    std::numeric_limits<float>::infinity()}) {
        CAPTURE(w);
        auto o = ok;
        o.width = w;
        CHECK(has(build_error("mobilenet_v2", o), "width"));
    }
    {
        auto o = ok;
        o.res = 16; // five stride-2 steps need at least 32
        const auto e = build_error("mobilenet_v1", o);
        CHECK(has(e, "res 16 is too small for mobilenet_v1"));
        CHECK(has(e, "at least 32"));
        o.res = 31;
        CHECK(has(build_error("shufflenet_v2", o), "at least 32"));
        o.res = 0;
        CHECK(has(build_error("mobilenet_v3_small", o), "res"));
        o.res = -5;
        CHECK(has(build_error("mobilenet_v3_large", o), "res"));
        o.res = 32;
        std::string err;
        CHECK(models::build_arch("mobilenet_v1", o, &err).has_value());
        CHECK(err.empty());
    }
    {
        auto t = models::tiny_defaults();
        t.res = 3; // the tiny presets downsample 4 times
        CHECK(has(build_error("tiny_mobilenet_v2", t), "at least 4"));
    }
    {
        auto o = ok;
        o.classes = 0;
        CHECK(has(build_error("mobilenet_v1", o), "classes"));
        o.classes = -3;
        CHECK(has(build_error("tiny_mobilenet_v1", o), "classes"));
    }
    {
        auto o = ok;
        o.in_ch = 0;
        CHECK(has(build_error("shufflenet_v2", o), "in_ch"));
        o.in_ch = -1;
        CHECK(has(build_error("mobilenet_v2", o), "in_ch"));
    }
    for (int g : {0, 5, 6, 7, 16, -3}) {
        CAPTURE(g);
        auto o = ok;
        o.groups = g;
        CHECK(has(build_error("shufflenet_v1", o), "groups"));
        auto t = models::tiny_defaults();
        t.groups = g;
        CHECK(has(build_error("tiny_shufflenet_v1", t), "groups"));
        // Architectures without groups ignore the option.
        std::string err;
        CHECK(models::build_arch("tiny_mobilenet_v1", t, &err).has_value());
    }
    // A null error pointer is allowed.
    auto o = ok;
    o.width = 0;
    CHECK_FALSE(models::build_arch("mobilenet_v1", o, nullptr).has_value());
}

// ---------------------------------------------------------------------------------------------
// Analysis
// ---------------------------------------------------------------------------------------------

TEST_CASE("analysis: bytes and intensity of a hand-checked two-layer model") {
    // input 8x8x3 -> conv 3x3, 4 filters, stride 1, pad 1, with bias (no BN) -> FC 10.
    engine::graph_builder b("hand", {1, 8, 8, 3});
    int x = b.conv(b.input(), 4, 3, 1, 1, /*bn=*/false, "conv");
    x = b.fc(x, 10, true, "fc");
    const engine::model m = b.finish(x);
    REQUIRE(engine::validate(m).empty());

    const auto r = models::analyze(m);
    REQUIRE(r.layers.size() == 2);
    const auto& conv = r.layers[0];
    CHECK(conv.name == "conv");
    CHECK(conv.type == "conv2d");
    CHECK(conv.in_shape == "1x8x8x3");
    CHECK(conv.out_shape == "1x8x8x4");
    CHECK(conv.macs == 64 * 4 * 3 * 9);         // 6,912: out elements x Cin x K^2
    CHECK(conv.params == 4 * 3 * 3 * 3 + 4);    // 112
    CHECK(conv.bytes == 4 * (192 + 112 + 256)); // input + weights + output, FP32
    CHECK(conv.intensity == doctest::Approx(6912.0 / 2240.0));
    const auto& fc = r.layers[1];
    CHECK(fc.type == "fc");
    CHECK(fc.macs == 256 * 10);
    CHECK(fc.params == 2570);
    CHECK(fc.bytes == 4 * (256 + 2570 + 10));
    CHECK(fc.intensity == doctest::Approx(2560.0 / 11344.0));
    CHECK(r.total.macs == 6912 + 2560);
    CHECK(r.total.params == 2682);
    CHECK(r.total.params == engine::param_count(m));
    CHECK(r.total.weight_bytes == 4 * 2682);
    CHECK(r.total.activations == 192 + 256 + 10);

    CHECK(models::analyze(m, convention::convention_flops).total.macs == 2 * 9472);
    CHECK(models::analyze(m, convention::convention_torchprofile).total.macs == 9472);
    CHECK(models::analyze(m, convention::convention_fvcore).total.macs == 9472);
    // ptflops adds the biases: 256 for the conv (4 x 8 x 8), 10 for the FC.
    CHECK(models::analyze(m, convention::convention_ptflops).total.macs == 9472 + 256 + 10);
}

TEST_CASE("analysis: what each convention counts, layer by layer") {
    // input 4x4x2 -> pw conv 2 + BN -> ReLU -> add input -> SE(squeeze 1) -> maxpool 2/2 -> GAP -> FC 3
    engine::graph_builder b("conventions", {1, 4, 4, 2});
    int c = b.pwconv(b.input(), 2, 1, true, "pw");
    c = b.act(c, engine::act::act_relu, "relu");
    c = b.add(c, b.input(), "add");
    c = b.se(c, 1, engine::act::act_relu, engine::act::act_hsigmoid, "se");
    c = b.maxpool(c, 2, 2, 0, "maxpool");
    c = b.global_avgpool(c, "gap");
    c = b.fc(c, 3, true, "fc");
    const engine::model m = b.finish(c);
    REQUIRE(engine::validate(m).empty());

    // paper: pw 16 x 2 x 2 = 64, SE 2 x 1 + 1 x 2 = 4, FC 2 x 3 = 6.
    CHECK(models::analyze(m, convention::convention_paper).total.macs == 74);
    CHECK(models::analyze(m, convention::convention_flops).total.macs == 148);
    // torchprofile: + BN output 32, SE pool output 2 and gating multiply 32, GAP output 2.
    CHECK(models::analyze(m, convention::convention_torchprofile).total.macs ==
          64 + 32 + (2 + 4 + 32) + 2 + 6);
    // ptflops: BN 2 x 32, ReLU 32, add 32, SE (pool in 32 + 4 + biases 1 + 2 + inner ReLU 1 +
    // multiply 32), max pool input 32, GAP input 8, FC 6 + bias 3.
    CHECK(models::analyze(m, convention::convention_ptflops).total.macs ==
          64 + 64 + 32 + 32 + (32 + 4 + 1 + 2 + 1 + 32) + 32 + 8 + 9);
    // fvcore: BN 2 x 32, SE pool input 32 + FCs 4, GAP input 8.
    CHECK(models::analyze(m, convention::convention_fvcore).total.macs == 64 + 64 + (32 + 4) + 8 + 6);

    const auto r = models::analyze(m);
    std::vector<std::string> types;
    for (const auto& l : r.layers)
        types.push_back(l.type);
    CHECK(types == std::vector<std::string>{"pointwise", "batchnorm", "activation", "add", "squeeze_excite",
                                            "maxpool", "global_avgpool", "fc"});
    CHECK(r.layers[0].name == "pw");
    CHECK(r.layers[3].in_shape == "1x4x4x2, 1x4x4x2");
    CHECK(r.layers[3].bytes == 4 * (32 + 32 + 32));
    CHECK(r.layers[1].bytes == 4 * (32 + 4 * 2 + 32)); // BN reads gamma, beta, mean, var
    CHECK(r.layers[1].params == 4);                    // ... but only gamma and beta are trained
}

TEST_CASE("analysis: conventions relate as documented on every architecture") {
    for (const auto& name : models::arch_names()) {
        CAPTURE(name);
        const auto o = models::is_tiny(name) ? models::tiny_defaults() : models::arch_options{};
        const auto& m = built(name, o);
        const auto paper = models::analyze(m, convention::convention_paper);
        CHECK(paper.total.params == engine::param_count(m));
        CHECK(paper.total.weight_bytes == 4 * paper.total.params);
        CHECK(paper.layers.size() == m.nodes.size() - 1);
        std::uint64_t acts = m.input.numel();
        for (const auto& n : m.nodes)
            if (n.type != engine::op::op_input)
                for (int t : n.out)
                    acts += m.tensors[static_cast<std::size_t>(t)].numel();
        CHECK(paper.total.activations == acts);
        for (auto c : all_conventions) {
            const auto r = models::analyze(m, c);
            CAPTURE(models::convention_name(c));
            CHECK(r.total.params == paper.total.params);
            CHECK(r.total.activations == paper.total.activations);
            CHECK(r.total.macs >= paper.total.macs);
            if (c == convention::convention_flops) CHECK(r.total.macs == 2 * paper.total.macs);
            for (std::size_t i = 0; i < r.layers.size(); ++i)
                if (r.layers[i].bytes) {
                    CHECK(r.layers[i].intensity == doctest::Approx(static_cast<double>(r.layers[i].macs) /
                                                                   static_cast<double>(r.layers[i].bytes)));
                }
        }
        CHECK(models::analyze(m, convention::convention_ptflops).total.macs >
              models::analyze(m, convention::convention_paper).total.macs);
    }
    // torchprofile's own test expects 0.3075 GMACs for torchvision's mobilenet_v2 (BN and the
    // global pool included); the paper count is 0.3008.
    const auto tp = models::analyze(built("mobilenet_v2"), convention::convention_torchprofile).total.macs;
    CHECK(std::fabs(static_cast<double>(tp) - 307.5e6) < 1e6);
}

TEST_CASE("analysis: layer types name the kind of convolution") {
    std::set<std::string> v1, s1, v3;
    for (const auto& l : models::analyze(built("mobilenet_v1")).layers)
        v1.insert(l.type);
    for (const auto& l : models::analyze(built("shufflenet_v1")).layers)
        s1.insert(l.type);
    for (const auto& l : models::analyze(built("mobilenet_v3_small")).layers)
        v3.insert(l.type);
    CHECK(v1 == std::set<std::string>{"conv2d", "depthwise", "pointwise", "batchnorm", "activation",
                                      "global_avgpool", "fc"});
    CHECK(s1.count("group_conv"));
    CHECK(s1.count("channel_shuffle"));
    CHECK(s1.count("avgpool"));
    CHECK(s1.count("concat"));
    CHECK(s1.count("maxpool"));
    CHECK(v3.count("squeeze_excite"));
    CHECK(v3.count("add"));
    // Depthwise layers sit far left of pointwise ones on the roofline.
    double dw = 0, pw = 0;
    for (const auto& l : models::analyze(built("mobilenet_v1")).layers) {
        if (l.name == "block6.dw") dw = l.intensity;
        if (l.name == "block6.pw") pw = l.intensity;
    }
    CHECK(dw > 0);
    CHECK(pw > 10 * dw);
}

TEST_CASE("analysis: convention names parse both ways") {
    for (auto c : all_conventions)
        CHECK(models::parse_convention(models::convention_name(c)) == c);
    CHECK(models::convention_names().size() == 5);
    CHECK_FALSE(models::parse_convention("thop").has_value());
    CHECK_FALSE(models::parse_convention("").has_value());
    CHECK_FALSE(models::parse_convention("Paper").has_value());
}

// ---------------------------------------------------------------------------------------------
// The analyze command
// ---------------------------------------------------------------------------------------------

TEST_CASE("analyze command: the documented fields") {
    using api::json;
    const json a = api::run({{"cmd", "analyze"}, {"arch", "tiny_mobilenet_v1"}});
    REQUIRE_FALSE(api::is_error(a));
    CHECK(a["arch"] == "tiny_mobilenet_v1");
    CHECK(a["convention"] == "paper");
    for (const char* k : {"macs", "params", "activations", "weight_bytes"})
        CHECK(a["total"][k].is_number_unsigned());
    CHECK(a["total"]["params"] == engine::param_count(built("tiny_mobilenet_v1", models::tiny_defaults())));
    CHECK(a["total"]["weight_bytes"].get<std::uint64_t>() == 4 * a["total"]["params"].get<std::uint64_t>());
    REQUIRE(a["layers"].is_array());
    REQUIRE(a["layers"].size() > 10);
    std::uint64_t sum = 0;
    for (const auto& l : a["layers"]) {
        for (const char* k :
             {"name", "type", "in_shape", "out_shape", "macs", "params", "bytes", "intensity"})
            CHECK(l.contains(k));
        sum += l["macs"].get<std::uint64_t>();
    }
    CHECK(sum == a["total"]["macs"].get<std::uint64_t>());
    CHECK(a["layers"].front()["in_shape"] == "1x28x28x1"); // tiny defaults: 28x28x1
    CHECK(a["layers"].back()["out_shape"] == "1x1x1x10");  // 10 classes
    CHECK(a["layers"].front()["type"] == "conv2d");

    // Full architectures default to 224x224x3 and 1000 classes; numbers may come as strings.
    const json v2 = api::run({{"cmd", "analyze"}, {"arch", "mobilenet_v2"}, {"convention", "flops"}});
    REQUIRE_FALSE(api::is_error(v2));
    CHECK(v2["total"]["macs"] == 2 * 300'774'272ull);
    CHECK(v2["layers"].front()["in_shape"] == "1x224x224x3");
    CHECK(v2["layers"].back()["out_shape"] == "1x1x1x1000");
    const json small = api::run({{"cmd", "analyze"},
                                 {"arch", "mobilenet_v1"},
                                 {"res", "128"},
                                 {"width", "0.5"},
                                 {"classes", "100"},
                                 {"in-ch", "1"}});
    REQUIRE_FALSE(api::is_error(small));
    CHECK(small["layers"].front()["in_shape"] == "1x128x128x1");
    CHECK(small["layers"].back()["out_shape"] == "1x1x1x100");
    const json tiny32 =
        api::run({{"cmd", "analyze"}, {"arch", "tiny_shufflenet_v1"}, {"res", 32}, {"groups", 8}});
    REQUIRE_FALSE(api::is_error(tiny32));
    CHECK(tiny32["layers"].front()["in_shape"] == "1x32x32x1");
    for (const char* c : {"paper", "torchprofile", "ptflops", "fvcore", "flops"}) {
        const json r = api::run({{"cmd", "analyze"}, {"arch", "tiny_mobilenet_v3"}, {"convention", c}});
        REQUIRE_FALSE(api::is_error(r));
        CHECK(r["convention"] == c);
    }
    // Listed by `commands`.
    const json commands = api::run({{"cmd", "commands"}});
    bool listed = false;
    for (const auto& c : commands["commands"])
        listed = listed || c["name"] == "analyze";
    CHECK(listed);
}

TEST_CASE("analyze command: bad arguments answer an error naming the problem") {
    using api::json;
    auto error_of = [](const json& request) {
        const json a = api::run(request);
        REQUIRE(api::is_error(a));
        return a["error"].get<std::string>();
    };
    auto has = [](const std::string& s, const char* what) { return s.find(what) != std::string::npos; };
    CHECK(has(error_of({{"cmd", "analyze"}}), "missing argument --arch"));
    CHECK(has(error_of({{"cmd", "analyze"}, {"arch", "resnet50"}}), "--arch must be one of"));
    CHECK(has(error_of({{"cmd", "analyze"}, {"arch", "mobilenet_v1"}, {"res", 0}}), "--res"));
    CHECK(has(error_of({{"cmd", "analyze"}, {"arch", "mobilenet_v1"}, {"res", "abc"}}),
              "--res expects a number"));
    CHECK(has(error_of({{"cmd", "analyze"}, {"arch", "mobilenet_v1"}, {"res", 16}}), "too small"));
    CHECK(has(error_of({{"cmd", "analyze"}, {"arch", "mobilenet_v1"}, {"width", 0}}), "--width"));
    CHECK(has(error_of({{"cmd", "analyze"}, {"arch", "mobilenet_v1"}, {"width", 50}}), "--width"));
    CHECK(has(error_of({{"cmd", "analyze"}, {"arch", "mobilenet_v1"}, {"classes", 0}}), "--classes"));
    CHECK(has(error_of({{"cmd", "analyze"}, {"arch", "mobilenet_v1"}, {"in-ch", 0}}), "--in-ch"));
    CHECK(has(error_of({{"cmd", "analyze"}, {"arch", "shufflenet_v1"}, {"groups", 5}}),
              "groups must be 1, 2, 3, 4 or 8"));
    CHECK(has(error_of({{"cmd", "analyze"}, {"arch", "shufflenet_v1"}, {"groups", 9}}), "--groups"));
    CHECK(has(error_of({{"cmd", "analyze"}, {"arch", "mobilenet_v1"}, {"convention", "thop"}}),
              "--convention must be one of"));
    CHECK(has(error_of({{"cmd", "analyze"}, {"arch", "mobilenet_v1"}, {"bogus", 1}}),
              "unknown argument --bogus"));
}

TEST_CASE("analyze through the CLI: --json answers, bad input exits 2") {
    auto run_cli = [](std::vector<const char*> args, std::string& out, std::string& err) {
        args.insert(args.begin(), "edgestudy-cli");
        std::ostringstream o, e;
        const int rc = cli::cli_main(static_cast<int>(args.size()), args.data(), o, e);
        out = o.str();
        err = e.str();
        return rc;
    };
    std::string out, err;
    CHECK(run_cli({"analyze", "--arch", "tiny_shufflenet_v2", "--convention", "ptflops", "--json"}, out,
                  err) == 0);
    const auto j = api::json::parse(out);
    CHECK(j["arch"] == "tiny_shufflenet_v2");
    CHECK(j["convention"] == "ptflops");
    CHECK(run_cli({"analyze", "--arch", "tiny_mobilenet_v2", "--in-ch", "3", "--json"}, out, err) == 0);
    CHECK(api::json::parse(out)["layers"][0]["in_shape"] == "1x28x28x3");
    CHECK(run_cli({"analyze", "--arch", "mobilenet_v1", "--res", "8", "--json"}, out, err) == 2);
    CHECK(err.find("too small") != std::string::npos);
}
