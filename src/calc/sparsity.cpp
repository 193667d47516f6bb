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

std::optional<int> dtype_bits(const std::string& dtype) {
    if (dtype == "fp32") return 32;
    if (dtype == "fp16") return 16;
    if (dtype == "int8") return 8;
    return std::nullopt;
}

std::optional<sparse24_matrix_result> sparse24_matrix(const sparse24_matrix_input& in, i18n::lang l,
                                                      calc_error* error) {
    using detail::make_step;
    using detail::text;
    auto fail = [&](const char* field, std::string message) { return detail::fail(error, field, std::move(message)); };
    if (in.rows < 1) return fail("rows", text(l, "calc.sparse24m.error.rows", {format_count(in.rows)}));
    if (in.cols < 1 || in.cols % 4 != 0)
        return fail("cols", text(l, "calc.sparse24m.error.cols", {format_count(in.cols)}));
    if (in.value_bits < 1 || in.value_bits > 64)
        return fail("dtype", text(l, "calc.sparse24.error.value_bits", {std::to_string(in.value_bits)}));

    sparse24_matrix_result r;
    r.value_bits = in.value_bits;
    r.csr_col_bits = in.cols <= 65536 ? 16 : 32;
    r.csr_ptr_bits = 32;
    const auto weights = checked_mul(in.rows, in.cols);
    const auto dense = weights ? checked_mul(*weights, in.value_bits) : std::nullopt;
    const auto ptrs = checked_add(in.rows, 1);
    const auto ptr_bits = ptrs ? checked_mul(*ptrs, r.csr_ptr_bits) : std::nullopt;
    if (!weights || !dense || !ptr_bits) return fail("rows", text(l, "calc.error.overflow"));
    const std::int64_t dense_bits = dense.value_or(0), ptr_total = ptr_bits.value_or(0);
    r.weights = *weights;
    r.kept = r.weights / 2;
    // values and indices are at most dense; the CSR column indices may exceed it (j > b): checked.
    const std::int64_t values = r.kept * in.value_bits, index = r.kept * 2, mask = r.weights;
    const auto col_bits = checked_mul(r.kept, r.csr_col_bits);
    const auto csr_bits = col_bits ? checked_add(*col_bits, values) : std::nullopt;
    const auto csr_total = csr_bits ? checked_add(*csr_bits, ptr_total) : std::nullopt;
    if (!csr_total || !checked_add(values, mask)) return fail("rows", text(l, "calc.error.overflow"));
    const std::int64_t col = col_bits.value_or(0);
    auto bytes = [](std::int64_t bits) { return static_cast<double>(bits) / 8; };
    r.dense_bytes = bytes(dense_bits);
    r.values_bytes = bytes(values);
    r.index_bytes = bytes(index);
    r.compressed_bytes = bytes(values + index);
    r.ratio = static_cast<double>(values + index) / static_cast<double>(dense_bits);
    r.saved = 1 - r.ratio;
    r.csr_values_bytes = bytes(values);
    r.csr_col_bytes = bytes(col);
    r.csr_ptr_bytes = bytes(ptr_total);
    r.csr_bytes = bytes(values + col + ptr_total);
    r.csr_ratio = static_cast<double>(values + col + ptr_total) / static_cast<double>(dense_bits);
    r.bitmask_values_bytes = bytes(values);
    r.bitmask_mask_bytes = bytes(mask);
    r.bitmask_bytes = bytes(values + mask);
    r.bitmask_ratio = static_cast<double>(values + mask) / static_cast<double>(dense_bits);

    const std::string R = format_count(in.rows), C = format_count(in.cols), b = std::to_string(in.value_bits),
                      kept = format_count(r.kept), j = std::to_string(r.csr_col_bits);
    auto by = [&](double v) { return text(l, "calc.sparse24m.bytes", {format_real(v)}); };
    auto share = [&](double v, double ratio) {
        return text(l, "calc.sparse24m.share", {format_real(v), format_percent(ratio)});
    };
    r.steps.push_back(make_step(l, "dense", "sparse24m.dense", {R, C, b}, by(r.dense_bytes)));
    r.steps.push_back(make_step(l, "kept", "sparse24m.kept", {R, C}, kept));
    r.steps.push_back(make_step(l, "values", "sparse24m.values", {kept, b}, by(r.values_bytes)));
    r.steps.push_back(make_step(l, "index", "sparse24m.index", {kept}, by(r.index_bytes)));
    r.steps.push_back(make_step(l, "compressed", "sparse24m.compressed",
                                {format_real(r.values_bytes), format_real(r.index_bytes)}, by(r.compressed_bytes)));
    r.steps.push_back(make_step(l, "ratio", "sparse24m.ratio",
                                {format_real(r.compressed_bytes), format_real(r.dense_bytes), b},
                                text(l, "calc.sparse24.ratio.result", {format_percent(r.ratio), format_percent(r.saved)})));
    r.steps.push_back(make_step(l, "csr", "sparse24m.csr", {kept, b, j, R}, share(r.csr_bytes, r.csr_ratio)));
    r.steps.push_back(make_step(l, "bitmask", "sparse24m.bitmask", {kept, b, R, C},
                                share(r.bitmask_bytes, r.bitmask_ratio)));
    r.steps.push_back(make_step(l, "compare", "sparse24m.compare",
                                {format_percent(r.ratio), format_percent(r.csr_ratio), format_percent(r.bitmask_ratio)},
                                text(l, "calc.sparse24m.compare.result")));
    return r;
}

}  // namespace es::calc
