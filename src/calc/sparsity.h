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
#include <string>
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

// ---------------------------------------------------------------------------------------------
// A weight matrix [rows = Cout][cols = reduction K] in 2:4 against two general sparse formats
// at the same 50% density (`calc sparse24 --rows R --cols C --dtype fp32|fp16|int8`):
//
//   es::calc::sparse24_matrix_input in;  in.rows = 64;  in.cols = 128;  in.value_bits = 16;
//   auto r = es::calc::sparse24_matrix(in, es::i18n::lang::en, &err);
//   r->compressed_bytes / r->dense_bytes == r->ratio;   // 0.5625
//
//   dense      = R·C·b / 8                                      bytes
//   kept       = R·C / 2                                        (2 of every 4 along C)
//   2:4        = kept·b/8 (values) + kept·2/8 (2-bit indices)   ratio (b + 2) / (2b)
//   CSR        = kept·b/8 (values) + kept·j/8 (column indices) + (R + 1)·32/8 (row pointers),
//                j = 16 bits when C ≤ 65,536, else 32 bits; row pointers 32-bit
//   bitmask    = kept·b/8 (values) + R·C/8 (one bit per weight, kept or not)
// Bytes are bits / 8 and may end in .5 (the indices of an odd number of groups); the engine's
// own 2:4 storage (src/engine/kernels/sparse.h) rounds each row's indices up to whole bytes.
// Refused: rows or cols below 1 ("rows", "cols"), cols not a multiple of 4 ("cols"), value bits
// outside 1..64 ("dtype"), sizes that overflow 64-bit bit counts ("rows").
// ---------------------------------------------------------------------------------------------
struct sparse24_matrix_input {
    std::int64_t rows = 0, cols = 0;
    int value_bits = 32;
};

struct sparse24_matrix_result {
    std::int64_t weights = 0, kept = 0;
    int value_bits = 0;
    double dense_bytes = 0, values_bytes = 0, index_bytes = 0, compressed_bytes = 0;
    double ratio = 0;  // compressed / dense
    double saved = 0;  // 1 − ratio
    // CSR at 50% density
    int csr_col_bits = 16, csr_ptr_bits = 32;
    double csr_values_bytes = 0, csr_col_bytes = 0, csr_ptr_bytes = 0, csr_bytes = 0, csr_ratio = 0;
    // bitmask at 50% density
    double bitmask_values_bytes = 0, bitmask_mask_bytes = 0, bitmask_bytes = 0, bitmask_ratio = 0;
    std::vector<step> steps;
};

std::optional<sparse24_matrix_result> sparse24_matrix(const sparse24_matrix_input& in, i18n::lang l,
                                                      calc_error* error = nullptr);

// "fp32" -> 32, "fp16" -> 16, "int8" -> 8; nullopt for anything else.
std::optional<int> dtype_bits(const std::string& dtype);

}  // namespace es::calc
