#include "prune/masks.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

namespace es::prune {

namespace {

std::size_t rounded(double s, std::size_t n) {
    return std::min(n, static_cast<std::size_t>(std::llround(s * static_cast<double>(n))));
}

// Prunes the k smallest-|w| entries among `idx` (indices into weights); entries already pruned
// in keep come first (they are at the front of the order). Ties: lower index first.
void prune_smallest(const std::vector<float>& w, std::vector<std::size_t>& idx, std::size_t k,
                    std::vector<unsigned char>& keep) {
    if (k == 0) return;
    auto less = [&](std::size_t a, std::size_t b) {
        const bool pa = keep[a] == 0, pb = keep[b] == 0;
        if (pa != pb) return pa;  // already pruned first
        const float ma = std::fabs(w[a]), mb = std::fabs(w[b]);
        if (ma != mb) return ma < mb;
        return a < b;
    };
    if (k < idx.size()) std::nth_element(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(k), idx.end(), less);
    for (std::size_t i = 0; i < k && i < idx.size(); ++i) keep[idx[i]] = 0;
}

}  // namespace

std::string layer::sparse24_reason() const {
    if (sparse24_ok()) return "";
    if (depthwise) return "depthwise: one input channel per group, no reduction over channels to group by 4";
    if (kind == "fc" || kind == "se_fc") return "its " + std::to_string(run) + " inputs are not a multiple of 4";
    return "its " + std::to_string(run) + " input channel" + (run == 1 ? "" : "s") + " per group " +
           (run == 1 ? "is" : "are") + " not a multiple of 4";
}

std::vector<layer> weight_layers(const engine::model& m) {
    std::vector<layer> out;
    bool seen_conv = false;
    int last_fc = -1;
    for (std::size_t i = 0; i < m.nodes.size(); ++i)
        if (m.nodes[i].type == engine::op::op_fc) last_fc = static_cast<int>(i);
    for (std::size_t i = 0; i < m.nodes.size(); ++i) {
        const engine::node& n = m.nodes[i];
        if (n.type == engine::op::op_conv2d && n.cout > 0 && n.w_count > 0) {
            const engine::shape& in = m.tensors[static_cast<std::size_t>(n.in[0])];
            layer l;
            l.name = n.name + ".weight";
            l.node = static_cast<int>(i);
            l.off = n.w_off;
            l.count = n.w_count;
            l.rows = n.cout;
            l.row_len = static_cast<int>(n.w_count / static_cast<std::size_t>(n.cout));
            l.run = in.c / n.groups;
            l.depthwise = engine::is_depthwise(m, n);
            l.first = !seen_conv;
            seen_conv = true;
            if (l.depthwise) l.kind = "depthwise";
            else if (n.groups > 1) l.kind = "group";
            else if (n.win.kh == 1 && n.win.kw == 1) l.kind = "pointwise";
            else l.kind = "conv";
            out.push_back(l);
        } else if (n.type == engine::op::op_fc && n.cout > 0 && n.w_count > 0) {
            layer l;
            l.name = n.name + ".weight";
            l.kind = "fc";
            l.node = static_cast<int>(i);
            l.off = n.w_off;
            l.count = n.w_count;
            l.rows = n.cout;
            l.row_len = static_cast<int>(n.w_count / static_cast<std::size_t>(n.cout));
            l.run = l.row_len;
            l.classifier = static_cast<int>(i) == last_fc;
            out.push_back(l);
        } else if (n.type == engine::op::op_se && n.se_squeeze > 0) {
            const int c = m.tensors[static_cast<std::size_t>(n.in[0])].c, s = n.se_squeeze;
            layer a;
            a.kind = "se_fc";
            a.node = static_cast<int>(i);
            a.name = n.name + ".fc1.weight";
            a.off = n.w_off;
            a.count = static_cast<std::size_t>(s) * static_cast<std::size_t>(c);
            a.rows = s;
            a.row_len = a.run = c;
            layer b = a;
            b.name = n.name + ".fc2.weight";
            b.off = n.w_off + a.count;
            b.rows = c;
            b.row_len = b.run = s;
            out.push_back(a);
            out.push_back(b);
        }
    }
    return out;
}

std::optional<method> parse_method(std::string_view s) {
    if (s == "magnitude" || s == "layerwise") return method::layerwise;
    if (s == "global") return method::global;
    if (s == "sparse24" || s == "2:4") return method::sparse24;
    return std::nullopt;
}

std::string_view method_name(method m) {
    switch (m) {
    case method::layerwise: return "magnitude";
    case method::global: return "global";
    case method::sparse24: return "sparse24";
    }
    return "?";
}

std::string check_sparsity(double s) {
    if (!(s >= 0.0 && s < 1.0)) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%g", s);
        return std::string("sparsity must be in [0, 1), got ") + buf;
    }
    return "";
}

std::size_t weight_mask::pruned() const {
    return static_cast<std::size_t>(std::count(keep.begin(), keep.end(), static_cast<unsigned char>(0)));
}

weight_mask full_mask(const engine::model& m) { return {std::vector<unsigned char>(m.weights.size(), 1)}; }

std::vector<layer> selected_layers(const engine::model& m, const mask_options& o) {
    std::vector<layer> out;
    for (auto& l : weight_layers(m)) {
        if ((o.skip_first && l.first) || (o.skip_classifier && l.classifier) || (o.skip_depthwise && l.depthwise))
            continue;
        out.push_back(std::move(l));
    }
    return out;
}

std::optional<weight_mask> make_mask(const engine::model& m, const mask_options& o, const weight_mask* previous,
                                     std::string* error) {
    auto fail = [&](const std::string& why) -> std::optional<weight_mask> {
        if (error) *error = why;
        return std::nullopt;
    };
    if (o.how != method::sparse24)
        if (auto e = check_sparsity(o.sparsity); !e.empty()) return fail(e);
    if (previous && previous->keep.size() != m.weights.size())
        return fail("the previous mask has " + std::to_string(previous->keep.size()) + " entries, the model " +
                    std::to_string(m.weights.size()) + " weights");
    const auto layers = selected_layers(m, o);
    if (layers.empty()) return fail("the model has no prunable layer");
    weight_mask mask = full_mask(m);
    if (previous)
        for (const auto& l : layers)
            for (std::size_t i = l.off; i < l.off + l.count; ++i) mask.keep[i] = previous->keep[i];
    const auto& w = m.weights;
    switch (o.how) {
    case method::layerwise:
        for (const auto& l : layers) {
            std::vector<std::size_t> idx(l.count);
            std::iota(idx.begin(), idx.end(), l.off);
            prune_smallest(w, idx, rounded(o.sparsity, l.count), mask.keep);
        }
        break;
    case method::global: {
        std::vector<std::size_t> idx;
        for (const auto& l : layers)
            for (std::size_t i = l.off; i < l.off + l.count; ++i) idx.push_back(i);
        prune_smallest(w, idx, rounded(o.sparsity, idx.size()), mask.keep);
        break;
    }
    case method::sparse24:
        if (o.strict24)
            for (const auto& l : layers)
                if (!l.sparse24_ok())
                    return fail("layer " + l.name + " cannot be 2:4: " + l.sparse24_reason() +
                                " (without strict24 such layers are skipped and stay dense)");
        for (const auto& l : layers) {
            if (!l.sparse24_ok()) continue;
            // Groups: 4 consecutive entries of each contiguous run (the layout's innermost axis).
            for (std::size_t g = l.off; g < l.off + l.count; g += 4) {
                std::size_t idx[4] = {g, g + 1, g + 2, g + 3};
                // Two smallest by |w| (ties: lower index) are pruned; previously pruned first.
                std::sort(idx, idx + 4, [&](std::size_t a, std::size_t b) {
                    const bool pa = mask.keep[a] == 0, pb = mask.keep[b] == 0;
                    if (pa != pb) return pa;
                    const float ma = std::fabs(w[a]), mb = std::fabs(w[b]);
                    if (ma != mb) return ma < mb;
                    return a < b;
                });
                mask.keep[idx[0]] = mask.keep[idx[1]] = 0;
            }
        }
        break;
    }
    return mask;
}

std::string apply_mask(engine::model& m, const weight_mask& mask) {
    if (mask.keep.size() != m.weights.size())
        return "the mask has " + std::to_string(mask.keep.size()) + " entries, the model " +
               std::to_string(m.weights.size()) + " weights";
    for (std::size_t i = 0; i < mask.keep.size(); ++i)
        if (!mask.keep[i]) m.weights[i] = 0.0f;
    return "";
}

weight_mask mask_of_zeros(const engine::model& m) {
    weight_mask mask = full_mask(m);
    for (const auto& l : weight_layers(m))
        for (std::size_t i = l.off; i < l.off + l.count; ++i)
            if (m.weights[i] == 0.0f) mask.keep[i] = 0;
    return mask;
}

bool satisfies_24(const engine::model& m, const layer& l) {
    if (!l.sparse24_ok()) return false;
    for (std::size_t g = l.off; g < l.off + l.count; g += 4) {
        int zeros = 0;
        for (std::size_t k = 0; k < 4; ++k) zeros += m.weights[g + k] == 0.0f;
        if (zeros < 2) return false;
    }
    return true;
}

sparsity_report measure(const engine::model& m) {
    sparsity_report r;
    r.all_weights = m.weights.size();
    for (const auto& l : weight_layers(m)) {
        layer_stats s;
        s.name = l.name;
        s.kind = l.kind;
        s.count = l.count;
        for (std::size_t i = l.off; i < l.off + l.count; ++i) s.zeros += m.weights[i] == 0.0f;
        s.sparsity = l.count ? static_cast<double>(s.zeros) / static_cast<double>(l.count) : 0.0;
        s.sparse24_ok = l.sparse24_ok();
        s.is_sparse24 = satisfies_24(m, l);
        r.count += s.count;
        r.zeros += s.zeros;
        r.layers.push_back(std::move(s));
    }
    r.sparsity = r.count ? static_cast<double>(r.zeros) / static_cast<double>(r.count) : 0.0;
    return r;
}

}  // namespace es::prune
