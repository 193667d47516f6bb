// prune/masks: unstructured magnitude pruning and NVIDIA-style 2:4 sparsity on a model's
// weights, as keep-masks over engine::model::weights.
//
//   auto layers = es::prune::weight_layers(m);                         // what may be pruned
//   es::prune::mask_options o;  o.how = es::prune::method::global;  o.sparsity = 0.7;
//   auto mask = es::prune::make_mask(m, o, nullptr, &err);            // nullopt + err on bad input
//   es::prune::apply_mask(m, *mask);                                   // pruned weights = 0
//   auto r = es::prune::measure(m);                                    // per layer and total
//
// Which tensors are prunable (weight_layers):
//   Every weight tensor that multiplies activations: conv2d weights (standard, pointwise, group
//   and depthwise), fully connected weights, and the two FC weights of a squeeze-and-excitation
//   block. Biases, batch-norm parameters and statistics are never pruned (they are few, and
//   a zero bias or gamma is a different function, not a missing connection).
//   By default the first convolution (it sees the raw image: 3x3x1 = 9 weights per filter),
//   the classifier and the depthwise convolutions are INCLUDED, as most magnitude-pruning
//   studies do when they report a single sparsity; every answer reports sparsity per layer, so
//   a layer that suffers shows (the sensitivity scan, sensitivity.h, measures it). The options
//   skip_first, skip_classifier and skip_depthwise leave those dense.
//
// Weight layout (engine/model.h, NHWC): a conv's weights are [cout][kh][kw][cin/groups], the
// input channel innermost; an FC's are [cout][inputs] (inputs of the flattened H*W*C tensor,
// channels innermost; after global pooling simply C); an SE block's fc1 [squeeze][C] and fc2
// [C][squeeze]. A layer's "row" is one output channel: kh*kw*cin/groups weights.
//
// Methods:
//   layerwise  every prunable layer is pruned to the target sparsity: round(s * count) of its
//              smallest-|w| weights become zero.
//   global     one magnitude threshold across all prunable layers: round(s * total) of the
//              smallest-|w| weights of the whole set become zero, so layers end at different
//              sparsities (weights are compared in the builder's graph, before batch norm is
//              folded: BN rescales each output channel, which global ranking does not see).
//   sparse24   NVIDIA's 2:4: in every group of 4 consecutive weights along the reduction
//              (input-channel) dimension of each output row, the 2 of largest magnitude are kept.
//              A conv group is 4 consecutive input channels at one (output channel, ky, kx): the
//              innermost axis of the layout; an FC group is 4 consecutive inputs of one row; an SE
//              FC likewise. A layer whose run along the reduction axis (cin/groups for a conv,
//              the inputs for an FC) is not a multiple of 4 cannot be 2:4: depthwise convs (one
//              input channel per group) and the first conv (cin = 1) never can. Choice: such
//              layers are SKIPPED and stay dense (as NVIDIA's ASP does), and the answer names
//              them (layer_stats::sparse24 false, sparse24_reason); with strict24 = true the
//              mask is refused instead (error naming the first such layer, nothing changed).
//              Sparsity of a 2:4 layer is exactly 0.5; the model's total is below 0.5 by the
//              skipped layers' share.
//   Ties in magnitude are broken by position (lower index pruned first): deterministic.
//   With a previous mask (iterative pruning), weights it pruned stay pruned and count toward
//   the new target (monotone masks); if they exceed it, the mask stays as it was for them.
//
// Bad input: a sparsity outside [0, 1) (or not a number) is refused with a message naming
// "sparsity"; nothing is changed (make_mask never touches the model; apply_mask checks sizes).
#pragma once

#include "engine/model.h"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace es::prune {

struct layer {
    std::string name;    // the weights file's tensor name: "<layer>.weight", "<se>.fc1.weight"
    std::string kind;    // "conv", "pointwise", "group", "depthwise", "fc", "se_fc"
    int node = 0;        // index into model::nodes
    std::size_t off = 0, count = 0;  // floats of model::weights
    int rows = 0;        // output channels (rows of the weight matrix)
    int row_len = 0;     // weights per row: kh*kw*cin/groups, or the FC's inputs
    int run = 0;         // contiguous reduction run inside a row: cin/groups (conv), row_len (fc)
    bool first = false;       // the first convolution (reads the input image)
    bool classifier = false;  // the FC that writes the logits
    bool depthwise = false;
    bool sparse24_ok() const { return run > 0 && run % 4 == 0; }
    std::string sparse24_reason() const;  // "" when 2:4 applies, else why not
};

// Prunable weight tensors in node order (see the top comment). Named apart from
// prune::prunable_layers() of channels.h (structured pruning: which layers' output channels
// can be removed), which is another question about the same graph.
std::vector<layer> weight_layers(const engine::model& m);

enum class method { layerwise, global, sparse24 };
// "magnitude" or "layerwise", "global", "sparse24" (also "2:4").
std::optional<method> parse_method(std::string_view s);
std::string_view method_name(method m);  // "magnitude", "global", "sparse24"

struct mask_options {
    method how = method::layerwise;
    double sparsity = 0.5;        // target in [0, 1); ignored by sparse24 (0.5 per layer)
    bool strict24 = false;        // sparse24: refuse when a layer cannot be 2:4 (default: skip it)
    bool skip_first = false;      // leave the first conv dense
    bool skip_classifier = false; // leave the classifier dense
    bool skip_depthwise = false;  // leave depthwise convs dense
};

// "" or the message ("sparsity must be in [0, 1), got 1").
std::string check_sparsity(double s);

// keep[i] = 1: weights[i] stays free; 0: weights[i] is pruned (held at exactly 0).
// Same size as model::weights; everything that is not a selected prunable weight is 1.
struct weight_mask {
    std::vector<unsigned char> keep;
    std::size_t pruned() const;
};
weight_mask full_mask(const engine::model& m);  // nothing pruned

// The layers make_mask() would prune under o (the skip options applied).
std::vector<layer> selected_layers(const engine::model& m, const mask_options& o);

// A mask from the magnitudes of m's weights (m is not changed). `previous` (may be null): the
// mask of the last pruning round (its size must match). nullopt + *error on bad input.
std::optional<weight_mask> make_mask(const engine::model& m, const mask_options& o, const weight_mask* previous,
                                     std::string* error);

// weights[i] = 0 where keep[i] == 0. "" or why not (a mask of another size; m untouched).
std::string apply_mask(engine::model& m, const weight_mask& mask);

// The mask of the zeros already in m's prunable weights (a pruned model loaded from a file).
weight_mask mask_of_zeros(const engine::model& m);

struct layer_stats {
    std::string name, kind;
    std::size_t count = 0, zeros = 0;
    double sparsity = 0.0;          // zeros / count
    bool sparse24_ok = false;       // the layout admits 2:4 (run % 4 == 0)
    bool is_sparse24 = false;       // every group of 4 holds at least 2 zeros
};
struct sparsity_report {
    std::vector<layer_stats> layers;
    std::size_t count = 0, zeros = 0;  // over the prunable layers
    double sparsity = 0.0;
    std::size_t all_weights = 0;       // model::weights.size() (biases, BN included)
};
// Counts the exact zeros in m's prunable layers (what is there, not what a mask says).
sparsity_report measure(const engine::model& m);
// Every group of 4 along the reduction run of layer l holds at least 2 zeros.
bool satisfies_24(const engine::model& m, const layer& l);

}  // namespace es::prune
