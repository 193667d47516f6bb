// sparse: f32 GEMM with sparse weights, computed from the compressed storage itself.
//
//   C[m][n] = act(bias[n] + sum_k A[m*lda + k] * W[n][k])
//   A [M, K] activations (row stride lda; NHWC pixels x channels)   W [N, K] weights (cout x reduction)
//   bias [N] or null   C [M, N] (row stride ldc)
//
// Two storage formats, each with a scalar reference (__ref, the specification: plain loops,
// accumulation in k order) and a wasm_simd128 twin (__simd; SIMDe natively):
//
// 1. NVIDIA-style 2:4 (sparse24_weights). W must already be 2:4 sparse along K: at most two
//    nonzeros in every group of four consecutive k (k = 4g .. 4g+3). K must be a multiple of 4:
//    sparse24_compress refuses anything else (a caller pads K with zero columns or keeps the
//    layer dense; the engine keeps it dense). Every group stores exactly two values, so
//      values  [N][K/2] f32: row n's group g keeps values[n][2g], values[n][2g+1]
//      meta    [N][ceil(K/8)] bytes: the 2-bit position (0..3) of each kept value inside its
//              group, four per byte, little-end first: kept value j of row n sits in byte
//              meta[n*meta_stride + j/4], bits 2*(j%4) .. 2*(j%4)+1. One byte = two groups.
//    Within a group the two positions are strictly increasing; a group with fewer than two
//    nonzeros fills the missing slots with a stored 0.0 at the lowest free positions (so the
//    form is canonical: compress(decompress(x)) == x). This is the logical layout of
//    Mishra et al. (values + 2-bit indices); NVIDIA's cuSPARSELt additionally interleaves the
//    metadata for the tensor cores' fragments, which has no meaning on a CPU or in wasm.
//    Storage: N*K/2 values + N*K/2 * 2 bits = for f32 (32 + 2) / 64 = 53.1% of dense.
//
// 2. Unstructured CSR over the rows of W (csr_weights): row_ptr [N+1] (int32), col [nnz]
//    (uint16: K up to 65,536, more is refused), values [nnz] f32, columns increasing in a row.
//    Storage: 4*nnz + 2*nnz + 4*(N+1) bytes.
//
// The SIMD kernels transpose a block of 8 rows of A into a K-major panel [K][8] once, and then
// every kept weight costs one splat of its value, two loads of the panel at its k (the
// "gather" of the activations by index becomes a contiguous load) and two multiply-adds
// covering 8 output pixels. The panel lives in a per-thread scratch that grows to the largest
// K seen and is then reused (no allocation per call after the first). The 2:4 kernel keeps the reference's order of additions for every
// output (bit-exact with sparse24_f32__ref for epilogues none/relu/relu6); the CSR kernel splits
// each row into two partial sums (reassociation: equal within float tolerance).
//
//   std::string err;
//   auto w = es::kernels::sparse24_compress(n, k, w_nk, &err);   // nullopt + err when not 2:4
//   es::kernels::sparse24_f32(m, n, k, a, lda, *w, bias, c, ldc, epilogue::relu);
#pragma once

#include "engine/kernels/nn.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace es::kernels {

struct sparse24_weights {
    int n = 0, k = 0;             // rows (outputs), reduction (multiple of 4)
    int meta_stride = 0;          // bytes of metadata per row: ceil(k / 8)
    std::vector<float> values;    // [n][k/2]
    std::vector<std::uint8_t> meta;  // [n][meta_stride]
    // Bytes of the compressed form at f32 (values + metadata).
    std::size_t bytes() const { return values.size() * sizeof(float) + meta.size(); }
};

// The position (0..3) inside its group of kept value j of row r.
inline int sparse24_index(const sparse24_weights& w, int r, int j) {
    const std::uint8_t b = w.meta[static_cast<std::size_t>(r) * w.meta_stride + j / 4];
    return (b >> (2 * (j % 4))) & 3;
}

// W [n][k] row-major -> 2:4 storage. Refused (nullopt, *error says where): n or k <= 0, k not a
// multiple of 4, a group with more than two nonzeros (the first such group is named).
std::optional<sparse24_weights> sparse24_compress(int n, int k, const float* w_nk, std::string* error = nullptr);
// The dense [n][k] matrix back (exact: the kept values are copied, the rest is 0).
std::vector<float> sparse24_decompress(const sparse24_weights& w);
// True when W [n][k] is 2:4 sparse along k (k a multiple of 4, at most 2 nonzeros per group).
bool is_sparse24(int n, int k, const float* w_nk);

void sparse24_f32__ref(int m, int n, int k, const float* a, int lda, const sparse24_weights& w, const float* bias,
                       float* c, int ldc, epilogue e);
void sparse24_f32__simd(int m, int n, int k, const float* a, int lda, const sparse24_weights& w, const float* bias,
                        float* c, int ldc, epilogue e);
void sparse24_f32(int m, int n, int k, const float* a, int lda, const sparse24_weights& w, const float* bias, float* c,
                  int ldc, epilogue e);

struct csr_weights {
    int n = 0, k = 0;
    std::vector<std::int32_t> row_ptr;  // [n + 1]
    std::vector<std::uint16_t> col;     // [nnz]
    std::vector<float> values;          // [nnz]
    std::size_t nnz() const { return values.size(); }
    // Bytes of the compressed form at f32: values + column indices + row pointers.
    std::size_t bytes() const {
        return values.size() * sizeof(float) + col.size() * sizeof(std::uint16_t) + row_ptr.size() * sizeof(std::int32_t);
    }
};

// W [n][k] -> CSR of its nonzeros. Refused: n or k <= 0, k > 65536.
std::optional<csr_weights> csr_compress(int n, int k, const float* w_nk, std::string* error = nullptr);
std::vector<float> csr_decompress(const csr_weights& w);

void csr_f32__ref(int m, int n, int k, const float* a, int lda, const csr_weights& w, const float* bias, float* c,
                  int ldc, epilogue e);
void csr_f32__simd(int m, int n, int k, const float* a, int lda, const csr_weights& w, const float* bias, float* c,
                   int ldc, epilogue e);
void csr_f32(int m, int n, int k, const float* a, int lda, const csr_weights& w, const float* bias, float* c, int ldc,
             epilogue e);

// Runs both SIMD kernels against their references on odd shapes (part of simd_self_check()).
bool sparse_self_check();

}  // namespace es::kernels
