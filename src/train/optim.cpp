#include "train/optim.h"

#include <cmath>

namespace es::train {

void sgd::step(std::vector<float>& w, const std::vector<float>& g, const std::vector<unsigned char>& trainable,
               float lr) {
    if (velocity_.size() != w.size()) velocity_.assign(w.size(), 0.0f);
    for (std::size_t i = 0; i < w.size(); ++i) {
        if (!trainable[i]) continue;
        const float grad = g[i] + o_.weight_decay * w[i];
        velocity_[i] = o_.momentum * velocity_[i] + grad;
        const float dir = o_.nesterov ? grad + o_.momentum * velocity_[i] : velocity_[i];
        w[i] -= lr * dir;
    }
}

void adam::step(std::vector<float>& w, const std::vector<float>& g, const std::vector<unsigned char>& trainable,
                float lr) {
    if (m_.size() != w.size()) {
        m_.assign(w.size(), 0.0f);
        v_.assign(w.size(), 0.0f);
    }
    ++t_;
    const double c1 = 1.0 - std::pow(static_cast<double>(o_.beta1), static_cast<double>(t_));
    const double c2 = 1.0 - std::pow(static_cast<double>(o_.beta2), static_cast<double>(t_));
    for (std::size_t i = 0; i < w.size(); ++i) {
        if (!trainable[i]) continue;
        const float grad = g[i] + o_.weight_decay * w[i];
        m_[i] = o_.beta1 * m_[i] + (1.0f - o_.beta1) * grad;
        v_[i] = o_.beta2 * v_[i] + (1.0f - o_.beta2) * grad * grad;
        const double mhat = m_[i] / c1, vhat = v_[i] / c2;
        w[i] -= static_cast<float>(lr * mhat / (std::sqrt(vhat) + o_.eps));
    }
}

float cosine_lr(float base, long long step, long long total, long long warmup, float min_fraction) {
    if (warmup > 0 && step < warmup) return base * static_cast<float>(step + 1) / static_cast<float>(warmup);
    const long long span = total - warmup;
    if (span <= 0) return base;
    double t = static_cast<double>(step - warmup) / static_cast<double>(span);
    t = t < 0 ? 0 : (t > 1 ? 1 : t);
    const double f = min_fraction + (1.0 - min_fraction) * 0.5 * (1.0 + std::cos(3.14159265358979323846 * t));
    return static_cast<float>(base * f);
}

float step_lr(float base, long long step, long long step_size, float gamma) {
    if (step_size <= 0) return base;
    return static_cast<float>(base * std::pow(static_cast<double>(gamma), static_cast<double>(step / step_size)));
}

}  // namespace es::train
