// explore/activations: the "why" plots of the MobileNet rows of the study sheet.
//
// Activation curves come from the engine's own activation kernels, so the h-swish drawn is
// the h-swish the MobileNet V3 preset runs. relu_manifold() repeats MobileNet V2's Fig. 1
// argument for the linear bottleneck: a 2-D spiral is embedded into n dimensions by a random
// matrix T, passed through ReLU, and projected back with T's pseudo-inverse. In few
// dimensions ReLU zeroes most coordinates and the spiral collapses; in many it survives.
//
//   auto c = es::explore::activation_curve("hswish", xs);      // x * ReLU6(x + 3) / 6
//   auto m = es::explore::relu_manifold(3, 400, 1);            // m.recoverable ~ 0.5
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace es::explore {

// "relu", "relu6", "hswish", "hsigmoid", "sigmoid" (the engine's kernels) and "swish"
// (x * sigmoid(x), from the sigmoid kernel). nullopt for another name.
std::optional<std::vector<float>> activation_curve(std::string_view name, const std::vector<float>& xs);

// Largest |swish(x) - hswish(x)| over xs (the cost of the piecewise-linear approximation).
double max_swish_gap(const std::vector<float>& xs);

struct manifold {
    int dims = 0;
    std::vector<double> x, y;    // the input spiral
    std::vector<double> rx, ry;  // pinv(T) * ReLU(T * [x, y]): what comes back
    // Fraction of points that ReLU leaves recoverable: at least two coordinates of T*[x, y]
    // stay positive and their rows of T are independent (then [x, y] solves exactly).
    double recoverable = 0.0;
};

inline constexpr int max_manifold_dims = 64;
inline constexpr int max_manifold_points = 5000;

// dims in [2, 64], points in [2, 5000]; T is seeded (reproducible). nullopt when out of range.
std::optional<manifold> relu_manifold(int dims, int points, std::uint64_t seed);

}  // namespace es::explore
