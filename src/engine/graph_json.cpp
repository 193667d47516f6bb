#include "engine/graph_json.h"

namespace es::engine {

nlohmann::json graph_to_json(const model& m) {
    using nlohmann::json;
    json tensors = json::array();
    for (const auto& t : m.tensors) tensors.push_back({t.h, t.w, t.c});
    json nodes = json::array();
    for (std::size_t i = 1; i < m.nodes.size(); ++i) {
        const node& n = m.nodes[i];
        json j = {{"op", op_name(n.type)}, {"name", n.name}, {"in", n.in}, {"out", n.out}, {"act", act_name(n.activation)}};
        switch (n.type) {
        case op::op_conv2d:
        case op::op_maxpool:
        case op::op_avgpool:
            j["kernel"] = {n.win.kh, n.win.kw};
            j["stride"] = {n.win.sh, n.win.sw};
            j["pad"] = {n.win.pad_t, n.win.pad_l, n.win.pad_b, n.win.pad_r};
            if (n.type == op::op_conv2d) {
                j["groups"] = n.groups;
                j["cout"] = n.cout;
            }
            break;
        case op::op_fc: j["cout"] = n.cout; break;
        case op::op_batchnorm: j["eps"] = n.bn_eps; break;
        case op::op_split: j["split_at"] = n.split_at; break;
        case op::op_shuffle: j["groups"] = n.groups; break;
        case op::op_se:
            j["squeeze"] = n.se_squeeze;
            j["inner"] = act_name(n.se_inner);
            j["gate"] = act_name(n.se_gate);
            break;
        default: break;
        }
        if (n.w_count) j["w"] = {n.w_off, n.w_count};
        if (n.b_count) j["b"] = {n.b_off, n.b_count};
        nodes.push_back(std::move(j));
    }
    return {{"format", "edgestudy-graph"},
            {"version", 1},
            {"arch", m.arch},
            {"layout", "NHWC"},
            {"input", {m.input.h, m.input.w, m.input.c}},
            {"output", m.output},
            {"tensors", tensors},
            {"nodes", nodes}};
}

}  // namespace es::engine
