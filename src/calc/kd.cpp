#include "calc/kd.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

namespace es::calc {

namespace {

std::vector<double> softmax_t(const std::vector<double>& z, double t) {
    double m = -INFINITY;
    for (double v : z) m = std::max(m, v / t);
    std::vector<double> e(z.size());
    double sum = 0;
    for (std::size_t i = 0; i < z.size(); ++i) sum += (e[i] = std::exp(z[i] / t - m));
    for (double& v : e) v /= sum;
    return e;
}

double entropy_nats(const std::vector<double>& p) {
    double h = 0;
    for (double v : p)
        if (v > 0) h -= v * std::log(v);
    return h;
}

}  // namespace

std::optional<std::vector<double>> parse_number_list(std::string_view text) {
    std::vector<double> out;
    std::string cur;
    auto flush = [&]() -> bool {
        std::size_t a = cur.find_first_not_of(" \t"), b = cur.find_last_not_of(" \t");
        if (a == std::string::npos) return false;
        const std::string t = cur.substr(a, b - a + 1);
        char* end = nullptr;
        const double v = std::strtod(t.c_str(), &end);
        if (end != t.c_str() + t.size()) return false;
        out.push_back(v);
        cur.clear();
        return true;
    };
    for (char c : text) {
        if (c == ',') {
            if (!flush()) return std::nullopt;
        } else {
            cur += c;
        }
    }
    if (!flush()) return std::nullopt;
    return out;
}

std::optional<kd_result> kd(const kd_input& in, i18n::lang l, calc_error* error) {
    auto fail = [&](const char* field, std::string msg) -> std::optional<kd_result> {
        if (error) *error = {field, std::move(msg)};
        return std::nullopt;
    };
    const std::size_t n = in.logits.size();
    if (n < 2 || n > 1000) return fail("logits", detail::text(l, "calc.kd.error.count", {std::to_string(n)}));
    for (double v : in.logits)
        if (!std::isfinite(v)) return fail("logits", detail::text(l, "calc.kd.error.finite"));
    if (!std::isfinite(in.temperature) || !(in.temperature > 0))
        return fail("temperature", detail::text(l, "calc.kd.error.temperature", {format_real(in.temperature)}));

    kd_result r;
    const double t = in.temperature;
    std::vector<double> scaled(n), ex(n);
    double m = -INFINITY;
    for (std::size_t i = 0; i < n; ++i) m = std::max(m, scaled[i] = in.logits[i] / t);
    double sum = 0;
    for (std::size_t i = 0; i < n; ++i) sum += (ex[i] = std::exp(scaled[i] - m));
    r.probs = softmax_t(in.logits, t);
    r.probs_t1 = softmax_t(in.logits, 1.0);
    r.entropy = entropy_nats(r.probs);
    r.entropy_bits = r.entropy / std::log(2.0);
    r.entropy_t1 = entropy_nats(r.probs_t1);

    const std::string ts = format_real(t);
    r.steps.push_back(detail::make_step(l, "scaled", "kd.scaled", {format_list(in.logits), ts}, format_list(scaled)));
    r.steps.push_back(detail::make_step(l, "exp", "kd.exp", {format_list(scaled), format_real(m)}, format_list(ex)));
    r.steps.push_back(detail::make_step(l, "sum", "kd.sum", {format_list(ex)}, format_real(sum)));
    r.steps.push_back(detail::make_step(l, "probs", "kd.probs", {format_list(ex), format_real(sum)}, format_list(r.probs)));
    r.steps.push_back(detail::make_step(l, "entropy", "kd.entropy", {format_list(r.probs)},
                                        detail::text(l, "calc.kd.entropy.result",
                                                     {format_real(r.entropy, 4), format_real(r.entropy_bits, 4),
                                                      format_real(std::log(static_cast<double>(n)), 4)})));
    r.steps.push_back(detail::make_step(l, "compare", "kd.compare", {format_list(in.logits)},
                                        detail::text(l, "calc.kd.compare.result",
                                                     {format_list(r.probs_t1), format_real(r.entropy_t1, 4), ts,
                                                      format_list(r.probs), format_real(r.entropy, 4)})));
    return r;
}

}  // namespace es::calc
