// sparse24_view: what the Pruning panel's 2:4 visualizer shows for one real layer, without
// drawing (tested natively): the layer's weight matrix as rows = output channels and columns =
// the reduction (kh·kw·cin/g, cin fastest: the engine's [cout][kh][kw][cin/g] layout), the
// NVIDIA 2:4 mask along it (in every group of 4 consecutive weights of a row keep the 2 of
// largest magnitude; a tie keeps the lower position), the compressed form (values: the kept
// weights in order, 2 per group; indices: their positions 0..3 inside the group, 2 bits
// each), and how much of the layer's weight magnitude 2:4 keeps against unstructured 50%
// magnitude pruning of the same layer (which may keep any half).
//
//   auto v = es::lab::make_sparse24_view(model, node, &err);   // whole layer
//   v->kept_l1_24, v->kept_l1_unstructured;                      // shares of sum |w|
//   v->values[r * (cols / 2) + j], v->indices[...]
#pragma once

#include "engine/model.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace es::lab {

struct sparse24_view {
    std::string layer;
    int rows = 0, cols = 0;               // output channels x reduction length (cols % 4 == 0)
    std::vector<float> weights;           // rows x cols, row-major
    std::vector<std::uint8_t> keep;       // rows x cols: 1 where 2:4 keeps the weight
    std::vector<float> values;            // rows x cols/2: the kept weights, in order
    std::vector<std::uint8_t> indices;    // rows x cols/2: each kept weight's position in its group (0..3)
    double kept_l1_24 = 0;                // sum |w| kept by 2:4 / sum |w|
    double kept_l1_unstructured = 0;      // the same for the largest 50% of |w| in the layer
    double kept_l2_24 = 0, kept_l2_unstructured = 0;  // the same for sum w^2
};

// The conv/fc layers of m whose reduction length is a multiple of 4 (2:4 applies), by node index.
std::vector<int> sparse24_layers(const engine::model& m);
// The view of layer `node`; nullopt + *error when it is no conv/fc layer or its reduction
// length is not a multiple of 4 (2:4 groups would straddle output rows).
std::optional<sparse24_view> make_sparse24_view(const engine::model& m, int node, std::string* error);

}  // namespace es::lab
