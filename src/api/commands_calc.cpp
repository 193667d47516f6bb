// Calculator commands: the exam's hand computations with worked solutions (es::calc).
//
//   edgestudy-cli calc conv --h 224 --w 224 --cin 3 --cout 64 --k 3 --stride 2 --pad 1 --json
//   {"type": "standard", "h_out": 112, "w_out": 112, "pad_h": 1, "pad_w": 1,
//    "macs": 21676032, "flops": 43352064, "params": 1728,
//    "steps": [{"id", "title", "formula", "substituted", "result"}, ...]}
//   ... --type dsc adds "macs_dw", "macs_pw", "params_dw", "params_pw", "macs_standard",
//   "ratio_vs_standard" (= 1/Cout + 1/K²) and "ratio_sheet_approx" (= 1/K²).
//   --pad takes a number or same / valid; --groups G > 1 without --type means --type group.
//
//   edgestudy-cli calc roofline --macs N --bytes B --peak-gmacs P --bandwidth-gbs W --json
//   {"intensity", "ridge", "attainable_gmacs", "bound": "memory"|"compute", "peak_gmacs",
//    "bandwidth_gbs", "intensity_flops", "ridge_flops", "attainable_gflops", "peak_gflops",
//    "view", "steps": [...]}
//   The peak may be given as --peak-gflops instead; --view flops writes the steps in FLOPs.
//
//   edgestudy-cli calc quant --rmin -1 --rmax 3 [--bits 8] [--signed|--unsigned] [--symmetric]
//                            [--restricted] [--value 0.5] --json
//   {"scheme": "asymmetric", "restricted": false, "bits": 8, "signed": false, "scale": 0.0156863,
//    "zero_point": 64, "zero_point_clamped": false, "qmin": 0, "qmax": 255,
//    "q": 96, "dequantized": 0.502, "error": 0.00196, "steps": [...]}
//   q, dequantized and error (the quantization error r' − r, a number) only with --value.
//   The type is unsigned unless --signed, or --symmetric without --unsigned; --restricted
//   (symmetric only) uses [−(2^(b−1) − 1), 2^(b−1) − 1] instead of the full range.
//
//   edgestudy-cli calc sparse24 --rows 64 --cols 128 --dtype fp16 --json
//   {"rows": 64, "cols": 128, "dtype": "fp16", "value_bits": 16, "weights": 8192, "kept": 4096,
//    "dense_bytes": 16384, "values_bytes": 8192, "index_bytes": 1024, "compressed_bytes": 9216,
//    "ratio": 0.5625, "saved": 0.4375,
//    "csr": {"values_bytes", "col_index_bytes", "row_ptr_bytes", "total_bytes", "ratio",
//            "col_index_bits", "row_ptr_bits", "density"},
//    "bitmask": {"values_bytes", "mask_bytes", "total_bytes", "ratio", "density"}, "steps": [...]}
//   A matrix [rows = Cout][cols = reduction K], 2:4 along the columns; CSR and bitmask at the
//   same 50% density (CSR column indices 16-bit when cols <= 65,536, else 32-bit; row pointers
//   32-bit). --cols must be a multiple of 4.
//
// --lang zh-TW|en (default en) chooses the language of the steps and of the calculators'
// error messages. A refused calculation answers {"error": message, "field": argument name}.
#include "api/dispatcher.h"

#include "api/calc_args.h"
#include "calc/conv.h"
#include "calc/kd.h"
#include "calc/quant.h"
#include "calc/roofline.h"
#include "calc/sparsity.h"
#include "i18n/i18n.h"

#include <climits>
#include <cmath>
#include <limits>

namespace es::api {

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();
constexpr double max_count = 1e9;  // any size a question could ask; products are overflow-checked

json failure(const calc::calc_error& e) {
    json j = make_error(e.message);
    if (!e.field.empty()) j["field"] = e.field;
    return j;
}

json cmd_conv(const json& args) {
    calc::conv_input in;
    in.h = args.at("h").get<std::int64_t>();
    in.w = args.at("w").get<std::int64_t>();
    in.cin = args.at("cin").get<std::int64_t>();
    in.cout = args.at("cout").get<std::int64_t>();
    in.k = args.at("k").get<std::int64_t>();
    in.stride = args.at("stride").get<std::int64_t>();
    in.groups = args.at("groups").get<std::int64_t>();
    in.bias = args.value("bias", false);
    const json& pad = args.at("pad");
    if (pad.is_string()) {
        in.padding = pad == "same" ? calc::padding_mode::same : calc::padding_mode::valid;
    } else {
        in.padding = calc::padding_mode::explicit_pad;
        in.pad = pad.get<std::int64_t>();
    }
    if (args.contains("type"))
        in.type = calc::parse_conv_type(args["type"].get<std::string>()).value_or(calc::conv_type::standard);
    else
        in.type = in.groups > 1 ? calc::conv_type::group : calc::conv_type::standard;

    calc::calc_error error;
    auto r = calc::conv(in, lang_arg(args), &error);
    if (!r) return failure(error);
    json answer = {{"type", calc::conv_type_name(r->type)},
                   {"h_out", r->h_out},
                   {"w_out", r->w_out},
                   {"pad_h", r->pad_h},
                   {"pad_w", r->pad_w},
                   {"macs", r->macs},
                   {"flops", r->flops},
                   {"params", r->params}};
    if (r->type == calc::conv_type::dsc) {
        answer["macs_dw"] = r->macs_dw;
        answer["macs_pw"] = r->macs_pw;
        answer["params_dw"] = r->params_dw;
        answer["params_pw"] = r->params_pw;
        answer["macs_standard"] = r->macs_standard;
        answer["ratio_vs_standard"] = r->ratio_vs_standard;
        answer["ratio_sheet_approx"] = r->ratio_sheet_approx;
    }
    answer["steps"] = steps_json(r->steps);
    return answer;
}

std::vector<arg_spec> conv_args() {
    using t = arg_type;
    return {
        {"h", t::arg_type_integer, "input height H", true, 1, max_count},
        {"w", t::arg_type_integer, "input width W", true, 1, max_count},
        {"cin", t::arg_type_integer, "input channels Cin", true, 1, max_count},
        {"cout", t::arg_type_integer, "output channels Cout", true, 1, max_count},
        {"k", t::arg_type_integer, "kernel size K (K x K)", true, 1, max_count},
        {"stride", t::arg_type_integer, "stride S", false, 1, max_count, {}, 1},
        {"pad", t::arg_type_integer,
         "zero padding P on each side, or same (keeps ceil(H/S)) or valid (P = 0)", false, 0, max_count,
         {"same", "valid"}, 0},
        {"groups", t::arg_type_integer, "groups G (Cin and Cout must be multiples of G)", false, 1, max_count, {}, 1},
        {"type", t::arg_type_choice,
         "standard, dsc (depthwise KxK + pointwise 1x1) or group (default: group when --groups > 1, else standard)",
         false, -inf, inf, {"standard", "dsc", "group"}},
        {"bias", t::arg_type_flag, "count one bias per output channel in the parameters"},
        lang_spec(),
    };
}

json cmd_roofline(const json& args) {
    const bool has_gmacs = args.contains("peak-gmacs"), has_gflops = args.contains("peak-gflops");
    if (!has_gmacs && !has_gflops)
        return make_error("missing argument --peak-gmacs (peak compute in GMAC/s; or --peak-gflops in GFLOP/s)");
    if (has_gmacs && has_gflops)
        return make_error("give the peak once: --peak-gmacs or --peak-gflops, not both");

    calc::roofline_input in;
    in.macs = args.at("macs").get<double>();
    in.bytes = args.at("bytes").get<double>();
    in.peak = has_gmacs ? args["peak-gmacs"].get<double>() : args["peak-gflops"].get<double>();
    in.peak_unit = has_gmacs ? calc::roofline_view::macs : calc::roofline_view::flops;
    in.bandwidth_gbs = args.at("bandwidth-gbs").get<double>();
    in.view = args.value("view", std::string("macs")) == "flops" ? calc::roofline_view::flops : calc::roofline_view::macs;

    calc::calc_error error;
    auto r = calc::roofline(in, lang_arg(args), &error);
    if (!r) return failure(error);
    return {{"intensity", r->intensity},
            {"ridge", r->ridge},
            {"attainable_gmacs", r->attainable_gmacs},
            {"bound", calc::roofline_bound_name(r->bound)},
            {"peak_gmacs", r->peak_gmacs},
            {"bandwidth_gbs", in.bandwidth_gbs},
            {"intensity_flops", r->intensity_flops},
            {"ridge_flops", r->ridge_flops},
            {"attainable_gflops", r->attainable_gflops},
            {"peak_gflops", r->peak_gflops},
            {"view", calc::roofline_view_name(in.view)},
            {"steps", steps_json(r->steps)}};
}

std::vector<arg_spec> roofline_args() {
    using t = arg_type;
    return {
        {"macs", t::arg_type_number, "multiply-accumulates of the layer", true, 0, inf},
        {"bytes", t::arg_type_number, "bytes moved to and from memory", true, 0, inf},
        {"peak-gmacs", t::arg_type_number, "peak compute in GMAC/s (or give --peak-gflops)", false, 0, inf},
        {"peak-gflops", t::arg_type_number, "peak compute in GFLOP/s (= 2 x GMAC/s), instead of --peak-gmacs", false, 0,
         inf},
        {"bandwidth-gbs", t::arg_type_number, "memory bandwidth in GB/s", true, 0, inf},
        {"view", t::arg_type_choice,
         "units of the worked solution: macs (MACs/byte, the sheet's) or flops (FLOPs/byte = 2 x MACs/byte)", false,
         -inf, inf, {"macs", "flops"}, "macs"},
        lang_spec(),
    };
}

json cmd_kd(const json& args) {
    auto logits = calc::parse_number_list(args.at("logits").get<std::string>());
    if (!logits) return make_error("--logits must be numbers separated by commas, e.g. 2,1,0");
    calc::kd_input in;
    in.logits = std::move(*logits);
    in.temperature = args.at("temperature").get<double>();
    calc::calc_error error;
    auto r = calc::kd(in, lang_arg(args), &error);
    if (!r) return failure(error);
    return {{"probs", r->probs},
            {"entropy", r->entropy},
            {"entropy_bits", r->entropy_bits},
            {"temperature", in.temperature},
            {"probs_t1", r->probs_t1},
            {"entropy_t1", r->entropy_t1},
            {"steps", steps_json(r->steps)}};
}

std::vector<arg_spec> kd_args() {
    using t = arg_type;
    return {
        {"logits", t::arg_type_string, "the teacher's logits, separated by commas (e.g. 2,1,0)", true},
        {"temperature", t::arg_type_number, "temperature T (> 0; T = 1 is the ordinary softmax)", true, 0, inf},
        lang_spec(),
    };
}

json cmd_quant(const json& args) {
    const i18n::lang l = lang_arg(args);
    const bool want_signed = args.value("signed", false), want_unsigned = args.value("unsigned", false);
    if (want_signed && want_unsigned)
        return failure({"signed", i18n::tr(l, "calc.quant.error.signed_unsigned")});
    calc::quant_input in;
    in.rmin = args.at("rmin").get<double>();
    in.rmax = args.at("rmax").get<double>();
    const auto bits = args.at("bits").get<std::int64_t>();
    if (bits < INT_MIN || bits > INT_MAX)  // the calculator refuses anything outside 2..8 in its own words
        return failure({"bits", i18n::format(i18n::tr(l, "calc.quant.error.bits"), {std::to_string(bits)})});
    in.bits = static_cast<int>(bits);
    in.scheme = args.value("symmetric", false) ? calc::quant_scheme::symmetric : calc::quant_scheme::asymmetric;
    // Symmetric needs a signed type: --symmetric alone means signed; --symmetric --unsigned is refused.
    in.is_signed = want_signed || (in.scheme == calc::quant_scheme::symmetric && !want_unsigned);
    in.restricted = args.value("restricted", false);
    const bool has_value = args.contains("value");
    if (has_value) in.values = {args["value"].get<double>()};

    calc::calc_error error;
    auto r = calc::quant(in, l, &error);
    if (!r) return failure(error);
    json answer = {{"scheme", calc::quant_scheme_name(in.scheme)},
                   {"restricted", in.restricted},
                   {"bits", in.bits},
                   {"signed", in.is_signed},
                   {"scale", r->scale},
                   {"zero_point", r->zero_point},
                   {"zero_point_clamped", r->zero_point_clamped},
                   {"qmin", r->qmin},
                   {"qmax", r->qmax}};
    if (has_value) {
        answer["q"] = r->q[0];
        answer["dequantized"] = r->dequantized[0];
        answer["error"] = r->error[0];  // a number: is_error() only takes a string for a refusal
    }
    answer["steps"] = steps_json(r->steps);
    return answer;
}

std::vector<arg_spec> quant_args() {
    using t = arg_type;
    return {
        {"rmin", t::arg_type_number, "smallest real value of the range r_min", true},
        {"rmax", t::arg_type_number, "largest real value of the range r_max (> r_min)", true},
        {"bits", t::arg_type_integer, "bits per integer, 2 to 8", false, -inf, inf, {}, 8},
        {"signed", t::arg_type_flag, "a signed integer type (default: unsigned, or signed with --symmetric)"},
        {"unsigned", t::arg_type_flag, "an unsigned integer type (the default for the asymmetric scheme)"},
        {"symmetric", t::arg_type_flag,
         "symmetric quantization: Z = 0, real [-a, a] with a = max(|r_min|, |r_max|), the full signed range "
         "(S = a / 127.5 for int8; default: asymmetric)"},
        {"restricted", t::arg_type_flag,
         "with --symmetric: the restricted range [-(2^(b-1) - 1), 2^(b-1) - 1] (int8: [-127, 127], S = a / 127, TFLite)"},
        {"value", t::arg_type_number, "a real value r to quantize: adds q, dequantized and error (r' - r)"},
        lang_spec(),
    };
}

json cmd_sparse24(const json& args) {
    const i18n::lang l = lang_arg(args);
    calc::sparse24_matrix_input in;
    in.rows = args.at("rows").get<std::int64_t>();
    in.cols = args.at("cols").get<std::int64_t>();
    const std::string dtype = args.value("dtype", std::string("fp32"));
    const auto bits = calc::dtype_bits(dtype);
    if (!bits) return failure({"dtype", "--dtype must be fp32, fp16 or int8, got " + dtype});
    in.value_bits = *bits;
    calc::calc_error error;
    auto r = calc::sparse24_matrix(in, l, &error);
    if (!r) return failure(error);
    return {{"rows", in.rows},
            {"cols", in.cols},
            {"dtype", dtype},
            {"value_bits", r->value_bits},
            {"weights", r->weights},
            {"kept", r->kept},
            {"dense_bytes", r->dense_bytes},
            {"values_bytes", r->values_bytes},
            {"index_bytes", r->index_bytes},
            {"compressed_bytes", r->compressed_bytes},
            {"ratio", r->ratio},
            {"saved", r->saved},
            {"csr",
             {{"values_bytes", r->csr_values_bytes},
              {"col_index_bytes", r->csr_col_bytes},
              {"row_ptr_bytes", r->csr_ptr_bytes},
              {"total_bytes", r->csr_bytes},
              {"ratio", r->csr_ratio},
              {"col_index_bits", r->csr_col_bits},
              {"row_ptr_bits", r->csr_ptr_bits},
              {"density", 0.5}}},
            {"bitmask",
             {{"values_bytes", r->bitmask_values_bytes},
              {"mask_bytes", r->bitmask_mask_bytes},
              {"total_bytes", r->bitmask_bytes},
              {"ratio", r->bitmask_ratio},
              {"density", 0.5}}},
            {"steps", steps_json(r->steps)}};
}

std::vector<arg_spec> sparse24_args() {
    using t = arg_type;
    constexpr double max_dim = 9007199254740991.0;  // sizes whose bit counts overflow are refused by the calculator
    return {
        {"rows", t::arg_type_integer, "rows R of the weight matrix (output channels)", true, 1, max_dim},
        {"cols", t::arg_type_integer, "columns C (the reduction: input channels x kernel taps), a multiple of 4",
         true, 1, max_dim},
        {"dtype", t::arg_type_choice, "value type: fp32, fp16 or int8", false, -inf, inf, {"fp32", "fp16", "int8"},
         "fp32"},
        lang_spec(),
    };
}

}  // namespace

void register_calc_commands(std::vector<command_spec>& out) {
    out.push_back({"calc conv",
                   "Output size, MACs, FLOPs and parameters of a standard, depthwise-separable (dsc) or group "
                   "convolution, with a worked solution.",
                   conv_args(),
                   cmd_conv});
    out.push_back({"calc roofline",
                   "Arithmetic intensity, ridge point, attainable throughput and the bound (memory or compute) "
                   "of a layer, with a worked solution.",
                   roofline_args(),
                   cmd_roofline});
    out.push_back({"calc kd",
                   "Knowledge distillation's softened softmax q_i = exp(z_i/T) / sum_j exp(z_j/T): the "
                   "probabilities, their entropy and the T = 1 softmax for comparison, with a worked solution.",
                   kd_args(),
                   cmd_kd});
    out.push_back({"calc quant",
                   "Linear quantization: scale S, zero point Z and the integer range of an asymmetric, symmetric "
                   "(full range) or symmetric restricted scheme, and with --value the integer q, its dequantized "
                   "value and the quantization error, with a worked solution.",
                   quant_args(),
                   cmd_quant});
    out.push_back({"calc sparse24",
                   "NVIDIA 2:4 storage of a weight matrix (values + 2-bit indices) against dense, with CSR and "
                   "bitmask at the same 50% density, with a worked solution.",
                   sparse24_args(),
                   cmd_sparse24});
}

}  // namespace es::api
