#include "models/memory.h"

#include "engine/session.h"

namespace es::models {

memory_footprint memory_of(const engine::model& builder_graph) {
    memory_footprint f;
    const engine::model m = engine::optimize(builder_graph);
    double dense_w = 0, sparse_w = 0;  // non-bias weight values, dense or 2:4-eligible
    for (const auto& n : m.nodes) {
        const double w = static_cast<double>(n.w_count), b = static_cast<double>(n.b_count);
        if (n.type == engine::op::op_se) {
            // Two FC layers: w_count = 2 x C x squeeze weights, b_count = squeeze + C biases.
            f.bias_values += b;
            const bool ok = m.tensors[static_cast<std::size_t>(n.in[0])].c % 4 == 0 && n.se_squeeze % 4 == 0;
            (ok ? sparse_w : dense_w) += w;
            continue;
        }
        f.bias_values += b;
        if (w == 0) continue;
        bool eligible = false;
        if ((n.type == engine::op::op_conv2d || n.type == engine::op::op_fc) && n.cout > 0) {
            const auto reduction = n.w_count / static_cast<std::size_t>(n.cout);
            eligible = !engine::is_depthwise(m, n) && reduction % 4 == 0;
        }
        (eligible ? sparse_w : dense_w) += w;
    }
    f.weight_values = dense_w + sparse_w + f.bias_values;
    f.sparse24_eligible = sparse_w;
    f.weights_fp32 = 4 * f.weight_values;
    f.weights_fp16 = 2 * f.weight_values;
    f.weights_int8 = (dense_w + sparse_w) + 4 * f.bias_values;
    // Kept values: half; indices: 2 bits per kept value.
    const double kept = sparse_w / 2, index_bytes = kept * 2 / 8;
    f.sparse24_fp16 = 2 * (dense_w + kept) + index_bytes + 2 * f.bias_values;
    f.sparse24_int8 = (dense_w + kept) + index_bytes + 4 * f.bias_values;
    engine::session s;
    if (auto e = s.prepare(m, 1); !e.empty()) {
        f.error = e;
    } else {
        f.peak_activations_fp32 = static_cast<double>(s.arena_bytes());
        f.peak_activations_fp16 = f.peak_activations_fp32 / 2;
        f.peak_activations_int8 = f.peak_activations_fp32 / 4;
    }
    return f;
}

}  // namespace es::models
