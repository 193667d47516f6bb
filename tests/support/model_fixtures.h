// Test fixtures shared by the engine and training suites.
#pragma once

#include "engine/model.h"
#include "nas/ofa.h"

#include <random>

namespace es::testing {

// Non-trivial batch-norm parameters and statistics and biases (the builder starts them at
// the identity and zero), so folding and BN gradients are really exercised.
inline void randomise_bn_and_biases(engine::model& m, std::mt19937& g) {
    std::uniform_real_distribution<float> d(-0.5f, 0.5f), pos(0.5f, 1.5f);
    for (const auto& n : m.nodes) {
        float* w = m.weights.data();
        if (n.type == engine::op::op_batchnorm) {
            const std::size_t c = n.w_count / 4;
            for (std::size_t j = 0; j < c; ++j) {
                w[n.w_off + j] = pos(g);
                w[n.w_off + c + j] = d(g);
                w[n.w_off + 2 * c + j] = d(g);
                w[n.w_off + 3 * c + j] = pos(g);
            }
        }
        for (std::size_t j = 0; j < n.b_count; ++j) w[n.b_off + j] = d(g);
    }
}

// A small Once-for-All space (two stages, kernels 3/5, expansions 2/3) that trains in a blink.
inline nas::ofa_space small_ofa_space() {
    nas::ofa_space s;
    s.stem = 8;
    s.stage_out = {8, 16};
    s.stage_stride = {2, 2};
    s.depths = {{1, 2}, {1, 2}};
    s.kernels = {3, 5};
    s.expands = {2, 3};
    s.last = 32;
    return s;
}

}  // namespace es::testing
