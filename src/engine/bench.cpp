#include "engine/bench.h"

#include "engine/session.h"

#include <algorithm>
#include <chrono>

namespace es::engine {

double median_of(std::vector<double> v) {
    if (v.empty()) return 0.0;
    std::sort(v.begin(), v.end());
    const std::size_t mid = v.size() / 2;
    return v.size() % 2 ? v[mid] : 0.5 * (v[mid - 1] + v[mid]);
}

bool bench_model(const model& optimized, int batch, int runs, int warmup, double warmup_ms, bench_result* out,
                 std::string* error) {
    session s;
    if (auto err = s.prepare(optimized, batch); !err.empty()) {
        if (error) *error = err;
        return false;
    }
    *out = bench_prepared(s, batch, runs, warmup, warmup_ms);
    return true;
}

}  // namespace es::engine
