// memory: how much memory a network needs when deployed — its weights at FP32, FP16, INT8
// and with NVIDIA 2:4 sparsity, and the peak of its activations in this engine.
//
//   auto f = es::models::memory_of(model);   // the builder's graph; BN is folded first
//   f.weights_fp32; f.sparse24_fp16; f.peak_activations_fp32; ...
//
// Conventions (the Calculators panel and `analyze` state them):
//   - Weights are those of the inference graph: batch norm folded into the convolutions, so
//     each conv stores weights and a bias (BN's running statistics are gone).
//   - FP32 4 bytes, FP16 2 bytes per value. INT8: 1 byte per weight, biases as int32 (4 bytes),
//     as integer-only inference stores them (bias scale = input scale x weight scale).
//   - 2:4 applies to standard, pointwise and group convolutions and fully connected layers
//     whose reduction length (Cin/groups x K x K, or the FC's inputs) is a multiple of 4: half
//     the values are kept and each kept value carries a 2-bit index (its position among 4).
//     The squeeze-and-excitation block's two FC layers count the same way. Depthwise
//     weights (K x K per channel, no reduction over channels) and biases stay dense.
//   - Peak activations: the bytes of this engine's activation arena at batch 1 (tensors share
//     memory by liveness), in FP32; FP16 and INT8 are that divided by 2 and 4 (activations
//     stored at that precision).
#pragma once

#include "engine/model.h"

#include <string>

namespace es::models {

struct memory_footprint {
    double weight_values = 0;      // stored weight values (incl. biases) of the inference graph
    double bias_values = 0;        // of which biases
    double weights_fp32 = 0, weights_fp16 = 0, weights_int8 = 0;  // bytes
    double sparse24_eligible = 0;  // weight values (not biases) 2:4 applies to
    double sparse24_fp16 = 0, sparse24_int8 = 0;  // bytes of the whole model with 2:4 where it applies
    double peak_activations_fp32 = 0, peak_activations_fp16 = 0, peak_activations_int8 = 0;  // bytes
    std::string error;  // set when the activation plan could not be made
};

memory_footprint memory_of(const engine::model& m);

}  // namespace es::models
