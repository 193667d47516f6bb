// nas/ofa: a Once-for-All weight-sharing supernet over tiny MobileNet V2 (study sheet §4.3).
// One set of weights holds every sub-network of the space:
//   - elastic depth: each stage keeps its first d blocks (d from the stage's depth choices);
//   - elastic width: each block's expansion ratio e (hidden = e × its input channels) keeps the
//     first e × cin channels of the expansion conv, its batch norm, the depthwise filters and
//     the projection's input columns;
//   - elastic kernel: each block's depthwise kernel k keeps the centre k × k of the 7 × 7 one.
// The stem, the stage widths, conv_last and the classifier are shared as they are.
//
//   auto super = es::nas::build_supernet(es::nas::ofa_space{}, 1);
//   es::nas::ofa_config c = es::nas::largest(space);  c.kernel[3] = 3;  c.depth[1] = 2;
//   auto sub = es::nas::extract(super, space, c, &err);      // a plain engine::model
//   ... train `sub` a few steps ...
//   es::nas::scatter(super, space, c, *sub);                 // its weights back into the supernet
//
// A sub-network's weights are nested slices of the supernet's (first rows, first columns,
// centre of the window), so extract() followed by scatter() of an unchanged sub-network leaves
// the supernet as it was.
#pragma once

#include "engine/model.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace es::nas {

struct ofa_space {
    int stem = 16;                                  // conv1 output channels; then one t = 1 block of 16
    std::vector<int> stage_out = {24, 32, 64};      // elastic stages: output channels
    std::vector<int> stage_stride = {2, 2, 1};      // of each stage's first block
    std::vector<std::vector<int>> depths = {{1, 2}, {2, 3}, {2, 3}};  // blocks per stage (increasing)
    std::vector<int> kernels = {3, 5, 7};           // depthwise kernel choices (increasing, odd)
    std::vector<int> expands = {3, 4, 6};           // expansion ratio choices (increasing)
    int last = 256;                                 // conv_last width
    int classes = 10;
    int res = 28, in_ch = 1;
};

// "" or what is wrong with the space (empty choices, not increasing, even kernels, ...).
std::string check_space(const ofa_space& s);
// Blocks the elastic stages can hold in all (the sum of each stage's largest depth).
int max_blocks(const ofa_space& s);

// One sub-network: depth per stage; kernel and expansion ratio per block slot (slots beyond a
// stage's depth are ignored but must still hold valid choices).
struct ofa_config {
    std::vector<int> depth;
    std::vector<int> kernel, expand;
};
ofa_config largest(const ofa_space& s);
ofa_config smallest(const ofa_space& s);
// "" or what is wrong (sizes, a value outside its choices).
std::string check_config(const ofa_space& s, const ofa_config& c);
// The same network with every slot beyond its stage's depth set to the smallest choices: two
// configs describe one network iff their canonical forms are equal (the labs key on it).
ofa_config canonical(const ofa_space& s, const ofa_config& c);
// "d2,3,3-k3,5,7,...-e3,4,6,..." (stable, for tables and tests); parse_config reads it back.
std::string config_text(const ofa_config& c);
std::optional<ofa_config> parse_config(const ofa_space& s, const std::string& text, std::string* error);

// The sub-network's graph with fresh weights (the supernet is the largest config's).
std::optional<engine::model> build_config(const ofa_space& s, const ofa_config& c, std::uint64_t seed,
                                          std::string* error);
engine::model build_supernet(const ofa_space& s, std::uint64_t seed);

// The sub-network with its weights sliced from the supernet; nullopt and *error when the
// config is invalid or `super` is not this space's supernet.
std::optional<engine::model> extract(const engine::model& super, const ofa_space& s, const ofa_config& c,
                                     std::string* error);
// Writes a sub-network's weights (and batch-norm statistics) back into the supernet's slices.
std::string scatter(engine::model& super, const ofa_space& s, const ofa_config& c, const engine::model& sub);

}  // namespace es::nas
