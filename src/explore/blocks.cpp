// The architecture explorer's blocks (see blocks.h).
#include "explore/blocks.h"

#include "engine/model.h"
#include "models/analysis.h"
#include "models/models.h"

#include <algorithm>
#include <array>

namespace es::explore {

namespace {

using engine::op;

constexpr std::array<const char*, 5> family_names = {"mobilenet_v1", "mobilenet_v2", "mobilenet_v3",
                                                     "shufflenet_v1", "shufflenet_v2"};

block_params make(family f, int h, int cin, int cout, int stride) {
    block_params p;
    p.fam = f;
    p.h = p.w = h;
    p.cin = cin;
    p.cout = cout;
    p.stride = stride;
    p.expanded = cin;
    return p;
}

block_params v2(int h, int cin, int t, int cout, int stride) {
    block_params p = make(family::mobilenet_v2, h, cin, cout, stride);
    p.expanded = cin * t;
    return p;
}

block_params v3(int h, int cin, int k, int exp, int cout, bool se, bool hs, int stride) {
    block_params p = make(family::mobilenet_v3, h, cin, cout, stride);
    p.kernel = k;
    p.expanded = exp;
    p.se = se;
    p.hswish = hs;
    return p;
}

block_params sv1(int h, int cin, int cout, int stride, bool group_first) {
    block_params p = make(family::shufflenet_v1, h, cin, cout, stride);
    p.groups = 3;
    p.group_first_pw = group_first;
    return p;
}

// Rows of the papers' layer tables at width 1.0 and 224x224 input.
const preset preset_table[] = {
    // MobileNet V1, Table 1.
    {"mnv1_dw1", make(family::mobilenet_v1, 112, 32, 64, 1)},
    {"mnv1_dw2", make(family::mobilenet_v1, 112, 64, 128, 2)},
    {"mnv1_dw6", make(family::mobilenet_v1, 14, 512, 512, 1)},
    // MobileNet V2, Table 2 (t = expansion factor).
    {"mnv2_t1", v2(112, 32, 1, 16, 1)},
    {"mnv2_down", v2(112, 16, 6, 24, 2)},
    {"mnv2_res", v2(56, 24, 6, 24, 1)},
    // MobileNet V3-Large, Table 1.
    {"mnv3_k5_se", v3(56, 24, 5, 72, 40, true, false, 2)},
    {"mnv3_hs", v3(28, 40, 3, 240, 80, false, true, 2)},
    {"mnv3_hs_se", v3(14, 112, 3, 672, 112, true, true, 1)},
    // ShuffleNet V1 1x, g = 3, Table 1.
    {"snv1_stage2_first", sv1(56, 24, 240, 2, false)},
    {"snv1_stage2", sv1(28, 240, 240, 1, true)},
    {"snv1_stage3_first", sv1(28, 240, 480, 2, true)},
    // ShuffleNet V2 1x, Table 5.
    {"snv2_stage2_first", make(family::shufflenet_v2, 56, 24, 116, 2)},
    {"snv2_stage2", make(family::shufflenet_v2, 28, 116, 116, 1)},
    {"snv2_stage3_first", make(family::shufflenet_v2, 28, 116, 232, 2)},
};

std::string hwc(const engine::shape& s) {
    return std::to_string(s.h) + "×" + std::to_string(s.w) + "×" + std::to_string(s.c);
}

std::string check(const block_params& p) {
    auto range = [](const char* name, int v, int lo, int hi) -> std::string {
        if (v < lo || v > hi)
            return std::string(name) + " must be between " + std::to_string(lo) + " and " + std::to_string(hi) +
                   ", got " + std::to_string(v);
        return {};
    };
    struct field {
        const char* name;
        int value, hi;
    };
    for (const field& f : {field{"h", p.h, max_extent}, field{"w", p.w, max_extent},
                           field{"cin", p.cin, max_channels}, field{"cout", p.cout, max_channels}})
        if (auto e = range(f.name, f.value, 1, f.hi); !e.empty()) return e;
    if (p.stride != 1 && p.stride != 2) return "stride must be 1 or 2, got " + std::to_string(p.stride);
    switch (p.fam) {
    case family::mobilenet_v1: break;
    case family::mobilenet_v3:
        if (p.kernel != 3 && p.kernel != 5) return "kernel must be 3 or 5, got " + std::to_string(p.kernel);
        [[fallthrough]];
    case family::mobilenet_v2:
        if (auto e = range("expanded", p.expanded, 1, max_channels); !e.empty()) return e;
        if (p.expanded < 4 && p.se) return "expanded must be at least 4 for a squeeze-and-excite block";
        break;
    case family::shufflenet_v1: {
        const int g = p.groups;
        if (g != 1 && g != 2 && g != 3 && g != 4 && g != 8)
            return "groups must be 1, 2, 3, 4 or 8, got " + std::to_string(g);
        if (p.cout % 4) return "cout must be a multiple of 4 (the bottleneck is cout / 4), got " + std::to_string(p.cout);
        const int mid = p.cout / 4;
        if (mid % g) return "the bottleneck cout / 4 = " + std::to_string(mid) + " must be divisible by groups " +
                            std::to_string(g);
        if (p.group_first_pw && p.cin % g)
            return "cin " + std::to_string(p.cin) + " must be divisible by groups " + std::to_string(g) +
                   " (or leave the first 1x1 conv ungrouped)";
        if (p.stride == 1 && p.cout != p.cin)
            return "a stride-1 unit adds its input: cout must equal cin (" + std::to_string(p.cin) + "), got " +
                   std::to_string(p.cout);
        if (p.stride == 2) {
            if (p.cout <= p.cin)
                return "a stride-2 unit concatenates its input: cout must be greater than cin (" +
                       std::to_string(p.cin) + "), got " + std::to_string(p.cout);
            if ((p.cout - p.cin) % g)
                return "the branch's cout - cin = " + std::to_string(p.cout - p.cin) +
                       " must be divisible by groups " + std::to_string(g);
        }
        break;
    }
    case family::shufflenet_v2:
        if (p.cout % 2) return "cout must be even (two halves), got " + std::to_string(p.cout);
        if (p.stride == 1 && p.cout != p.cin)
            return "a stride-1 unit splits and concatenates: cout must equal cin (" + std::to_string(p.cin) +
                   "), got " + std::to_string(p.cout);
        break;
    }
    return {};
}

int build(engine::graph_builder& b, const block_params& p) {
    using models::block::inverted_residual;
    const int x = b.input();
    switch (p.fam) {
    case family::mobilenet_v1: return models::block::dsc(b, x, p.cout, p.stride, "block");
    case family::mobilenet_v2:
        return inverted_residual(b, x, p.expanded, p.cout, 3, p.stride, engine::act::act_relu6, 0, "block");
    case family::mobilenet_v3: {
        // The squeeze width of models/mobilenet_v3.cpp: make_divisible(exp / 4, 8).
        const int squeeze = p.se ? models::make_divisible(p.expanded / 4, 8) : 0;
        const auto a = p.hswish ? engine::act::act_hswish : engine::act::act_relu;
        return inverted_residual(b, x, p.expanded, p.cout, p.kernel, p.stride, a, squeeze, "block");
    }
    case family::shufflenet_v1:
        return models::block::shufflenet_v1_unit(b, x, p.cout, p.groups, p.stride, p.group_first_pw, "block");
    case family::shufflenet_v2: return models::block::shufflenet_v2_unit(b, x, p.cout, p.stride, "block");
    }
    return x;
}

bool foldable(op t) { return t == op::op_batchnorm || t == op::op_act; }

}  // namespace

const char* family_name(family f) { return family_names[static_cast<std::size_t>(f)]; }

std::optional<family> parse_family(std::string_view s) {
    for (family f : all_families)
        if (s == family_name(f)) return f;
    return std::nullopt;
}

std::span<const preset> presets() { return preset_table; }

const preset* find_preset(std::string_view id) {
    for (const auto& p : preset_table)
        if (id == p.id) return &p;
    return nullptr;
}

std::optional<block_diagram> build_block(const block_params& p, bool fold, std::string* error) {
    auto fail = [&](const std::string& e) -> std::optional<block_diagram> {
        if (error) *error = e;
        return std::nullopt;
    };
    if (auto e = check(p); !e.empty()) return fail(e);
    engine::graph_builder b(std::string("explore.") + family_name(p.fam), {1, p.h, p.w, p.cin});
    const int y = build(b, p);
    if (!b.error().empty()) return fail(b.error());
    engine::model m = b.finish(y);
    if (auto e = engine::validate(m); !e.empty()) return fail(e);
    models::tidy_names(m);
    const models::analysis a = models::analyze(m, models::convention::convention_paper);

    const std::size_t nt = m.tensors.size();
    std::vector<int> readers(nt, 0);
    for (const auto& n : m.nodes)
        for (int t : n.in) ++readers[static_cast<std::size_t>(t)];

    block_diagram d;
    d.params = p;
    std::vector<int> box_of_tensor(nt, -1);  // tensor id -> diagram node that produces it
    {
        diagram_node in;
        in.name = "input";
        in.op = "input";
        in.cout = p.cin;
        in.h_out = p.h;
        in.w_out = p.w;
        in.out_shape = hwc(m.tensors[0]);
        d.nodes.push_back(in);
        box_of_tensor[0] = 0;
    }
    std::vector<int> producer(nt, -1);
    for (std::size_t i = 0; i < m.nodes.size(); ++i)
        for (int t : m.nodes[i].out) producer[static_cast<std::size_t>(t)] = static_cast<int>(i);

    for (std::size_t i = 1; i < m.nodes.size(); ++i) {
        const engine::node& n = m.nodes[i];
        const models::layer_row& row = a.layers[i - 1];
        const engine::shape& out = m.tensors[static_cast<std::size_t>(n.out[0])];
        if (fold && foldable(n.type) && n.in.size() == 1) {
            const auto t = static_cast<std::size_t>(n.in[0]);
            const int src = producer[t];
            if (src > 0 && readers[t] == 1) {
                diagram_node& host = d.nodes[static_cast<std::size_t>(box_of_tensor[t])];
                host.fused.push_back(n.type == op::op_batchnorm ? "bn" : engine::act_name(n.activation));
                host.macs += row.macs;
                host.bytes += row.bytes;
                if (n.type == op::op_batchnorm) host.bn_params += 2 * static_cast<std::uint64_t>(out.c);
                host.out_shape = hwc(out);
                box_of_tensor[static_cast<std::size_t>(n.out[0])] = box_of_tensor[t];
                continue;
            }
        }
        diagram_node dn;
        dn.name = n.name;
        dn.op = row.type;
        const engine::shape& in0 = m.tensors[static_cast<std::size_t>(n.in[0])];
        dn.cin = in0.c;
        dn.cout = out.c;
        dn.h_out = out.h;
        dn.w_out = out.w;
        switch (n.type) {
        case op::op_conv2d:
            dn.k = n.win.kh;
            dn.stride = n.win.sh;
            dn.groups = n.groups;
            break;
        case op::op_avgpool:
        case op::op_maxpool:
            dn.k = n.win.kh;
            dn.stride = n.win.sh;
            break;
        case op::op_shuffle: dn.groups = n.groups; break;
        case op::op_se: dn.squeeze = n.se_squeeze; break;
        case op::op_act: dn.act = engine::act_name(n.activation); break;
        case op::op_batchnorm: dn.bn_params = 2 * static_cast<std::uint64_t>(out.c); break;
        default: break;
        }
        std::string ins;
        for (int t : n.in) ins += (ins.empty() ? "" : " + ") + hwc(m.tensors[static_cast<std::size_t>(t)]);
        std::string outs;
        for (int t : n.out) outs += (outs.empty() ? "" : " + ") + hwc(m.tensors[static_cast<std::size_t>(t)]);
        dn.in_shape = ins;
        dn.out_shape = outs;
        dn.macs = row.macs;
        dn.params = n.type == op::op_batchnorm ? 0 : row.params;
        dn.bytes = row.bytes;
        for (int t : n.in) dn.inputs.push_back(box_of_tensor[static_cast<std::size_t>(t)]);
        const int id = static_cast<int>(d.nodes.size());
        d.nodes.push_back(std::move(dn));
        for (int t : n.out) box_of_tensor[static_cast<std::size_t>(t)] = id;
    }

    // Rows: longest path from the input. Lanes: see blocks.h.
    std::vector<int> taken(d.nodes.size(), 0);
    int next_lane = 1;
    for (std::size_t i = 1; i < d.nodes.size(); ++i) {
        diagram_node& dn = d.nodes[i];
        int row = 0;
        for (int s : dn.inputs) row = std::max(row, d.nodes[static_cast<std::size_t>(s)].row + 1);
        dn.row = row;
        if (dn.inputs.size() > 1) {
            int lane = d.nodes[static_cast<std::size_t>(dn.inputs[0])].lane;
            for (int s : dn.inputs) lane = std::min(lane, d.nodes[static_cast<std::size_t>(s)].lane);
            dn.lane = lane;
        } else {
            const auto s = static_cast<std::size_t>(dn.inputs[0]);
            dn.lane = taken[s] == 0 ? d.nodes[s].lane : next_lane++;
        }
        for (int s : dn.inputs) ++taken[static_cast<std::size_t>(s)];
    }
    for (auto& dn : d.nodes) {
        d.rows = std::max(d.rows, dn.row + 1);
        d.lanes = std::max(d.lanes, dn.lane + 1);
    }
    for (auto& dn : d.nodes) {
        for (int s : dn.inputs) {
            const diagram_node& src = d.nodes[static_cast<std::size_t>(s)];
            bool through = false;
            for (const auto& q : d.nodes)
                if (&q != &src && &q != &dn && q.lane == src.lane && q.row > src.row && q.row < dn.row) through = true;
            dn.skips.push_back(through);
        }
    }

    d.macs = a.total.macs;
    d.params_total = a.total.params;
    const engine::shape& out = m.tensors[static_cast<std::size_t>(m.output)];
    d.out_shape = hwc(out);
    d.standard_macs = static_cast<std::uint64_t>(out.h) * out.w * p.cout * p.cin * 9;
    d.standard_params = 9ull * p.cin * p.cout;
    return d;
}

}  // namespace es::explore
