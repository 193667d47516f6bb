#include "calc/sparsity.h"

#include <string>

namespace es::calc {

std::optional<sparse24_result> sparse24(const sparse24_input& in, i18n::lang l, calc_error* error) {
    using detail::make_step;
    using detail::text;
    auto fail = [&](const char* field, std::string message) { return detail::fail(error, field, std::move(message)); };
    if (in.weights < 4 || in.weights % 4 != 0)
        return fail("weights", text(l, "calc.sparse24.error.weights", {format_count(in.weights)}));
    if (in.value_bits < 1 || in.value_bits > 64)
        return fail("value-bits", text(l, "calc.sparse24.error.value_bits", {std::to_string(in.value_bits)}));
    if (in.index_bits < 0 || in.index_bits > 8)
        return fail("index-bits", text(l, "calc.sparse24.error.index_bits", {std::to_string(in.index_bits)}));

    sparse24_result r;
    r.kept = in.weights / 2;
    auto dense = checked_mul(in.weights, in.value_bits);
    auto values = checked_mul(r.kept, in.value_bits);
    auto index = checked_mul(r.kept, in.index_bits);
    auto sparse = values && index ? checked_add(*values, *index) : std::nullopt;
    if (!dense || !values || !index || !sparse) return fail("weights", text(l, "calc.error.overflow"));
    r.dense_bits = *dense;
    r.value_bits_total = *values;
    r.index_bits_total = *index;
    r.sparse_bits = *sparse;
    r.dense_bytes = static_cast<double>(r.dense_bits) / 8;
    r.sparse_bytes = static_cast<double>(r.sparse_bits) / 8;
    r.ratio = static_cast<double>(r.sparse_bits) / static_cast<double>(r.dense_bits);
    r.saved = 1 - r.ratio;
    r.values_only_ratio = static_cast<double>(r.value_bits_total) / static_cast<double>(r.dense_bits);

    const std::string n = format_count(in.weights), b = std::to_string(in.value_bits),
                      i = std::to_string(in.index_bits), kept = format_count(r.kept);
    auto bits = [&](std::int64_t v) {
        return text(l, "calc.sparse24.bits", {format_count(v), format_real(static_cast<double>(v) / 8)});
    };
    r.steps.push_back(make_step(l, "dense", "sparse24.dense", {n, b}, bits(r.dense_bits)));
    r.steps.push_back(make_step(l, "kept", "sparse24.kept", {n}, kept));
    r.steps.push_back(make_step(l, "values", "sparse24.values", {kept, b}, bits(r.value_bits_total)));
    r.steps.push_back(make_step(l, "index", "sparse24.index", {kept, i}, bits(r.index_bits_total)));
    r.steps.push_back(make_step(l, "sparse", "sparse24.sparse",
                                {format_count(r.value_bits_total), format_count(r.index_bits_total)},
                                bits(r.sparse_bits)));
    r.steps.push_back(make_step(l, "ratio", "sparse24.ratio",
                                {format_count(r.sparse_bits), format_count(r.dense_bits), b, i},
                                text(l, "calc.sparse24.ratio.result", {format_percent(r.ratio), format_percent(r.saved)})));
    return r;
}

}  // namespace es::calc
