// graph_json: a model's graph as JSON plus its weights as raw little-endian f32, for tools
// outside the engine (the TensorFlow.js peer benchmark rebuilds the same network from it).
//
// {"format": "edgestudy-graph", "version": 1, "arch": "...", "layout": "NHWC",
//  "input": [H, W, C], "output": <tensor id>, "tensors": [[H, W, C], ...],
//  "nodes": [{"op": "conv2d", "name": "...", "in": [ids], "out": [ids], "act": "relu6",
//             "kernel": [KH, KW], "stride": [SH, SW], "pad": [top, left, bottom, right],
//             "groups": G, "cout": C, "w": [offset, count], "b": [offset, count]}, ...]}
//
// Offsets and counts are in floats into the weights file. Weight layouts:
//   conv2d  w [cout][kh][kw][cin/groups], b [cout]
//   fc      w [cout][in_h*in_w*in_c] (NHWC flattening), b [cout]
//   batchnorm  w = gamma[C], beta[C], mean[C], var[C]; "eps"
//   squeeze_excite  w = w1 [squeeze][C] then w2 [C][squeeze]; b = b1 [squeeze] then b2 [C];
//                   "squeeze", "inner" and "gate" activations
//   split "split_at"; channel_shuffle "groups"; maxpool/avgpool "kernel", "stride", "pad"
//   (average pooling counts the padding, as PyTorch's default)
#pragma once

#include "engine/model.h"

#include <nlohmann/json.hpp>

namespace es::engine {

nlohmann::json graph_to_json(const model& m);

}  // namespace es::engine
