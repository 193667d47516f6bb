#include "engine/model.h"

#include "engine/rng.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace es::engine {

namespace {

int same_pad(int k) { return (k - 1) / 2; }

}  // namespace

std::string shape_text(const shape& s) {
    return std::to_string(s.n) + "x" + std::to_string(s.h) + "x" + std::to_string(s.w) + "x" + std::to_string(s.c);
}

const char* op_name(op o) {
    switch (o) {
    case op::op_input: return "input";
    case op::op_conv2d: return "conv2d";
    case op::op_fc: return "fc";
    case op::op_batchnorm: return "batchnorm";
    case op::op_act: return "activation";
    case op::op_add: return "add";
    case op::op_concat: return "concat";
    case op::op_split: return "split";
    case op::op_shuffle: return "channel_shuffle";
    case op::op_maxpool: return "maxpool";
    case op::op_avgpool: return "avgpool";
    case op::op_global_avgpool: return "global_avgpool";
    case op::op_se: return "squeeze_excite";
    case op::op_softmax: return "softmax";
    }
    return "?";
}

const char* act_name(act a) {
    switch (a) {
    case act::act_none: return "none";
    case act::act_relu: return "relu";
    case act::act_relu6: return "relu6";
    case act::act_hswish: return "hswish";
    case act::act_hsigmoid: return "hsigmoid";
    case act::act_sigmoid: return "sigmoid";
    }
    return "?";
}

int out_extent(int in, int k, int s, int pad_before, int pad_after) {
    if (s <= 0 || k <= 0) return 0;
    const int span = in + pad_before + pad_after - k;
    if (span < 0) return 0;
    return span / s + 1;
}

// ---------------------------------------------------------------------------------------------
// graph_builder
// ---------------------------------------------------------------------------------------------

graph_builder::graph_builder(std::string arch, shape input, std::uint64_t seed) : seed_(seed) {
    m_.arch = std::move(arch);
    input.n = 1;
    m_.input = input;
    node n;
    n.type = op::op_input;
    n.name = "input";
    n.out = {0};
    m_.nodes.push_back(n);
    m_.tensors.push_back(input);
    if (input.h <= 0 || input.w <= 0 || input.c <= 0) fail("input shape must be positive, got " + shape_text(input));
}

void graph_builder::fail(const std::string& message) {
    if (error_.empty()) error_ = message;
}

std::string graph_builder::auto_name(const char* kind, const std::string& name) {
    ++counter_;
    return name.empty() ? std::string(kind) + "_" + std::to_string(counter_) : name;
}

std::size_t graph_builder::reserve(std::size_t count) {
    const std::size_t off = m_.weights.size();
    m_.weights.resize(off + count, 0.0f);
    return off;
}

int graph_builder::add_node(node n, const std::vector<shape>& out_shapes) {
    for (const auto& s : out_shapes) {
        n.out.push_back(static_cast<int>(m_.tensors.size()));
        m_.tensors.push_back(s);
    }
    m_.nodes.push_back(std::move(n));
    return m_.nodes.back().out[0];
}

int graph_builder::conv_window(int x, int cout, const window& w, int groups, bool bn, const std::string& name) {
    const shape in = shape_of(x);
    node n;
    n.type = op::op_conv2d;
    n.name = auto_name("conv", name);
    n.in = {x};
    n.win = w;
    n.groups = groups;
    n.cout = cout;
    n.bias = !bn;
    const int oh = out_extent(in.h, w.kh, w.sh, w.pad_t, w.pad_b);
    const int ow = out_extent(in.w, w.kw, w.sw, w.pad_l, w.pad_r);
    if (groups <= 0 || cout <= 0 || in.c % groups != 0 || cout % groups != 0) {
        fail(n.name + ": channels " + std::to_string(in.c) + " -> " + std::to_string(cout) +
             " are not divisible by groups " + std::to_string(groups));
        return x;
    }
    if (oh <= 0 || ow <= 0) {
        fail(n.name + ": a " + std::to_string(w.kh) + "x" + std::to_string(w.kw) + " window does not fit the " +
             std::to_string(in.h) + "x" + std::to_string(in.w) + " input (resolution too small?)");
        return x;
    }
    n.w_count = static_cast<std::size_t>(cout) * static_cast<std::size_t>(w.kh) * static_cast<std::size_t>(w.kw) *
                static_cast<std::size_t>(in.c / groups);
    n.w_off = reserve(n.w_count);
    if (n.bias) {
        n.b_count = static_cast<std::size_t>(cout);
        n.b_off = reserve(n.b_count);
    }
    const int t = add_node(std::move(n), {{1, oh, ow, cout}});
    return bn ? batchnorm(t) : t;
}

int graph_builder::conv(int x, int cout, int k, int stride, int groups, bool bn, const std::string& name) {
    window w;
    w.kh = w.kw = k;
    w.sh = w.sw = stride;
    w.pad_t = w.pad_l = w.pad_b = w.pad_r = same_pad(k);
    return conv_window(x, cout, w, groups, bn, name);
}

int graph_builder::dwconv(int x, int k, int stride, bool bn, const std::string& name) {
    const int c = shape_of(x).c;
    return conv(x, c, k, stride, c, bn, name.empty() ? auto_name("dwconv", "") : name);
}

int graph_builder::pwconv(int x, int cout, int groups, bool bn, const std::string& name) {
    return conv(x, cout, 1, 1, groups, bn, name.empty() ? auto_name("pwconv", "") : name);
}

int graph_builder::fc(int x, int cout, bool bias, const std::string& name) {
    const shape in = shape_of(x);
    node n;
    n.type = op::op_fc;
    n.name = auto_name("fc", name);
    n.in = {x};
    n.cout = cout;
    n.bias = bias;
    if (cout <= 0) {
        fail(n.name + ": output size must be positive, got " + std::to_string(cout));
        return x;
    }
    n.w_count = static_cast<std::size_t>(cout) * static_cast<std::size_t>(in.h) * static_cast<std::size_t>(in.w) *
                static_cast<std::size_t>(in.c);
    n.w_off = reserve(n.w_count);
    if (bias) {
        n.b_count = static_cast<std::size_t>(cout);
        n.b_off = reserve(n.b_count);
    }
    return add_node(std::move(n), {{1, 1, 1, cout}});
}

int graph_builder::batchnorm(int x, const std::string& name) {
    const shape in = shape_of(x);
    node n;
    n.type = op::op_batchnorm;
    n.name = auto_name("bn", name);
    n.in = {x};
    n.w_count = 4 * static_cast<std::size_t>(in.c);
    n.w_off = reserve(n.w_count);
    return add_node(std::move(n), {in});
}

int graph_builder::act(int x, es::engine::act a, const std::string& name) {
    node n;
    n.type = op::op_act;
    n.name = auto_name(act_name(a), name);
    n.in = {x};
    n.activation = a;
    return add_node(std::move(n), {shape_of(x)});
}

int graph_builder::add(int a, int b, const std::string& name) {
    node n;
    n.type = op::op_add;
    n.name = auto_name("add", name);
    n.in = {a, b};
    if (!(shape_of(a) == shape_of(b))) fail(n.name + ": shapes differ: " + shape_text(shape_of(a)) + " vs " +
                                            shape_text(shape_of(b)));
    return add_node(std::move(n), {shape_of(a)});
}

int graph_builder::concat(const std::vector<int>& xs, const std::string& name) {
    node n;
    n.type = op::op_concat;
    n.name = auto_name("concat", name);
    n.in = xs;
    shape s = shape_of(xs.at(0));
    s.c = 0;
    for (int x : xs) {
        const shape& t = shape_of(x);
        if (t.h != s.h || t.w != s.w) fail(n.name + ": spatial sizes differ");
        s.c += t.c;
    }
    return add_node(std::move(n), {s});
}

std::pair<int, int> graph_builder::split(int x, int first_channels, const std::string& name) {
    const shape in = shape_of(x);
    node n;
    n.type = op::op_split;
    n.name = auto_name("split", name);
    n.in = {x};
    n.split_at = first_channels;
    if (first_channels <= 0 || first_channels >= in.c) {
        fail(n.name + ": cannot split " + std::to_string(in.c) + " channels at " + std::to_string(first_channels));
        return {x, x};
    }
    shape a = in, b = in;
    a.c = first_channels;
    b.c = in.c - first_channels;
    const int first = add_node(std::move(n), {a, b});
    return {first, first + 1};
}

int graph_builder::shuffle(int x, int groups, const std::string& name) {
    node n;
    n.type = op::op_shuffle;
    n.name = auto_name("shuffle", name);
    n.in = {x};
    n.groups = groups;
    if (groups <= 0 || shape_of(x).c % groups != 0) fail(n.name + ": channels not divisible by groups");
    return add_node(std::move(n), {shape_of(x)});
}

namespace {
window pool_window(int k, int stride, int pad) {
    window w;
    w.kh = w.kw = k;
    w.sh = w.sw = stride;
    w.pad_t = w.pad_l = w.pad_b = w.pad_r = pad;
    return w;
}
}  // namespace

int graph_builder::pool(op type, const char* kind, int x, int k, int stride, int pad, const std::string& name) {
    const shape in = shape_of(x);
    node n;
    n.type = type;
    n.name = auto_name(kind, name);
    n.in = {x};
    n.win = pool_window(k, stride, pad);
    const int oh = out_extent(in.h, k, stride, pad, pad), ow = out_extent(in.w, k, stride, pad, pad);
    if (oh <= 0 || ow <= 0 || 2 * pad > k) fail(n.name + ": window does not fit");
    return add_node(std::move(n), {{1, std::max(oh, 1), std::max(ow, 1), in.c}});
}

int graph_builder::maxpool(int x, int k, int stride, int pad, const std::string& name) {
    return pool(op::op_maxpool, "maxpool", x, k, stride, pad, name);
}

int graph_builder::avgpool(int x, int k, int stride, int pad, const std::string& name) {
    return pool(op::op_avgpool, "avgpool", x, k, stride, pad, name);
}

int graph_builder::global_avgpool(int x, const std::string& name) {
    node n;
    n.type = op::op_global_avgpool;
    n.name = auto_name("gap", name);
    n.in = {x};
    return add_node(std::move(n), {{1, 1, 1, shape_of(x).c}});
}

int graph_builder::se(int x, int squeeze, es::engine::act inner, es::engine::act gate, const std::string& name) {
    const shape in = shape_of(x);
    node n;
    n.type = op::op_se;
    n.name = auto_name("se", name);
    n.in = {x};
    n.se_squeeze = squeeze;
    n.se_inner = inner;
    n.se_gate = gate;
    if (squeeze <= 0) fail(n.name + ": squeeze width must be positive");
    const std::size_t c = static_cast<std::size_t>(in.c), s = static_cast<std::size_t>(std::max(squeeze, 0));
    n.w_count = 2 * c * s;   // w1 [s][c], w2 [c][s]
    n.b_count = s + c;       // b1 [s], b2 [c]
    n.w_off = reserve(n.w_count);
    n.b_off = reserve(n.b_count);
    return add_node(std::move(n), {in});
}

int graph_builder::softmax(int x, const std::string& name) {
    node n;
    n.type = op::op_softmax;
    n.name = auto_name("softmax", name);
    n.in = {x};
    return add_node(std::move(n), {shape_of(x)});
}

model graph_builder::finish(int logits) {
    m_.output = logits;
    rng r{seed_};
    for (const auto& n : m_.nodes) {
        float* w = m_.weights.data() + n.w_off;
        switch (n.type) {
        case op::op_conv2d:
        case op::op_fc: {
            // He-normal over the fan-in; biases zero.
            const double fan_in = static_cast<double>(n.w_count) / static_cast<double>(n.cout);
            const double stdev = std::sqrt(2.0 / std::max(1.0, fan_in));
            for (std::size_t i = 0; i < n.w_count; ++i) w[i] = static_cast<float>(r.normal() * stdev);
            break;
        }
        case op::op_batchnorm: {
            const std::size_t c = n.w_count / 4;
            for (std::size_t i = 0; i < c; ++i) {
                w[i] = 1.0f;          // gamma
                w[c + i] = 0.0f;      // beta
                w[2 * c + i] = 0.0f;  // running mean
                w[3 * c + i] = 1.0f;  // running var
            }
            break;
        }
        case op::op_se: {
            const std::size_t c = m_.tensors[static_cast<std::size_t>(n.in[0])].c;
            const std::size_t s = static_cast<std::size_t>(n.se_squeeze);
            for (std::size_t i = 0; i < s * c; ++i) w[i] = static_cast<float>(r.normal() * std::sqrt(2.0 / c));
            for (std::size_t i = 0; i < s * c; ++i) w[s * c + i] = static_cast<float>(r.normal() * std::sqrt(1.0 / s));
            break;
        }
        default: break;
        }
    }
    return std::move(m_);
}

// ---------------------------------------------------------------------------------------------
// validate / optimize / param_count
// ---------------------------------------------------------------------------------------------

std::string validate(const model& m) {
    const int nt = static_cast<int>(m.tensors.size());
    auto bad_id = [&](int t) { return t < 0 || t >= nt; };
    if (m.nodes.empty() || m.nodes[0].type != op::op_input) return "the first node must be the input";
    if (bad_id(m.output)) return "the output tensor is not set";
    std::vector<bool> produced(static_cast<std::size_t>(nt), false);
    produced[0] = true;
    for (std::size_t i = 1; i < m.nodes.size(); ++i) {
        const node& n = m.nodes[i];
        const std::string where = "layer " + n.name + " (" + op_name(n.type) + "): ";
        if (n.in.empty() || n.out.empty()) return where + "has no inputs or outputs";
        for (int t : n.in) {
            if (bad_id(t)) return where + "input tensor id out of range";
            if (!produced[static_cast<std::size_t>(t)]) return where + "reads a tensor before it is produced";
        }
        for (int t : n.out) {
            if (bad_id(t)) return where + "output tensor id out of range";
            if (produced[static_cast<std::size_t>(t)]) return where + "writes a tensor twice";
            produced[static_cast<std::size_t>(t)] = true;
        }
        const shape& in = m.tensors[static_cast<std::size_t>(n.in[0])];
        const shape& out = m.tensors[static_cast<std::size_t>(n.out[0])];
        if (n.w_off + n.w_count > m.weights.size() || n.b_off + n.b_count > m.weights.size())
            return where + "weights out of range";
        switch (n.type) {
        case op::op_conv2d: {
            if (n.groups <= 0 || in.c % n.groups || n.cout % n.groups) return where + "bad groups";
            if (out.c != n.cout) return where + "output channels differ from cout";
            if (out.h != out_extent(in.h, n.win.kh, n.win.sh, n.win.pad_t, n.win.pad_b) ||
                out.w != out_extent(in.w, n.win.kw, n.win.sw, n.win.pad_l, n.win.pad_r) || out.h <= 0 || out.w <= 0)
                return where + "output size does not match the window";
            if (n.w_count != static_cast<std::size_t>(n.cout) * n.win.kh * n.win.kw * (in.c / n.groups))
                return where + "weight count does not match";
            if (n.bias != (n.b_count == static_cast<std::size_t>(n.cout))) return where + "bias count does not match";
            break;
        }
        case op::op_fc:
            if (n.w_count != static_cast<std::size_t>(n.cout) * in.h * in.w * in.c) return where + "weight count";
            if (out.c != n.cout || out.h != 1 || out.w != 1) return where + "output shape";
            break;
        case op::op_batchnorm:
            if (n.w_count != 4 * static_cast<std::size_t>(in.c)) return where + "batch-norm parameter count";
            break;
        case op::op_add:
            if (n.in.size() != 2 || !(m.tensors[static_cast<std::size_t>(n.in[1])] == in) || !(out == in))
                return where + "add needs two tensors of one shape";
            break;
        case op::op_split:
            if (n.out.size() != 2 || n.split_at <= 0 || n.split_at >= in.c) return where + "bad split";
            break;
        case op::op_shuffle:
            if (n.groups <= 0 || in.c % n.groups) return where + "bad shuffle groups";
            break;
        case op::op_se:
            if (n.se_squeeze <= 0 || n.w_count != 2 * static_cast<std::size_t>(in.c) * n.se_squeeze)
                return where + "bad squeeze-and-excitation sizes";
            break;
        case op::op_maxpool:
        case op::op_avgpool:
            if (out.h <= 0 || out.w <= 0) return where + "window does not fit";
            break;
        default: break;
        }
    }
    return {};
}

model optimize(const model& src) {
    model m = src;
    // Consumers of each tensor, to fold only when a conv's output feeds nothing but the BN.
    std::vector<int> uses(m.tensors.size(), 0);
    for (const auto& n : m.nodes)
        for (int t : n.in) ++uses[static_cast<std::size_t>(t)];
    uses[static_cast<std::size_t>(m.output)]++;

    std::vector<int> rename(m.tensors.size());
    for (std::size_t i = 0; i < rename.size(); ++i) rename[i] = static_cast<int>(i);
    std::vector<node> out;
    out.reserve(m.nodes.size());
    for (const auto& n0 : m.nodes) {
        node n = n0;
        for (int& t : n.in) t = rename[static_cast<std::size_t>(t)];
        node* prev = out.empty() ? nullptr : &out.back();
        const bool chain = prev && prev->out.size() == 1 && n.in.size() == 1 && n.in[0] == prev->out[0] &&
                           uses[static_cast<std::size_t>(n0.in[0])] == 1;
        if (chain && n.type == op::op_batchnorm && prev->type == op::op_conv2d && prev->activation == act::act_none) {
            // Fold: y = gamma * (conv(x) + b - mean) / sqrt(var + eps) + beta.
            const std::size_t c = static_cast<std::size_t>(prev->cout);
            if (!prev->bias) {
                prev->b_off = m.weights.size();
                prev->b_count = c;
                prev->bias = true;
                m.weights.resize(m.weights.size() + c, 0.0f);
            }
            const float* bn = m.weights.data() + n.w_off;  // after the resize: it may move the weights
            float* w = m.weights.data() + prev->w_off;
            float* b = m.weights.data() + prev->b_off;
            const std::size_t per_out = prev->w_count / c;
            for (std::size_t o = 0; o < c; ++o) {
                const float scale = bn[o] / std::sqrt(bn[3 * c + o] + n.bn_eps);
                for (std::size_t k = 0; k < per_out; ++k) w[o * per_out + k] *= scale;
                b[o] = (b[o] - bn[2 * c + o]) * scale + bn[c + o];
            }
            rename[static_cast<std::size_t>(n.out[0])] = prev->out[0];
            continue;
        }
        const bool fusable_prev = prev && (prev->type == op::op_conv2d || prev->type == op::op_fc ||
                                           prev->type == op::op_add || prev->type == op::op_batchnorm);
        if (chain && n.type == op::op_act && fusable_prev && prev->activation == act::act_none) {
            prev->activation = n.activation;
            rename[static_cast<std::size_t>(n.out[0])] = prev->out[0];
            continue;
        }
        out.push_back(std::move(n));
    }
    m.nodes = std::move(out);
    m.output = rename[static_cast<std::size_t>(m.output)];
    return m;
}

bool is_depthwise(const model& m, const node& n) {
    if (n.type != op::op_conv2d || n.in.empty()) return false;
    const int cin = m.tensors[static_cast<std::size_t>(n.in[0])].c;
    return n.groups > 1 && n.groups == cin && n.cout == cin;
}

std::size_t param_count(const model& m) {
    std::size_t total = 0;
    for (const auto& n : m.nodes) {
        switch (n.type) {
        case op::op_conv2d:
        case op::op_fc:
        case op::op_se: total += n.w_count + n.b_count; break;
        case op::op_batchnorm: total += n.w_count / 2; break;  // gamma, beta
        default: break;
        }
    }
    return total;
}

}  // namespace es::engine
