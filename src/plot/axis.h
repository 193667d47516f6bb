// axis: the arithmetic of a plot's axes, without drawing (src/ui/plot.h draws with it):
// data <-> pixel mapping on linear or log10 scales, "nice" tick positions, short tick labels.
//
//   es::plot::scale x{1e-2, 1e3, 60.0, 560.0, true};    // log x from 0.01 to 1000 over 500 px
//   float px = x.to_px(3.0);
//   for (const auto& t : es::plot::ticks(x.d0, x.d1, x.log)) draw(x.to_px(t.value), t.label, t.major);
#pragma once

#include <string>
#include <vector>

namespace es::plot {

struct scale {
    double d0 = 0.0, d1 = 1.0;  // data range (log: both > 0)
    double p0 = 0.0, p1 = 1.0;  // pixel range (p1 < p0 for a y axis growing upwards)
    bool log = false;
    double to_px(double v) const;
    double from_px(double px) const;
    // Whether v lies inside the data range (log scales: v > 0 too).
    bool contains(double v) const;
};

struct tick {
    double value = 0.0;
    std::string label;  // empty for minor ticks
    bool major = true;
};

// Ticks covering [lo, hi]. Linear: steps of 1, 2 or 5 x 10^k, about `target` of them. Log:
// every decade (major, labelled) plus 2x and 5x minors when few decades are shown; with
// many decades only every 2nd/5th/10th decade is labelled.
std::vector<tick> ticks(double lo, double hi, bool log, int target = 6);

// Short label: 0.001, 0.5, 12, 1.5k, 20M, 3G, 1e-05 (at most 4 significant characters of
// mantissa). Exact zero is "0".
std::string format_tick(double v);

// A range that contains every value (log: every positive value), widened by `pad` of its
// span on each side (log: in decades) and never empty. For an empty or all-invalid input:
// [0, 1] (log: [1, 10]).
void fit_range(const std::vector<double>& values, bool log, double pad, double* lo, double* hi);

}  // namespace es::plot
