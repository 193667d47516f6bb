// models: the architectures of the study sheet, built as engine::model graphs.
//
//   es::models::arch_options o;                          // 224x224x3, 1000 classes, width 1.0
//   std::string err;
//   auto m = es::models::build_arch("mobilenet_v2", o, &err);   // nullopt + err on bad input
//   auto t = es::models::build_arch("tiny_shufflenet_v2", es::models::tiny_defaults(), &err);
//
// Every builder records the network as its paper draws it (conv, then a batch-norm node, then
// an activation node), following torchvision's reference implementation where the paper leaves
// a choice open; the top comment of each src/models/<arch>.cpp gives the paper's layer table
// and lists every deviation. The per-layer analysis (models/analysis.h) counts this graph.
//
// Full architectures: mobilenet_v1, mobilenet_v2, mobilenet_v3_large, mobilenet_v3_small,
// shufflenet_v1 (groups 1, 2, 3, 4, 8), shufflenet_v2. Tiny presets for 28x28x1
// Fashion-MNIST with 10 classes (src/models/tiny.cpp): tiny_mobilenet_v1, tiny_mobilenet_v2,
// tiny_mobilenet_v3, tiny_shufflenet_v1, tiny_shufflenet_v2.
#pragma once

#include "engine/model.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace es::models {

struct arch_options {
    float width = 1.0f; // width multiplier (alpha); every family rounds channels its own way
    int res = 224;      // square input resolution
    int in_ch = 3;      // input channels
    int classes = 1000; // logits
    int groups = 3;     // ShuffleNet V1 only: 1, 2, 3, 4 or 8
    std::uint64_t seed = 1;
};

// Limits build_arch() enforces (besides the per-architecture minimum resolution).
inline constexpr float max_width = 2.0f; // the largest published multiplier (ShuffleNet 2x)
inline constexpr int max_res = 2048;
inline constexpr int max_in_ch = 64;
inline constexpr int max_classes = 30000; // ImageNet-21k has 21,841

// Every architecture name, full ones first, then the tiny presets.
std::vector<std::string> arch_names();
bool is_tiny(std::string_view name);
// The options a tiny preset is meant for: 28x28x1, 10 classes (width 1, groups 3).
arch_options tiny_defaults();

// Builds and validates an architecture. On bad input (unknown name, width <= 0 or too large,
// a resolution too small for the network's strides, classes or in_ch <= 0, ShuffleNet V1
// groups not in {1, 2, 3, 4, 8}) or when engine::validate() finds a problem, returns nullopt
// and, when `error` is not null, a message naming the problem.
std::optional<engine::model> build_arch(const std::string& name, const arch_options& options,
                                        std::string* error);

// The builder names the BN it adds after a conv "bn_<n>"; build_arch() calls it "<conv>.bn"
// with this (also for graphs built from single blocks, e.g. the architecture explorer).
void tidy_names(engine::model& m);

// torchvision's _make_divisible: the nearest multiple of `divisor` to v, at least
// `min_value` (divisor when 0), bumped up one step when rounding down lost more than 10%.
int make_divisible(double v, int divisor, int min_value = 0);

// Per-architecture builders (one file each). They append the network to `b` (whose input is
// already set) and return the logits tensor; shape problems are recorded in b.error().
// Options are assumed checked: call build_arch() rather than these.
namespace arch {
int mobilenet_v1(engine::graph_builder& b, const arch_options& o);
int mobilenet_v2(engine::graph_builder& b, const arch_options& o);
int mobilenet_v3_large(engine::graph_builder& b, const arch_options& o);
int mobilenet_v3_small(engine::graph_builder& b, const arch_options& o);
int shufflenet_v1(engine::graph_builder& b, const arch_options& o);
int shufflenet_v2(engine::graph_builder& b, const arch_options& o);
int tiny_mobilenet_v1(engine::graph_builder& b, const arch_options& o);
int tiny_mobilenet_v2(engine::graph_builder& b, const arch_options& o);
int tiny_mobilenet_v3(engine::graph_builder& b, const arch_options& o);
int tiny_shufflenet_v1(engine::graph_builder& b, const arch_options& o);
int tiny_shufflenet_v2(engine::graph_builder& b, const arch_options& o);
} // namespace arch

// Shared blocks (src/models/blocks.cpp), used by the full builders and the tiny presets.
namespace block {
// conv k x k / stride + BN + activation (act_none: linear).
int conv_bn_act(engine::graph_builder& b, int x, int cout, int k, int stride, engine::act a,
                const std::string& name);
// MobileNet V1 depthwise-separable block: dw 3x3 + BN + ReLU, pw 1x1 + BN + ReLU.
int dsc(engine::graph_builder& b, int x, int cout, int stride, const std::string& name);
// MobileNet V2/V3 inverted residual: [pw expand + BN + act] (skipped when expanded == cin),
// dw k x k + BN + act, [SE with squeeze `se_squeeze` when > 0], pw project + BN (linear),
// residual add when stride 1 and cin == cout.
int inverted_residual(engine::graph_builder& b, int x, int expanded, int cout, int k, int stride,
                      engine::act a, int se_squeeze, const std::string& name);
// ShuffleNet V1 unit (paper Fig. 2 b, c): out_ch = unit output; stride 2 concatenates an
// avg-pool 3x3/2 shortcut, so its residual branch produces out_ch - cin channels.
int shufflenet_v1_unit(engine::graph_builder& b, int x, int out_ch, int groups, int stride,
                       bool group_first_pw, const std::string& name);
// ShuffleNet V2 unit (paper Fig. 3 c, d): stride 1 splits the channels in half; stride 2
// feeds both branches with the whole input. Concatenation, then channel shuffle with 2 groups.
int shufflenet_v2_unit(engine::graph_builder& b, int x, int out_ch, int stride, const std::string& name);
// Global average pool then fully connected (with bias) to `classes`.
int classifier(engine::graph_builder& b, int x, int classes, const std::string& prefix = "");
} // namespace block

} // namespace es::models
