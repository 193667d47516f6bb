// bench: latency of a model in this engine, warmed up first (V8 runs cold wasm in a slow
// baseline tier), median and minimum over timed runs, plus a per-layer profile.
//
//   auto r = es::engine::bench_model(es::engine::optimize(m), 1, 50, 10, &err);
//   printf("%.3f ms, %.1f GMAC/s\n", r.median_ms, r.macs / r.median_ms * 1e-6);
#pragma once

#include "engine/model.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
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

double median_of(std::vector<double> v);

// How many runs one timed sample should hold to span about `span_ms`, given one run's time:
// far above the clock's resolution (a browser's clock ticks in 0.1 ms steps); 1 to 400.
inline int runs_per_sample(double run_ms, double span_ms) {
    const double n = std::ceil(span_ms / std::max(run_ms, 0.01));
    return static_cast<int>(std::clamp(n, 1.0, 400.0));
}

// The benchmarks' deterministic input: values in [0, 1] from a fixed LCG seed.
inline void fill_bench_input(float* x, std::size_t n) {
    std::uint64_t state = 12345;
    for (std::size_t i = 0; i < n; ++i) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        x[i] = static_cast<float>((state >> 40) & 0xFFFF) / 65535.0f;
    }
}

// The same measurement on any prepared session type (engine::session, quant::qsession): input(),
// input_count(), run(), set_profiling(), layer_names(), layer_ms(), layer_macs(), layer_types(),
// arena_bytes(), weight_bytes(), and layer_bytes() where it has one.
template <class Session>
bench_result bench_prepared(Session& s, int batch, int runs, int warmup, double warmup_ms) {
    fill_bench_input(s.input(), s.input_count());
    using clock = std::chrono::steady_clock;
    const auto w0 = clock::now();
    for (int i = 0; i < 1000000; ++i) {
        const double elapsed = std::chrono::duration<double, std::milli>(clock::now() - w0).count();
        if (i >= warmup && elapsed >= warmup_ms) break;
        s.run();
    }
    std::vector<double> ms;
    ms.reserve(static_cast<std::size_t>(runs));
    for (int i = 0; i < runs; ++i) {
        const auto t0 = clock::now();
        s.run();
        ms.push_back(std::chrono::duration<double, std::milli>(clock::now() - t0).count());
    }
    // Per-layer profile in separate runs, so the timers do not weigh on the totals.
    s.set_profiling(true);
    const int prof_runs = std::max(3, std::min(runs, 15));
    std::vector<std::vector<double>> per(s.layer_names().size());
    for (int i = 0; i < prof_runs; ++i) {
        s.run();
        for (std::size_t j = 0; j < per.size(); ++j) per[j].push_back(s.layer_ms()[j]);
    }
    s.set_profiling(false);
    bench_result r;
    r.batch = batch;
    r.runs = runs;
    r.median_ms = median_of(ms);
    r.min_ms = ms.empty() ? 0.0 : *std::min_element(ms.begin(), ms.end());
    r.arena_bytes = s.arena_bytes();
    r.weight_bytes = s.weight_bytes();
    for (std::size_t j = 0; j < per.size(); ++j) {
        double bytes = 0.0;
        if constexpr (requires { s.layer_bytes(); }) bytes = s.layer_bytes()[j];
        r.layers.push_back({s.layer_names()[j], median_of(per[j]), s.layer_macs()[j], bytes, s.layer_types()[j]});
        r.macs += s.layer_macs()[j];
    }
    return r;
}

}  // namespace es::engine
