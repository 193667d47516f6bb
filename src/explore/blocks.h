// explore/blocks: one block of each architecture of the study sheet's table (section 2), built
// with the same block code the full networks use (models::block::*), counted by the same
// analysis (models::analyze, paper convention) and laid out as a diagram of rows and lanes.
//
//   es::explore::block_params p;                       // MobileNet V2, 56x56x24, t = 6, stride 1
//   std::string err;
//   auto d = es::explore::build_block(p, /*fold=*/true, &err);
//   d->nodes[1].op;        // "pointwise" (the 1x1 expansion), fused = {"bn", "relu6"}
//   d->nodes[1].macs;      // 56*56*144*24 = 10,838,016
//   d->macs;               // the block's multiply-adds, = the sum over its nodes
//
// Folding: with `fold`, a batch norm or activation that is the only reader of its
// producer's output is drawn inside the producer's box (its name goes to `fused`), so a box
// reads "1x1 conv · BN · ReLU6" as the papers draw it. Without, every engine layer is a box.
//
// Layout: row = the longest path from the input (so parallel branches share rows); lane =
// the producer's lane for its first reader, a new lane for every further reader (ShuffleNet's
// two branches, the avg-pool shortcut); a merge (add, concat) takes its first input's lane.
// An edge that would pass through boxes of its own lane (a residual shortcut, ShuffleNet V2's
// identity half) is drawn beside the lane by the UI: `skips` marks it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace es::explore {

enum class family : std::uint8_t { mobilenet_v1, mobilenet_v2, mobilenet_v3, shufflenet_v1, shufflenet_v2 };
inline constexpr family all_families[] = {family::mobilenet_v1, family::mobilenet_v2, family::mobilenet_v3,
                                          family::shufflenet_v1, family::shufflenet_v2};
const char* family_name(family f);  // "mobilenet_v1", ...
std::optional<family> parse_family(std::string_view s);

struct block_params {
    family fam = family::mobilenet_v2;
    int h = 56, w = 56;  // input height and width
    int cin = 24, cout = 24;
    int stride = 1;          // 1 or 2
    int expanded = 144;      // mobilenet_v2/v3: channels after the 1x1 expansion (t x cin); == cin: none
    int kernel = 3;          // mobilenet_v3: depthwise kernel, 3 or 5 (the others use 3)
    bool se = false;         // mobilenet_v3: squeeze-and-excite after the depthwise conv
    bool hswish = false;     // mobilenet_v3: hard-swish instead of ReLU
    int groups = 3;          // shufflenet_v1: 1, 2, 3, 4 or 8
    bool group_first_pw = true;  // shufflenet_v1: first 1x1 grouped (not in stage 2's first unit)
    bool operator==(const block_params&) const = default;
};

inline constexpr int max_extent = 1024;    // input height / width
inline constexpr int max_channels = 4096;  // any channel count

// A block from the papers' layer tables; its label is the string "arch.preset.<id>".
struct preset {
    const char* id;
    block_params p;
};
std::span<const preset> presets();  // every preset, grouped by family, paper order
const preset* find_preset(std::string_view id);

struct diagram_node {
    std::string name;                // the engine layer's name ("block.expand"); "input" for the input
    std::string op;                  // analysis type: "pointwise", "depthwise", "group_conv", "conv2d", "squeeze_excite",
                                     // "add", "concat", "split", "shuffle", "avgpool", "batchnorm", "act", "input"
    std::string act;                 // op "act": the activation's name ("relu6", "hswish")
    std::vector<std::string> fused;  // folded followers: "bn", "relu", "relu6", "hswish", ...
    int k = 0, stride = 1, groups = 1;  // convolutions and pools; shuffle: groups
    int cin = 0, cout = 0;              // channels read and written (split: cout of the first part)
    int squeeze = 0;                    // se: the hidden width
    int h_out = 0, w_out = 0;
    std::string in_shape, out_shape;    // "56×56×24" (H×W×C; a split shows both parts)
    std::uint64_t macs = 0;             // paper convention, this op and its folded layers
    std::uint64_t params = 0;           // weights and biases of the op itself
    std::uint64_t bn_params = 0;        // learned γ, β of a folded batch norm (2 per channel)
    std::uint64_t bytes = 0;            // FP32 traffic if run alone (models::analyze), summed when folded
    int row = 0, lane = 0;
    std::vector<int> inputs;            // diagram node indices it reads, in order
    std::vector<bool> skips;            // per input: the edge passes boxes of its lane (draw it aside)
};

struct block_diagram {
    block_params params;
    std::vector<diagram_node> nodes;  // nodes[0] is the input
    int rows = 0, lanes = 0;
    std::uint64_t macs = 0, params_total = 0;  // totals; params_total includes batch-norm γ, β
    std::string out_shape;
    // One standard 3x3 convolution cin -> cout with the block's stride: what a depthwise-separable
    // block replaces (an inverted residual is not cheaper than it at the narrow width: it adds depth).
    std::uint64_t standard_macs = 0, standard_params = 0;
};

// Checks the parameters (named, clear message), builds the block and lays it out; nullopt and
// `error` on bad input (sizes out of range, stride not 1 or 2, a residual or split unit whose
// channels cannot match, groups that do not divide).
std::optional<block_diagram> build_block(const block_params& p, bool fold, std::string* error);

}  // namespace es::explore
