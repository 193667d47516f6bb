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

// One value as a plain number, several as a list "[a, b, c]".
std::string reals(const std::vector<double>& v, int significant = 6) {
    return v.size() == 1 ? format_real(v[0], significant) : format_list(v, significant);
}

std::string ints(const std::vector<std::int64_t>& v) {
    if (v.size() == 1) return format_count(v[0]);
    std::vector<double> d(v.begin(), v.end());
    return format_list(d, 17);
}

std::string type_name(int bits, bool is_signed) { return (is_signed ? "int" : "uint") + std::to_string(bits); }

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
    // Checked in the order a person reads the fields; the first problem is reported.
    if (in.bits < quant_min_bits || in.bits > quant_max_bits)
        return fail(error, "bits", text(l, "calc.quant.error.bits", {std::to_string(in.bits)}));
    if (!std::isfinite(in.rmin)) return fail(error, "rmin", text(l, "calc.quant.error.finite", {"--rmin"}));
    if (!std::isfinite(in.rmax)) return fail(error, "rmax", text(l, "calc.quant.error.finite", {"--rmax"}));
    if (in.rmin > in.rmax) return fail(error, "rmin", text(l, "calc.quant.error.reversed", {r(in.rmin), r(in.rmax)}));
    if (in.rmin == in.rmax) return fail(error, "rmax", text(l, "calc.quant.error.empty", {r(in.rmin)}));
    const bool symmetric = in.scheme == quant_scheme::symmetric;
    if (symmetric && !in.is_signed) return fail(error, "signed", text(l, "calc.quant.error.symmetric_unsigned"));
    if (in.restricted && !symmetric) return fail(error, "restricted", text(l, "calc.quant.error.restricted_asymmetric"));
    if (in.values.size() > 1000)
        return fail(error, "value", text(l, "calc.quant.error.count", {std::to_string(in.values.size())}));
    for (double v : in.values)
        if (!std::isfinite(v)) return fail(error, "value", text(l, "calc.quant.error.finite", {"--value"}));

    quant_result out;
    auto& steps = out.steps;
    const std::string b = std::to_string(in.bits), b1 = std::to_string(in.bits - 1);
    const std::string type = type_name(in.bits, in.is_signed);
    out.qmax = quant_qmax(in.bits, in.is_signed);
    out.qmin = symmetric && in.restricted ? -out.qmax : quant_qmin(in.bits, in.is_signed);
    const std::string qmin_s = format_count(out.qmin), qmax_s = format_count(out.qmax);
    std::string range = "[";  // "[0, 255]"
    range += qmin_s + ", " + qmax_s + "]";

    // 1. The convention, named.
    if (!symmetric) {
        steps.push_back(make_step(l, "scheme", "quant.scheme_asymmetric", {type, r(in.rmin), r(in.rmax)},
                                  text(l, "calc.quant.scheme_asymmetric.result", {type})));
    } else {
        out.max_abs = std::max(std::fabs(in.rmin), std::fabs(in.rmax));
        const char* key = in.restricted ? "quant.scheme_symmetric_restricted" : "quant.scheme_symmetric_full";
        steps.push_back(make_step(l, "scheme", key, {type, r(in.rmin), r(in.rmax), r(out.max_abs)},
                                  text(l, in.restricted ? "calc.quant.scheme_symmetric_restricted.result"
                                                        : "calc.quant.scheme_symmetric_full.result",
                                       {type})));
    }

    // 2. The integer range.
    const char* range_key = symmetric ? (in.restricted ? "quant.range_symmetric" : "quant.range_symmetric_full")
                            : in.is_signed ? "quant.range_signed"
                                           : "quant.range_unsigned";
    steps.push_back(make_step(l, "range", range_key, {b, b1}, range));

    // 3. The scale, 4. the zero point.
    if (symmetric) {
        if (in.restricted) {
            out.scale = out.max_abs / static_cast<double>(out.qmax);
            steps.push_back(make_step(l, "scale", "quant.scale_symmetric", {r(in.rmin), r(in.rmax), qmax_s, r(out.max_abs)},
                                      r(out.scale)));
        } else {
            const double half = static_cast<double>(out.qmax - out.qmin) / 2;  // 127.5 for int8
            out.scale = out.max_abs / half;
            // Where ±a land: +a on half (127.5), rounded up past q_max and clamped; −a on −half.
            const std::int64_t up = quantize_value(out.max_abs, out.scale, 0, out.qmin, out.qmax, false);
            const std::int64_t down = quantize_value(-out.max_abs, out.scale, 0, out.qmin, out.qmax);
            steps.push_back(make_step(l, "scale", "quant.scale_symmetric_full",
                                      {r(in.rmin), r(in.rmax), qmax_s, term(static_cast<double>(out.qmin)),
                                       r(out.max_abs), r(half)},
                                      text(l, "calc.quant.scale_symmetric_full.result",
                                           {r(out.scale), r(half), format_count(up), qmax_s, format_count(down)})));
        }
        out.zero_point = 0;
        steps.push_back(make_step(l, "zero_point", "quant.zero_point_symmetric", {}, "0"));
    } else {
        out.scale = quant_scale(in.rmin, in.rmax, out.qmin, out.qmax);
        steps.push_back(make_step(l, "scale", "quant.scale",
                                  {r(in.rmax), term(in.rmin), qmax_s, term(static_cast<double>(out.qmin)),
                                   r(in.rmax - in.rmin), format_count(out.qmax - out.qmin)},
                                  r(out.scale)));
    }
    // A range too narrow (S underflows to 0) or too wide (r_max − r_min overflows).
    if (!std::isfinite(out.scale) || !(out.scale > 0))
        return fail(error, "rmax", text(l, "calc.quant.error.scale", {r(in.rmin), r(in.rmax)}));
    if (!symmetric) {
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

    if (in.values.empty()) return out;

    // 5. Quantize, 6. dequantize, 7. the error.
    std::string clamp_notes;  // one sentence per clamped value (the first three)
    int clamped = 0;
    for (double v : in.values) {
        out.q_real.push_back(v / out.scale + static_cast<double>(out.zero_point));
        out.q_unclamped.push_back(quantize_value(v, out.scale, out.zero_point, out.qmin, out.qmax, false));
        out.q.push_back(quantize_value(v, out.scale, out.zero_point, out.qmin, out.qmax));
        out.dequantized.push_back(dequantize_value(out.q.back(), out.scale, out.zero_point));
        // Finite: the grid S·([q_min, q_max] − Z) always contains 0 (Z is clamped into the range),
        // so a clamped r' lies between 0 and v.
        out.error.push_back(out.dequantized.back() - v);
        if (out.q_unclamped.back() != out.q.back() && ++clamped <= 3) {
            if (!clamp_notes.empty()) clamp_notes += "; ";
            clamp_notes += text(l, out.q_unclamped.back() > out.qmax ? "calc.quant.quantize.clamped_high"
                                                                     : "calc.quant.quantize.clamped_low",
                                {r(out.q_real.back()), format_count(out.q_unclamped.back()), qmin_s, qmax_s,
                                 format_count(out.q.back())});
        }
    }
    const std::string z = format_count(out.zero_point), s = r(out.scale);
    const std::string q_s = ints(out.q);
    const std::string q_result =
        clamp_notes.empty() ? q_s : text(l, "calc.quant.quantize.result_clamped", {q_s, clamp_notes});
    if (symmetric) {
        steps.push_back(make_step(l, "quantize", "quant.quantize_symmetric",
                                  {reals(in.values), s, reals(out.q_real), qmin_s, qmax_s}, q_result));
        steps.push_back(make_step(l, "dequantize", "quant.dequantize_symmetric", {s, q_s}, reals(out.dequantized)));
    } else {
        steps.push_back(make_step(l, "quantize", "quant.quantize",
                                  {reals(in.values), s, z, reals(out.q_real), qmin_s, qmax_s}, q_result));
        steps.push_back(make_step(l, "dequantize", "quant.dequantize", {s, q_s, z}, reals(out.dequantized)));
    }
    steps.push_back(make_step(l, "rounding_error", "quant.rounding_error", {reals(out.dequantized), reals(in.values)},
                              text(l, "calc.quant.rounding_error.result", {reals(out.error, 3), r(out.scale / 2)})));
    return out;
}

}  // namespace es::calc
