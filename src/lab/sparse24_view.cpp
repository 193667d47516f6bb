#include "lab/sparse24_view.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>

namespace es::lab {

namespace {

int reduction_length(const engine::node& n) {
    if (n.cout <= 0) return 0;
    return static_cast<int>(n.w_count / static_cast<std::size_t>(n.cout));
}

bool has_weights(const engine::node& n) { return n.type == engine::op::op_conv2d || n.type == engine::op::op_fc; }

}  // namespace

std::vector<int> sparse24_layers(const engine::model& m) {
    std::vector<int> out;
    for (std::size_t i = 0; i < m.nodes.size(); ++i) {
        const auto& n = m.nodes[i];
        const int k = reduction_length(n);
        if (has_weights(n) && k >= 4 && k % 4 == 0) out.push_back(static_cast<int>(i));
    }
    return out;
}

std::optional<sparse24_view> make_sparse24_view(const engine::model& m, int node, std::string* error) {
    if (node < 0 || node >= static_cast<int>(m.nodes.size()) || !has_weights(m.nodes[static_cast<std::size_t>(node)])) {
        *error = "2:4 applies to conv and fc weights: node " + std::to_string(node) + " has none";
        return std::nullopt;
    }
    const auto& n = m.nodes[static_cast<std::size_t>(node)];
    const int k = reduction_length(n);
    if (k < 4 || k % 4 != 0) {
        *error = "layer " + n.name + " reduces over " + std::to_string(k) +
                 " weights per output, not a multiple of 4: 2:4 groups would straddle rows";
        return std::nullopt;
    }
    sparse24_view v;
    v.layer = n.name;
    v.rows = n.cout;
    v.cols = k;
    const std::size_t total = static_cast<std::size_t>(v.rows) * static_cast<std::size_t>(v.cols);
    v.weights.assign(m.weights.begin() + static_cast<std::ptrdiff_t>(n.w_off),
                     m.weights.begin() + static_cast<std::ptrdiff_t>(n.w_off + total));
    v.keep.assign(total, 0);
    v.values.reserve(total / 2);
    v.indices.reserve(total / 2);
    double l1 = 0, l2 = 0, k1 = 0, k2 = 0;
    for (std::size_t g = 0; g < total; g += 4) {
        // The two largest magnitudes of the group; on a tie the lower position wins.
        int a = 0, b = 1;
        auto mag = [&](int i) { return std::fabs(v.weights[g + static_cast<std::size_t>(i)]); };
        if (mag(b) > mag(a)) std::swap(a, b);
        for (int i = 2; i < 4; ++i) {
            if (mag(i) > mag(a)) {
                b = a;
                a = i;
            } else if (mag(i) > mag(b)) {
                b = i;
            }
        }
        const int lo = std::min(a, b), hi = std::max(a, b);
        for (int i : {lo, hi}) {
            v.keep[g + static_cast<std::size_t>(i)] = 1;
            v.values.push_back(v.weights[g + static_cast<std::size_t>(i)]);
            v.indices.push_back(static_cast<std::uint8_t>(i));
        }
    }
    std::vector<double> mags(total);
    for (std::size_t i = 0; i < total; ++i) {
        const double w = v.weights[i];
        mags[i] = std::fabs(w);
        l1 += std::fabs(w);
        l2 += w * w;
        if (v.keep[i]) {
            k1 += std::fabs(w);
            k2 += w * w;
        }
    }
    // Unstructured 50%: the largest half of the layer's magnitudes, wherever they are.
    std::sort(mags.begin(), mags.end(), std::greater<>());
    double u1 = 0, u2 = 0;
    for (std::size_t i = 0; i < total / 2; ++i) {
        u1 += mags[i];
        u2 += mags[i] * mags[i];
    }
    v.kept_l1_24 = l1 > 0 ? k1 / l1 : 1.0;
    v.kept_l2_24 = l2 > 0 ? k2 / l2 : 1.0;
    v.kept_l1_unstructured = l1 > 0 ? u1 / l1 : 1.0;
    v.kept_l2_unstructured = l2 > 0 ? u2 / l2 : 1.0;
    return v;
}

}  // namespace es::lab
