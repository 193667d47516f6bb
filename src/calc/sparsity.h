// calc/sparsity: storage of NVIDIA 2:4 structured sparsity against the dense tensor, with a
// worked solution in Traditional Chinese or English (study sheet §3.2).
//
//   es::calc::sparse24_input in;  in.weights = 4096;  in.value_bits = 16;   // FP16
//   auto r = es::calc::sparse24(in, es::i18n::lang::en, &err);
//   r->ratio;   // (16 + 2) / 32 = 0.5625 of the dense bits
//   r->saved;   // 0.4375 (the sheet's "50%" counts the values alone)
//
// 2:4 keeps the 2 largest-magnitude weights of every 4 consecutive ones; each kept value is
// stored with a 2-bit index (its position 0..3 inside its group of 4). For N weights of b bits:
//   dense_bits  = N·b
//   kept        = N/2
//   sparse_bits = kept·b + kept·i        (i = index bits, 2)
//   ratio       = sparse_bits / dense_bits = (b + i) / (2b)
//     FP32: 34/64 = 53.125%   FP16: 18/32 = 56.25%   INT8: 10/16 = 62.5%
//   saved       = 1 − ratio;  values_only_ratio = 1/2 (what "saves 50%" leaves out)
// Bytes are bits / 8 (they may be fractional for tiny N).
//
// Bad input (N not a positive multiple of 4, value bits outside 1..64, index bits outside
// 0..8, overflow) gives nullopt and a calc_error naming "weights", "value-bits" or
// "index-bits", in the requested language.
#pragma once

#include "calc/step.h"
#include "i18n/i18n.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace es::calc {

struct sparse24_input {
    std::int64_t weights = 0;  // N, a multiple of 4
    int value_bits = 16;       // 32 (FP32), 16 (FP16), 8 (INT8), ...
    int index_bits = 2;        // metadata per kept value
};

struct sparse24_result {
    std::int64_t dense_bits = 0;
    std::int64_t kept = 0;
    std::int64_t value_bits_total = 0;
    std::int64_t index_bits_total = 0;
    std::int64_t sparse_bits = 0;
    double dense_bytes = 0, sparse_bytes = 0;
    double ratio = 0;              // sparse_bits / dense_bits
    double saved = 0;              // 1 − ratio
    double values_only_ratio = 0;  // value_bits_total / dense_bits = 0.5
    std::vector<step> steps;
};

std::optional<sparse24_result> sparse24(const sparse24_input& in, i18n::lang l, calc_error* error = nullptr);

}  // namespace es::calc
