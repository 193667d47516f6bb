// sparse_bench: sparse-weight kernels against the dense GEMM (see sparse_bench.h).
#include "engine/kernels/sparse_bench.h"

#include "engine/kernels/nn.h"
#include "engine/kernels/simd.h"
#include "engine/kernels/sparse.h"
#include "engine/rng.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <numeric>

namespace es::kernels {

namespace {

using clock_type = std::chrono::steady_clock;

double ms_since(clock_type::time_point t0) {
    return std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
}

// Fastest ms per call of each function over alternating timed batches (about 1 ms each): the
// minimum, not the median, because on a shared machine other work only ever adds time, and a
// batch that ran undisturbed shows what the kernel costs. Warm-up:
// at least warmup_ms, then until the last three batches of every function agree within 5%, or
// 5 x warmup_ms.
std::vector<double> time_group(const std::vector<std::function<void()>>& fs, double min_ms, double warmup_ms) {
    std::vector<int> per(fs.size());
    for (std::size_t i = 0; i < fs.size(); ++i) {
        const auto t0 = clock_type::now();
        fs[i]();
        per[i] = std::max(1, static_cast<int>(1.0 / std::max(ms_since(t0), 1e-3)));
    }
    auto batch = [&](std::size_t i) {
        const auto s = clock_type::now();
        for (int r = 0; r < per[i]; ++r) fs[i]();
        return ms_since(s) / per[i];
    };
    auto settled = [](const std::vector<double>& v) {
        if (v.size() < 3) return false;
        const double x = v[v.size() - 1], y = v[v.size() - 2], z = v[v.size() - 3];
        return std::max({x, y, z}) <= 1.05 * std::min({x, y, z});
    };
    std::vector<std::vector<double>> w(fs.size()), t(fs.size());
    const auto w0 = clock_type::now();
    while (ms_since(w0) < 5.0 * warmup_ms) {
        for (std::size_t i = 0; i < fs.size(); ++i) w[i].push_back(batch(i));
        if (ms_since(w0) >= warmup_ms && std::all_of(w.begin(), w.end(), settled)) break;
    }
    const auto s0 = clock_type::now();
    while (ms_since(s0) < min_ms || t[0].size() < 5)
        for (std::size_t i = 0; i < fs.size(); ++i) t[i].push_back(batch(i));
    std::vector<double> out;
    for (auto& v : t) out.push_back(*std::min_element(v.begin(), v.end()));
    return out;
}

// W [n][k] with the `sparsity` share of smallest |w| zeroed.
std::vector<float> prune(std::vector<float> w, double sparsity) {
    std::vector<std::size_t> idx(w.size());
    std::iota(idx.begin(), idx.end(), std::size_t{0});
    std::sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return std::fabs(w[a]) < std::fabs(w[b]); });
    for (std::size_t i = 0; i < static_cast<std::size_t>(sparsity * static_cast<double>(w.size())); ++i) w[idx[i]] = 0.0f;
    return w;
}

// W [n][k] with the two smallest |w| of every 4 consecutive along k zeroed.
std::vector<float> prune24(std::vector<float> w) {
    for (std::size_t g = 0; g + 4 <= w.size(); g += 4) {
        int o[4] = {0, 1, 2, 3};
        std::sort(o, o + 4, [&](int a, int b) { return std::fabs(w[g + a]) < std::fabs(w[g + b]); });
        w[g + static_cast<std::size_t>(o[0])] = w[g + static_cast<std::size_t>(o[1])] = 0.0f;
    }
    return w;
}

std::vector<float> transpose(int n, int k, const std::vector<float>& w) {
    std::vector<float> b(w.size());
    for (int r = 0; r < n; ++r)
        for (int c = 0; c < k; ++c) b[static_cast<std::size_t>(c) * n + r] = w[static_cast<std::size_t>(r) * k + c];
    return b;
}

// The other way to vectorize 2:4, measured here only (not used by the engine): across four
// output channels instead of across pixels. Every output pixel's row of A is read where the
// weights point: each kept value j of outputs n0..n0+3 needs a[m][k_j(n)] for four different k,
// gathered with four scalar loads into one vector (wasm has no gather instruction), against one
// vector load of the four outputs' values (interleaved at setup, positions pre-decoded to k).
// No transposes (outputs are contiguous in a row of C), but four scalar loads per four MACs.
struct gather24 {
    int n = 0, k = 0;
    std::vector<float> vals;           // [n/4][k/2][4]
    std::vector<std::uint16_t> cols;   // [n/4][k/2][4]
};

gather24 make_gather24(const sparse24_weights& w) {
    gather24 gth;
    gth.n = w.n;
    gth.k = w.k;
    const int kept = w.k / 2;
    for (int n0 = 0; n0 + 4 <= w.n; n0 += 4)
        for (int t = 0; t < kept; ++t)
            for (int j = 0; j < 4; ++j) {
                gth.vals.push_back(w.values[static_cast<std::size_t>(n0 + j) * kept + t]);
                gth.cols.push_back(static_cast<std::uint16_t>(4 * (t / 2) + sparse24_index(w, n0 + j, t)));
            }
    return gth;
}

void gather24_f32(int m, const float* a, int lda, const gather24& w, const float* bias, float* c, int ldc) {
    const int kept = w.k / 2;
    for (int i = 0; i < m; ++i) {
        const float* ar = a + static_cast<std::size_t>(i) * lda;
        for (int nb = 0; nb < w.n / 4; ++nb) {
            const float* v = w.vals.data() + static_cast<std::size_t>(nb) * kept * 4;
            const std::uint16_t* col = w.cols.data() + static_cast<std::size_t>(nb) * kept * 4;
            v128_t acc0 = wasm_v128_load(bias + 4 * nb), acc1 = wasm_f32x4_splat(0.0f);
            for (int t = 0; t + 2 <= kept; t += 2) {
                const std::uint16_t* c0 = col + 4 * t;
                const v128_t x0 = wasm_f32x4_make(ar[c0[0]], ar[c0[1]], ar[c0[2]], ar[c0[3]]);
                const v128_t x1 = wasm_f32x4_make(ar[c0[4]], ar[c0[5]], ar[c0[6]], ar[c0[7]]);
                acc0 = wasm_f32x4_add(acc0, wasm_f32x4_mul(x0, wasm_v128_load(v + 4 * t)));
                acc1 = wasm_f32x4_add(acc1, wasm_f32x4_mul(x1, wasm_v128_load(v + 4 * t + 4)));
            }
            const v128_t r = wasm_f32x4_add(acc0, acc1);
            wasm_v128_store(c + static_cast<std::size_t>(i) * ldc + 4 * nb,
                            wasm_f32x4_pmin(wasm_f32x4_splat(6.0f), wasm_f32x4_pmax(wasm_f32x4_splat(0.0f), r)));
        }
    }
}

}  // namespace

std::vector<sparse_bench_row> sparse_bench(double min_ms, double warmup_ms) {
    engine::rng g{20261203};
    auto floats = [&](std::size_t count) {
        std::vector<float> v(count);
        for (auto& x : v) x = static_cast<float>(g.uniform() * 2.0 - 1.0);
        return v;
    };
    // The tiny presets' pointwise (1x1) layers at batch 1 (M = H*W); K a multiple of 4 and N of 4
    // (the gather variant handles no N tail).
    const int shapes[][3] = {{196, 64, 128}, {784, 16, 96}, {3136, 32, 32}, {784, 96, 24},
                             {784, 32, 64},  {196, 128, 128}, {49, 256, 256}};
    std::vector<sparse_bench_row> rows;
    for (const auto& sh : shapes) {
        const int m = sh[0], k = sh[1], n = sh[2];
        const auto a = floats(static_cast<std::size_t>(m) * k);
        const auto w = floats(static_cast<std::size_t>(n) * k);
        const auto bias = floats(static_cast<std::size_t>(n));
        const auto dense = gemm_pack(n, k, transpose(n, k, w).data());
        const auto s24 = *sparse24_compress(n, k, prune24(w).data());
        const auto c50 = *csr_compress(n, k, prune(w, 0.5).data());
        const auto c70 = *csr_compress(n, k, prune(w, 0.7).data());
        const auto c90 = *csr_compress(n, k, prune(w, 0.9).data());
        const auto g24 = make_gather24(s24);
        std::vector<float> c(static_cast<std::size_t>(m) * n);
        const epilogue e = epilogue::relu6;
        const auto ms = time_group(
            {[&] { gemm_f32__simd(m, n, k, a.data(), k, dense.packed.data(), bias.data(), c.data(), n, e); },
             [&] { sparse24_f32__simd(m, n, k, a.data(), k, s24, bias.data(), c.data(), n, e); },
             [&] { csr_f32__simd(m, n, k, a.data(), k, c50, bias.data(), c.data(), n, e); },
             [&] { csr_f32__simd(m, n, k, a.data(), k, c70, bias.data(), c.data(), n, e); },
             [&] { csr_f32__simd(m, n, k, a.data(), k, c90, bias.data(), c.data(), n, e); },
             [&] { gather24_f32(m, a.data(), k, g24, bias.data(), c.data(), n); }},
            min_ms, warmup_ms);
        sparse_bench_row r;
        r.shape = "M=" + std::to_string(m) + " K=" + std::to_string(k) + " N=" + std::to_string(n);
        r.m = m;
        r.k = k;
        r.n = n;
        r.dense_macs = static_cast<double>(m) * k * n;
        r.dense_ms = ms[0];
        r.sparse24_ms = ms[1];
        r.csr50_ms = ms[2];
        r.csr70_ms = ms[3];
        r.csr90_ms = ms[4];
        r.sparse24_gather_ms = ms[5];
        {  // the experiment computes the same thing (within reassociation)
            std::vector<float> want(c.size());
            sparse24_f32__ref(m, n, k, a.data(), k, s24, bias.data(), want.data(), n, e);
            gather24_f32(m, a.data(), k, g24, bias.data(), c.data(), n);
            r.gather_matches = true;
            for (std::size_t i = 0; i < c.size(); ++i)
                if (std::fabs(c[i] - want[i]) > 1e-4f * (1.0f + std::fabs(want[i]))) r.gather_matches = false;
        }
        rows.push_back(r);
    }
    return rows;
}

}  // namespace es::kernels
