#include "engine/sparsify.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numeric>
#include <vector>

namespace es::engine {

namespace {

// A conv (not depthwise) or fc node's weights as rows [n][k]; false for other nodes.
bool weight_rows(const model& m, const node& n, std::size_t* rows, std::size_t* k) {
    if (n.type == op::op_fc) {
        *rows = static_cast<std::size_t>(n.cout);
        *k = *rows ? n.w_count / *rows : 0;
        return *rows > 0;
    }
    if (n.type != op::op_conv2d) return false;
    const int cin = m.tensors[static_cast<std::size_t>(n.in[0])].c;
    if (n.groups == cin && n.groups == n.cout) return false;  // depthwise: not a GEMM
    *rows = static_cast<std::size_t>(n.cout);
    *k = static_cast<std::size_t>(n.win.kh) * n.win.kw * (cin / n.groups);
    return true;
}

}  // namespace

int sparsify_24(model& m) {
    int pruned = 0;
    for (const node& n : m.nodes) {
        std::size_t rows = 0, k = 0;
        if (!weight_rows(m, n, &rows, &k) || k % 4 != 0) continue;
        float* w = m.weights.data() + n.w_off;
        for (std::size_t g = 0; g < rows * k; g += 4) {
            // Zero the two smallest of w[g..g+3] (the earlier one on ties).
            int order[4] = {0, 1, 2, 3};
            std::stable_sort(order, order + 4, [&](int a, int b) { return std::fabs(w[g + a]) < std::fabs(w[g + b]); });
            w[g + static_cast<std::size_t>(order[0])] = 0.0f;
            w[g + static_cast<std::size_t>(order[1])] = 0.0f;
        }
        ++pruned;
    }
    return pruned;
}

int sparsify_magnitude(model& m, double sparsity) {
    int pruned = 0;
    for (const node& n : m.nodes) {
        std::size_t rows = 0, k = 0;
        if (!weight_rows(m, n, &rows, &k)) continue;
        float* w = m.weights.data() + n.w_off;
        const std::size_t count = rows * k, drop = static_cast<std::size_t>(std::floor(sparsity * count));
        std::vector<std::size_t> idx(count);
        std::iota(idx.begin(), idx.end(), std::size_t{0});
        std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return std::fabs(w[a]) < std::fabs(w[b]); });
        for (std::size_t i = 0; i < drop; ++i) w[idx[i]] = 0.0f;
        ++pruned;
    }
    return pruned;
}

std::string sparsify(model& m, const std::string& pattern) {
    if (pattern == "2:4") {
        sparsify_24(m);
        return {};
    }
    char* end = nullptr;
    const double s = std::strtod(pattern.c_str(), &end);
    if (pattern.empty() || end != pattern.c_str() + pattern.size() || !(s >= 0.0 && s < 1.0))
        return "--sparsify must be 2:4 or a sparsity in [0, 1) such as 0.5, 0.7 or 0.9, got '" + pattern + "'";
    sparsify_magnitude(m, s);
    return {};
}

}  // namespace es::engine
