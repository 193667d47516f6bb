// calc/quant: linear (uniform affine) quantization of real values to b-bit integers, with a
// worked solution in Traditional Chinese or English (study sheet §3.1).
//
//   es::calc::quant_input in;
//   in.rmin = -1; in.rmax = 3;                                       // uint8, asymmetric (defaults)
//   in.values = {0.5};
//   auto r = es::calc::quant(in, es::i18n::lang::en, &err);          // nullopt + err on bad input
//   r->scale;       // 4/255 = 0.0156863
//   r->zero_point;  // round(0 − (−1)/S) = round(63.75) = 64
//   r->q[0];        // clamp(round(0.5/S + 64)) = round(95.875) = 96
//
// Three conventions (the sheet's formulas, with the clamp it leaves out):
//   asymmetric (default)   signed or unsigned; the full b-bit range
//                            unsigned q_min = 0, q_max = 2^b − 1; signed q_min = −2^(b−1), q_max = 2^(b−1) − 1
//                          S = (r_max − r_min) / (q_max − q_min)
//                          Z = clamp(round(q_min − r_min / S), q_min, q_max)
//                          q = clamp(round(r / S + Z), q_min, q_max)
//   symmetric, full range  (the sheet's, PyTorch's symmetric qscheme; the default when symmetric)
//                          signed only; a = max(|r_min|, |r_max|), real [−a, a];
//                          q_min = −2^(b−1), q_max = 2^(b−1) − 1 (int8: [−128, 127]);
//                          S = a / ((q_max − q_min) / 2) (int8: a / 127.5), Z = 0,
//                          q = clamp(round(r / S), q_min, q_max): +a lands on 127.5 → 128, clamped to 127
//   symmetric, restricted  (TFLite's convention for weights) signed only; q_min = −q_max,
//                          q_max = 2^(b−1) − 1 (int8: [−127, 127]); S = a / q_max, Z = 0
//   dequantize             r' = S · (q − Z)
//   error                  r' − r; at most S/2 in magnitude for r inside the range, larger when clamped
// round() rounds half away from zero (std::round): round(2.5) = 3, round(−2.5) = −3. PyTorch
// rounds half to even; the two differ only on exact .5 ties (and on +a at full range, which is
// clamped either way). When an asymmetric [r_min, r_max] does not contain 0 the unclamped Z
// falls outside [q_min, q_max]; it is clamped and real 0 is then not exactly representable
// (the result says so).
//
// The formulas are also exposed on their own (quant_scale, quant_zero_point, quantize_value)
// so the quiz computes a mistaken answer through the same code with the mistake applied
// (e.g. the zero point with the sign of r_min/S flipped).
//
// Bad input gives nullopt and a calc_error naming the field, in the requested language:
// bits outside 2..8 ("bits"), a non-finite r_min, r_max or value ("rmin", "rmax", "value"),
// r_min > r_max ("rmin"), r_min = r_max ("rmax"), symmetric with an unsigned type ("signed"),
// restricted without symmetric ("restricted"), more than 1,000 values ("value"), a range so
// narrow or wide that S is not a finite positive number ("rmax").
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

inline constexpr int quant_min_bits = 2;
inline constexpr int quant_max_bits = 8;

struct quant_input {
    double rmin = 0;
    double rmax = 0;
    int bits = 8;
    bool is_signed = false;
    quant_scheme scheme = quant_scheme::asymmetric;
    bool restricted = false;     // symmetric only: [−(2^(b−1) − 1), 2^(b−1) − 1] instead of the full range
    std::vector<double> values;  // reals to quantize (may be empty: then only S and Z)
};

struct quant_result {
    std::int64_t qmin = 0, qmax = 0;  // the integer range used
    double scale = 0;
    double max_abs = 0;               // symmetric: a = max(|r_min|, |r_max|); asymmetric: 0
    double zero_point_unrounded = 0;  // q_min − r_min/S (0 for symmetric)
    std::int64_t zero_point = 0;
    bool zero_point_clamped = false;  // asymmetric and the range does not contain 0
    std::vector<double> q_real;       // r/S + Z before rounding, one per input value
    std::vector<std::int64_t> q_unclamped;  // round(r/S + Z) before the clamp (±2^53 at most)
    std::vector<std::int64_t> q;      // clamp(round(r/S + Z), q_min, q_max)
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
