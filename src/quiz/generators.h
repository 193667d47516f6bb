// quiz/generators: numeric problems drawn reproducibly from a seed, answered and explained by
// the calculators' own code (es::calc), with the slip named when a wrong answer is what a
// known mistake gives.
//
//   auto p = es::quiz::generate("conv_out", 12345, es::i18n::lang::en);
//   p->id;          // "gen:conv_out:12345": enough to regenerate and regrade the problem
//   p->prompt;      // "An input of 37×37 ... What is the output height H_out? (exact integer)"
//   auto g = es::quiz::grade(*p, "18", es::i18n::lang::en);
//   g.correct;      // false
//   g.slip;         // "ceil_instead_of_floor" (es::quiz::slip_name(g.slip, lang) to show it)
//   p->steps;       // the worked solution, shown after answering
//
// Generators (name: what is asked; its bullet of the study sheet; tolerance):
//   conv_out            output height with stride and padding (1.1.4; exact)
//   conv_macs           standard convolution MACs, in millions (1.1.2; 0.5%)
//   conv_params         convolution parameters, with or without bias (1.2.2; exact)
//   dsc                 depthwise-separable MACs in millions, or its ratio to the standard conv (1.1.3; 0.5%)
//   group_conv          group convolution MACs in millions or parameters (2.1.3; 0.5% / exact)
//   quant_scale         scale S, asymmetric or symmetric restricted ([−127, 127], 3.1.2; 0.5%)
//   quant_zero_point    zero point Z (3.1.3; exact)
//   quant_q             the quantized integer q of a real r, sometimes out of range (3.1.1; exact)
//   roofline_intensity  arithmetic intensity in MACs/byte (1.3.1; 1%)
//   roofline_bound      memory- or compute-bound, a single choice A/B (1.3.2)
//   sparse24            2:4 storage in bytes or as a percentage of dense (3.2.2; 0.1%)
//   kd                  one class's probability at temperature T (4.1.2; 1%)
// Numeric answers are graded like bank items (quiz/bank.h: |x − a| ≤ tolerance·|a|; tolerance
// 0 means an exact integer); single-choice answers by letter or 1-based number.
//
// Slips (ids; names in the string tables as "quiz.slip.<id>"): forgot_stride,
// ceil_instead_of_floor, padding_one_side, forgot_bias, flops_vs_macs, zero_point_sign,
// dropped_k2, forgot_groups, levels_vs_steps, forgot_clamp, forgot_metadata, saved_vs_stored,
// dsc_ratio_approx, standard_conv, forgot_temperature. Each slip value is computed through the
// same calculator code with the mistake applied (stride 1, ceil, the sign of r_min/S
// flipped, ...) and matched with the problem's tolerance; a slip whose value equals the
// correct answer within that tolerance is dropped, so a correct answer never names a slip.
//
// Randomness: splitmix64 seeded with seed XOR a hash of the generator name, integers drawn by
// rejection (no std::uniform_*_distribution, whose output differs between standard
// libraries), so a seed gives the same problem natively and in WebAssembly.
#pragma once

#include "calc/step.h"
#include "i18n/i18n.h"
#include "quiz/bank.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace es::quiz {

// splitmix64 (Steele, Lea, Flood 2014): a fixed, portable 64-bit generator.
class rng {
public:
    explicit rng(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next();
    // Uniform integer in [lo, hi] (lo ≤ hi), unbiased (rejection sampling).
    std::int64_t uniform(std::int64_t lo, std::int64_t hi);
    // One element of a non-empty list.
    template <typename T>
    T pick(const std::vector<T>& v) {
        return v[static_cast<std::size_t>(uniform(0, static_cast<std::int64_t>(v.size()) - 1))];
    }
    bool coin() { return (next() >> 63) != 0; }

private:
    std::uint64_t state_;
};

struct slip {
    std::string id;  // "forgot_stride"
    double value;    // the answer the mistake gives (single choice: the choice index)
};

struct problem {
    std::string generator;  // "conv_out"
    std::uint64_t seed = 0;
    std::string id;         // "gen:conv_out:<seed>"
    std::string section;    // "1" .. "5"
    std::string bullet;     // "1.1.4"
    item_type type = item_type::numeric;  // numeric or single
    std::string prompt;                   // ends with the tolerance it is graded with
    std::vector<std::string> choices;     // single only
    double answer = 0;                    // numeric
    int answer_choice = 0;                // single: 0-based
    double tolerance = 0;                 // numeric: relative; 0 = exact integer
    std::string unit;                     // may be empty
    std::string explanation;              // the method in one or two sentences
    std::vector<calc::step> steps;        // the worked solution
    std::vector<slip> slips;
};

// Every generator name, in a stable order.
const std::vector<std::string>& generator_names();
// The bullet (skill) and section a generator drills; empty when the name is unknown.
std::string generator_bullet(std::string_view generator);

// "gen:<generator>:<seed>".
std::string generated_id(std::string_view generator, std::uint64_t seed);
bool is_generated_id(std::string_view id);
// {generator, seed} of a well-formed generated id with a known generator; nullopt otherwise.
std::optional<std::pair<std::string, std::uint64_t>> parse_generated_id(std::string_view id);

// nullopt only for an unknown generator name.
std::optional<problem> generate(std::string_view generator, std::uint64_t seed, i18n::lang l);

struct problem_grade {
    std::string error;     // non-empty: the answer is not in a valid form; nothing graded
    bool correct = false;
    std::string expected;  // in the accepted answer form
    std::string slip;      // the slip's id when a wrong answer matches one; else empty
};

problem_grade grade(const problem& p, std::string_view answer, i18n::lang l);

// The slip's name in a language ("Forgot the stride (used S = 1)").
std::string slip_name(std::string_view slip_id, i18n::lang l);
// Every slip id, in a stable order.
const std::vector<std::string>& slip_ids();

}  // namespace es::quiz
