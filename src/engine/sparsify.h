// sparsify: one-shot magnitude pruning of an optimized model's conv (not depthwise) and fc
// weights, to time the sparse kernels on a whole network (`bench --sparsify`) and to test them.
// No mask is kept and nothing is fine-tuned: accuracy drops and is not the point here (the
// pruning lab in src/prune prunes properly, with fine-tuning). Works on the folded weights, so
// the zeros are the zeros the session sees.
//
//   es::engine::model fast = es::engine::optimize(m);
//   es::engine::sparsify_24(fast);          // 2:4 along the reduction of every row with K % 4 == 0
//   es::engine::sparsify_magnitude(fast, 0.7);   // or: the 70% smallest |w| of each layer zeroed
#pragma once

#include "engine/model.h"

#include <optional>
#include <string>

namespace es::engine {

// Keeps the two largest-magnitude weights of every 4 consecutive weights along the reduction
// (kh, kw, cin of one output channel); nodes whose K = kh*kw*cin_g is not a multiple of 4 (the
// first 3x3 conv on a 1-channel image) are left dense. Returns the number of nodes pruned.
int sparsify_24(model& optimized);

// Zeroes the `sparsity` share (0 <= s < 1) of smallest-magnitude weights of each conv/fc node
// (layer-wise; ties broken by position). Returns the number of nodes pruned.
int sparsify_magnitude(model& optimized, double sparsity);

// "2:4" or a fraction in [0, 1) ("0.5", "0.7", ...) applied to `optimized`; "" when done, else why not.
std::string sparsify(model& optimized, const std::string& pattern);

}  // namespace es::engine
