#include "calc/quant.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace es::calc {

namespace {

using detail::fail;
using detail::make_step;
using detail::text;
using i18n::lang;

std::string r(double v) { return format_real(v); }
// A term inside a formula: negative numbers in parentheses, "3 − (−1)".
std::string term(double v) {
    if (!(v < 0)) return r(v);
    std::string out = "(";  // appended: GCC 12 -Wrestrict misfires on "(" + std::string
    out += r(v);
    out += ')';
    return out;
}

constexpr std::int64_t no_clamp_limit = std::int64_t{1} << 53;  // "unclamped" results stay exact in a double

std::int64_t clamp_q(double v, std::int64_t qmin, std::int64_t qmax) {
    // Compare as doubles first: a huge v must not overflow the conversion to int64.
    if (!(v > static_cast<double>(qmin))) return qmin;
    if (v > static_cast<double>(qmax)) return qmax;
    return static_cast<std::int64_t>(v);
}

std::string int_list(const std::vector<std::int64_t>& v) {
    std::vector<double> d(v.begin(), v.end());
    return format_list(d, 17);
}

}  // namespace

std::string_view quant_scheme_name(quant_scheme s) { return s == quant_scheme::symmetric ? "symmetric" : "asymmetric"; }

std::optional<quant_scheme> parse_quant_scheme(std::string_view s) {
    if (s == "asymmetric") return quant_scheme::asymmetric;
    if (s == "symmetric") return quant_scheme::symmetric;
    return std::nullopt;
}

std::int64_t quant_qmin(int bits, bool is_signed) { return is_signed ? -(std::int64_t{1} << (bits - 1)) : 0; }

std::int64_t quant_qmax(int bits, bool is_signed) {
    return is_signed ? (std::int64_t{1} << (bits - 1)) - 1 : (std::int64_t{1} << bits) - 1;
}

double quant_scale(double rmin, double rmax, std::int64_t qmin, std::int64_t qmax) {
    return (rmax - rmin) / static_cast<double>(qmax - qmin);
}

std::int64_t quant_zero_point(double rmin, double scale, std::int64_t qmin, std::int64_t qmax, bool clamp) {
    const double z = std::round(static_cast<double>(qmin) - rmin / scale);
    return clamp ? clamp_q(z, qmin, qmax) : clamp_q(z, -no_clamp_limit, no_clamp_limit);
}

std::int64_t quantize_value(double v, double scale, std::int64_t zero_point, std::int64_t qmin, std::int64_t qmax,
                            bool clamp) {
    const double q = std::round(v / scale + static_cast<double>(zero_point));
    return clamp ? clamp_q(q, qmin, qmax) : clamp_q(q, -no_clamp_limit, no_clamp_limit);
}

double dequantize_value(std::int64_t q, double scale, std::int64_t zero_point) {
    return scale * static_cast<double>(q - zero_point);
}

std::optional<quant_result> quant(const quant_input& in, lang l, calc_error* error) {
    if (in.bits < 2 || in.bits > 16)
        return fail(error, "bits", text(l, "calc.quant.error.bits", {std::to_string(in.bits)}));
    if (!std::isfinite(in.rmin)) return fail(error, "rmin", text(l, "calc.quant.error.finite", {"--rmin"}));
    if (!std::isfinite(in.rmax)) return fail(error, "rmax", text(l, "calc.quant.error.finite", {"--rmax"}));
    if (!(in.rmin < in.rmax)) return fail(error, "rmax", text(l, "calc.quant.error.range", {r(in.rmin), r(in.rmax)}));
    const bool symmetric = in.scheme == quant_scheme::symmetric;
    if (symmetric && !in.is_signed) return fail(error, "scheme", text(l, "calc.quant.error.symmetric_unsigned"));
    if (in.values.size() > 1000)
        return fail(error, "values", text(l, "calc.quant.error.count", {std::to_string(in.values.size())}));
    for (double v : in.values)
        if (!std::isfinite(v)) return fail(error, "values", text(l, "calc.quant.error.finite", {"--values"}));

    quant_result out;
    auto& steps = out.steps;
    const std::string b = std::to_string(in.bits);
    out.qmax = quant_qmax(in.bits, in.is_signed);
    out.qmin = symmetric ? -out.qmax : quant_qmin(in.bits, in.is_signed);
    std::string range = "[";  // "[0, 255]"
    range += format_count(out.qmin) + ", " + format_count(out.qmax) + "]";
    const char* range_key = symmetric ? "quant.range_symmetric" : in.is_signed ? "quant.range_signed" : "quant.range_unsigned";
    steps.push_back(make_step(l, "range", range_key, {b, std::to_string(in.bits - 1)}, range));

    const std::string qmin_s = format_count(out.qmin), qmax_s = format_count(out.qmax);
    if (symmetric) {
        const double m = std::max(std::fabs(in.rmin), std::fabs(in.rmax));
        out.scale = m / static_cast<double>(out.qmax);
        steps.push_back(make_step(l, "scale", "quant.scale_symmetric", {r(in.rmin), r(in.rmax), qmax_s, r(m)},
                                  r(out.scale)));
        out.zero_point = 0;
        steps.push_back(make_step(l, "zero_point", "quant.zero_point_symmetric", {}, "0"));
    } else {
        out.scale = quant_scale(in.rmin, in.rmax, out.qmin, out.qmax);
        steps.push_back(make_step(l, "scale", "quant.scale",
                                  {r(in.rmax), term(in.rmin), qmax_s, term(static_cast<double>(out.qmin)), r(in.rmax - in.rmin),
                                   format_count(out.qmax - out.qmin)},
                                  r(out.scale)));
        out.zero_point_unrounded = static_cast<double>(out.qmin) - in.rmin / out.scale;
        out.zero_point = quant_zero_point(in.rmin, out.scale, out.qmin, out.qmax);
        const double rounded = std::round(out.zero_point_unrounded);
        out.zero_point_clamped = rounded != static_cast<double>(out.zero_point);
        steps.push_back(make_step(
            l, "zero_point", "quant.zero_point", {qmin_s, term(in.rmin), r(out.scale), r(out.zero_point_unrounded)},
            out.zero_point_clamped
                ? text(l, "calc.quant.zero_point.clamped", {r(rounded), format_count(out.zero_point), range})
                : format_count(out.zero_point)));
    }
    if (!std::isfinite(out.scale) || !(out.scale > 0)) return fail(error, "", text(l, "calc.error.not_finite"));

    if (in.values.empty()) return out;
    std::vector<double> pre;  // r/S + Z before rounding and clamping
    for (double v : in.values) {
        pre.push_back(v / out.scale + static_cast<double>(out.zero_point));
        out.q.push_back(quantize_value(v, out.scale, out.zero_point, out.qmin, out.qmax));
        out.dequantized.push_back(dequantize_value(out.q.back(), out.scale, out.zero_point));
        out.error.push_back(out.dequantized.back() - v);
    }
    const std::string z = format_count(out.zero_point), s = r(out.scale);
    steps.push_back(make_step(l, "quantize", "quant.quantize",
                              {format_list(in.values, 6), s, z, format_list(pre, 6), qmin_s, qmax_s}, int_list(out.q)));
    steps.push_back(make_step(l, "dequantize", "quant.dequantize", {s, int_list(out.q), z}, format_list(out.dequantized, 6)));
    steps.push_back(make_step(l, "rounding_error", "quant.rounding_error",
                              {format_list(out.dequantized, 6), format_list(in.values, 6)},
                              text(l, "calc.quant.rounding_error.result", {format_list(out.error, 3), r(out.scale / 2)})));
    return out;
}

}  // namespace es::calc
