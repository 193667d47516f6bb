#include "calc/step.h"

#include <cmath>
#include <cstdio>

namespace es::calc {

std::optional<std::int64_t> checked_mul(std::int64_t a, std::int64_t b) {
    std::int64_t out = 0;
    if (__builtin_mul_overflow(a, b, &out)) return std::nullopt;
    return out;
}

std::optional<std::int64_t> checked_mul(std::initializer_list<std::int64_t> factors) {
    std::int64_t acc = 1;
    for (std::int64_t f : factors) {
        auto next = checked_mul(acc, f);
        if (!next) return std::nullopt;
        acc = *next;
    }
    return acc;
}

std::optional<std::int64_t> checked_add(std::int64_t a, std::int64_t b) {
    std::int64_t out = 0;
    if (__builtin_add_overflow(a, b, &out)) return std::nullopt;
    return out;
}

std::string format_count(std::int64_t v) {
    // Work on the magnitude as unsigned so INT64_MIN has no overflow.
    const bool negative = v < 0;
    std::uint64_t m = negative ? ~static_cast<std::uint64_t>(v) + 1 : static_cast<std::uint64_t>(v);
    std::string digits = std::to_string(m);
    std::string out;
    out.reserve(digits.size() + digits.size() / 3 + 1);
    for (size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return negative ? "-" + out : out;
}

std::string format_real(double v, int significant) {
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    if (std::fabs(v) < 1e15 && (v == std::floor(v) || std::fabs(v) >= 1e6))
        return format_count(static_cast<std::int64_t>(std::llround(v)));
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*g", significant, v);
    return buf;
}

std::string format_percent(double ratio) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2f", ratio * 100.0);
    return buf;
}

std::string format_list(const std::vector<double>& v, int significant) {
    std::string s;
    const std::size_t shown = v.size() < 12 ? v.size() : 12;
    for (std::size_t i = 0; i < shown; ++i) {
        if (i) s += ", ";
        s += format_real(v[i], significant);
    }
    if (v.size() > shown) s += ", …";
    return "[" + s + "]";
}

namespace detail {

std::nullopt_t fail(calc_error* error, std::string field, std::string message) {
    if (error) *error = {std::move(field), std::move(message)};
    return std::nullopt;
}

std::string text(i18n::lang l, std::string_view key, std::initializer_list<std::string_view> args) {
    return i18n::format(i18n::tr(l, key), args);
}

step make_step(i18n::lang l, std::string_view id, std::string_view key,
               std::initializer_list<std::string_view> args, std::string result) {
    const std::string k = "calc." + std::string(key);
    step s;
    s.id = std::string(id);
    s.title = i18n::tr(l, k + ".title");
    s.formula = i18n::tr(l, k + ".formula");
    s.substituted = i18n::format(i18n::tr(l, k + ".substituted"), args);
    s.result = std::move(result);
    return s;
}

}  // namespace detail

}  // namespace es::calc
