#include "prune/channels.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <set>

namespace es::prune {

using engine::model;
using engine::node;
using engine::op;

namespace {

std::size_t sz(int v) {
    return static_cast<std::size_t>(v);
}

bool is_dw(const model& m, const node& n) {
    return n.type == op::op_conv2d && engine::is_depthwise(m, n);
}

// Channel-wise nodes: output channel c depends on input channel c only.
bool channel_wise(const model& m, const node& n) {
    switch (n.type) {
    case op::op_batchnorm:
    case op::op_act:
    case op::op_se:
    case op::op_maxpool:
    case op::op_avgpool:
    case op::op_global_avgpool:
        return true;
    case op::op_conv2d:
        return is_dw(m, n);
    default:
        return false;
    }
}

std::vector<std::vector<int>> consumers_of(const model& m) {
    std::vector<std::vector<int>> c(m.tensors.size());
    for (std::size_t i = 0; i < m.nodes.size(); ++i)
        for (int t : m.nodes[i].in) c[sz(t)].push_back(static_cast<int>(i));
    return c;
}

// Where the output channels of a producer go: the nodes they pass (channel-wise nodes and at
// most one shuffle) and the consumers that mix them. ok == false when they cannot be pruned.
struct reach {
    bool ok = false;
    std::vector<int> path;       // channel-wise and shuffle nodes, in node order
    std::vector<int> consumers;  // conv / fc nodes reading the channels
    int shuffle_groups = 0;
    int consumer_groups = 1;
};

reach trace(const model& m, const std::vector<std::vector<int>>& cons, int producer) {
    reach r;
    const node& p = m.nodes[sz(producer)];
    if (p.out.size() != 1) return r;
    std::vector<int> frontier = {p.out[0]};
    std::set<int> path, consumers;
    int shuffles = 0;
    while (!frontier.empty()) {
        const int t = frontier.back();
        frontier.pop_back();
        if (t == m.output) return r;
        if (cons[sz(t)].empty()) return r;  // a dangling tensor: leave it alone
        for (int c : cons[sz(t)]) {
            const node& n = m.nodes[sz(c)];
            if (n.in.size() != 1) return r;  // add, concat
            if (channel_wise(m, n) || n.type == op::op_shuffle) {
                if (n.type == op::op_shuffle) {
                    if (++shuffles > 1) return r;
                    r.shuffle_groups = n.groups;
                }
                if (path.insert(c).second) frontier.push_back(n.out[0]);
            } else if (n.type == op::op_conv2d || n.type == op::op_fc) {
                if (n.type == op::op_conv2d && n.groups > 1) {
                    if (r.consumer_groups > 1 && r.consumer_groups != n.groups) return r;
                    r.consumer_groups = n.groups;
                }
                consumers.insert(c);
            } else {
                return r;  // split, softmax, input
            }
        }
    }
    r.path.assign(path.begin(), path.end());
    r.consumers.assign(consumers.begin(), consumers.end());
    r.ok = !r.consumers.empty();
    return r;
}

bool is_producer(const model& m, const node& n) {
    return (n.type == op::op_conv2d && !is_dw(m, n)) || n.type == op::op_fc;
}

int out_channels(const model& m, const node& n) {
    return m.tensors[sz(n.out[0])].c;
}

// Position of channel i of a C-channel tensor after a shuffle with g groups.
int shuffled(int i, int c, int g) {
    const int per = c / g;
    return (i % per) * g + i / per;
}

// Consumer group that reads producer channel i when the producer has c channels.
int consumer_group(const prunable_layer& l, int i, int c) {
    const int q = l.shuffle_groups > 1 ? shuffled(i, c, l.shuffle_groups) : i;
    return q / (c / l.consumer_groups);
}

bool width_allowed(const prunable_layer& l, int width) {
    if (width < 1 || width > l.channels || width % l.groups != 0) return false;
    if (l.shuffle_groups > 1 && width % l.shuffle_groups != 0) return false;
    return width % l.consumer_groups == 0;
}

// Keeps `width` channels of layer l: per (producer group, consumer group) cell as many as the
// smaller layout has slots for, the best-scored ones of the cell; nullopt when a cell is short.
std::optional<std::vector<int>> choose(const prunable_layer& l, int width, const std::vector<double>& scores) {
    if (!width_allowed(l, width)) return std::nullopt;
    const int c = l.channels, per_old = c / l.groups, per_new = width / l.groups;
    // cell -> old channels, best first
    std::map<std::pair<int, int>, std::vector<int>> cells;
    for (int i = 0; i < c; ++i) cells[{i / per_old, consumer_group(l, i, c)}].push_back(i);
    for (auto& kv : cells)
        std::stable_sort(kv.second.begin(), kv.second.end(), [&](int a, int b) { return scores[sz(a)] > scores[sz(b)]; });
    std::map<std::pair<int, int>, std::vector<int>> slots;
    for (int j = 0; j < width; ++j) slots[{j / per_new, consumer_group(l, j, width)}].push_back(j);
    std::vector<int> keep(sz(width), -1);
    for (auto& kv : slots) {
        auto it = cells.find(kv.first);
        if (it == cells.end() || it->second.size() < kv.second.size()) return std::nullopt;
        std::vector<int> chosen(it->second.begin(), it->second.begin() + static_cast<long>(kv.second.size()));
        std::sort(chosen.begin(), chosen.end());
        for (std::size_t k = 0; k < chosen.size(); ++k) keep[sz(kv.second[k])] = chosen[k];
    }
    return keep;
}

std::optional<channel_plan> fail_plan(std::string* error, const std::string& why) {
    if (error) *error = why;
    return std::nullopt;
}

std::optional<model> fail_model(std::string* error, const std::string& why) {
    if (error) *error = why;
    return std::nullopt;
}

}  // namespace

std::optional<channel_norm> parse_channel_norm(const std::string& s) {
    if (s == "l1") return channel_norm::l1;
    if (s == "l2") return channel_norm::l2;
    return std::nullopt;
}

std::vector<prunable_layer> prunable_layers(const model& m) {
    std::vector<prunable_layer> out;
    const auto cons = consumers_of(m);
    for (std::size_t i = 0; i < m.nodes.size(); ++i) {
        const node& n = m.nodes[i];
        if (!is_producer(m, n)) continue;
        const reach r = trace(m, cons, static_cast<int>(i));
        if (!r.ok) continue;
        prunable_layer l;
        l.node = static_cast<int>(i);
        l.name = n.name;
        l.channels = out_channels(m, n);
        l.groups = n.type == op::op_conv2d ? n.groups : 1;
        l.shuffle_groups = r.shuffle_groups;
        l.consumer_groups = r.consumer_groups;
        // The shuffle and the grouped consumer must divide the width as they do now.
        if (l.channels % l.groups || (l.shuffle_groups > 1 && l.channels % l.shuffle_groups) ||
            l.channels % l.consumer_groups)
            continue;
        out.push_back(l);
    }
    return out;
}

std::vector<double> channel_scores(const model& m, int idx, channel_norm norm) {
    if (idx < 0 || sz(idx) >= m.nodes.size()) return {};
    const node& n = m.nodes[sz(idx)];
    if (n.type != op::op_conv2d && n.type != op::op_fc) return {};
    const int cout = out_channels(m, n);
    if (cout <= 0 || n.w_count % sz(cout) != 0) return {};
    const std::size_t per = n.w_count / sz(cout);
    std::vector<double> s(sz(cout), 0.0);
    for (int o = 0; o < cout; ++o) {
        const float* w = m.weights.data() + n.w_off + sz(o) * per;
        double acc = 0.0;
        for (std::size_t k = 0; k < per; ++k)
            acc += norm == channel_norm::l1 ? std::fabs(static_cast<double>(w[k]))
                                            : static_cast<double>(w[k]) * static_cast<double>(w[k]);
        s[sz(o)] = norm == channel_norm::l1 ? acc : std::sqrt(acc);
    }
    return s;
}

std::optional<channel_plan> plan_channels(const model& m, double fraction, channel_norm norm, std::string* error) {
    if (!std::isfinite(fraction) || fraction < 0.0 || fraction >= 1.0)
    {
        char buf[120];
        std::snprintf(buf, sizeof buf, "the fraction of channels to prune must be in [0, 1), got %g", fraction);
        return fail_plan(error, buf);
    }
    const auto layers = prunable_layers(m);
    if (layers.empty()) return fail_plan(error, "the model has no layer whose channels can be pruned");
    channel_plan plan;
    for (const auto& l : layers) {
        const int per = l.channels / l.groups;
        const int removed = static_cast<int>(std::lround(fraction * per));
        if (removed >= per)
            return fail_plan(error, "pruning that fraction of layer " + l.name + " (" + std::to_string(l.channels) +
                                        " channels) would remove every channel");
        const auto scores = channel_scores(m, l.node, norm);
        std::optional<std::vector<int>> keep;
        for (int w = (per - removed) * l.groups; w >= 1 && !keep; w -= l.groups) keep = choose(l, w, scores);
        if (!keep)
            return fail_plan(error, "layer " + l.name + " has no smaller width that its groups (" +
                                        std::to_string(l.groups) + ", shuffle " + std::to_string(l.shuffle_groups) +
                                        ", consumer " + std::to_string(l.consumer_groups) + ") allow");
        plan.layers.push_back({l.node, l.name, l.channels, std::move(*keep)});
    }
    return plan;
}

std::optional<channel_plan> plan_widths(const model& m, const std::map<std::string, int>& widths,
                                        const std::map<std::string, std::vector<double>>& scores,
                                        std::string* error) {
    const auto layers = prunable_layers(m);
    channel_plan plan;
    std::set<std::string> used;
    for (const auto& l : layers) {
        auto it = widths.find(l.name);
        if (it == widths.end()) continue;
        used.insert(l.name);
        const int w = it->second;
        if (w < 1 || w > l.channels)
            return fail_plan(error, "layer " + l.name + " has " + std::to_string(l.channels) +
                                        " channels: cannot keep " + std::to_string(w));
        std::vector<double> s(sz(l.channels), 0.0);
        if (auto sit = scores.find(l.name); sit != scores.end() && sit->second.size() == s.size()) s = sit->second;
        auto keep = choose(l, w, s);
        if (!keep)
            return fail_plan(error, "layer " + l.name + ": a width of " + std::to_string(w) +
                                        " does not fit its groups (" + std::to_string(l.groups) + ", shuffle " +
                                        std::to_string(l.shuffle_groups) + ", consumer " +
                                        std::to_string(l.consumer_groups) + ")");
        plan.layers.push_back({l.node, l.name, l.channels, std::move(*keep)});
    }
    for (const auto& kv : widths)
        if (!used.count(kv.first))
            return fail_plan(error, "no prunable layer is called \"" + kv.first + "\"");
    return plan;
}

namespace {

// Checks a plan against the model: known producer nodes, each once, keep lists that are
// permutations of distinct valid channels, not empty.
std::string check_plan(const model& m, const channel_plan& plan, std::map<int, const layer_plan*>* by_node) {
    for (const auto& lp : plan.layers) {
        if (lp.node < 0 || sz(lp.node) >= m.nodes.size()) return "the plan names node " + std::to_string(lp.node) + ", which the model lacks";
        const node& n = m.nodes[sz(lp.node)];
        if (!is_producer(m, n)) return "layer " + n.name + " is not a convolution or fc whose channels can be pruned";
        if (!lp.name.empty() && lp.name != n.name) return "the plan's layer " + lp.name + " is node " + n.name + " in this model";
        const int c = out_channels(m, n);
        if (lp.keep.empty()) return "pruning layer " + n.name + " would remove every channel";
        std::vector<char> seen(sz(c), 0);
        for (int k : lp.keep) {
            if (k < 0 || k >= c || seen[sz(k)]) return "layer " + n.name + ": invalid or repeated channel " + std::to_string(k);
            seen[sz(k)] = 1;
        }
        if (!by_node->emplace(lp.node, &lp).second) return "the plan names layer " + n.name + " twice";
    }
    return "";
}

std::vector<int> iota_vec(int n) {
    std::vector<int> v(sz(n));
    std::iota(v.begin(), v.end(), 0);
    return v;
}

}  // namespace

std::optional<model> apply_plan(const model& m, const channel_plan& plan, std::string* error) {
    std::map<int, const layer_plan*> by_node;
    if (auto e = check_plan(m, plan, &by_node); !e.empty()) return fail_model(error, e);
    if (auto e = engine::validate(m); !e.empty()) return fail_model(error, "the model is not sound: " + e);

    model r = m;
    r.weights.clear();
    std::vector<std::vector<int>> km(m.tensors.size());  // per tensor: old channel of each new channel
    const float* W = m.weights.data();
    auto put = [&](const std::vector<float>& v, std::size_t* off, std::size_t* count) {
        *off = r.weights.size();
        *count = v.size();
        r.weights.insert(r.weights.end(), v.begin(), v.end());
    };
    auto gather = [&](std::size_t off, const std::vector<int>& idx) {
        std::vector<float> v;
        v.reserve(idx.size());
        for (int i : idx) v.push_back(W[off + sz(i)]);
        return v;
    };

    for (std::size_t ni = 0; ni < m.nodes.size(); ++ni) {
        const node& n = m.nodes[ni];
        node& o = r.nodes[ni];
        const std::vector<int> none;
        const std::vector<int>& kin = n.in.empty() ? none : km[sz(n.in[0])];
        const int cin_old = n.in.empty() ? 0 : m.tensors[sz(n.in[0])].c;
        const int cin_new = static_cast<int>(kin.size());
        switch (n.type) {
        case op::op_input:
            km[sz(n.out[0])] = iota_vec(m.tensors[sz(n.out[0])].c);
            break;
        case op::op_conv2d: {
            const int kk = n.win.kh * n.win.kw;
            const int cout_old = n.cout;
            if (is_dw(m, n)) {
                std::vector<float> w;
                for (int c : kin)
                    for (int k = 0; k < kk; ++k) w.push_back(W[n.w_off + sz(c) * sz(kk) + sz(k)]);
                put(w, &o.w_off, &o.w_count);
                if (n.b_count) put(gather(n.b_off, kin), &o.b_off, &o.b_count);
                o.groups = cin_new;
                o.cout = cin_new;
                km[sz(n.out[0])] = kin;
                break;
            }
            auto pit = by_node.find(static_cast<int>(ni));
            std::vector<int> kout = pit != by_node.end() ? pit->second->keep : iota_vec(cout_old);
            const int g = n.groups, cout_new = static_cast<int>(kout.size());
            if (cin_new % g || cout_new % g)
                return fail_model(error, "layer " + n.name + ": " + std::to_string(g) + " groups do not divide the new widths");
            const int cig_old = cin_old / g, cig_new = cin_new / g, cog_old = cout_old / g, cog_new = cout_new / g;
            for (int i = 0; i < cin_new; ++i)
                if (kin[sz(i)] / cig_old != i / cig_new)
                    return fail_model(error, "layer " + n.name + ": an input channel would move to another group");
            for (int j = 0; j < cout_new; ++j)
                if (kout[sz(j)] / cog_old != j / cog_new)
                    return fail_model(error, "layer " + n.name + ": an output channel would move to another group");
            std::vector<float> w;
            w.reserve(sz(cout_new) * sz(kk) * sz(cig_new));
            for (int j = 0; j < cout_new; ++j)
                for (int k = 0; k < kk; ++k)
                    for (int i = j / cog_new * cig_new; i < (j / cog_new + 1) * cig_new; ++i)
                        w.push_back(W[n.w_off + (sz(kout[sz(j)]) * sz(kk) + sz(k)) * sz(cig_old) +
                                      sz(kin[sz(i)] % cig_old)]);
            put(w, &o.w_off, &o.w_count);
            if (n.b_count) put(gather(n.b_off, kout), &o.b_off, &o.b_count);
            o.cout = cout_new;
            km[sz(n.out[0])] = std::move(kout);
            break;
        }
        case op::op_fc: {
            const engine::shape& s = m.tensors[sz(n.in[0])];
            const int hw = s.h * s.w, cout_old = n.cout;
            auto pit = by_node.find(static_cast<int>(ni));
            std::vector<int> kout = pit != by_node.end() ? pit->second->keep : iota_vec(cout_old);
            std::vector<float> w;
            for (int j : kout)
                for (int p = 0; p < hw; ++p)
                    for (int c : kin) w.push_back(W[n.w_off + sz(j) * sz(hw * cin_old) + sz(p) * sz(cin_old) + sz(c)]);
            put(w, &o.w_off, &o.w_count);
            if (n.b_count) put(gather(n.b_off, kout), &o.b_off, &o.b_count);
            o.cout = static_cast<int>(kout.size());
            km[sz(n.out[0])] = std::move(kout);
            break;
        }
        case op::op_batchnorm: {
            std::vector<float> w;
            for (int part = 0; part < 4; ++part) {
                auto v = gather(n.w_off + sz(part) * sz(cin_old), kin);
                w.insert(w.end(), v.begin(), v.end());
            }
            put(w, &o.w_off, &o.w_count);
            km[sz(n.out[0])] = kin;
            break;
        }
        case op::op_se: {
            const int sq = n.se_squeeze, c = cin_old;
            // w = w1 [sq][C] then w2 [C][sq]; b = b1 [sq] then b2 [C]
            std::vector<float> w, b;
            for (int h = 0; h < sq; ++h)
                for (int ch : kin) w.push_back(W[n.w_off + sz(h) * sz(c) + sz(ch)]);
            for (int ch : kin)
                for (int h = 0; h < sq; ++h) w.push_back(W[n.w_off + sz(sq) * sz(c) + sz(ch) * sz(sq) + sz(h)]);
            for (int h = 0; h < sq; ++h) b.push_back(W[n.b_off + sz(h)]);
            for (int ch : kin) b.push_back(W[n.b_off + sz(sq) + sz(ch)]);
            put(w, &o.w_off, &o.w_count);
            put(b, &o.b_off, &o.b_count);
            km[sz(n.out[0])] = kin;
            break;
        }
        case op::op_act:
        case op::op_maxpool:
        case op::op_avgpool:
        case op::op_global_avgpool:
        case op::op_softmax:
            km[sz(n.out[0])] = kin;
            break;
        case op::op_add:
            for (int t : n.in)
                if (km[sz(t)] != kin)
                    return fail_model(error, "layer " + n.name + ": the two sides of the add would keep different channels");
            km[sz(n.out[0])] = kin;
            break;
        case op::op_concat: {
            std::vector<int> k;
            int base = 0;
            for (int t : n.in) {
                for (int c : km[sz(t)]) k.push_back(base + c);
                base += m.tensors[sz(t)].c;
            }
            km[sz(n.out[0])] = std::move(k);
            break;
        }
        case op::op_split: {
            int first = 0;
            while (first < cin_new && kin[sz(first)] < n.split_at) ++first;
            for (int i = first; i < cin_new; ++i)
                if (kin[sz(i)] < n.split_at)
                    return fail_model(error, "layer " + n.name + ": kept channels cross the split");
            if (first == 0 || first == cin_new)
                return fail_model(error, "layer " + n.name + ": one half of the split would be empty");
            o.split_at = first;
            km[sz(n.out[0])] = std::vector<int>(kin.begin(), kin.begin() + first);
            std::vector<int> second;
            for (int i = first; i < cin_new; ++i) second.push_back(kin[sz(i)] - n.split_at);
            km[sz(n.out[1])] = std::move(second);
            break;
        }
        case op::op_shuffle: {
            const int g = n.groups;
            if (cin_new % g) return fail_model(error, "layer " + n.name + ": the shuffle's " + std::to_string(g) + " groups do not divide the new width");
            std::vector<int> k(sz(cin_new));
            for (int i = 0; i < cin_new; ++i) k[sz(shuffled(i, cin_new, g))] = shuffled(kin[sz(i)], cin_old, g);
            km[sz(n.out[0])] = std::move(k);
            break;
        }
        }
        for (int t : n.out) r.tensors[sz(t)].c = static_cast<int>(km[sz(t)].size());
    }
    if (km[sz(m.output)] != iota_vec(m.tensors[sz(m.output)].c))
        return fail_model(error, "the plan would change the model's outputs");
    if (auto e = engine::validate(r); !e.empty()) return fail_model(error, "the pruned model is not sound: " + e);
    return r;
}

std::optional<model> zero_removed_channels(const model& m, const channel_plan& plan, std::string* error) {
    std::map<int, const layer_plan*> by_node;
    if (auto e = check_plan(m, plan, &by_node); !e.empty()) return fail_model(error, e);
    model r = m;
    float* W = r.weights.data();
    const auto cons = consumers_of(m);
    for (const auto& lp : plan.layers) {
        const node& p = m.nodes[sz(lp.node)];
        const reach rc = trace(m, cons, lp.node);
        if (!rc.ok) return fail_model(error, "layer " + p.name + " is not prunable");
        const int c = out_channels(m, p);
        std::vector<char> removed(sz(c), 1);
        for (int k : lp.keep) removed[sz(k)] = 0;
        // Producer filters and biases.
        const std::size_t per = p.w_count / sz(c);
        for (int o = 0; o < c; ++o) {
            if (!removed[sz(o)]) continue;
            std::fill_n(W + p.w_off + sz(o) * per, per, 0.0f);
            if (p.b_count) W[p.b_off + sz(o)] = 0.0f;
        }
        // Along the path, channel indices as they are in each tensor.
        std::map<int, std::vector<char>> at;  // tensor -> removed mask
        at[p.out[0]] = removed;
        for (int ni : rc.path) {
            const node& n = m.nodes[sz(ni)];
            const auto& rm = at.at(n.in[0]);
            std::vector<char> out = rm;
            for (int ch = 0; ch < c; ++ch) {
                if (!rm[sz(ch)]) continue;
                if (n.type == op::op_batchnorm) {
                    W[n.w_off + sz(ch)] = 0.0f;           // gamma
                    W[n.w_off + sz(c) + sz(ch)] = 0.0f;   // beta
                } else if (n.type == op::op_conv2d) {
                    const std::size_t kk = sz(n.win.kh * n.win.kw);
                    std::fill_n(W + n.w_off + sz(ch) * kk, kk, 0.0f);
                    if (n.b_count) W[n.b_off + sz(ch)] = 0.0f;
                } else if (n.type == op::op_se) {
                    const int sq = n.se_squeeze;
                    for (int h = 0; h < sq; ++h) W[n.w_off + sz(h) * sz(c) + sz(ch)] = 0.0f;
                    std::fill_n(W + n.w_off + sz(sq) * sz(c) + sz(ch) * sz(sq), sz(sq), 0.0f);
                    W[n.b_off + sz(sq) + sz(ch)] = 0.0f;
                }
            }
            if (n.type == op::op_shuffle)
                for (int ch = 0; ch < c; ++ch) out[sz(shuffled(ch, c, n.groups))] = rm[sz(ch)];
            at[n.out[0]] = std::move(out);
        }
        // Consumers' input weights.
        for (int ni : rc.consumers) {
            const node& n = m.nodes[sz(ni)];
            const auto& rm = at.at(n.in[0]);
            if (n.type == op::op_fc) {
                const engine::shape& s = m.tensors[sz(n.in[0])];
                const int hw = s.h * s.w;
                for (int j = 0; j < n.cout; ++j)
                    for (int q = 0; q < hw; ++q)
                        for (int ch = 0; ch < c; ++ch)
                            if (rm[sz(ch)]) W[n.w_off + sz(j) * sz(hw * c) + sz(q) * sz(c) + sz(ch)] = 0.0f;
            } else {
                const int g = n.groups, cig = c / g, cog = n.cout / g, kk = n.win.kh * n.win.kw;
                for (int j = 0; j < n.cout; ++j)
                    for (int k = 0; k < kk; ++k)
                        for (int ch = (j / cog) * cig; ch < (j / cog + 1) * cig; ++ch)
                            if (rm[sz(ch)]) W[n.w_off + (sz(j) * sz(kk) + sz(k)) * sz(cig) + sz(ch % cig)] = 0.0f;
            }
        }
    }
    return r;
}

nlohmann::json plan_widths_json(const channel_plan& plan) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& l : plan.layers)
        if (static_cast<int>(l.keep.size()) != l.before) j[l.name] = l.keep.size();
    return j;
}

std::optional<model> apply_widths_json(const model& m, const nlohmann::json& widths, std::string* error) {
    if (!widths.is_object()) return fail_model(error, "the description's \"channels\" is not an object of layer widths");
    std::map<std::string, int> w;
    for (const auto& [name, v] : widths.items()) {
        if (!v.is_number_integer() || v.get<long long>() < 1 || v.get<long long>() > 1000000)
            return fail_model(error, "the description's channel width of \"" + name + "\" is not a positive whole number");
        w[name] = v.get<int>();
    }
    std::string why;
    auto plan = plan_widths(m, w, {}, &why);
    if (!plan) return fail_model(error, "the description's channel widths do not fit the architecture: " + why);
    auto r = apply_plan(m, *plan, &why);
    if (!r) return fail_model(error, "the description's channel widths do not fit the architecture: " + why);
    return r;
}

}  // namespace es::prune
