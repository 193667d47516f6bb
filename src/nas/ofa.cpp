#include "nas/ofa.h"

#include "models/models.h"

#include <algorithm>
#include <map>
#include <sstream>

namespace es::nas {

namespace {

bool increasing(const std::vector<int>& v) {
    for (std::size_t i = 1; i < v.size(); ++i)
        if (!(v[i] > v[i - 1])) return false;
    return !v.empty();
}

bool contains(const std::vector<int>& v, int x) { return std::find(v.begin(), v.end(), x) != v.end(); }

std::string block_name(int stage, int index) {
    return "stage" + std::to_string(stage + 1) + ".block" + std::to_string(index + 1);
}

// The slice of a conv / fc / batch-norm weight that a smaller node takes from a larger one:
// first rows (output channels), the centre of the window, first columns (input channels).
struct dims {
    int cout = 0, kh = 1, kw = 1, cin = 0;
};

dims weight_dims(const engine::model& m, const engine::node& n) {
    dims d;
    if (n.type == engine::op::op_batchnorm) {
        d.cout = m.tensors[static_cast<std::size_t>(n.out[0])].c;
        d.cin = 4;  // gamma, beta, mean, var: handled by the caller
        return d;
    }
    d.cout = n.cout;
    d.kh = n.win.kh;
    d.kw = n.win.kw;
    d.cin = d.cout > 0 ? static_cast<int>(n.w_count / (static_cast<std::size_t>(d.cout) * d.kh * d.kw)) : 0;
    return d;
}

// Copies between the sub-network's node and the supernet's node of the same name, in the
// direction `to_sub`. "" or why the two do not nest.
std::string transfer(const engine::model& super_m, const engine::node& sn, engine::model& sub_m, const engine::node& bn_sub,
                     engine::model& super_out, bool to_sub) {
    if (sn.type != bn_sub.type) return "node " + sn.name + " changed type";
    if (sn.type == engine::op::op_batchnorm) {
        const int cs = super_m.tensors[static_cast<std::size_t>(sn.out[0])].c;
        const int cb = sub_m.tensors[static_cast<std::size_t>(bn_sub.out[0])].c;
        if (cb > cs) return "batch norm " + sn.name + " is wider in the sub-network";
        for (int part = 0; part < 4; ++part)
            for (int c = 0; c < cb; ++c) {
                const std::size_t a = sn.w_off + static_cast<std::size_t>(part) * cs + static_cast<std::size_t>(c);
                const std::size_t b = bn_sub.w_off + static_cast<std::size_t>(part) * cb + static_cast<std::size_t>(c);
                if (to_sub) sub_m.weights[b] = super_m.weights[a];
                else super_out.weights[a] = sub_m.weights[b];
            }
        return "";
    }
    const dims ds = weight_dims(super_m, sn), db = weight_dims(sub_m, bn_sub);
    if (db.cout > ds.cout || db.kh > ds.kh || db.kw > ds.kw || db.cin > ds.cin || (ds.kh - db.kh) % 2 || (ds.kw - db.kw) % 2)
        return "layer " + sn.name + " does not nest in the supernet's";
    const bool depthwise_s = sn.groups > 1, depthwise_b = bn_sub.groups > 1;
    if (depthwise_s != depthwise_b) return "layer " + sn.name + " changed groups";
    const int oy = (ds.kh - db.kh) / 2, ox = (ds.kw - db.kw) / 2;
    for (int o = 0; o < db.cout; ++o)
        for (int y = 0; y < db.kh; ++y)
            for (int x = 0; x < db.kw; ++x)
                for (int i = 0; i < db.cin; ++i) {
                    const std::size_t a = sn.w_off + ((static_cast<std::size_t>(o) * ds.kh + (y + oy)) * ds.kw + (x + ox)) * ds.cin + i;
                    const std::size_t b = bn_sub.w_off + ((static_cast<std::size_t>(o) * db.kh + y) * db.kw + x) * db.cin + i;
                    if (to_sub) sub_m.weights[b] = super_m.weights[a];
                    else super_out.weights[a] = sub_m.weights[b];
                }
    if (bn_sub.b_count > 0) {
        if (sn.b_count < bn_sub.b_count) return "layer " + sn.name + " has a smaller bias in the supernet";
        for (std::size_t o = 0; o < bn_sub.b_count; ++o) {
            if (to_sub) sub_m.weights[bn_sub.b_off + o] = super_m.weights[sn.b_off + o];
            else super_out.weights[sn.b_off + o] = sub_m.weights[bn_sub.b_off + o];
        }
    }
    return "";
}

std::string walk(const engine::model& super_m, const ofa_space& s, const ofa_config& c, engine::model& sub,
                 engine::model* super_out) {
    std::map<std::string, const engine::node*> by_name;
    for (const auto& n : super_m.nodes) by_name[n.name] = &n;
    for (const auto& n : sub.nodes) {
        if (n.w_count == 0 && n.b_count == 0) continue;
        auto it = by_name.find(n.name);
        if (it == by_name.end()) return "the supernet has no layer " + n.name + " (not this space's supernet?)";
        engine::model& target = super_out ? *super_out : sub;
        if (auto e = transfer(super_m, *it->second, sub, n, target, super_out == nullptr); !e.empty()) return e;
    }
    (void)s;
    (void)c;
    return "";
}

}  // namespace

std::string check_space(const ofa_space& s) {
    if (s.stage_out.empty()) return "the space needs at least one elastic stage";
    if (s.stage_stride.size() != s.stage_out.size() || s.depths.size() != s.stage_out.size())
        return "stage_out, stage_stride and depths must have one entry per stage";
    for (const auto& d : s.depths)
        if (!increasing(d) || d.front() < 1) return "each stage's depth choices must increase from at least 1";
    if (!increasing(s.kernels)) return "kernel choices must increase";
    for (int k : s.kernels)
        if (k < 1 || k % 2 == 0) return "kernel choices must be odd";
    if (!increasing(s.expands) || s.expands.front() < 1) return "expansion choices must increase from at least 1";
    for (int st : s.stage_stride)
        if (st != 1 && st != 2) return "stage strides must be 1 or 2";
    return "";
}

int max_blocks(const ofa_space& s) {
    int n = 0;
    for (const auto& d : s.depths) n += d.back();
    return n;
}

namespace {
// Every choice at its first (smallest) or last (largest) value.
ofa_config corner(const ofa_space& s, bool large) {
    auto end = [large](const std::vector<int>& v) { return large ? v.back() : v.front(); };
    ofa_config c;
    for (const auto& d : s.depths) c.depth.push_back(end(d));
    c.kernel.assign(static_cast<std::size_t>(max_blocks(s)), end(s.kernels));
    c.expand.assign(static_cast<std::size_t>(max_blocks(s)), end(s.expands));
    return c;
}
}  // namespace

ofa_config largest(const ofa_space& s) { return corner(s, true); }
ofa_config smallest(const ofa_space& s) { return corner(s, false); }

std::string check_config(const ofa_space& s, const ofa_config& c) {
    if (c.depth.size() != s.depths.size())
        return "depth: " + std::to_string(s.depths.size()) + " values expected, got " + std::to_string(c.depth.size());
    const auto n = static_cast<std::size_t>(max_blocks(s));
    if (c.kernel.size() != n || c.expand.size() != n)
        return "kernel and expand: " + std::to_string(n) + " values each expected";
    for (std::size_t i = 0; i < c.depth.size(); ++i)
        if (!contains(s.depths[i], c.depth[i]))
            return "depth of stage " + std::to_string(i + 1) + ": " + std::to_string(c.depth[i]) + " is not a choice";
    for (std::size_t i = 0; i < n; ++i) {
        if (!contains(s.kernels, c.kernel[i])) return "kernel " + std::to_string(c.kernel[i]) + " is not a choice";
        if (!contains(s.expands, c.expand[i])) return "expand " + std::to_string(c.expand[i]) + " is not a choice";
    }
    return "";
}

ofa_config canonical(const ofa_space& s, const ofa_config& c) {
    ofa_config out = c;
    std::size_t slot = 0;
    for (std::size_t st = 0; st < s.depths.size() && st < c.depth.size(); ++st)
        for (int i = 0; i < s.depths[st].back(); ++i, ++slot)
            if (i >= c.depth[st] && slot < out.kernel.size() && slot < out.expand.size()) {
                out.kernel[slot] = s.kernels.front();
                out.expand[slot] = s.expands.front();
            }
    return out;
}

std::string config_text(const ofa_config& c) {
    std::ostringstream o;
    auto list = [&](char tag, const std::vector<int>& v) {
        o << tag;
        for (std::size_t i = 0; i < v.size(); ++i) o << (i ? "," : "") << v[i];
    };
    list('d', c.depth);
    o << '-';
    list('k', c.kernel);
    o << '-';
    list('e', c.expand);
    return o.str();
}

std::optional<ofa_config> parse_config(const ofa_space& s, const std::string& text, std::string* error) {
    auto fail = [&](const std::string& e) -> std::optional<ofa_config> {
        if (error) *error = e;
        return std::nullopt;
    };
    std::vector<std::vector<int>> parts;
    std::stringstream ss(text);
    std::string part;
    const char tags[] = {'d', 'k', 'e'};
    while (std::getline(ss, part, '-')) {
        if (parts.size() >= 3 || part.empty() || part[0] != tags[parts.size()])
            return fail("config must read d<depths>-k<kernels>-e<expands>, e.g. " + config_text(largest(s)));
        std::vector<int> v;
        std::stringstream ps(part.substr(1));
        std::string item;
        while (std::getline(ps, item, ',')) {
            char* end = nullptr;
            const long x = std::strtol(item.c_str(), &end, 10);
            if (item.empty() || *end != '\0' || x < 0 || x > 1000) return fail("\"" + item + "\" is not a whole number");
            v.push_back(static_cast<int>(x));
        }
        parts.push_back(v);
    }
    if (parts.size() != 3) return fail("config must read d<depths>-k<kernels>-e<expands>, e.g. " + config_text(largest(s)));
    ofa_config c{parts[0], parts[1], parts[2]};
    if (auto e = check_config(s, c); !e.empty()) return fail(e);
    return c;
}

std::optional<engine::model> build_config(const ofa_space& s, const ofa_config& c, std::uint64_t seed,
                                          std::string* error) {
    auto fail = [&](const std::string& e) -> std::optional<engine::model> {
        if (error) *error = e;
        return std::nullopt;
    };
    if (auto e = check_space(s); !e.empty()) return fail(e);
    if (auto e = check_config(s, c); !e.empty()) return fail(e);
    using engine::act;
    engine::graph_builder b("ofa_mobilenet_v2", engine::shape{1, s.res, s.res, s.in_ch}, seed);
    int x = models::block::conv_bn_act(b, b.input(), s.stem, 3, 1, act::act_relu6, "conv1");
    x = models::block::inverted_residual(b, x, s.stem, s.stem, 3, 1, act::act_relu6, 0, "block0");
    std::size_t slot = 0;
    for (std::size_t st = 0; st < s.stage_out.size(); ++st) {
        for (int i = 0; i < s.depths[st].back(); ++i, ++slot) {
            if (i >= c.depth[st]) continue;  // elastic depth: the stage's first blocks
            const int cin = b.shape_of(x).c;
            x = models::block::inverted_residual(b, x, cin * c.expand[slot], s.stage_out[st], c.kernel[slot],
                                                 i == 0 ? s.stage_stride[st] : 1, act::act_relu6, 0,
                                                 block_name(static_cast<int>(st), i));
        }
    }
    x = models::block::conv_bn_act(b, x, s.last, 1, 1, act::act_relu6, "conv_last");
    x = models::block::classifier(b, x, s.classes);
    if (!b.error().empty()) return fail(b.error());
    engine::model m = b.finish(x);
    models::tidy_names(m);
    if (auto e = engine::validate(m); !e.empty()) return fail(e);
    return m;
}

engine::model build_supernet(const ofa_space& s, std::uint64_t seed) {
    std::string err;
    auto m = build_config(s, largest(s), seed, &err);
    return m ? std::move(*m) : engine::model{};
}

std::optional<engine::model> extract(const engine::model& super, const ofa_space& s, const ofa_config& c,
                                     std::string* error) {
    auto sub = build_config(s, c, 1, error);
    if (!sub) return std::nullopt;
    if (auto e = walk(super, s, c, *sub, nullptr); !e.empty()) {
        if (error) *error = e;
        return std::nullopt;
    }
    return sub;
}

std::string scatter(engine::model& super, const ofa_space& s, const ofa_config& c, const engine::model& sub) {
    if (auto e = check_config(s, c); !e.empty()) return e;
    std::string err;
    auto shape = build_config(s, c, 1, &err);
    if (!shape) return err;
    if (shape->weights.size() != sub.weights.size() || shape->nodes.size() != sub.nodes.size())
        return "the sub-network does not match the config " + config_text(c);
    engine::model copy = sub;
    const engine::model before = super;
    return walk(before, s, c, copy, &super);
}

}  // namespace es::nas
