// calc/conv: output size, MACs, FLOPs and parameters of one 2-D convolution, with a worked
// solution in Traditional Chinese or English (study sheet §1.1, §1.2).
//
//   es::calc::conv_input in;
//   in.h = in.w = 224; in.cin = 3; in.cout = 64; in.k = 3; in.stride = 2; in.pad = 1;
//   es::calc::calc_error err;
//   auto r = es::calc::conv(in, es::i18n::lang::en, &err);   // nullopt + err on bad input
//   r->h_out;  // 112
//   r->macs;   // 21,676,032
//
// Definitions (H and W are computed separately; K is a square K x K kernel):
//   H_out  = floor((H + 2P − K) / S) + 1        (floor, never ceil: the sheet's stride trap)
//   standard / group (G groups):
//     MACs   = K·K·(Cin/G)·Cout·H_out·W_out
//     params = K·K·(Cin/G)·Cout, plus Cout biases with `bias`
//   dsc (depthwise-separable = depthwise K x K with stride S and padding P, then pointwise 1x1):
//     macs_dw   = K·K·Cin·H_out·W_out           params_dw = K·K·Cin   (+ Cin with bias)
//     macs_pw   = Cin·Cout·H_out·W_out          params_pw = Cin·Cout  (+ Cout with bias)
//     macs = macs_dw + macs_pw, params = params_dw + params_pw
//     ratio_vs_standard = (macs_dw + macs_pw) / (K·K·Cin·Cout·H_out·W_out) = 1/Cout + 1/K²
//     ratio_sheet_approx = 1/K² (the sheet drops 1/Cout)
//   FLOPs = 2·MACs (one multiply plus one add). MACs never count the bias additions.
// A standard convolution has G = 1; a group convolution any G dividing Cin and Cout (G = 1
// is the standard convolution, G = Cin = Cout a depthwise one).
//
// Padding: an explicit P (the same on all four sides), or
//   valid: P = 0;
//   same:  the smallest symmetric P with H_out = ceil(H/S), per dimension (so P_h and P_w
//          may differ): P = ceil(max(0, (ceil(H/S) − 1)·S + K − H) / 2). With stride 1 and
//          an even K no symmetric P exists (TensorFlow pads one side more); that is an error.
//
// Bad input (every count must be positive, P ≥ 0, K ≤ H + 2P and K ≤ W + 2P so the output is
// not empty, G dividing Cin and Cout, G = 1 unless the type is group, no 64-bit overflow)
// gives nullopt and a calc_error naming the field, in the requested language.
#pragma once

#include "calc/step.h"
#include "i18n/i18n.h"

#include <cstdint>
#include <optional>
#include <string_view>

namespace es::calc {

enum class conv_type { standard, dsc, group };
enum class padding_mode { explicit_pad, same, valid };

std::string_view conv_type_name(conv_type t);  // "standard", "dsc", "group"
std::optional<conv_type> parse_conv_type(std::string_view s);

struct conv_input {
    std::int64_t h = 0;
    std::int64_t w = 0;
    std::int64_t cin = 0;
    std::int64_t cout = 0;
    std::int64_t k = 0;
    std::int64_t stride = 1;
    padding_mode padding = padding_mode::explicit_pad;
    std::int64_t pad = 0;  // used with padding_mode::explicit_pad
    std::int64_t groups = 1;
    conv_type type = conv_type::standard;
    bool bias = false;
};

struct conv_result {
    conv_type type = conv_type::standard;
    std::int64_t pad_h = 0, pad_w = 0;  // the padding used (resolved from same/valid)
    std::int64_t h_out = 0, w_out = 0;
    std::int64_t macs = 0, flops = 0, params = 0;
    // dsc only (0 for the other types).
    std::int64_t macs_dw = 0, macs_pw = 0, params_dw = 0, params_pw = 0;
    std::int64_t macs_standard = 0;  // the standard convolution of the same shape
    double ratio_vs_standard = 0;    // (macs_dw + macs_pw) / macs_standard
    double ratio_sheet_approx = 0;   // 1/K²
    std::vector<step> steps;
};

// floor((size + 2·pad − k) / stride) + 1; nullopt when the output would be empty or an
// input is out of range (size, k, stride < 1, pad < 0).
std::optional<std::int64_t> output_size(std::int64_t size, std::int64_t k, std::int64_t stride, std::int64_t pad);
// The "same" padding of one dimension (see above); nullopt when no symmetric P gives
// ceil(size/stride) (stride 1 with an even k) or an input is out of range.
std::optional<std::int64_t> same_padding(std::int64_t size, std::int64_t k, std::int64_t stride);
// The "valid" padding: none.
constexpr std::int64_t valid_padding() { return 0; }

std::optional<conv_result> conv(const conv_input& in, i18n::lang l, calc_error* error = nullptr);

}  // namespace es::calc
