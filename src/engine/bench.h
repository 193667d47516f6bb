// bench: latency of a model in this engine, warmed up first (V8 runs cold wasm in a slow
// baseline tier), median and minimum over timed runs, plus a per-layer profile.
//
//   auto r = es::engine::bench_model(es::engine::optimize(m), 1, 50, 10, &err);
//   printf("%.3f ms, %.1f GMAC/s\n", r.median_ms, r.macs / r.median_ms * 1e-6);
#pragma once

#include "engine/model.h"

#include <string>
#include <vector>

namespace es::engine {

struct layer_timing {
    std::string name;
    double ms = 0.0;    // median over the profiled runs
    double macs = 0.0;  // multiply-accumulates of this layer at this batch
    double bytes = 0.0; // f32 traffic: inputs + weights + outputs
    std::string type;   // session::layer_types()
};

struct bench_result {
    int batch = 1;
    int runs = 0;
    double median_ms = 0.0, min_ms = 0.0;
    double macs = 0.0;  // per batch (conv, fc, SE multiply-accumulates)
    std::size_t arena_bytes = 0, weight_bytes = 0;
    std::vector<layer_timing> layers;
};

// `optimized` is run at `batch` on deterministic random input, first untimed for at least
// `warmup` runs and at least `warmup_ms` milliseconds (V8 tiers hot wasm up over time, not
// after a fixed count). Returns false with *error set when the model cannot be prepared.
bool bench_model(const model& optimized, int batch, int runs, int warmup, double warmup_ms, bench_result* out,
                 std::string* error);

}  // namespace es::engine
