#include "engine/session.h"

#include "engine/arena_planner.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace es::engine {

namespace {

kernels::epilogue to_epilogue(act a) { return static_cast<kernels::epilogue>(a); }
static_assert(static_cast<int>(act::act_sigmoid) == static_cast<int>(kernels::epilogue::sigmoid));

constexpr std::size_t align_floats = 16;  // 64-byte alignment of every tensor in the arena

}  // namespace

const char* session::step_type(kind k) {
    switch (k) {
    case kind::conv_gemm: return "pointwise";
    case kind::conv_im2col: return "conv";
    case kind::dwconv: return "depthwise";
    case kind::fc: return "fc";
    case kind::se: return "se";
    case kind::maxpool:
    case kind::avgpool:
    case kind::gap: return "pool";
    case kind::affine:
    case kind::act:
    case kind::add: return "eltwise";
    case kind::concat:
    case kind::split:
    case kind::shuffle: return "copy";
    case kind::softmax: return "softmax";
    }
    return "?";
}

shape session::input_shape() const { return in_shape_; }
shape session::output_shape() const { return out_shape_; }
float* session::input() { return chunk_ == batch_ ? arena_.data() + in_off_ : in_full_.data(); }
const float* session::output() const { return chunk_ == batch_ ? arena_.data() + out_off_ : out_full_.data(); }

std::size_t session::weight_bytes() const {
    std::size_t floats = 0, bytes = 0;
    for (const auto& s : steps_) {
        for (const auto& g : s.gw) floats += g.b.size();
        for (const auto& g : s.s24) bytes += g.bytes();
        for (const auto& g : s.csr) bytes += g.bytes();
        floats += s.w.size() + s.bias.size() + s.bias2.size();
    }
    return floats * sizeof(float) + bytes;
}

void session::choose_weights(step& s, const float* w_nk, int groups, int n, int k, double* sparsity) const {
    const std::size_t per = static_cast<std::size_t>(n) * k, total = per * static_cast<std::size_t>(groups);
    std::size_t zeros = 0;
    for (std::size_t i = 0; i < total; ++i) zeros += w_nk[i] == 0.0f;
    *sparsity = total ? static_cast<double>(zeros) / static_cast<double>(total) : 0.0;
    if (!sparse_.enabled) return;
    bool is24 = sparse_.allow_sparse24 && k % 4 == 0;
    for (int g = 0; is24 && g < groups; ++g) is24 = kernels::is_sparse24(n, k, w_nk + g * per);
    if (is24) {
        s.wk = wkind::sparse24;
        for (int g = 0; g < groups; ++g) s.s24.push_back(*kernels::sparse24_compress(n, k, w_nk + g * per));
    } else if (sparse_.allow_csr && *sparsity >= sparse_.min_sparsity && k <= 65536) {
        s.wk = wkind::csr;
        for (int g = 0; g < groups; ++g) s.csr.push_back(*kernels::csr_compress(n, k, w_nk + g * per));
    } else {
        return;
    }
    s.gw.clear();  // the sparse form replaces the dense one
}

void session::gemm(const step& s, int g, int m, const float* a, int lda, const float* bias, float* c, int ldc) {
    const std::size_t gi = static_cast<std::size_t>(g);
    switch (s.wk) {
    case wkind::dense: kernels::gemm_f32(m, s.n_dim, s.k_dim, a, lda, s.gw[gi], bias, c, ldc, s.e); break;
    case wkind::sparse24: kernels::sparse24_f32(m, s.n_dim, s.k_dim, a, lda, s.s24[gi], bias, c, ldc, s.e); break;
    case wkind::csr: kernels::csr_f32(m, s.n_dim, s.k_dim, a, lda, s.csr[gi], bias, c, ldc, s.e); break;
    }
}

std::string session::prepare(const model& m, int batch, int micro_batch) {
    return prepare(m, batch, micro_batch, sparse_options{});
}

std::string session::prepare(const model& m, int batch, int micro_batch, const sparse_options& sparse) {
    if (sparse.enabled && !(sparse.min_sparsity >= 0.0 && sparse.min_sparsity <= 1.0)) {
        std::string msg = "the sparse kernels' threshold must be between 0 and 1, got ";
        msg += std::to_string(sparse.min_sparsity);
        return msg;
    }
    sparse_ = sparse;
    if (batch <= 0 || batch > 4096) return "batch must be between 1 and 4096, got " + std::to_string(batch);
    if (micro_batch < 0 || (micro_batch > 0 && batch % micro_batch != 0))
        return "micro-batch must divide the batch " + std::to_string(batch) + ", got " + std::to_string(micro_batch);
    if (auto err = validate(m); !err.empty()) return err;
    // Micro-batch: the largest divisor of the batch whose activations fit the budget.
    constexpr std::size_t budget_bytes = std::size_t{4} << 20;
    int chunk = micro_batch > 0 ? micro_batch : batch;
    if (batch > 1 && micro_batch == 0) {
        if (auto err = plan(m, 1); !err.empty()) return err;
        const std::size_t per_image = arena_.size() * sizeof(float);
        chunk = 1;
        for (int d = batch; d >= 1; --d)
            if (batch % d == 0 && static_cast<std::size_t>(d) * per_image <= budget_bytes) {
                chunk = d;
                break;
            }
    }
    if (auto err = plan(m, chunk); !err.empty()) return err;
    batch_ = batch;
    chunk_ = chunk;
    in_shape_.n = batch;
    out_shape_.n = batch;
    if (chunk != batch) {
        in_full_.assign(in_shape_.numel(), 0.0f);
        out_full_.assign(out_shape_.numel(), 0.0f);
        for (auto& v : macs_) v *= batch / chunk;
        for (auto& v : bytes_) v *= batch / chunk;
    } else {
        in_full_.clear();
        out_full_.clear();
    }
    return {};
}

std::string session::plan(const model& m, int batch) {
    steps_.clear();
    names_.clear();
    macs_.clear();
    bytes_.clear();
    types_.clear();
    kernels_.clear();
    sparsity_.clear();

    auto shp = [&](int t) {
        shape s = m.tensors[static_cast<std::size_t>(t)];
        s.n = batch;
        return s;
    };
    const std::size_t nt = m.tensors.size();
    // Liveness: the last step that reads each tensor; the output lives to the end.
    std::vector<int> last_use(nt, -1);
    for (std::size_t i = 1; i < m.nodes.size(); ++i)
        for (int t : m.nodes[i].in) last_use[static_cast<std::size_t>(t)] = static_cast<int>(i);
    last_use[static_cast<std::size_t>(m.output)] = static_cast<int>(m.nodes.size());

    arena_planner plan;
    plan.align = align_floats;
    std::vector<std::size_t> off(nt, 0);
    off[0] = plan.alloc(shp(0).numel());
    std::size_t work = 0;
    const float* wts = m.weights.data();

    for (std::size_t i = 1; i < m.nodes.size(); ++i) {
        const node& n = m.nodes[i];
        const shape in = shp(n.in[0]);
        const shape out = shp(n.out[0]);
        for (int t : n.out) off[static_cast<std::size_t>(t)] = plan.alloc(shp(t).numel());

        step s;
        for (int t : n.in) {
            s.in.push_back(off[static_cast<std::size_t>(t)]);
            s.in_c.push_back(shp(t).c);
        }
        for (int t : n.out) s.out.push_back(off[static_cast<std::size_t>(t)]);
        s.e = to_epilogue(n.activation);
        s.out_c = out.c;
        s.in_ch = in.c;
        s.pixels = static_cast<std::size_t>(in.n) * in.h * in.w;
        s.p = {in.n, in.h, in.w, in.c, n.win.kh, n.win.kw, n.win.sh, n.win.sw, n.win.pad_t, n.win.pad_l, out.h, out.w};
        double macs = 0, sparsity = 0;

        switch (n.type) {
        case op::op_conv2d: {
            const int g = n.groups, cin_g = in.c / g, cout_g = n.cout / g;
            const int khw = n.win.kh * n.win.kw;
            const float* w = wts + n.w_off;  // [cout][kh][kw][cin_g]
            if (n.bias) s.bias.assign(wts + n.b_off, wts + n.b_off + n.cout);
            macs = static_cast<double>(out.numel()) * cin_g * khw;
            if (g == in.c && g == n.cout) {
                s.k = kind::dwconv;
                s.w.resize(static_cast<std::size_t>(khw) * in.c);
                for (int c = 0; c < in.c; ++c)
                    for (int t = 0; t < khw; ++t) s.w[static_cast<std::size_t>(t) * in.c + c] = w[static_cast<std::size_t>(c) * khw + t];
                s.wpack = kernels::dw_pack(in.c, khw, s.w.data());  // the SIMD kernel's layout
                break;
            }
            const bool pointwise = khw == 1 && n.win.sh == 1 && n.win.sw == 1 && n.win.pad_t == 0 &&
                                   n.win.pad_l == 0 && n.win.pad_b == 0 && n.win.pad_r == 0;
            s.k = pointwise ? kind::conv_gemm : kind::conv_im2col;
            s.groups = g;
            s.k_dim = cin_g * khw;
            s.n_dim = cout_g;
            s.m = pointwise ? static_cast<int>(s.pixels) : out.h * out.w;
            std::vector<float> b_kn(static_cast<std::size_t>(s.k_dim) * cout_g);
            for (int gi = 0; gi < g; ++gi) {
                for (int o = 0; o < cout_g; ++o)
                    for (int kk = 0; kk < s.k_dim; ++kk)
                        b_kn[static_cast<std::size_t>(kk) * cout_g + o] =
                            w[static_cast<std::size_t>(gi * cout_g + o) * s.k_dim + kk];
                s.gw.push_back(kernels::gemm_pack(cout_g, s.k_dim, b_kn.data()));
            }
            choose_weights(s, w, g, cout_g, s.k_dim, &sparsity);  // w: g x [cout_g][k_dim]
            if (!pointwise) work = std::max(work, static_cast<std::size_t>(out.h) * out.w * s.k_dim);
            break;
        }
        case op::op_fc: {
            s.k = kind::fc;
            s.k_dim = in.h * in.w * in.c;
            s.n_dim = n.cout;
            s.m = in.n;
            const float* w = wts + n.w_off;  // [cout][k]
            std::vector<float> b_kn(static_cast<std::size_t>(s.k_dim) * n.cout);
            for (int o = 0; o < n.cout; ++o)
                for (int kk = 0; kk < s.k_dim; ++kk)
                    b_kn[static_cast<std::size_t>(kk) * n.cout + o] = w[static_cast<std::size_t>(o) * s.k_dim + kk];
            s.gw.push_back(kernels::gemm_pack(n.cout, s.k_dim, b_kn.data()));
            choose_weights(s, w, 1, n.cout, s.k_dim, &sparsity);
            if (n.bias) s.bias.assign(wts + n.b_off, wts + n.b_off + n.cout);
            macs = static_cast<double>(in.n) * s.k_dim * n.cout;
            break;
        }
        case op::op_batchnorm: {
            s.k = kind::affine;
            const std::size_t c = static_cast<std::size_t>(in.c);
            const float* bn = wts + n.w_off;
            s.w.resize(c);
            s.bias.resize(c);
            for (std::size_t j = 0; j < c; ++j) {
                s.w[j] = bn[j] / std::sqrt(bn[3 * c + j] + n.bn_eps);
                s.bias[j] = bn[c + j] - bn[2 * c + j] * s.w[j];
            }
            break;
        }
        case op::op_act: s.k = kind::act; break;
        case op::op_add: s.k = kind::add; break;
        case op::op_concat: s.k = kind::concat; break;
        case op::op_split:
            s.k = kind::split;
            s.split_at = n.split_at;
            break;
        case op::op_shuffle:
            s.k = kind::shuffle;
            s.groups = n.groups;
            break;
        case op::op_maxpool: s.k = kind::maxpool; break;
        case op::op_avgpool: s.k = kind::avgpool; break;
        case op::op_global_avgpool:
            s.k = kind::gap;
            s.hw = in.h * in.w;
            break;
        case op::op_se: {
            s.k = kind::se;
            s.hw = in.h * in.w;
            const int c = in.c, sq = n.se_squeeze;
            const float* w1 = wts + n.w_off;                              // [sq][c]
            const float* w2 = w1 + static_cast<std::size_t>(sq) * c;     // [c][sq]
            const float* b1 = wts + n.b_off;                              // [sq]
            const float* b2 = b1 + sq;                                    // [c]
            std::vector<float> t1(static_cast<std::size_t>(c) * sq), t2(static_cast<std::size_t>(sq) * c);
            for (int o = 0; o < sq; ++o)
                for (int j = 0; j < c; ++j) t1[static_cast<std::size_t>(j) * sq + o] = w1[static_cast<std::size_t>(o) * c + j];
            for (int o = 0; o < c; ++o)
                for (int j = 0; j < sq; ++j) t2[static_cast<std::size_t>(j) * c + o] = w2[static_cast<std::size_t>(o) * sq + j];
            s.gw.push_back(kernels::gemm_pack(sq, c, t1.data()));
            s.gw.push_back(kernels::gemm_pack(c, sq, t2.data()));
            s.bias.assign(b1, b1 + sq);
            s.bias2.assign(b2, b2 + c);
            s.groups = static_cast<int>(n.se_inner);
            s.n_dim = static_cast<int>(n.se_gate);
            s.k_dim = sq;
            work = std::max(work, static_cast<std::size_t>(batch) * (2 * static_cast<std::size_t>(c) + sq));
            macs = static_cast<double>(batch) * 2.0 * c * sq;
            break;
        }
        case op::op_softmax: s.k = kind::softmax; break;
        case op::op_input: break;
        }
        double traffic = 0;
        for (int t : n.in) traffic += static_cast<double>(shp(t).numel());
        for (int t : n.out) traffic += static_cast<double>(shp(t).numel());
        traffic += static_cast<double>(n.w_count + n.b_count);
        bytes_.push_back(traffic * sizeof(float));
        types_.push_back(step_type(s.k));
        const bool weighted = s.k == kind::conv_gemm || s.k == kind::conv_im2col || s.k == kind::fc;
        kernels_.push_back(!weighted ? "" : s.wk == wkind::sparse24 ? "sparse24" : s.wk == wkind::csr ? "csr" : "dense");
        sparsity_.push_back(weighted ? sparsity : 0.0);
        steps_.push_back(std::move(s));
        names_.push_back(n.name);
        macs_.push_back(macs);

        for (int t : n.in)
            if (last_use[static_cast<std::size_t>(t)] == static_cast<int>(i))
                plan.release(off[static_cast<std::size_t>(t)], shp(t).numel());
        for (int t : n.out)  // outputs nobody reads (e.g. an unused split half) are freed at once
            if (last_use[static_cast<std::size_t>(t)] < 0) plan.release(off[static_cast<std::size_t>(t)], shp(t).numel());
    }
    arena_.assign(plan.top, 0.0f);
    work_.assign(std::max<std::size_t>(work, 1), 0.0f);
    in_off_ = off[0];
    out_off_ = off[static_cast<std::size_t>(m.output)];
    in_shape_ = shp(0);
    out_shape_ = shp(m.output);
    layer_ms_.assign(steps_.size(), 0.0);
    return {};
}

void session::run() {
    if (chunk_ == batch_) {
        run_steps();
        return;
    }
    const std::size_t in_n = in_shape_.numel() / static_cast<std::size_t>(batch_) * chunk_;
    const std::size_t out_n = out_shape_.numel() / static_cast<std::size_t>(batch_) * chunk_;
    std::vector<double> total(layer_ms_.size(), 0.0);
    for (int b = 0; b < batch_; b += chunk_) {
        const std::size_t part = static_cast<std::size_t>(b / chunk_);
        std::copy_n(in_full_.data() + part * in_n, in_n, arena_.data() + in_off_);
        run_steps();
        std::copy_n(arena_.data() + out_off_, out_n, out_full_.data() + part * out_n);
        if (profiling_)
            for (std::size_t i = 0; i < total.size(); ++i) total[i] += layer_ms_[i];
    }
    if (profiling_) layer_ms_ = total;
}

void session::run_steps() {
    float* a = arena_.data();
    using clock = std::chrono::steady_clock;
    for (std::size_t i = 0; i < steps_.size(); ++i) {
        const step& s = steps_[i];
        const auto t0 = profiling_ ? clock::now() : clock::time_point{};
        const float* x = a + s.in[0];
        float* y = a + s.out[0];
        switch (s.k) {
        case kind::conv_gemm:
            for (int g = 0; g < s.groups; ++g)
                gemm(s, g, s.m, x + g * s.k_dim, s.in_ch, s.bias.empty() ? nullptr : s.bias.data() + g * s.n_dim,
                     y + g * s.n_dim, s.out_c);
            break;
        case kind::conv_im2col: {
            const std::size_t in_img = static_cast<std::size_t>(s.p.h) * s.p.w * s.p.c;
            const std::size_t out_img = static_cast<std::size_t>(s.p.oh) * s.p.ow * s.out_c;
            for (int b = 0; b < s.p.n; ++b)
                for (int g = 0; g < s.groups; ++g) {
                    kernels::im2col_f32(s.p, g * (s.in_ch / s.groups), s.in_ch / s.groups, x + b * in_img, work_.data());
                    gemm(s, g, s.m, work_.data(), s.k_dim, s.bias.empty() ? nullptr : s.bias.data() + g * s.n_dim,
                         y + b * out_img + g * s.n_dim, s.out_c);
                }
            break;
        }
        case kind::dwconv:
            kernels::dwconv_f32(s.p, x, s.w.data(), s.wpack.data(), s.bias.empty() ? nullptr : s.bias.data(), y, s.e);
            break;
        case kind::fc: gemm(s, 0, s.m, x, s.k_dim, s.bias.empty() ? nullptr : s.bias.data(), y, s.n_dim); break;
        case kind::affine:
            kernels::channel_affine_f32(s.pixels, s.in_ch, x, s.w.data(), s.bias.data(), y, s.e);
            break;
        case kind::act: kernels::act_f32(s.pixels * s.in_ch, x, y, s.e); break;
        case kind::add: kernels::add_f32(s.pixels * s.in_ch, x, a + s.in[1], y, s.e); break;
        case kind::concat: {
            int o = 0;
            for (std::size_t j = 0; j < s.in.size(); ++j) {
                kernels::copy_channels_f32(s.pixels, a + s.in[j], s.in_c[j], 0, s.in_c[j], y, s.out_c, o);
                o += s.in_c[j];
            }
            break;
        }
        case kind::split:
            kernels::copy_channels_f32(s.pixels, x, s.in_ch, 0, s.split_at, y, s.split_at, 0);
            kernels::copy_channels_f32(s.pixels, x, s.in_ch, s.split_at, s.in_ch - s.split_at, a + s.out[1],
                                       s.in_ch - s.split_at, 0);
            break;
        case kind::shuffle: kernels::shuffle_f32(s.pixels, s.in_ch, s.groups, x, y); break;
        case kind::maxpool: kernels::maxpool_f32(s.p, x, y); break;
        case kind::avgpool: kernels::avgpool_f32(s.p, x, y); break;
        case kind::gap: kernels::gap_f32(s.p.n, s.hw, s.in_ch, x, y); break;
        case kind::se: {
            const int c = s.in_ch, sq = s.k_dim, n = s.p.n;
            float* pooled = work_.data();                                   // [n, c]
            float* hidden = pooled + static_cast<std::size_t>(n) * c;       // [n, sq]
            float* gate = hidden + static_cast<std::size_t>(n) * sq;        // [n, c]
            kernels::gap_f32(n, s.hw, c, x, pooled);
            kernels::gemm_f32(n, sq, c, pooled, c, s.gw[0], s.bias.data(), hidden, sq,
                              static_cast<kernels::epilogue>(s.groups));
            kernels::gemm_f32(n, c, sq, hidden, sq, s.gw[1], s.bias2.data(), gate, c,
                              static_cast<kernels::epilogue>(s.n_dim));
            if (observer_) {
                const int node = static_cast<int>(i) + 1;
                observer_({node, -1, pooled, static_cast<std::size_t>(n) * c, c});
                observer_({node, -2, hidden, static_cast<std::size_t>(n) * sq, sq});
            }
            const std::size_t img = static_cast<std::size_t>(s.hw) * c;
            for (int b = 0; b < n; ++b)
                kernels::channel_affine_f32(static_cast<std::size_t>(s.hw), c, x + b * img,
                                            gate + static_cast<std::size_t>(b) * c, nullptr, y + b * img,
                                            kernels::epilogue::none);
            break;
        }
        case kind::softmax: kernels::softmax_f32(static_cast<int>(s.pixels), s.in_ch, x, y); break;
        }
        if (observer_) observe(i);
        if (profiling_)
            layer_ms_[i] = std::chrono::duration<double, std::milli>(clock::now() - t0).count();
    }
}

void session::observe(std::size_t i) {
    const step& s = steps_[i];
    const float* a = arena_.data();
    const int node = static_cast<int>(i) + 1;
    const std::size_t n = static_cast<std::size_t>(s.p.n);
    if (s.k == kind::split) {
        const std::size_t px = s.pixels;
        observer_({node, 0, a + s.out[0], px * static_cast<std::size_t>(s.split_at), s.split_at});
        observer_({node, 1, a + s.out[1], px * static_cast<std::size_t>(s.in_ch - s.split_at), s.in_ch - s.split_at});
        return;
    }
    std::size_t count = 0;
    switch (s.k) {
    case kind::conv_gemm:
    case kind::conv_im2col:
    case kind::dwconv:
    case kind::maxpool:
    case kind::avgpool: count = n * static_cast<std::size_t>(s.p.oh) * s.p.ow * s.out_c; break;
    case kind::fc: count = static_cast<std::size_t>(s.m) * s.n_dim; break;
    case kind::gap: count = n * static_cast<std::size_t>(s.in_ch); break;
    default: count = s.pixels * static_cast<std::size_t>(s.out_c); break;
    }
    observer_({node, 0, a + s.out[0], count, s.out_c});
}

}  // namespace es::engine
