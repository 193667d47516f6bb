// dsc_probe: the depthwise-separable claim measured on a real network. Every depthwise conv of
// a model that feeds a 1x1 (pointwise) conv — directly, or through shape-keeping layers such as
// an activation or squeeze-and-excitation — is a depthwise-separable pair. For each pair this
// builds two one-block models on the pair's real input shape: the pair itself (depthwise KxK,
// then the pointwise conv with its groups) and the standard KxK conv it replaces (Cin -> Cout,
// same window). Timing both says how much of the MAC reduction (1 / (1/Cout + 1/K²) for an
// ungrouped pointwise; the sheet's "about K²") the engine turns into speed.
//
//   for (const auto& p : es::lab::find_dsc_pairs(model)) {
//       auto sep = es::lab::separable_block(p), std = es::lab::standard_block(p);   // time both
//   }
#pragma once

#include "engine/model.h"

#include <cstdint>
#include <string>
#include <vector>

namespace es::lab {

struct dsc_pair {
    std::string dw, pw;         // node names in the model
    int h = 0, w = 0;           // the depthwise conv's input
    int cin = 0, cout = 0;      // depthwise channels; pointwise output channels
    int pw_groups = 1;          // ShuffleNet V1's pointwise convs are grouped
    engine::window win;         // the depthwise window (kernel, stride, padding)
    int ho = 0, wo = 0;         // output extent
    std::uint64_t macs_separable = 0;  // ho·wo·K²·Cin + ho·wo·Cin·Cout/groups
    std::uint64_t macs_standard = 0;   // ho·wo·K²·Cin·Cout
};

// The pairs of `m` in execution order (m optimized or not).
std::vector<dsc_pair> find_dsc_pairs(const engine::model& m);

// One-block models (random weights, bias, no batch norm), optimized, batch 1 input [h, w, cin].
engine::model separable_block(const dsc_pair& p);
engine::model standard_block(const dsc_pair& p);

}  // namespace es::lab
