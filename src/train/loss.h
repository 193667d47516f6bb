// loss: softmax cross-entropy and the knowledge-distillation loss, each with its gradient
// with respect to the logits (mean over the batch).
//
//   float l = es::train::cross_entropy(logits, labels, n, classes, dlogits, &correct);
//   float d = es::train::distillation_loss(student, teacher, labels, n, classes, T, alpha, dlogits);
#pragma once

#include <cstdint>

namespace es::train {

// L = mean_i -log softmax(z_i)[y_i]. dlogits (may be null) = (softmax(z) - onehot(y)) / n.
// correct (may be null) receives how many argmax predictions equal the label.
float cross_entropy(const float* logits, const std::uint8_t* labels, int n, int classes, float* dlogits,
                    int* correct = nullptr);

// Hinton et al. 2015: with p^T = softmax(z / T),
//   L = alpha * T^2 * KL(p_teacher^T || p_student^T) + (1 - alpha) * CE(student, y),
// the T^2 keeping the soft term's gradient on the scale of the hard one. The gradient with
// respect to the student logits is alpha * T * (p_student^T - p_teacher^T) / n
// + (1 - alpha) * (softmax(student) - onehot(y)) / n.
float distillation_loss(const float* student, const float* teacher, const std::uint8_t* labels, int n, int classes,
                        float temperature, float alpha, float* dlogits);

// softmax(z / T) of one row, in double for the loss terms.
void softmax_row(const float* z, int classes, double temperature, double* out);

}  // namespace es::train
