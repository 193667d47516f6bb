// channels: structured channel pruning. Output channels of convolutions (and hidden fully
// connected layers) are ranked by the L1 or L2 norm of their filters, and the lowest-ranked
// fraction is physically removed together with every weight that depends on them, which
// leaves a smaller dense model that runs on the unchanged engine.
//
//   std::string err;
//   auto plan = es::prune::plan_channels(m, 0.25, es::prune::channel_norm::l1, &err);
//   auto small = es::prune::apply_plan(m, *plan, &err);     // nullopt + err on failure
//
// Works on the builder graph (conv, batch norm and activation as separate nodes, as
// models::build_arch makes it); an optimized (folded) graph works as well.
//
// Which layers are prunable is decided from the graph, not per architecture. A producer
// (a non-depthwise conv or an fc) is prunable when its output channels reach only
//   - channel-wise nodes: batch norm, activation, depthwise conv, squeeze-and-excitation,
//     max/avg pooling, global average pooling;
//   - at most one channel shuffle;
//   - consumers that mix channels: non-depthwise (possibly grouped) convs and fcs.
// If they reach an add, a concat, a split, a softmax or the model's output, the width is
// tied to another branch and the layer is left alone. What that means per architecture
// (the tiny presets, as prunable_layers() finds them; the full networks follow the same rule):
//   MobileNet V1: the stem conv and every pointwise conv (conv1, block1..6.pw). The
//     depthwise conv that follows loses the same channels (filters, BN), the next pointwise
//     conv or the classifier fc loses those input channels.
//   MobileNet V2: the expansion convs (block2..9.expand: the hidden width of each inverted
//     residual: expand filters + BN, depthwise filters + BN, project input channels) and
//     conv_last (256; the fc loses inputs). Project convs and the stem are kept: their
//     outputs reach a residual add, so every residual-connected width stays as it is.
//   MobileNet V3: as V2 (block2..7.expand, conv_last, and the post-pool conv_head with its
//     bias), plus the stem and block1.project, which reach no add (block1 has no expansion
//     and no residual). Inside a pruned hidden width the SE block follows: fc1 loses input
//     columns, fc2 loses output rows and biases; the squeeze width itself is kept.
//   ShuffleNet V1: the first 1x1 (group) conv of every unit (stageN.M.gconv1, the bottleneck).
//     Each of its groups keeps the same number of channels, and the survivors are chosen per
//     (group of gconv1, group of gconv2) cell, so that after the channel shuffle of the
//     smaller tensor every gconv2 group still reads only channels it read before (kept
//     channels are reordered inside their group to make this so; the widths stay multiples
//     of g); the depthwise conv between follows the permutation. gconv2 (its output crosses
//     the add or the concat) and the stem (it reaches the first unit's concat) are kept.
//   ShuffleNet V2: the first 1x1 conv of every right branch (stageN.M.branch2.pw1, between
//     split and concat), the stem (it feeds both branches of the first, down-sampling unit)
//     and conv5 (320). The split halves and the concatenated widths are kept, so split,
//     concat and the 2-group shuffle see the widths they had.
//
// The channels a layer keeps are the highest-ranked ones (ties: the lower index), subject to
// the group constraints above; the kept ones stay in their original order except where a
// shuffle requires a permutation within a group.
#pragma once

#include "engine/model.h"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace es::prune {

enum class channel_norm { l1, l2 };
// "l1" / "l2"; nullopt otherwise.
std::optional<channel_norm> parse_channel_norm(const std::string& s);

// A prunable layer of a model (see above), in node order.
struct prunable_layer {
    int node = -1;             // producer node index
    std::string name;          // producer node name
    int channels = 0;          // its output channels
    int groups = 1;            // its groups: every group keeps the same number
    int shuffle_groups = 0;    // groups of the shuffle on the way to the consumers (0: none)
    int consumer_groups = 1;   // groups of the grouped conv consumer (1: none)
};
std::vector<prunable_layer> prunable_layers(const engine::model& m);

// Norm of every output channel's filter of node `node` (conv: [kh][kw][cin/groups] slice;
// fc: its row). Empty when the node is neither.
std::vector<double> channel_scores(const engine::model& m, int node, channel_norm norm);

// The channels each layer keeps: old output-channel indices in their new order.
struct layer_plan {
    int node = -1;
    std::string name;
    int before = 0;
    std::vector<int> keep;
};
struct channel_plan {
    std::vector<layer_plan> layers;
};

// Ranks the channels of every prunable layer and keeps ceil-ish (1 - fraction) of them:
// per group, round(fraction * per-group width) are removed, then the kept width is lowered
// to the nearest width the group/shuffle constraints allow. Errors (nullopt + *error, the
// model is not touched): fraction outside [0, 1) or not finite, a layer that would lose
// every channel, a model with no prunable layer.
std::optional<channel_plan> plan_channels(const engine::model& m, double fraction, channel_norm norm,
                                          std::string* error);

// Plans for given kept widths, by layer name (other layers keep their width); which channels
// survive follows `scores` when given (by layer name), else the lowest indices. Errors: an
// unknown or unprunable layer, a width outside [1, channels], a width the groups forbid.
std::optional<channel_plan> plan_widths(const engine::model& m, const std::map<std::string, int>& widths,
                                        const std::map<std::string, std::vector<double>>& scores,
                                        std::string* error);

// The smaller dense model: every planned layer keeps only its planned channels, and every
// dependent weight follows (batch-norm parameters and statistics, depthwise filters, SE
// fc1 columns / fc2 rows and biases, the consumers' input channels, through the shuffle's
// permutation). The result passes engine::validate. nullopt + *error when the plan does not
// fit the model (the input model is never modified).
std::optional<engine::model> apply_plan(const engine::model& m, const channel_plan& plan, std::string* error);

// The same model with every weight tied to the channels the plan removes set to zero
// (filters, biases, BN gamma and beta, depthwise filters, SE fc1 columns and fc2 rows, the
// consumers' input weights): it computes exactly what apply_plan's smaller model computes.
std::optional<engine::model> zero_removed_channels(const engine::model& m, const channel_plan& plan,
                                                   std::string* error);

// {"layer": kept width, ...} for the layers whose width the plan changes, and back (the
// weights file stores this under "channels"; models::model_from_file applies it to the
// rebuilt architecture before the file's tensors).
nlohmann::json plan_widths_json(const channel_plan& plan);
std::optional<engine::model> apply_widths_json(const engine::model& m, const nlohmann::json& widths,
                                               std::string* error);

}  // namespace es::prune
