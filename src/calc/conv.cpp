#include "calc/conv.h"

#include <string>

namespace es::calc {

namespace {

using detail::fail;
using detail::make_step;
using detail::text;
using i18n::lang;

std::string c(std::int64_t v) { return format_count(v); }

std::nullopt_t overflow(calc_error* error, lang l) { return fail(error, "", text(l, "calc.error.overflow")); }

// "0.126736 (≈ 12.67% of the standard cost, about 1/7.89)"
std::string ratio_text(lang l, double r) {
    return text(l, "calc.result.ratio", {format_real(r), format_percent(r), format_real(1.0 / r, 3)});
}

}  // namespace

std::string_view conv_type_name(conv_type t) {
    switch (t) {
    case conv_type::standard: return "standard";
    case conv_type::dsc: return "dsc";
    case conv_type::group: return "group";
    }
    return "standard";
}

std::optional<conv_type> parse_conv_type(std::string_view s) {
    if (s == "standard") return conv_type::standard;
    if (s == "dsc") return conv_type::dsc;
    if (s == "group") return conv_type::group;
    return std::nullopt;
}

std::optional<std::int64_t> output_size(std::int64_t size, std::int64_t k, std::int64_t stride, std::int64_t pad) {
    if (size < 1 || k < 1 || stride < 1 || pad < 0) return std::nullopt;
    auto twice = checked_mul(2, pad);
    if (!twice) return std::nullopt;
    auto padded = checked_add(size, *twice);
    if (!padded || k > *padded) return std::nullopt;
    // The numerator is non-negative here, so integer division is the floor.
    return (*padded - k) / stride + 1;
}

std::optional<std::int64_t> same_padding(std::int64_t size, std::int64_t k, std::int64_t stride) {
    if (size < 1 || k < 1 || stride < 1) return std::nullopt;
    if (stride == 1 && k % 2 == 0) return std::nullopt;
    // ceil(size/stride) outputs need (n − 1)·S + K input rows in all; n·S ≥ size bounds it.
    const std::int64_t n = size / stride + (size % stride != 0 ? 1 : 0);
    auto span = checked_mul(n - 1, stride);
    if (!span) return std::nullopt;
    auto needed = checked_add(*span, k);
    if (!needed) return std::nullopt;
    const std::int64_t total = *needed - size > 0 ? *needed - size : 0;
    return total / 2 + total % 2;
}

std::optional<conv_result> conv(const conv_input& in, lang l, calc_error* error) {
    // 1. Input checks, in the order a reader would fix them.
    const std::pair<const char*, std::int64_t> positive[] = {
        {"h", in.h}, {"w", in.w}, {"cin", in.cin}, {"cout", in.cout},
        {"k", in.k}, {"stride", in.stride}, {"groups", in.groups}};
    for (const auto& [field, v] : positive)
        if (v < 1) return fail(error, field, text(l, "calc.error.positive", {"--" + std::string(field), c(v)}));
    if (in.padding == padding_mode::explicit_pad && in.pad < 0)
        return fail(error, "pad", text(l, "calc.error.pad_negative", {c(in.pad)}));
    if (in.type != conv_type::group && in.groups != 1)
        return fail(error, "groups", text(l, "calc.error.groups_type", {c(in.groups)}));
    if (in.cin % in.groups != 0)
        return fail(error, "groups", text(l, "calc.error.groups_divide", {c(in.groups), "--cin", c(in.cin)}));
    if (in.cout % in.groups != 0)
        return fail(error, "groups", text(l, "calc.error.groups_divide", {c(in.groups), "--cout", c(in.cout)}));

    conv_result r;
    r.type = in.type;
    std::vector<step>& steps = r.steps;

    // 2. Padding.
    switch (in.padding) {
    case padding_mode::explicit_pad:
        r.pad_h = r.pad_w = in.pad;
        break;
    case padding_mode::valid:
        r.pad_h = r.pad_w = valid_padding();
        steps.push_back(make_step(l, "pad", "conv.pad_valid", {}, "0"));
        break;
    case padding_mode::same: {
        auto ph = same_padding(in.h, in.k, in.stride);
        auto pw = same_padding(in.w, in.k, in.stride);
        if (in.stride == 1 && in.k % 2 == 0)
            return fail(error, "pad", text(l, "calc.error.same_even_k", {c(in.k)}));
        if (!ph || !pw) return overflow(error, l);
        r.pad_h = *ph;
        r.pad_w = *pw;
        for (int dim = 0; dim < 2; ++dim) {
            const std::int64_t size = dim == 0 ? in.h : in.w;
            const std::int64_t n = size / in.stride + (size % in.stride != 0 ? 1 : 0);
            const std::int64_t total = (n - 1) * in.stride + in.k - size;  // cannot overflow: checked above
            steps.push_back(make_step(l, dim == 0 ? "pad_h" : "pad_w", dim == 0 ? "conv.pad_same_h" : "conv.pad_same_w",
                                      {c(size), c(in.stride), c(in.k), c(total > 0 ? total : 0)},
                                      c(dim == 0 ? r.pad_h : r.pad_w)));
        }
        break;
    }
    }

    // 3. Output size, H and W separately; the kernel must fit in the padded input.
    for (int dim = 0; dim < 2; ++dim) {
        const std::int64_t size = dim == 0 ? in.h : in.w;
        const std::int64_t pad = dim == 0 ? r.pad_h : r.pad_w;
        auto twice = checked_mul(2, pad);
        auto padded = twice ? checked_add(size, *twice) : std::nullopt;
        if (!padded) return overflow(error, l);
        if (in.k > *padded)
            return fail(error, "k", text(l, "calc.error.empty_output",
                                         {c(in.k), dim == 0 ? "H" : "W", c(size), c(pad), c(*padded)}));
        const std::int64_t out = (*padded - in.k) / in.stride + 1;
        (dim == 0 ? r.h_out : r.w_out) = out;
        steps.push_back(make_step(l, dim == 0 ? "h_out" : "w_out", dim == 0 ? "conv.h_out" : "conv.w_out",
                                  {c(size), c(pad), c(in.k), c(in.stride), c(*padded - in.k), c(out - 1)}, c(out)));
    }

    const auto k_squared = checked_mul(in.k, in.k);
    if (!k_squared) return overflow(error, l);
    const std::int64_t kk = *k_squared;

    if (in.type == conv_type::dsc) {
        // 4a. Depthwise K x K (stride S, padding P), then pointwise 1x1 at H_out x W_out.
        auto macs_dw = checked_mul({kk, in.cin, r.h_out, r.w_out});
        auto macs_pw = checked_mul({in.cin, in.cout, r.h_out, r.w_out});
        auto macs_std = checked_mul({kk, in.cin, in.cout, r.h_out, r.w_out});
        auto params_dw = checked_mul(kk, in.cin);
        auto params_pw = checked_mul(in.cin, in.cout);
        if (!macs_dw || !macs_pw || !macs_std || !params_dw || !params_pw) return overflow(error, l);
        if (in.bias) {
            params_dw = checked_add(*params_dw, in.cin);
            params_pw = checked_add(*params_pw, in.cout);
            if (!params_dw || !params_pw) return overflow(error, l);
        }
        auto macs = checked_add(*macs_dw, *macs_pw);
        auto flops = macs ? checked_mul(2, *macs) : std::nullopt;
        auto params = checked_add(*params_dw, *params_pw);
        if (!macs || !flops || !params) return overflow(error, l);
        r.macs_dw = *macs_dw;
        r.macs_pw = *macs_pw;
        r.macs_standard = *macs_std;
        r.params_dw = *params_dw;
        r.params_pw = *params_pw;
        r.macs = *macs;
        r.flops = *flops;
        r.params = *params;
        r.ratio_vs_standard = static_cast<double>(r.macs) / static_cast<double>(r.macs_standard);
        r.ratio_sheet_approx = 1.0 / static_cast<double>(kk);

        const std::string K = c(in.k), Cin = c(in.cin), Cout = c(in.cout), Ho = c(r.h_out), Wo = c(r.w_out);
        steps.push_back(make_step(l, "macs_dw", "conv.macs_dw", {K, Cin, Ho, Wo}, c(r.macs_dw)));
        steps.push_back(make_step(l, "macs_pw", "conv.macs_pw", {Cin, Cout, Ho, Wo}, c(r.macs_pw)));
        steps.push_back(make_step(l, "macs", "conv.macs_dsc", {c(r.macs_dw), c(r.macs_pw)}, c(r.macs)));
        steps.push_back(make_step(l, "flops", "conv.flops", {c(r.macs)}, c(r.flops)));
        steps.push_back(make_step(l, "params_dw", in.bias ? "conv.params_dw_bias" : "conv.params_dw", {K, Cin},
                                  c(r.params_dw)));
        steps.push_back(make_step(l, "params_pw", in.bias ? "conv.params_pw_bias" : "conv.params_pw", {Cin, Cout},
                                  c(r.params_pw)));
        steps.push_back(make_step(l, "params", "conv.params_dsc", {c(r.params_dw), c(r.params_pw)}, c(r.params)));
        steps.push_back(make_step(l, "macs_standard", "conv.macs_standard", {K, Cin, Cout, Ho, Wo}, c(r.macs_standard)));
        steps.push_back(make_step(l, "ratio", "conv.ratio",
                                  {c(r.macs_dw), c(r.macs_pw), c(r.macs_standard), Cout, K,
                                   format_real(1.0 / static_cast<double>(in.cout)), format_real(r.ratio_sheet_approx)},
                                  ratio_text(l, r.ratio_vs_standard)));
        steps.push_back(make_step(l, "ratio_sheet", "conv.ratio_sheet", {K, c(kk)}, ratio_text(l, r.ratio_sheet_approx)));
        return r;
    }

    // 4b. Standard (G = 1) and group convolution.
    const std::int64_t cin_g = in.cin / in.groups;
    auto macs = checked_mul({kk, cin_g, in.cout, r.h_out, r.w_out});
    auto flops = macs ? checked_mul(2, *macs) : std::nullopt;
    auto params = checked_mul({kk, cin_g, in.cout});
    if (params && in.bias) params = checked_add(*params, in.cout);
    if (!macs || !flops || !params) return overflow(error, l);
    r.macs = *macs;
    r.flops = *flops;
    r.params = *params;

    const std::string K = c(in.k), Cin = c(in.cin), Cout = c(in.cout), Ho = c(r.h_out), Wo = c(r.w_out);
    if (in.type == conv_type::group) {
        const std::string G = c(in.groups), Cg = c(cin_g);
        steps.push_back(make_step(l, "macs", "conv.macs_group", {K, Cin, G, Cout, Ho, Wo, Cg}, c(r.macs)));
        steps.push_back(make_step(l, "flops", "conv.flops", {c(r.macs)}, c(r.flops)));
        steps.push_back(make_step(l, "params", in.bias ? "conv.params_group_bias" : "conv.params_group",
                                  {K, Cin, G, Cout, Cg}, c(r.params)));
    } else {
        steps.push_back(make_step(l, "macs", "conv.macs", {K, Cin, Cout, Ho, Wo}, c(r.macs)));
        steps.push_back(make_step(l, "flops", "conv.flops", {c(r.macs)}, c(r.flops)));
        steps.push_back(make_step(l, "params", in.bias ? "conv.params_bias" : "conv.params", {K, Cin, Cout},
                                  c(r.params)));
    }
    return r;
}

}  // namespace es::calc
