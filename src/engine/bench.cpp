#include "engine/bench.h"

#include "engine/session.h"

#include <algorithm>
#include <chrono>

namespace es::engine {

namespace {

double median(std::vector<double> v) {
    if (v.empty()) return 0.0;
    std::sort(v.begin(), v.end());
    const std::size_t mid = v.size() / 2;
    return v.size() % 2 ? v[mid] : 0.5 * (v[mid - 1] + v[mid]);
}

}  // namespace

bool bench_model(const model& optimized, int batch, int runs, int warmup, double warmup_ms, bench_result* out,
                 std::string* error) {
    session s;
    if (auto err = s.prepare(optimized, batch); !err.empty()) {
        if (error) *error = err;
        return false;
    }
    std::uint64_t state = 12345;
    float* in = s.input();
    for (std::size_t i = 0; i < s.input_count(); ++i) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        in[i] = static_cast<float>((state >> 40) & 0xFFFF) / 65535.0f;
    }
    const auto w0 = std::chrono::steady_clock::now();
    for (int i = 0; i < 1000000; ++i) {
        const double elapsed = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - w0).count();
        if (i >= warmup && elapsed >= warmup_ms) break;
        s.run();
    }

    std::vector<double> ms;
    ms.reserve(static_cast<std::size_t>(runs));
    for (int i = 0; i < runs; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        s.run();
        ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
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
    r.median_ms = median(ms);
    r.min_ms = ms.empty() ? 0.0 : *std::min_element(ms.begin(), ms.end());
    r.arena_bytes = s.arena_bytes();
    r.weight_bytes = s.weight_bytes();
    for (std::size_t j = 0; j < per.size(); ++j) {
        r.layers.push_back({s.layer_names()[j], median(per[j]), s.layer_macs()[j], s.layer_bytes()[j], s.layer_types()[j]});
        r.macs += s.layer_macs()[j];
    }
    *out = std::move(r);
    return true;
}

}  // namespace es::engine
