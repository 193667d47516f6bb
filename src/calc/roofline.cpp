#include "calc/roofline.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

namespace es::calc {

namespace {

using detail::fail;
using detail::make_step;
using detail::text;
using i18n::lang;

std::string r(double v) { return format_real(v); }

// Two numbers to compare in a step: with enough digits that different values never print alike.
std::pair<std::string, std::string> distinct(double a, double b) {
    std::string sa = r(a), sb = r(b);
    for (int digits = 10; a != b && sa == sb && digits <= 17; digits += 7) {
        char ba[64], bb[64];
        std::snprintf(ba, sizeof ba, "%.*g", digits, a);
        std::snprintf(bb, sizeof bb, "%.*g", digits, b);
        sa = ba;
        sb = bb;
    }
    return {sa, sb};
}

}  // namespace

std::string_view roofline_view_name(roofline_view v) { return v == roofline_view::flops ? "flops" : "macs"; }

std::string_view roofline_bound_name(roofline_bound b) { return b == roofline_bound::compute ? "compute" : "memory"; }

std::optional<roofline_result> roofline(const roofline_input& in, lang l, calc_error* error) {
    const std::string peak_field = in.peak_unit == roofline_view::flops ? "peak-gflops" : "peak-gmacs";
    if (!std::isfinite(in.macs) || in.macs < 0)
        return fail(error, "macs", text(l, "calc.error.nonnegative_number", {"--macs", r(in.macs)}));
    const std::pair<std::string, double> positive[] = {
        {"bytes", in.bytes}, {peak_field, in.peak}, {"bandwidth-gbs", in.bandwidth_gbs}};
    for (const auto& [field, v] : positive)
        if (!std::isfinite(v) || v <= 0)
            return fail(error, field, text(l, "calc.error.positive_number", {"--" + field, r(v)}));

    roofline_result out;
    out.peak_gmacs = in.peak_unit == roofline_view::flops ? in.peak / 2 : in.peak;
    out.peak_gflops = in.peak_unit == roofline_view::flops ? in.peak : in.peak * 2;
    // Correctly rounded divisions: two equal ratios of exact inputs give equal doubles, so a
    // layer exactly at the ridge is reported compute-bound as defined.
    out.intensity = in.macs / in.bytes;
    out.ridge = out.peak_gmacs / in.bandwidth_gbs;
    out.attainable_gmacs = std::min(out.peak_gmacs, out.intensity * in.bandwidth_gbs);
    out.bound = out.intensity < out.ridge ? roofline_bound::memory : roofline_bound::compute;
    out.intensity_flops = 2 * out.intensity;
    out.ridge_flops = 2 * out.ridge;
    out.attainable_gflops = 2 * out.attainable_gmacs;

    if (!std::isfinite(out.intensity) || !std::isfinite(out.ridge) || !std::isfinite(out.attainable_gflops) ||
        !std::isfinite(out.peak_gflops))
        return fail(error, "", text(l, "calc.error.not_finite"));

    const bool flops = in.view == roofline_view::flops;
    auto& steps = out.steps;
    const std::string bw = r(in.bandwidth_gbs);
    if (!flops && in.peak_unit == roofline_view::flops)
        steps.push_back(make_step(l, "peak", "roofline.peak_to_gmacs", {r(in.peak)},
                                  text(l, "calc.unit.gmacs", {r(out.peak_gmacs)})));
    if (flops && in.peak_unit == roofline_view::macs)
        steps.push_back(make_step(l, "peak", "roofline.peak_to_gflops", {r(in.peak)},
                                  text(l, "calc.unit.gflops", {r(out.peak_gflops)})));

    const double intensity = flops ? out.intensity_flops : out.intensity;
    const double ridge = flops ? out.ridge_flops : out.ridge;
    const double peak = flops ? out.peak_gflops : out.peak_gmacs;
    const char* per_byte = flops ? "calc.unit.flops_per_byte" : "calc.unit.macs_per_byte";
    const char* throughput = flops ? "calc.unit.gflops" : "calc.unit.gmacs";

    steps.push_back(make_step(l, "intensity", flops ? "roofline.intensity_flops" : "roofline.intensity",
                              {r(in.macs), r(in.bytes)}, text(l, per_byte, {r(intensity)})));
    steps.push_back(make_step(l, "ridge", flops ? "roofline.ridge_flops" : "roofline.ridge", {r(peak), bw},
                              text(l, per_byte, {r(ridge)})));
    steps.push_back(make_step(l, "attainable", flops ? "roofline.attainable_flops" : "roofline.attainable",
                              {r(peak), r(intensity), bw, r(intensity * in.bandwidth_gbs)},
                              text(l, throughput, {r(flops ? out.attainable_gflops : out.attainable_gmacs)})));

    const bool memory = out.bound == roofline_bound::memory;
    const auto [si, sr] = distinct(intensity, ridge);
    step bound;
    bound.id = "bound";
    bound.title = i18n::tr(l, "calc.roofline.bound.title");
    bound.formula = i18n::tr(l, "calc.roofline.bound.formula");
    bound.substituted = text(l, memory ? "calc.roofline.bound.substituted_memory" : "calc.roofline.bound.substituted_compute",
                             {si, sr});
    bound.result = i18n::tr(l, memory ? "calc.roofline.bound.memory" : "calc.roofline.bound.compute");
    steps.push_back(std::move(bound));
    return out;
}

}  // namespace es::calc
