// qnn_bench: int8 against f32 kernels at the tiny models' shapes (see qnn_bench.h).
#include "engine/kernels/qnn_bench.h"

#include "engine/kernels/nn.h"
#include "engine/kernels/qnn.h"
#include "engine/rng.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>

namespace es::kernels {

namespace {

using clock_type = std::chrono::steady_clock;

double ms_since(clock_type::time_point t0) {
    return std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
}

// Median ms per call of a and of b, timed in alternating batches of calls (about 10 ms of
// both per round). Warm-up: at least warmup_ms, and then until three consecutive batches of
// each agree within 5% (V8 compiles hot wasm with TurboFan on a background thread, which on
// a busy machine can take a while; until then the baseline code runs), or 5 x warmup_ms.
void time_pair(const std::function<void()>& a, const std::function<void()>& b, double min_ms, double warmup_ms,
               double* ms_a, double* ms_b) {
    auto t0 = clock_type::now();
    a();
    b();
    const double one = std::max(ms_since(t0), 1e-3);
    const int per = std::max(1, static_cast<int>(10.0 / one));
    auto batch = [per](const std::function<void()>& f) {
        const auto s = clock_type::now();
        for (int i = 0; i < per; ++i) f();
        return ms_since(s) / per;
    };
    auto settled = [](const std::vector<double>& v) {
        if (v.size() < 3) return false;
        const double x = v[v.size() - 1], y = v[v.size() - 2], z = v[v.size() - 3];
        return std::max({x, y, z}) <= 1.05 * std::min({x, y, z});
    };
    std::vector<double> wa, wb;
    const auto w0 = clock_type::now();
    while (ms_since(w0) < 5.0 * warmup_ms) {
        wa.push_back(batch(a));
        wb.push_back(batch(b));
        if (ms_since(w0) >= warmup_ms && settled(wa) && settled(wb)) break;
    }
    std::vector<double> ta, tb;
    const auto s0 = clock_type::now();
    while (ms_since(s0) < min_ms || ta.size() < 5) {
        ta.push_back(batch(a));
        tb.push_back(batch(b));
    }
    std::sort(ta.begin(), ta.end());
    std::sort(tb.begin(), tb.end());
    *ms_a = ta[ta.size() / 2];
    *ms_b = tb[tb.size() / 2];
}

struct data {
    engine::rng g{20261128};
    std::vector<std::int8_t> bytes(std::size_t n) {
        std::vector<std::int8_t> v(n);
        for (auto& x : v) x = static_cast<std::int8_t>(g.next() & 0xFF);
        return v;
    }
    std::vector<float> floats(std::size_t n) {
        std::vector<float> v(n);
        for (auto& x : v) x = static_cast<float>(g.uniform() * 2.0 - 1.0);
        return v;
    }
    // Per-channel multipliers as a pointwise layer has them: around 2^-9 .. 2^-6.
    std::vector<requant> multipliers(int n) {
        std::vector<requant> rq(static_cast<std::size_t>(n));
        for (auto& r : rq) r = quantize_multiplier(std::exp2(-9.0 + 3.0 * g.uniform()));
        return rq;
    }
};

qnn_bench_row bench_gemm(data& d, int m, int k, int n, double min_ms, double warmup_ms) {
    const auto a8 = d.bytes(static_cast<std::size_t>(m) * k), b8 = d.bytes(static_cast<std::size_t>(k) * n);
    const auto af = d.floats(static_cast<std::size_t>(m) * k), bf = d.floats(static_cast<std::size_t>(k) * n);
    const auto w8 = gemm_s8_pack(n, k, b8.data());
    const auto wf = gemm_pack(n, k, bf.data());
    std::vector<std::int32_t> bias(static_cast<std::size_t>(n), 1234);
    const auto rq = d.multipliers(n);
    const auto biasf = d.floats(static_cast<std::size_t>(n));
    q_output o;
    o.bias = bias.data();
    o.rq = rq.data();
    o.zp_out = -3;
    o.lo = -3;  // ReLU6 as a clamp
    o.hi = 120;
    std::vector<std::int8_t> c8(static_cast<std::size_t>(m) * n);
    std::vector<float> cf(static_cast<std::size_t>(m) * n);
    qnn_bench_row r;
    r.kernel = "gemm";
    r.shape = "M=" + std::to_string(m) + " K=" + std::to_string(k) + " N=" + std::to_string(n);
    r.macs = static_cast<double>(m) * k * n;
    time_pair([&] { gemm_s8(m, n, k, a8.data(), k, w8, o, c8.data(), n); },
              [&] { gemm_f32(m, n, k, af.data(), k, wf, biasf.data(), cf.data(), n, epilogue::relu6); }, min_ms,
              warmup_ms, &r.int8_ms, &r.f32_ms);
    return r;
}

qnn_bench_row bench_dw(data& d, int hw, int c, int k, int s, double min_ms, double warmup_ms) {
    const int pad = k / 2, ohw = (hw + 2 * pad - k) / s + 1;
    const dw_params p{1, hw, hw, c, k, k, s, s, pad, pad, ohw, ohw};
    const std::size_t in_n = static_cast<std::size_t>(hw) * hw * c, out_n = static_cast<std::size_t>(ohw) * ohw * c;
    const auto in8 = d.bytes(in_n), w8 = d.bytes(static_cast<std::size_t>(k) * k * c);
    const auto inf = d.floats(in_n), wf = d.floats(static_cast<std::size_t>(k) * k * c);
    const auto pw8 = dw_s8_pack(c, k * k, w8.data());
    const auto pwf = dw_pack(c, k * k, wf.data());
    std::vector<std::int32_t> bias(static_cast<std::size_t>(c), -567);
    const auto rq = d.multipliers(c);
    const auto biasf = d.floats(static_cast<std::size_t>(c));
    q_output o;
    o.bias = bias.data();
    o.rq = rq.data();
    o.zp_out = -3;
    o.lo = -3;
    o.hi = 120;
    std::vector<std::int8_t> o8(out_n);
    std::vector<float> of(out_n);
    qnn_bench_row r;
    r.kernel = "dwconv";
    r.shape = std::to_string(hw) + "x" + std::to_string(hw) + "x" + std::to_string(c) + " " + std::to_string(k) + "x" +
              std::to_string(k) + " s" + std::to_string(s);
    r.macs = static_cast<double>(out_n) * k * k;
    time_pair([&] { dwconv_s8(p, in8.data(), 5, pw8, o, o8.data()); },
              [&] { dwconv_f32(p, inf.data(), wf.data(), pwf.data(), biasf.data(), of.data(), epilogue::relu6); },
              min_ms, warmup_ms, &r.int8_ms, &r.f32_ms);
    return r;
}

}  // namespace

std::vector<qnn_bench_row> qnn_bench(double min_ms, double warmup_ms) {
    data d;
    std::vector<qnn_bench_row> rows;
    // Pointwise (1x1) layers of the tiny presets at batch 1 (M = H*W), the first conv's
    // im2col GEMM (K = 3*3*1), and a batch-4 28x28 layer.
    const int gemms[][3] = {{196, 64, 128}, {784, 16, 96}, {3136, 32, 32}, {784, 96, 24}, {784, 32, 64},
                            {196, 128, 128}, {49, 256, 256}, {784, 9, 16}};
    for (const auto& s : gemms) rows.push_back(bench_gemm(d, s[0], s[1], s[2], min_ms, warmup_ms));
    const int dws[][4] = {{28, 96, 3, 1}, {14, 192, 3, 2}, {28, 32, 3, 1}, {14, 144, 3, 1}, {7, 240, 5, 1},
                          {14, 116, 3, 1}};
    for (const auto& s : dws) rows.push_back(bench_dw(d, s[0], s[1], s[2], s[3], min_ms, warmup_ms));
    // Element-wise: the residual add (int8 vs f32 add) and a lookup table (lut_s8__simd vs the
    // reference's byte loop: there is no f32 twin).
    {
        const std::size_t count = 14 * 14 * 24;
        const auto a = d.bytes(count), b = d.bytes(count);
        const auto fa = d.floats(count), fb = d.floats(count);
        std::vector<std::int8_t> o8(count);
        std::vector<float> of(count);
        const add_s8_params p = make_add_s8_params(0.05, -7, 0.04, 3, 0.06, -1, -128, 127);
        qnn_bench_row r;
        r.kernel = "add";
        r.shape = "14x14x24";
        r.macs = static_cast<double>(count);
        time_pair([&] { add_s8(count, a.data(), b.data(), p, o8.data()); },
                  [&] { add_f32(count, fa.data(), fb.data(), of.data(), epilogue::none); }, min_ms, warmup_ms,
                  &r.int8_ms, &r.f32_ms);
        rows.push_back(r);
        const auto table = d.bytes(256);
        qnn_bench_row l;
        l.kernel = "lut";
        l.shape = "14x14x24 (vs reference loop)";
        l.macs = static_cast<double>(count);
        time_pair([&] { lut_s8__simd(count, a.data(), table.data(), o8.data()); },
                  [&] { lut_s8__ref(count, a.data(), table.data(), o8.data()); }, min_ms, warmup_ms, &l.int8_ms,
                  &l.f32_ms);
        rows.push_back(l);
    }
    return rows;
}

}  // namespace es::kernels
