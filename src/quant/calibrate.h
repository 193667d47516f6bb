// calibrate: the INT8 graph of a trained model and the activation ranges that post-training
// quantization (PTQ) reads from a few hundred images.
//
//   engine::model g = es::quant::int8_graph(trained);          // BN folded, LUT activations split off
//   es::quant::calib_options o;  o.method = es::quant::calib_method::percentile;
//   auto c = es::quant::calibrate(g, images, 256, o, &err);    // images: normalised floats
//   c->tensor[t];                                              // {lo, hi} of tensor t
//
// Methods (per tensor, over the calibration images, always widened to contain 0 later):
//   minmax          the smallest and largest value seen (TFLite's default; one outlier
//                   stretches the grid for every other value)
//   moving_average  min and max of each batch of 16 images, averaged as r = (1 - c) r + c batch
//                   with c = 0.1, starting from the first batch (PyTorch's
//                   MovingAverageMinMaxObserver, which uses c = 0.01 over many more batches)
//   percentile      the p-th and (100 - p)-th percentiles (default p = 99.99), from a
//                   4,096-bin histogram over the min/max range (a second pass): clips the rare
//                   outliers for a finer grid
#pragma once

#include "engine/model.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace es::quant {

// engine::optimize(m) (batch norm folded, ReLU/ReLU6 fused: they become clamps), then every
// hard-swish, hard-sigmoid or sigmoid fused into a conv, fc, add or batch norm split off into
// its own op_act node: the integer engine computes those with a lookup table from the
// pre-activation tensor, which needs its own range. The same function of the input.
engine::model int8_graph(const engine::model& trained);

enum class calib_method { minmax, moving_average, percentile };
std::string_view calib_method_name(calib_method m);  // "minmax", "moving_average", "percentile"
std::optional<calib_method> parse_calib_method(std::string_view s);

struct calib_options {
    calib_method method = calib_method::minmax;
    double percentile = 99.99;  // percentile method: in (50, 100]
};

struct range {
    float lo = 0.0f, hi = 0.0f;
};

struct calibration {
    std::vector<range> tensor;     // by tensor id of the int8 graph (every tensor)
    std::vector<range> se_pooled;  // by node index: an SE node's pooled input of its FCs
    std::vector<range> se_hidden;  // by node index: its hidden layer after the inner activation
    int images = 0;
    calib_method method = calib_method::minmax;
};

// `images` holds `count` normalised images [count, H, W, C] of the graph's input shape.
// nullopt + *error when count < 1, an option is out of range or the graph cannot run.
std::optional<calibration> calibrate(const engine::model& graph, const float* images, int count,
                                     const calib_options& o, std::string* error);

}  // namespace es::quant
