// sparse_bench: the sparse-weight kernels (sparse.h) against the dense SIMD GEMM at the tiny
// models' pointwise shapes (a benchmark, not a test): `edgestudy-cli bench --kernels`. At each
// shape the dense GEMM, the 2:4 kernel (weights 2:4-pruned by magnitude) and the CSR kernel at
// 50, 70 and 90% unstructured sparsity (and a 2:4 variant that gathers activations by index
// across output channels) are timed interleaved batch by batch after a shared
// warm-up (V8 tiers hot wasm up over time), each as the fastest of the timed batches (on a
// shared machine other work only adds time).
#pragma once

#include <string>
#include <vector>

namespace es::kernels {

struct sparse_bench_row {
    std::string shape;  // "M=196 K=64 N=128"
    int m = 0, k = 0, n = 0;
    double dense_macs = 0.0;  // M*K*N
    double dense_ms = 0.0, sparse24_ms = 0.0, csr50_ms = 0.0, csr70_ms = 0.0, csr90_ms = 0.0;
    // 2:4 vectorized across output channels with activations gathered by index (an experiment
    // kept in the benchmark only; see sparse_bench.cpp)
    double sparse24_gather_ms = 0.0;
    bool gather_matches = false;  // its outputs equal the 2:4 reference's (checked once)
};

// min_ms: timed time per shape (at least); warmup_ms: untimed first.
std::vector<sparse_bench_row> sparse_bench(double min_ms, double warmup_ms);

}  // namespace es::kernels
