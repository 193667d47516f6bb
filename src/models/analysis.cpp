// Per-layer analysis under the counting conventions documented in analysis.h.
#include "models/analysis.h"

namespace es::models {

using engine::act;
using engine::node;
using engine::op;
using engine::shape;

namespace {

using u64 = std::uint64_t;

u64 numel(const shape& s) {
    return static_cast<u64>(s.numel());
}

const shape& tensor(const engine::model& m, int t) {
    return m.tensors[static_cast<std::size_t>(t)];
}

// Multiply-accumulates of the node's convs / FCs (the paper count).
u64 core_macs(const engine::model& m, const node& n) {
    switch (n.type) {
    case op::op_conv2d: {
        const shape& in = tensor(m, n.in[0]);
        const shape& out = tensor(m, n.out[0]);
        return numel(out) * static_cast<u64>(in.c / n.groups) * static_cast<u64>(n.win.kh) *
               static_cast<u64>(n.win.kw);
    }
    case op::op_fc:
        return numel(tensor(m, n.in[0])) * static_cast<u64>(n.cout);
    case op::op_se: {
        const u64 c = static_cast<u64>(tensor(m, n.in[0]).c);
        return 2 * c * static_cast<u64>(n.se_squeeze);
    }
    default:
        return 0;
    }
}

u64 bias_adds(const node& n, const shape& out) {
    if (!n.bias) return 0;
    return n.type == op::op_fc ? static_cast<u64>(n.cout) : numel(out);
}

// ptflops hooks ReLU and ReLU6 (and PReLU, ELU, LeakyReLU, GELU); not hard-swish/sigmoid.
bool ptflops_counts_act(act a) {
    return a == act::act_relu || a == act::act_relu6;
}

u64 macs_of(const engine::model& m, const node& n, convention c) {
    const u64 core = core_macs(m, n);
    if (c == convention::convention_paper) return core;
    if (c == convention::convention_flops) return 2 * core;
    const shape& in = tensor(m, n.in[0]);
    const shape& out = tensor(m, n.out[0]);
    const u64 in_n = numel(in), out_n = numel(out);
    switch (c) {
    case convention::convention_torchprofile:
        switch (n.type) {
        case op::op_conv2d:
        case op::op_fc:
            return core;
        case op::op_batchnorm:
            return out_n;
        case op::op_avgpool:
        case op::op_global_avgpool:
            return out_n;
        case op::op_se:
            return static_cast<u64>(in.c) + core + out_n; // pool output, FCs, x * s
        default:
            return 0;
        }
    case convention::convention_ptflops:
        switch (n.type) {
        case op::op_conv2d:
        case op::op_fc:
            return core + bias_adds(n, out);
        case op::op_batchnorm:
            return 2 * in_n;
        case op::op_act:
            return ptflops_counts_act(n.activation) ? out_n : 0;
        case op::op_maxpool:
        case op::op_avgpool:
        case op::op_global_avgpool:
            return in_n;
        case op::op_add:
            return out_n;
        case op::op_softmax:
            return in_n;
        case op::op_se: {
            const u64 s = static_cast<u64>(n.se_squeeze), ch = static_cast<u64>(in.c);
            return in_n                                       // adaptive avg pool: input elements
                   + core + s + ch                            // two 1x1 convs with biases
                   + (ptflops_counts_act(n.se_inner) ? s : 0) // inner activation
                   + (ptflops_counts_act(n.se_gate) ? ch : 0) // gate (hard-sigmoid: 0)
                   + out_n;                                   // x * s
        }
        default:
            return 0;
        }
    case convention::convention_fvcore:
        switch (n.type) {
        case op::op_conv2d:
        case op::op_fc:
            return core;
        case op::op_batchnorm:
            return 2 * in_n;
        case op::op_global_avgpool:
            return in_n;
        case op::op_se:
            return in_n + core;
        default:
            return 0;
        }
    default:
        return core;
    }
}

u64 params_of(const node& n) {
    switch (n.type) {
    case op::op_conv2d:
    case op::op_fc:
    case op::op_se:
        return static_cast<u64>(n.w_count + n.b_count);
    case op::op_batchnorm:
        return static_cast<u64>(n.w_count / 2); // gamma, beta
    default:
        return 0;
    }
}

std::string shapes_text(const engine::model& m, const std::vector<int>& ids) {
    std::string s;
    for (int t : ids)
        s += (s.empty() ? "" : ", ") + engine::shape_text(tensor(m, t));
    return s;
}

} // namespace

std::optional<convention> parse_convention(std::string_view s) {
    for (auto c :
         {convention::convention_paper, convention::convention_torchprofile, convention::convention_ptflops,
          convention::convention_fvcore, convention::convention_flops})
        if (s == convention_name(c)) return c;
    return std::nullopt;
}

const char* convention_name(convention c) {
    switch (c) {
    case convention::convention_paper:
        return "paper";
    case convention::convention_torchprofile:
        return "torchprofile";
    case convention::convention_ptflops:
        return "ptflops";
    case convention::convention_fvcore:
        return "fvcore";
    case convention::convention_flops:
        return "flops";
    }
    return "?";
}

std::vector<std::string> convention_names() {
    return {"paper", "torchprofile", "ptflops", "fvcore", "flops"};
}

std::string layer_type(const engine::model& m, const node& n) {
    if (n.type != op::op_conv2d) return engine::op_name(n.type);
    const int cin = tensor(m, n.in[0]).c;
    if (n.groups > 1 && n.groups == cin) return "depthwise";
    if (n.groups > 1) return "group_conv";
    if (n.win.kh == 1 && n.win.kw == 1) return "pointwise";
    return "conv2d";
}

analysis analyze(const engine::model& m, convention c) {
    analysis r;
    r.conv = c;
    if (m.nodes.empty() || m.tensors.empty()) return r;
    r.total.activations = numel(m.input);
    for (std::size_t i = 1; i < m.nodes.size(); ++i) {
        const node& n = m.nodes[i];
        if (n.in.empty() || n.out.empty()) continue;
        layer_row row;
        row.name = n.name;
        row.type = layer_type(m, n);
        row.in_shape = shapes_text(m, n.in);
        row.out_shape = shapes_text(m, n.out);
        row.macs = macs_of(m, n, c);
        row.params = params_of(n);
        u64 in_elems = 0, out_elems = 0;
        for (int t : n.in)
            in_elems += numel(tensor(m, t));
        for (int t : n.out)
            out_elems += numel(tensor(m, t));
        row.bytes = 4 * (in_elems + static_cast<u64>(n.w_count + n.b_count) + out_elems);
        row.intensity = row.bytes ? static_cast<double>(row.macs) / static_cast<double>(row.bytes) : 0.0;
        r.total.macs += row.macs;
        r.total.params += row.params;
        r.total.activations += out_elems;
        r.layers.push_back(std::move(row));
    }
    r.total.weight_bytes = 4 * r.total.params;
    return r;
}

} // namespace es::models
