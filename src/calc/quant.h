// calc/quant: linear (uniform affine) quantization of real values to b-bit integers, with a
// worked solution in Traditional Chinese or English (study sheet §3.1).
//
//   es::calc::quant_input in;
//   in.rmin = -1; in.rmax = 3; in.bits = 8; in.is_signed = false;   // uint8, asymmetric
//   in.values = {0.5};
//   auto r = es::calc::quant(in, es::i18n::lang::en, &err);          // nullopt + err on bad input
//   r->scale;       // 4/255 = 0.0156863
//   r->zero_point;  // round(0 − (−1)/S) = round(63.75) = 64
//   r->q[0];        // clamp(round(0.5/S + 64)) = round(95.875) = 96
//
// Definitions (the sheet's, with the clamp it leaves out):
//   integer range     unsigned: q_min = 0, q_max = 2^b − 1;  signed: q_min = −2^(b−1), q_max = 2^(b−1) − 1
//   asymmetric        S = (r_max − r_min) / (q_max − q_min)
//                     Z = clamp(round(q_min − r_min / S), q_min, q_max)
//   symmetric         signed types only; the restricted range q_min = −q_max (int8: [−127, 127],
//                     as TFLite stores weights), Z = 0, S = max(|r_min|, |r_max|) / q_max
//   quantize          q  = clamp(round(r / S + Z), q_min, q_max)
//   dequantize        r' = S · (q − Z)
//   error             r' − r; at most S/2 in magnitude for r inside the range, larger when clamped
// round() rounds half away from zero (std::round): round(2.5) = 3, round(−2.5) = −3. PyTorch
// rounds half to even; the two differ only on exact .5 ties, which the quiz never asks about.
// When [r_min, r_max] does not contain 0 the unclamped Z falls outside [q_min, q_max]; it is
// clamped and real 0 is then not exactly representable (the result says so).
//
// The three formulas are also exposed on their own (quant_scale, quant_zero_point,
// quantize_value) so the quiz computes a mistaken answer through the same code with the
// mistake applied (e.g. the zero point with the sign of r_min/S flipped).
//
// Bad input (bits outside 2..16, a non-finite number, r_min ≥ r_max, symmetric with an
// unsigned type, more than 1,000 values) gives nullopt and a calc_error naming the field
// ("bits", "rmin", "rmax", "scheme", "values"), in the requested language.
#pragma once

#include "calc/step.h"
#include "i18n/i18n.h"

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace es::calc {

enum class quant_scheme { asymmetric, symmetric };

std::string_view quant_scheme_name(quant_scheme s);  // "asymmetric", "symmetric"
std::optional<quant_scheme> parse_quant_scheme(std::string_view s);

struct quant_input {
    double rmin = 0;
    double rmax = 0;
    int bits = 8;
    bool is_signed = false;
    quant_scheme scheme = quant_scheme::asymmetric;
    std::vector<double> values;  // reals to quantize (may be empty: then only S and Z)
};

struct quant_result {
    std::int64_t qmin = 0, qmax = 0;  // the integer range used (symmetric: −q_max .. q_max)
    double scale = 0;
    double zero_point_unrounded = 0;  // q_min − r_min/S (0 for symmetric)
    std::int64_t zero_point = 0;
    bool zero_point_clamped = false;  // the range does not contain 0
    std::vector<std::int64_t> q;      // one per input value
    std::vector<double> dequantized;  // S·(q − Z)
    std::vector<double> error;        // dequantized − value
    std::vector<step> steps;
};

// The integer range of a b-bit type (unsigned 0 .. 2^b − 1, signed −2^(b−1) .. 2^(b−1) − 1).
std::int64_t quant_qmin(int bits, bool is_signed);
std::int64_t quant_qmax(int bits, bool is_signed);
// S = (r_max − r_min) / (q_max − q_min).
double quant_scale(double rmin, double rmax, std::int64_t qmin, std::int64_t qmax);
// clamp(round(q_min − r_min / S), q_min, q_max); with clamp = false only round(q_min − r_min / S)
// (limited to ±2^53 so it stays a whole number).
std::int64_t quant_zero_point(double rmin, double scale, std::int64_t qmin, std::int64_t qmax, bool clamp = true);
// clamp(round(r / S + Z), q_min, q_max); with clamp = false only round(r / S + Z) (±2^53 at most).
std::int64_t quantize_value(double r, double scale, std::int64_t zero_point, std::int64_t qmin, std::int64_t qmax,
                            bool clamp = true);
// S · (q − Z).
double dequantize_value(std::int64_t q, double scale, std::int64_t zero_point);

std::optional<quant_result> quant(const quant_input& in, i18n::lang l, calc_error* error = nullptr);

}  // namespace es::calc
