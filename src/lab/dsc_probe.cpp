#include "lab/dsc_probe.h"

namespace es::lab {

namespace {

// The node that reads tensor t (the first one, in execution order), or -1.
int consumer(const engine::model& m, int t, std::size_t after) {
    for (std::size_t i = after + 1; i < m.nodes.size(); ++i)
        for (int x : m.nodes[i].in)
            if (x == t) return static_cast<int>(i);
    return -1;
}

bool keeps_shape(const engine::node& n) {
    return n.type == engine::op::op_act || n.type == engine::op::op_batchnorm || n.type == engine::op::op_se;
}

}  // namespace

std::vector<dsc_pair> find_dsc_pairs(const engine::model& m) {
    std::vector<dsc_pair> out;
    for (std::size_t i = 0; i < m.nodes.size(); ++i) {
        const engine::node& d = m.nodes[i];
        if (!engine::is_depthwise(m, d)) continue;
        // Follow the depthwise output through shape-keeping layers to a pointwise conv.
        int t = d.out[0];
        std::size_t at = i;
        int next = consumer(m, t, at);
        while (next >= 0 && keeps_shape(m.nodes[static_cast<std::size_t>(next)])) {
            at = static_cast<std::size_t>(next);
            t = m.nodes[at].out[0];
            next = consumer(m, t, at);
        }
        if (next < 0) continue;
        const engine::node& p = m.nodes[static_cast<std::size_t>(next)];
        if (p.type != engine::op::op_conv2d || p.win.kh != 1 || p.win.kw != 1 || p.win.sh != 1 || p.win.sw != 1 ||
            engine::is_depthwise(m, p))
            continue;
        const engine::shape& x = m.tensors[static_cast<std::size_t>(d.in[0])];
        const engine::shape& y = m.tensors[static_cast<std::size_t>(d.out[0])];
        dsc_pair r;
        r.dw = d.name;
        r.pw = p.name;
        r.h = x.h;
        r.w = x.w;
        r.cin = x.c;
        r.cout = p.cout;
        r.pw_groups = p.groups;
        r.win = d.win;
        r.ho = y.h;
        r.wo = y.w;
        const std::uint64_t hw = static_cast<std::uint64_t>(y.h) * static_cast<std::uint64_t>(y.w);
        const std::uint64_t kk = static_cast<std::uint64_t>(d.win.kh) * static_cast<std::uint64_t>(d.win.kw);
        r.macs_separable = hw * kk * static_cast<std::uint64_t>(r.cin) +
                           hw * static_cast<std::uint64_t>(r.cin) * static_cast<std::uint64_t>(r.cout) /
                               static_cast<std::uint64_t>(r.pw_groups);
        r.macs_standard = hw * kk * static_cast<std::uint64_t>(r.cin) * static_cast<std::uint64_t>(r.cout);
        out.push_back(r);
    }
    return out;
}

engine::model separable_block(const dsc_pair& p) {
    engine::graph_builder b("dsc_separable", engine::shape{1, p.h, p.w, p.cin}, 7);
    int x = b.conv_window(b.input(), p.cin, p.win, p.cin, false, "dw");
    x = b.pwconv(x, p.cout, p.pw_groups, false, "pw");
    return engine::optimize(b.finish(x));
}

engine::model standard_block(const dsc_pair& p) {
    engine::graph_builder b("dsc_standard", engine::shape{1, p.h, p.w, p.cin}, 7);
    const int x = b.conv_window(b.input(), p.cout, p.win, 1, false, "conv");
    return engine::optimize(b.finish(x));
}

}  // namespace es::lab
