// qparams: how the INT8 engine and quantization-aware training choose quantization
// parameters, in one place, so that fake quantization in training computes exactly the
// values the integer engine later stores.
//
//   auto a = es::quant::act_params(-0.7f, 5.2f, 8);      // asymmetric, int8 storage
//   auto w = es::quant::weight_params(w, cout, per, 8, true, true);  // per channel, [-127, 127]
//   float y = es::quant::fake_quant(x, a);               // S (clamp(round(x/S) + Z) - Z)
//
// Conventions (TFLite's, study sheet section 3.1 for the formulas):
//   activations  asymmetric, stored in int8: q in [-2^(b-1), 2^(b-1) - 1]; the calibrated
//                range is first widened to contain 0 (zero must be exact: padding, ReLU),
//                S = (r_max - r_min) / (q_max - q_min), Z = clamp(round(q_min - r_min / S)).
//   weights      symmetric (Z = 0) so the integer product needs no zero-point term for them;
//                restricted range [-(2^(b-1) - 1), 2^(b-1) - 1] (int8: [-127, 127], TFLite)
//                or the full range (int8: [-128, 127], S = max|w| / 127.5, PyTorch);
//                per output channel (one S per filter) or per tensor.
//   rounding     half away from zero (std::round), as the integer kernels.
#pragma once

#include "engine/model.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace es::quant {

struct tensor_q {
    float scale = 1.0f;
    std::int32_t zero_point = 0;
    std::int32_t qmin = -128, qmax = 127;
};

// Asymmetric parameters for a real range (widened to contain 0; an empty range gets a tiny
// positive width so S > 0).
tensor_q act_params(float rmin, float rmax, int bits);

struct weight_q {
    std::vector<float> scale;  // one per output channel (per tensor: cout copies of one value)
    std::int32_t qmin = -127, qmax = 127;
};
// w holds cout rows of `per` floats (conv [cout][kh][kw][cin/g], fc [cout][cin]).
weight_q weight_params(const float* w, int cout, int per, int bits, bool per_channel, bool restricted);

// clamp(round(r / S) + Z, q_min, q_max); NaN maps to Z.
std::int32_t quantize(float r, float scale, std::int32_t zp, std::int32_t qmin, std::int32_t qmax);
// S (q - Z) of the quantized value: what the integer engine sees instead of r.
float fake_quant(float r, const tensor_q& p);
// fake_quant() of n values in place (the same values, bit for bit). When `clamped` is not
// null, clamped[i] = 1 where round(r / S) + Z fell outside [q_min, q_max] (QAT's clipped
// straight-through estimator passes no gradient there; PyTorch's fake-quantize mask), else 0
// (NaN: 0, it maps to Z).
void fake_quant_array(float* x, std::size_t n, const tensor_q& p, std::uint8_t* clamped);

// Quantizes w (cout rows of `per`) to integers with the weight parameters.
std::vector<std::int8_t> quantize_weights(const float* w, int cout, int per, const weight_q& q);
// In place: w = S_c * round(w / S_c), clamped (fake quantization of weights).
void fake_quant_weights(float* w, int cout, int per, const weight_q& q);

// Which tensor's quantization parameters each tensor of an OPTIMIZED model uses: itself for
// the input and the outputs of conv, fc, add, act, concat, pooling by average, global
// average pool, batch norm and SE; its input's for split, shuffle and max pool (they move
// int8 values unchanged); -1 for softmax outputs (the engine leaves int8 before softmax).
// Only tensors with source[t] == t are calibrated (PTQ) or fake-quantized (QAT).
std::vector<int> param_source(const engine::model& m);

}  // namespace es::quant
