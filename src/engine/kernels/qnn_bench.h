// qnn_bench: the int8 kernels against their f32 counterparts at the tiny models' layer
// shapes (a benchmark, not a test): `edgestudy-cli bench --kernels`,
// tests/bench/qnn_bench.mjs. Each pair is timed interleaved, after warm-up (V8 tiers hot
// wasm up over time), as the median of several timed batches.
#pragma once

#include <string>
#include <vector>

namespace es::kernels {

struct qnn_bench_row {
    std::string kernel;  // "gemm", "dwconv", "add", "lut"
    std::string shape;   // e.g. "M=196 K=64 N=128", "28x28x96 3x3 s1"
    double macs = 0.0;   // multiply-accumulates per call (elements for add and lut)
    double int8_ms = 0.0, f32_ms = 0.0;  // median time per call; for lut f32_ms is the int8
                                         // reference's (there is no f32 twin)
};

// min_ms: timed time per kernel and shape (at least); warmup_ms: untimed first.
std::vector<qnn_bench_row> qnn_bench(double min_ms, double warmup_ms);

}  // namespace es::kernels
