// calc/kd: the softened softmax of knowledge distillation (study sheet §4.1).
//
//   es::calc::kd_input in;  in.logits = {2, 1, 0};  in.temperature = 2;
//   auto r = es::calc::kd(in, es::i18n::lang::en, &err);
//   r->probs;     // q_i = exp(z_i / T) / Σ_j exp(z_j / T)  → 0.506, 0.307, 0.186
//   r->entropy;   // −Σ q_i ln q_i, in nats (r->entropy_bits in bits)
//   r->probs_t1;  // the same logits at T = 1, for comparison
//
// A higher T flattens the distribution: the teacher's small probabilities for the wrong
// classes (its "dark knowledge": which mistakes are plausible) become visible to the
// student. T → ∞ gives the uniform distribution (entropy ln n), T → 0 one-hot.
// The computation subtracts the largest z_i / T before exp (the result is the same and it
// cannot overflow). Bad input (fewer than 2 or more than 1000 logits, a logit that is not a
// finite number, T not > 0) gives nullopt and a calc_error naming "logits" or "temperature".
#pragma once

#include "calc/step.h"
#include "i18n/i18n.h"

#include <optional>
#include <vector>

namespace es::calc {

struct kd_input {
    std::vector<double> logits;
    double temperature = 1.0;
};

struct kd_result {
    std::vector<double> probs, probs_t1;
    double entropy = 0, entropy_bits = 0, entropy_t1 = 0;
    std::vector<step> steps;
};

std::optional<kd_result> kd(const kd_input& in, i18n::lang l, calc_error* error = nullptr);

// "2, 1, 0" → {2, 1, 0}; nullopt when an entry is not a number.
std::optional<std::vector<double>> parse_number_list(std::string_view text);

}  // namespace es::calc
