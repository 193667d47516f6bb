// optim: SGD with momentum and weight decay, Adam, and learning-rate schedules, over a
// model's flat weight vector. Only floats marked trainable are updated (batch-norm running
// statistics are not parameters).
//
//   es::train::sgd opt({.momentum = 0.9f, .weight_decay = 5e-4f});
//   opt.step(weights, grads, trainable, es::train::cosine_lr(0.1f, step, total_steps));
#pragma once

#include <cstddef>
#include <vector>

namespace es::train {

struct sgd_options {
    float momentum = 0.9f;
    float weight_decay = 0.0f;  // coupled L2, as PyTorch: g += wd * w
    bool nesterov = false;
};

class sgd {
public:
    explicit sgd(sgd_options o = {}) : o_(o) {}
    void step(std::vector<float>& w, const std::vector<float>& g, const std::vector<unsigned char>& trainable, float lr);

private:
    sgd_options o_;
    std::vector<float> velocity_;
};

struct adam_options {
    float beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;
    float weight_decay = 0.0f;  // coupled L2 (Adam, not AdamW)
};

class adam {
public:
    explicit adam(adam_options o = {}) : o_(o) {}
    void step(std::vector<float>& w, const std::vector<float>& g, const std::vector<unsigned char>& trainable, float lr);

private:
    adam_options o_;
    std::vector<float> m_, v_;
    long long t_ = 0;
};

// lr * (min + (1 - min) * (1 + cos(pi * step / total)) / 2), after `warmup` linear steps.
float cosine_lr(float base, long long step, long long total, long long warmup = 0, float min_fraction = 0.0f);
// lr * gamma^(step / step_size)
float step_lr(float base, long long step, long long step_size, float gamma);

}  // namespace es::train
