#include "train/loss.h"

#include <cmath>
#include <vector>

namespace es::train {

void softmax_row(const float* z, int classes, double temperature, double* out) {
    double mx = z[0];
    for (int j = 1; j < classes; ++j) mx = z[j] > mx ? z[j] : mx;
    double sum = 0.0;
    for (int j = 0; j < classes; ++j) {
        out[j] = std::exp((z[j] - mx) / temperature);
        sum += out[j];
    }
    for (int j = 0; j < classes; ++j) out[j] /= sum;
}

float cross_entropy(const float* logits, const std::uint8_t* labels, int n, int classes, float* dlogits, int* correct) {
    std::vector<double> p(static_cast<std::size_t>(classes));
    double total = 0.0;
    int right = 0;
    for (int i = 0; i < n; ++i) {
        const float* z = logits + static_cast<std::size_t>(i) * classes;
        softmax_row(z, classes, 1.0, p.data());
        const int y = labels[i];
        total += -std::log(p[static_cast<std::size_t>(y)] > 1e-300 ? p[static_cast<std::size_t>(y)] : 1e-300);
        int arg = 0;
        for (int j = 1; j < classes; ++j)
            if (z[j] > z[arg]) arg = j;
        right += arg == y;
        if (dlogits)
            for (int j = 0; j < classes; ++j)
                dlogits[static_cast<std::size_t>(i) * classes + j] =
                    static_cast<float>((p[static_cast<std::size_t>(j)] - (j == y ? 1.0 : 0.0)) / n);
    }
    if (correct) *correct = right;
    return static_cast<float>(total / n);
}

float distillation_loss(const float* student, const float* teacher, const std::uint8_t* labels, int n, int classes,
                        float temperature, float alpha, float* dlogits) {
    const double T = temperature;
    std::vector<double> ps(static_cast<std::size_t>(classes)), pt(static_cast<std::size_t>(classes)),
        p1(static_cast<std::size_t>(classes));
    double soft = 0.0, hard = 0.0;
    for (int i = 0; i < n; ++i) {
        const float* s = student + static_cast<std::size_t>(i) * classes;
        const float* t = teacher + static_cast<std::size_t>(i) * classes;
        softmax_row(s, classes, T, ps.data());
        softmax_row(t, classes, T, pt.data());
        softmax_row(s, classes, 1.0, p1.data());
        for (int j = 0; j < classes; ++j) {
            const double a = pt[static_cast<std::size_t>(j)];
            if (a > 0.0) soft += a * (std::log(a) - std::log(ps[static_cast<std::size_t>(j)] > 1e-300 ? ps[static_cast<std::size_t>(j)] : 1e-300));
        }
        const int y = labels[i];
        hard += -std::log(p1[static_cast<std::size_t>(y)] > 1e-300 ? p1[static_cast<std::size_t>(y)] : 1e-300);
        if (dlogits)
            for (int j = 0; j < classes; ++j) {
                const std::size_t k = static_cast<std::size_t>(j);
                dlogits[static_cast<std::size_t>(i) * classes + j] =
                    static_cast<float>((alpha * T * (ps[k] - pt[k]) + (1.0 - alpha) * (p1[k] - (j == y ? 1.0 : 0.0))) / n);
            }
    }
    return static_cast<float>((alpha * T * T * soft + (1.0 - alpha) * hard) / n);
}

}  // namespace es::train
