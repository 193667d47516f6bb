#include "quant/qsession.h"

#include "engine/arena_planner.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

namespace es::quant {

namespace {

using engine::act;
using engine::op;

constexpr std::size_t align_bytes = 64;

kernels::epilogue to_epilogue(act a) { return static_cast<kernels::epilogue>(a); }

// The clamp a fused ReLU / ReLU6 (or none) becomes on an output with parameters p.
void fused_clamp(act a, const tensor_q& p, std::int8_t* lo, std::int8_t* hi) {
    std::int32_t l = p.qmin, h = p.qmax;
    if (a == act::act_relu || a == act::act_relu6) l = std::max(l, p.zero_point);
    if (a == act::act_relu6)
        h = std::min<std::int32_t>(h, quantize(6.0f, p.scale, p.zero_point, p.qmin, p.qmax));
    *lo = static_cast<std::int8_t>(l);
    *hi = static_cast<std::int8_t>(h);
}

bool clamp_activation(act a) { return a == act::act_none || a == act::act_relu || a == act::act_relu6; }

std::int32_t bias_q(float b, double s) {
    const double v = std::round(static_cast<double>(b) / s);
    if (!(v == v)) return 0;
    return static_cast<std::int32_t>(std::clamp(v, -2147483648.0, 2147483647.0));
}

// A table mapping every int8 of `in` through f to `out`'s grid.
template <class F>
std::vector<std::int8_t> make_lut(const tensor_q& in, const tensor_q& out, F f) {
    std::vector<std::int8_t> t(256);
    for (int q = -128; q < 128; ++q) {
        const float r = in.scale * static_cast<float>(q - in.zero_point);
        t[static_cast<std::size_t>(q + 128)] =
            static_cast<std::int8_t>(quantize(f(r), out.scale, out.zero_point, out.qmin, out.qmax));
    }
    return t;
}

std::size_t packed_bytes(std::size_t count, int bits) { return (count * static_cast<std::size_t>(bits) + 7) / 8; }

const std::vector<std::int8_t> no_weights;
const std::vector<std::int32_t> no_bias;

}  // namespace

std::string check_options(const ptq_options& o) {
    if (o.weight_bits < 2 || o.weight_bits > 8)
        return "weight bits must be between 2 and 8, got " + std::to_string(o.weight_bits);
    if (o.act_bits < 2 || o.act_bits > 8)
        return "activation bits must be between 2 and 8, got " + std::to_string(o.act_bits);
    return "";
}

const std::vector<std::int8_t>& qsession::node_weights(int node) const {
    if (node < 0 || static_cast<std::size_t>(node) >= node_w_.size()) return no_weights;
    return node_w_[static_cast<std::size_t>(node)];
}
const std::vector<std::int32_t>& qsession::node_bias(int node) const {
    if (node < 0 || static_cast<std::size_t>(node) >= node_b_.size()) return no_bias;
    return node_b_[static_cast<std::size_t>(node)];
}

std::string qsession::prepare(const engine::model& graph, const calibration& cal, const ptq_options& o, int batch) {
    if (batch <= 0 || batch > 4096) return "batch must be between 1 and 4096, got " + std::to_string(batch);
    if (auto e = check_options(o); !e.empty()) return e;
    if (auto e = engine::validate(graph); !e.empty()) return e;
    if (cal.tensor.size() != graph.tensors.size() || cal.se_pooled.size() != graph.nodes.size() ||
        cal.se_hidden.size() != graph.nodes.size())
        return "the calibration does not belong to this graph (tensor or node counts differ)";
    g_ = graph;
    o_ = o;
    cal_ = cal;
    src_ = param_source(g_);
    tq_.assign(g_.tensors.size(), tensor_q{});
    for (std::size_t t = 0; t < g_.tensors.size(); ++t) {
        const int s = src_[t];
        if (s < 0) continue;
        const range r = cal_.tensor[static_cast<std::size_t>(s)];
        if (!std::isfinite(r.lo) || !std::isfinite(r.hi) || r.lo > r.hi)
            return "tensor " + std::to_string(t) + " has no valid calibrated range";
        tq_[t] = act_params(r.lo, r.hi, o.act_bits);
    }
    // Micro-batches: int8 activations of at most 4 MiB per pass (see engine::session).
    if (auto e = plan(1); !e.empty()) return e;
    const std::size_t per_image = arena_.size();
    constexpr std::size_t budget = std::size_t{4} << 20;
    int chunk = 1;
    for (int d = batch; d >= 1; --d)
        if (batch % d == 0 && static_cast<std::size_t>(d) * per_image <= budget) {
            chunk = d;
            break;
        }
    if (chunk != 1)
        if (auto e = plan(chunk); !e.empty()) return e;
    batch_ = batch;
    chunk_ = chunk;
    in_shape_ = g_.tensors[0];
    in_shape_.n = batch;
    out_shape_ = g_.tensors[static_cast<std::size_t>(g_.output)];
    out_shape_.n = batch;
    in_f_.assign(in_shape_.numel(), 0.0f);
    out_f_.assign(out_shape_.numel(), 0.0f);
    for (auto& m : macs_) m *= batch / chunk;
    return "";
}

std::string qsession::plan(int batch) {
    steps_.clear();
    info_.clear();
    names_.clear();
    types_.clear();
    macs_.clear();
    node_w_.assign(g_.nodes.size(), {});
    node_b_.assign(g_.nodes.size(), {});
    weight_bytes_ = 0;
    out_is_float_ = false;

    const engine::model& m = g_;
    auto shp = [&](int t) {
        engine::shape s = m.tensors[static_cast<std::size_t>(t)];
        s.n = batch;
        return s;
    };
    const std::size_t nt = m.tensors.size();
    std::vector<int> last_use(nt, -1);
    for (std::size_t i = 1; i < m.nodes.size(); ++i)
        for (int t : m.nodes[i].in) last_use[static_cast<std::size_t>(t)] = static_cast<int>(i);
    last_use[static_cast<std::size_t>(m.output)] = static_cast<int>(m.nodes.size());

    engine::arena_planner ap;
    ap.align = align_bytes;
    std::vector<std::size_t> off(nt, 0);
    off[0] = ap.alloc(shp(0).numel());
    std::size_t work = 0;
    const float* wts = m.weights.data();

    for (std::size_t i = 1; i < m.nodes.size(); ++i) {
        const engine::node& n = m.nodes[i];
        const engine::shape in = shp(n.in[0]);
        const engine::shape out = shp(n.out[0]);
        for (int t : n.out) off[static_cast<std::size_t>(t)] = ap.alloc(shp(t).numel());
        const tensor_q& pin = tq_[static_cast<std::size_t>(n.in[0])];
        const tensor_q& pout = tq_[static_cast<std::size_t>(n.out[0])];

        step s;
        s.node = static_cast<int>(i);
        for (int t : n.in) {
            s.in.push_back(off[static_cast<std::size_t>(t)]);
            s.in_c.push_back(shp(t).c);
        }
        for (int t : n.out) s.out.push_back(off[static_cast<std::size_t>(t)]);
        s.out_c = out.c;
        s.in_ch = in.c;
        s.pixels = static_cast<std::size_t>(in.n) * in.h * in.w;
        s.p = {in.n, in.h, in.w, in.c, n.win.kh, n.win.kw, n.win.sh, n.win.sw, n.win.pad_t, n.win.pad_l, out.h, out.w};
        s.zp_in = pin.zero_point;
        s.zp_out = pout.zero_point;
        s.s_out = pout.scale;
        layer_info li;
        li.name = n.name;
        li.node = static_cast<int>(i);
        li.s_in = pin.scale;
        li.zp_in = pin.zero_point;
        li.s_out = pout.scale;
        li.zp_out = pout.zero_point;
        double macs = 0;

        // conv / fc weights: [cout][per] floats -> int8 per channel, bias -> int32.
        auto quantize_layer = [&](const float* w, int cout, int per, const float* b, float s_in) {
            const weight_q wq = weight_params(w, cout, per, o_.weight_bits, o_.per_channel, o_.restricted);
            auto q = quantize_weights(w, cout, per, wq);
            std::vector<std::int32_t> bq(static_cast<std::size_t>(cout), 0);
            std::vector<kernels::requant> rq(static_cast<std::size_t>(cout));
            for (int c = 0; c < cout; ++c) {
                const double sb = static_cast<double>(s_in) * wq.scale[static_cast<std::size_t>(c)];
                if (b) bq[static_cast<std::size_t>(c)] = bias_q(b[c], sb);
                rq[static_cast<std::size_t>(c)] = kernels::quantize_multiplier(sb / pout.scale);
            }
            weight_bytes_ += packed_bytes(q.size(), o_.weight_bits) + bq.size() * 4 + rq.size() * 5;
            li.s_w = wq.scale;
            li.rq = rq;
            node_w_[i] = q;
            node_b_[i] = bq;
            s.rq = std::move(rq);
            return std::make_pair(std::move(q), std::move(bq));
        };

        switch (n.type) {
        case op::op_conv2d: {
            if (!clamp_activation(n.activation)) return n.name + ": fused activation must be a clamp (use int8_graph)";
            fused_clamp(n.activation, pout, &s.lo, &s.hi);
            const int g = n.groups, cin_g = in.c / g, cout_g = n.cout / g;
            const int khw = n.win.kh * n.win.kw;
            const float* w = wts + n.w_off;
            auto [q, bq] = quantize_layer(w, n.cout, cin_g * khw, n.bias ? wts + n.b_off : nullptr, pin.scale);
            macs = static_cast<double>(out.numel()) * cin_g * khw;
            if (g == in.c && g == n.cout) {
                s.k = kind::dwconv;
                std::vector<std::int8_t> tap(static_cast<std::size_t>(khw) * in.c);
                for (int c = 0; c < in.c; ++c)
                    for (int t = 0; t < khw; ++t)
                        tap[static_cast<std::size_t>(t) * in.c + c] = q[static_cast<std::size_t>(c) * khw + t];
                s.dw = kernels::dw_s8_pack(in.c, khw, tap.data());
                s.bias = bq;
                break;
            }
            const bool pointwise = khw == 1 && n.win.sh == 1 && n.win.sw == 1 && n.win.pad_t == 0 &&
                                   n.win.pad_l == 0 && n.win.pad_b == 0 && n.win.pad_r == 0;
            s.k = pointwise ? kind::conv_gemm : kind::conv_im2col;
            s.groups = g;
            s.k_dim = cin_g * khw;
            s.n_dim = cout_g;
            s.m = pointwise ? static_cast<int>(s.pixels) : out.h * out.w;
            s.bias.assign(static_cast<std::size_t>(n.cout), 0);
            std::vector<std::int8_t> b_kn(static_cast<std::size_t>(s.k_dim) * cout_g);
            for (int gi = 0; gi < g; ++gi) {
                for (int oc = 0; oc < cout_g; ++oc)
                    for (int kk = 0; kk < s.k_dim; ++kk)
                        b_kn[static_cast<std::size_t>(kk) * cout_g + oc] =
                            q[static_cast<std::size_t>(gi * cout_g + oc) * s.k_dim + kk];
                s.gw.push_back(kernels::gemm_s8_pack(cout_g, s.k_dim, b_kn.data()));
                for (int oc = 0; oc < cout_g; ++oc) {
                    const std::size_t c = static_cast<std::size_t>(gi * cout_g + oc);
                    s.bias[c] = bq[c] - pin.zero_point * s.gw.back().colsum[static_cast<std::size_t>(oc)];
                }
            }
            if (!pointwise) work = std::max(work, static_cast<std::size_t>(out.h) * out.w * s.k_dim);
            break;
        }
        case op::op_fc: {
            if (!clamp_activation(n.activation)) return n.name + ": fused activation must be a clamp (use int8_graph)";
            fused_clamp(n.activation, pout, &s.lo, &s.hi);
            s.k = kind::fc;
            s.k_dim = in.h * in.w * in.c;
            s.n_dim = n.cout;
            s.m = in.n;
            auto [q, bq] = quantize_layer(wts + n.w_off, n.cout, s.k_dim, n.bias ? wts + n.b_off : nullptr, pin.scale);
            std::vector<std::int8_t> b_kn(static_cast<std::size_t>(s.k_dim) * n.cout);
            for (int oc = 0; oc < n.cout; ++oc)
                for (int kk = 0; kk < s.k_dim; ++kk)
                    b_kn[static_cast<std::size_t>(kk) * n.cout + oc] = q[static_cast<std::size_t>(oc) * s.k_dim + kk];
            s.gw.push_back(kernels::gemm_s8_pack(n.cout, s.k_dim, b_kn.data()));
            s.bias.resize(static_cast<std::size_t>(n.cout));
            for (int oc = 0; oc < n.cout; ++oc)
                s.bias[static_cast<std::size_t>(oc)] =
                    bq[static_cast<std::size_t>(oc)] - pin.zero_point * s.gw[0].colsum[static_cast<std::size_t>(oc)];
            macs = static_cast<double>(in.n) * s.k_dim * n.cout;
            break;
        }
        case op::op_batchnorm: {
            // A standalone batch norm is a per-channel affine map: a 1x1 depthwise conv.
            if (!clamp_activation(n.activation)) return n.name + ": fused activation must be a clamp (use int8_graph)";
            fused_clamp(n.activation, pout, &s.lo, &s.hi);
            s.k = kind::dwconv;
            const std::size_t c = static_cast<std::size_t>(in.c);
            const float* bn = wts + n.w_off;
            std::vector<float> scale(c), shift(c);
            for (std::size_t j = 0; j < c; ++j) {
                scale[j] = bn[j] / std::sqrt(bn[3 * c + j] + n.bn_eps);
                shift[j] = bn[c + j] - bn[2 * c + j] * scale[j];
            }
            auto [q, bq] = quantize_layer(scale.data(), in.c, 1, shift.data(), pin.scale);
            s.dw = kernels::dw_s8_pack(in.c, 1, q.data());
            s.bias = bq;
            s.p.kh = s.p.kw = s.p.sh = s.p.sw = 1;
            s.p.pad_t = s.p.pad_l = 0;
            break;
        }
        case op::op_act: {
            s.k = kind::lut;
            const auto e = to_epilogue(n.activation);
            s.lut = make_lut(pin, pout, [e](float x) { return kernels::activate_ref(x, e); });
            break;
        }
        case op::op_add: {
            if (!clamp_activation(n.activation)) return n.name + ": fused activation must be a clamp (use int8_graph)";
            s.k = kind::add;
            fused_clamp(n.activation, pout, &s.lo, &s.hi);
            const tensor_q& pb = tq_[static_cast<std::size_t>(n.in[1])];
            s.addp = kernels::make_add_s8_params(pin.scale, pin.zero_point, pb.scale, pb.zero_point, pout.scale,
                                                 pout.zero_point, s.lo, s.hi);
            break;
        }
        case op::op_concat: {
            s.k = kind::concat;
            s.lut.assign(256 * n.in.size(), 0);
            s.rescale.assign(n.in.size(), 0);
            std::size_t widest = 0;
            for (std::size_t j = 0; j < n.in.size(); ++j) {
                const tensor_q& pj = tq_[static_cast<std::size_t>(n.in[j])];
                if (pj.scale == pout.scale && pj.zero_point == pout.zero_point) continue;
                s.rescale[j] = 1;
                auto t = make_lut(pj, pout, [](float x) { return x; });
                std::copy(t.begin(), t.end(), s.lut.begin() + static_cast<std::ptrdiff_t>(256 * j));
                widest = std::max(widest, s.pixels * static_cast<std::size_t>(s.in_c[j]));
            }
            work = std::max(work, widest);
            break;
        }
        case op::op_split:
            s.k = kind::split;
            s.split_at = n.split_at;
            break;
        case op::op_shuffle:
            s.k = kind::shuffle;
            s.groups = n.groups;
            break;
        case op::op_maxpool: s.k = kind::maxpool; break;
        case op::op_avgpool:
            s.k = kind::avgpool;
            s.lo = static_cast<std::int8_t>(pout.qmin);
            s.hi = static_cast<std::int8_t>(pout.qmax);
            s.pool_rq = kernels::quantize_multiplier(static_cast<double>(pin.scale) /
                                                     (static_cast<double>(pout.scale) * n.win.kh * n.win.kw));
            break;
        case op::op_global_avgpool:
            s.k = kind::gap;
            s.lo = static_cast<std::int8_t>(pout.qmin);
            s.hi = static_cast<std::int8_t>(pout.qmax);
            s.hw = in.h * in.w;
            s.pool_rq = kernels::quantize_multiplier(static_cast<double>(pin.scale) /
                                                     (static_cast<double>(pout.scale) * s.hw));
            break;
        case op::op_se: {
            s.k = kind::se;
            s.hw = in.h * in.w;
            s.lo = static_cast<std::int8_t>(pout.qmin);
            s.hi = static_cast<std::int8_t>(pout.qmax);
            if (!clamp_activation(n.se_inner)) return n.name + ": the SE inner activation must be ReLU, ReLU6 or none";
            if (n.se_gate != act::act_hsigmoid && n.se_gate != act::act_sigmoid)
                return n.name + ": the SE gate must be hard-sigmoid or sigmoid";
            const int c = in.c, sq = n.se_squeeze;
            const range rp = cal_.se_pooled[i], rh = cal_.se_hidden[i];
            const tensor_q pp = act_params(rp.lo, rp.hi, o_.act_bits);
            const tensor_q ph = act_params(rh.lo, rh.hi, o_.act_bits);
            const float bound = n.se_gate == act::act_hsigmoid ? 3.0f : 8.0f;
            const tensor_q ppre = act_params(-bound, bound, 8);
            const tensor_q pg = act_params(0.0f, 1.0f, 8);
            s.zp_pool = pp.zero_point;
            s.zp_hidden = ph.zero_point;
            s.zp_pre = ppre.zero_point;
            s.zp_gate = pg.zero_point;
            s.pool_rq = kernels::quantize_multiplier(static_cast<double>(pin.scale) / (static_cast<double>(pp.scale) * s.hw));
            fused_clamp(n.se_inner, ph, &s.hid_lo, &s.hid_hi);
            const float* w1 = wts + n.w_off;                           // [sq][c]
            const float* w2 = w1 + static_cast<std::size_t>(sq) * c;  // [c][sq]
            const float* b1 = wts + n.b_off;
            const float* b2 = b1 + sq;
            auto pack = [&](const float* w, int cout, int per, const float* b, const tensor_q& a_in, const tensor_q& a_out,
                            std::vector<std::int32_t>* bias, std::vector<kernels::requant>* rq) {
                const weight_q wq = weight_params(w, cout, per, o_.weight_bits, o_.per_channel, o_.restricted);
                auto q = quantize_weights(w, cout, per, wq);
                std::vector<std::int8_t> b_kn(static_cast<std::size_t>(per) * cout);
                for (int oc = 0; oc < cout; ++oc)
                    for (int kk = 0; kk < per; ++kk)
                        b_kn[static_cast<std::size_t>(kk) * cout + oc] = q[static_cast<std::size_t>(oc) * per + kk];
                s.gw.push_back(kernels::gemm_s8_pack(cout, per, b_kn.data()));
                bias->resize(static_cast<std::size_t>(cout));
                rq->resize(static_cast<std::size_t>(cout));
                for (int oc = 0; oc < cout; ++oc) {
                    const double sb = static_cast<double>(a_in.scale) * wq.scale[static_cast<std::size_t>(oc)];
                    (*bias)[static_cast<std::size_t>(oc)] =
                        bias_q(b[oc], sb) - a_in.zero_point * s.gw.back().colsum[static_cast<std::size_t>(oc)];
                    (*rq)[static_cast<std::size_t>(oc)] = kernels::quantize_multiplier(sb / a_out.scale);
                }
                weight_bytes_ += packed_bytes(q.size(), o_.weight_bits) + static_cast<std::size_t>(cout) * (4 + 5);
            };
            pack(w1, sq, c, b1, pp, ph, &s.bias, &s.rq);
            pack(w2, c, sq, b2, ph, ppre, &s.bias2, &s.rq2);
            const auto gate = to_epilogue(n.se_gate);
            s.lut = make_lut(ppre, pg, [gate](float x) { return kernels::activate_ref(x, gate); });
            s.mul_rq = kernels::quantize_multiplier(static_cast<double>(pin.scale) * pg.scale / pout.scale);
            s.k_dim = sq;
            work = std::max(work, static_cast<std::size_t>(batch) * (4 * static_cast<std::size_t>(c) + sq));
            macs = static_cast<double>(batch) * 2.0 * c * sq;
            break;
        }
        case op::op_softmax:
            s.k = kind::softmax;
            s.s_in_f = pin.scale;
            if (n.out[0] == m.output) out_is_float_ = true;
            break;
        case op::op_input: break;
        }
        li.lo = s.lo;
        li.hi = s.hi;
        switch (s.k) {
        case kind::conv_gemm: li.type = "pointwise"; break;
        case kind::conv_im2col: li.type = "conv"; break;
        case kind::dwconv: li.type = n.type == op::op_batchnorm ? "eltwise" : "depthwise"; break;
        case kind::fc: li.type = "fc"; break;
        case kind::se: li.type = "se"; break;
        case kind::maxpool:
        case kind::avgpool:
        case kind::gap: li.type = "pool"; break;
        case kind::lut:
        case kind::add: li.type = "eltwise"; break;
        case kind::concat:
        case kind::split:
        case kind::shuffle: li.type = "copy"; break;
        case kind::softmax: li.type = "softmax"; break;
        }
        types_.push_back(li.type);
        names_.push_back(n.name);
        macs_.push_back(macs);
        info_.push_back(std::move(li));
        steps_.push_back(std::move(s));

        for (int t : n.in)
            if (last_use[static_cast<std::size_t>(t)] == static_cast<int>(i))
                ap.release(off[static_cast<std::size_t>(t)], shp(t).numel());
        for (int t : n.out)
            if (last_use[static_cast<std::size_t>(t)] < 0) ap.release(off[static_cast<std::size_t>(t)], shp(t).numel());
    }
    arena_.assign(ap.top, 0);
    work_.assign(std::max<std::size_t>(work, 1), 0);
    in_off_ = off[0];
    out_off_ = off[static_cast<std::size_t>(m.output)];
    if (out_is_float_) soft_in_.assign(shp(m.output).numel(), 0.0f);
    layer_ms_.assign(steps_.size(), 0.0);
    return "";
}

void qsession::run() {
    const std::size_t in_n = in_shape_.numel() / static_cast<std::size_t>(batch_);
    const std::size_t out_n = out_shape_.numel() / static_cast<std::size_t>(batch_);
    const tensor_q& pin = tq_[0];
    const tensor_q& pout = tq_[static_cast<std::size_t>(g_.output)];
    std::vector<double> total;
    if (profiling_) total.assign(layer_ms_.size(), 0.0);
    for (int b = 0; b < batch_; b += chunk_) {
        const std::size_t first = static_cast<std::size_t>(b);
        kernels::quantize_f32_s8(in_n * chunk_, in_f_.data() + first * in_n, pin.scale, pin.zero_point,
                                 arena_.data() + in_off_);
        if (pin.qmin > -128 || pin.qmax < 127)  // fewer bits: the input's grid is narrower too
            for (std::size_t i = 0; i < in_n * chunk_; ++i) {
                std::int8_t& v = arena_[in_off_ + i];
                v = static_cast<std::int8_t>(std::clamp<int>(v, pin.qmin, pin.qmax));
            }
        if (observer_) observer_({0, 0, arena_.data() + in_off_, in_n * chunk_, pin.scale, pin.zero_point});
        run_steps();
        float* dst = out_f_.data() + first * out_n;
        if (out_is_float_) std::copy_n(soft_in_.data(), out_n * chunk_, dst);
        else kernels::dequantize_s8_f32(out_n * chunk_, arena_.data() + out_off_, pout.scale, pout.zero_point, dst);
        if (profiling_)
            for (std::size_t i = 0; i < total.size(); ++i) total[i] += layer_ms_[i];
    }
    if (profiling_) layer_ms_ = total;
}

void qsession::run_steps() {
    std::int8_t* a = arena_.data();
    using clock = std::chrono::steady_clock;
    for (std::size_t i = 0; i < steps_.size(); ++i) {
        const step& s = steps_[i];
        const auto t0 = profiling_ ? clock::now() : clock::time_point{};
        const std::int8_t* x = a + s.in[0];
        std::int8_t* y = a + s.out[0];
        kernels::q_output o;
        o.bias = s.bias.empty() ? nullptr : s.bias.data();
        o.rq = s.rq.data();
        o.zp_out = s.zp_out;
        o.lo = s.lo;
        o.hi = s.hi;
        switch (s.k) {
        case kind::conv_gemm:
            for (int g = 0; g < s.groups; ++g) {
                kernels::q_output og = o;
                og.bias += g * s.n_dim;
                og.rq += g * s.n_dim;
                kernels::gemm_s8(s.m, s.n_dim, s.k_dim, x + g * s.k_dim, s.in_ch, s.gw[static_cast<std::size_t>(g)], og,
                                 y + g * s.n_dim, s.out_c);
            }
            break;
        case kind::conv_im2col: {
            const std::size_t in_img = static_cast<std::size_t>(s.p.h) * s.p.w * s.p.c;
            const std::size_t out_img = static_cast<std::size_t>(s.p.oh) * s.p.ow * s.out_c;
            for (int b = 0; b < s.p.n; ++b)
                for (int g = 0; g < s.groups; ++g) {
                    kernels::im2col_s8(s.p, g * (s.in_ch / s.groups), s.in_ch / s.groups, x + b * in_img,
                                       static_cast<std::int8_t>(s.zp_in), work_.data());
                    kernels::q_output og = o;
                    og.bias += g * s.n_dim;
                    og.rq += g * s.n_dim;
                    kernels::gemm_s8(s.m, s.n_dim, s.k_dim, work_.data(), s.k_dim, s.gw[static_cast<std::size_t>(g)], og,
                                     y + b * out_img + g * s.n_dim, s.out_c);
                }
            break;
        }
        case kind::dwconv: kernels::dwconv_s8(s.p, x, s.zp_in, s.dw, o, y); break;
        case kind::fc: kernels::gemm_s8(s.m, s.n_dim, s.k_dim, x, s.k_dim, s.gw[0], o, y, s.n_dim); break;
        case kind::lut: kernels::lut_s8(s.pixels * s.in_ch, x, s.lut.data(), y); break;
        case kind::add: kernels::add_s8(s.pixels * s.in_ch, x, a + s.in[1], s.addp, y); break;
        case kind::concat: {
            int oc = 0;
            for (std::size_t j = 0; j < s.in.size(); ++j) {
                const std::int8_t* src = a + s.in[j];
                if (s.rescale[j]) {
                    kernels::lut_s8(s.pixels * s.in_c[j], src, s.lut.data() + 256 * j, work_.data());
                    src = work_.data();
                }
                kernels::copy_channels_s8(s.pixels, src, s.in_c[j], 0, s.in_c[j], y, s.out_c, oc);
                oc += s.in_c[j];
            }
            break;
        }
        case kind::split:
            kernels::copy_channels_s8(s.pixels, x, s.in_ch, 0, s.split_at, y, s.split_at, 0);
            kernels::copy_channels_s8(s.pixels, x, s.in_ch, s.split_at, s.in_ch - s.split_at, a + s.out[1],
                                      s.in_ch - s.split_at, 0);
            break;
        case kind::shuffle: kernels::shuffle_s8(s.pixels, s.in_ch, s.groups, x, y); break;
        case kind::maxpool: kernels::maxpool_s8(s.p, x, y); break;
        case kind::avgpool:
            kernels::avgpool_s8(s.p, x, s.zp_in, s.pool_rq, s.zp_out, y);
            narrow(s, y, static_cast<std::size_t>(s.p.n) * s.p.oh * s.p.ow * s.out_c);
            break;
        case kind::gap:
            kernels::gap_s8(s.p.n, s.hw, s.in_ch, x, s.zp_in, s.pool_rq, s.zp_out, y);
            narrow(s, y, static_cast<std::size_t>(s.p.n) * s.in_ch);
            break;
        case kind::se: {
            const int c = s.in_ch, sq = s.k_dim, n = s.p.n;
            std::int8_t* pooled = work_.data();                              // [n, c]
            std::int8_t* hidden = pooled + static_cast<std::size_t>(n) * c;  // [n, sq]
            std::int8_t* pre = hidden + static_cast<std::size_t>(n) * sq;    // [n, c]
            std::int8_t* gate = pre + static_cast<std::size_t>(n) * c;       // [n, c]
            kernels::gap_s8(n, s.hw, c, x, s.zp_in, s.pool_rq, s.zp_pool, pooled);
            kernels::q_output o1;
            o1.bias = s.bias.data();
            o1.rq = s.rq.data();
            o1.zp_out = s.zp_hidden;
            o1.lo = s.hid_lo;
            o1.hi = s.hid_hi;
            kernels::gemm_s8(n, sq, c, pooled, c, s.gw[0], o1, hidden, sq);
            kernels::q_output o2;
            o2.bias = s.bias2.data();
            o2.rq = s.rq2.data();
            o2.zp_out = s.zp_pre;
            kernels::gemm_s8(n, c, sq, hidden, sq, s.gw[1], o2, pre, c);
            kernels::lut_s8(static_cast<std::size_t>(n) * c, pre, s.lut.data(), gate);
            kernels::mul_channel_s8(n, s.hw, c, x, s.zp_in, gate, s.zp_gate, s.mul_rq, s.zp_out, s.lo, s.hi, y);
            break;
        }
        case kind::softmax: {
            const std::size_t count = s.pixels * static_cast<std::size_t>(s.in_ch);
            kernels::dequantize_s8_f32(count, x, s.s_in_f, s.zp_in, soft_in_.data());
            kernels::softmax_f32(static_cast<int>(s.pixels), s.in_ch, soft_in_.data(), soft_in_.data());
            break;
        }
        }
        if (observer_) observe(s);
        if (profiling_) layer_ms_[i] = std::chrono::duration<double, std::milli>(clock::now() - t0).count();
    }
}

void qsession::narrow(const step& s, std::int8_t* y, std::size_t count) {
    // The pooling kernels clamp to int8; fewer activation bits need the narrower grid.
    if (s.lo == -128 && s.hi == 127) return;
    for (std::size_t i = 0; i < count; ++i) y[i] = std::clamp(y[i], s.lo, s.hi);
}

void qsession::observe(const step& s) {
    if (s.k == kind::softmax) return;
    const engine::node& n = g_.nodes[static_cast<std::size_t>(s.node)];
    for (std::size_t j = 0; j < n.out.size(); ++j) {
        const int t = n.out[j];
        engine::shape sh = g_.tensors[static_cast<std::size_t>(t)];
        sh.n = s.p.n;
        const tensor_q& p = tq_[static_cast<std::size_t>(t)];
        observer_({s.node, static_cast<int>(j), arena_.data() + s.out[j], sh.numel(), p.scale, p.zero_point});
    }
}

}  // namespace es::quant
