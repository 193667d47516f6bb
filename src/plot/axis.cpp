#include "plot/axis.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace es::plot {

double scale::to_px(double v) const {
    double t;
    if (log) {
        const double a = std::log10(d0), b = std::log10(d1);
        t = b != a ? (std::log10(std::max(v, 1e-300)) - a) / (b - a) : 0.5;
    } else {
        t = d1 != d0 ? (v - d0) / (d1 - d0) : 0.5;
    }
    return p0 + t * (p1 - p0);
}

double scale::from_px(double px) const {
    const double t = p1 != p0 ? (px - p0) / (p1 - p0) : 0.0;
    if (log) {
        const double a = std::log10(d0), b = std::log10(d1);
        return std::pow(10.0, a + t * (b - a));
    }
    return d0 + t * (d1 - d0);
}

bool scale::contains(double v) const {
    if (!std::isfinite(v) || (log && v <= 0.0)) return false;
    const double lo = std::min(d0, d1), hi = std::max(d0, d1);
    const double eps = (hi - lo) * 1e-9;
    return v >= lo - eps && v <= hi + eps;
}

std::string format_tick(double v) {
    if (v == 0.0) return "0";
    const double a = std::fabs(v);
    char buf[32];
    static const struct {
        double f;
        const char* s;
    } si[] = {{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}};
    for (const auto& u : si)
        if (a >= u.f) {
            std::snprintf(buf, sizeof buf, "%.3g%s", v / u.f, u.s);
            return buf;
        }
    if (a >= 1e-3) std::snprintf(buf, sizeof buf, "%.3g", v);
    else std::snprintf(buf, sizeof buf, "%.0e", v);
    return buf;
}

std::vector<tick> ticks(double lo, double hi, bool log, int target) {
    std::vector<tick> out;
    if (!(std::isfinite(lo) && std::isfinite(hi))) return out;
    if (lo > hi) std::swap(lo, hi);
    target = std::max(target, 2);
    if (log) {
        if (hi <= 0.0) return out;
        lo = lo > 0.0 ? lo : hi / 10.0;
        const int e0 = static_cast<int>(std::floor(std::log10(lo) + 1e-9));
        const int e1 = static_cast<int>(std::ceil(std::log10(hi) - 1e-9));
        const int decades = std::max(1, e1 - e0);
        int every = 1;
        for (int s : {1, 2, 5, 10, 20, 50})
            if (decades / s + 1 <= target + 2) {
                every = s;
                break;
            }
        const bool minors = decades <= 4;
        for (int e = e0; e <= e1; ++e) {
            const double p = std::pow(10.0, e);
            if (p >= lo * (1 - 1e-9) && p <= hi * (1 + 1e-9)) {
                const bool labelled = ((e % every) + every) % every == 0;
                out.push_back({p, labelled ? format_tick(p) : std::string(), true});
            }
            if (minors)
                for (double m : {2.0, 5.0}) {
                    const double v = m * p;
                    if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9))
                        out.push_back({v, decades <= 1 ? format_tick(v) : std::string(), false});
                }
        }
        std::sort(out.begin(), out.end(), [](const tick& a, const tick& b) { return a.value < b.value; });
        return out;
    }
    const double span = hi - lo;
    if (span <= 0.0) return {{lo, format_tick(lo), true}};
    const double raw = span / target;
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    double step = mag;
    for (double m : {1.0, 2.0, 5.0, 10.0})
        if (m * mag >= raw * (1 - 1e-9)) {
            step = m * mag;
            break;
        }
    const double first = std::ceil(lo / step - 1e-9) * step;
    for (double v = first; v <= hi + step * 1e-9; v += step) {
        const double clean = std::fabs(v) < step * 1e-9 ? 0.0 : v;
        out.push_back({clean, format_tick(clean), true});
    }
    return out;
}

void fit_range(const std::vector<double>& values, bool log, double pad, double* lo, double* hi) {
    double a = INFINITY, b = -INFINITY;
    for (double v : values) {
        if (!std::isfinite(v) || (log && v <= 0.0)) continue;
        a = std::min(a, v);
        b = std::max(b, v);
    }
    if (!(a <= b)) {
        *lo = log ? 1.0 : 0.0;
        *hi = log ? 10.0 : 1.0;
        return;
    }
    if (log) {
        double la = std::log10(a), lb = std::log10(b);
        if (lb - la < 1e-9) {
            la -= 0.5;
            lb += 0.5;
        }
        *lo = std::pow(10.0, la - pad);
        *hi = std::pow(10.0, lb + pad);
        return;
    }
    if (b - a < 1e-12 * std::max(1.0, std::fabs(a))) {
        a -= 0.5 * std::max(1.0, std::fabs(a));
        b += 0.5 * std::max(1.0, std::fabs(b));
    }
    const double s = b - a;
    *lo = a - pad * s;
    *hi = b + pad * s;
}

}  // namespace es::plot
