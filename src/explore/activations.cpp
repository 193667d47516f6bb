// Activation curves and the ReLU manifold experiment (see activations.h).
#include "explore/activations.h"

#include "engine/kernels/nn.h"
#include "engine/rng.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace es::explore {

namespace {

std::optional<kernels::epilogue> epilogue_of(std::string_view name) {
    using kernels::epilogue;
    if (name == "relu") return epilogue::relu;
    if (name == "relu6") return epilogue::relu6;
    if (name == "hswish") return epilogue::hswish;
    if (name == "hsigmoid") return epilogue::hsigmoid;
    if (name == "sigmoid") return epilogue::sigmoid;
    return std::nullopt;
}

}  // namespace

std::optional<std::vector<float>> activation_curve(std::string_view name, const std::vector<float>& xs) {
    std::vector<float> out(xs.size());
    if (name == "swish") {
        kernels::act_f32(xs.size(), xs.data(), out.data(), kernels::epilogue::sigmoid);
        for (std::size_t i = 0; i < xs.size(); ++i) out[i] *= xs[i];
        return out;
    }
    auto e = epilogue_of(name);
    if (!e) return std::nullopt;
    kernels::act_f32(xs.size(), xs.data(), out.data(), *e);
    return out;
}

double max_swish_gap(const std::vector<float>& xs) {
    auto s = activation_curve("swish", xs);
    auto h = activation_curve("hswish", xs);
    double gap = 0.0;
    for (std::size_t i = 0; i < xs.size(); ++i) gap = std::max(gap, std::fabs(static_cast<double>((*s)[i] - (*h)[i])));
    return gap;
}

std::optional<manifold> relu_manifold(int dims, int points, std::uint64_t seed) {
    if (dims < 2 || dims > max_manifold_dims || points < 2 || points > max_manifold_points) return std::nullopt;
    manifold m;
    m.dims = dims;
    engine::rng r{seed};
    const auto n = static_cast<std::size_t>(dims);
    std::vector<double> t(n * 2);  // T: dims x 2
    for (auto& v : t) v = r.normal();
    // pinv(T) = (T^T T)^-1 T^T, with the 2x2 inverse written out.
    double a = 0, b = 0, d = 0;
    for (std::size_t i = 0; i < n; ++i) {
        a += t[2 * i] * t[2 * i];
        b += t[2 * i] * t[2 * i + 1];
        d += t[2 * i + 1] * t[2 * i + 1];
    }
    const double det = a * d - b * b;
    int recoverable = 0;
    std::vector<double> z(n);
    for (int p = 0; p < points; ++p) {
        // An Archimedean spiral over two turns, centred on the origin.
        const double u = 4.0 * std::numbers::pi * p / (points - 1);
        const double x = u * std::cos(u) / (4.0 * std::numbers::pi), y = u * std::sin(u) / (4.0 * std::numbers::pi);
        m.x.push_back(x);
        m.y.push_back(y);
        double tx = 0, ty = 0;          // T^T ReLU(T [x y])
        double aa = 0, ab = 0, ad = 0;  // Gram matrix of the rows that stay positive
        int active = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const double v = std::max(0.0, t[2 * i] * x + t[2 * i + 1] * y);
            tx += t[2 * i] * v;
            ty += t[2 * i + 1] * v;
            if (v > 0.0) {
                ++active;
                aa += t[2 * i] * t[2 * i];
                ab += t[2 * i] * t[2 * i + 1];
                ad += t[2 * i + 1] * t[2 * i + 1];
            }
        }
        m.rx.push_back((d * tx - b * ty) / det);
        m.ry.push_back((a * ty - b * tx) / det);
        if (active >= 2 && aa * ad - ab * ab > 1e-9 * (aa * ad + 1e-30)) ++recoverable;
    }
    m.recoverable = static_cast<double>(recoverable) / points;
    return m;
}

}  // namespace es::explore
