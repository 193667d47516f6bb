// calc/step: what every calculator in es::calc shares: the worked-solution step, the error
// it reports on bad input, checked 64-bit arithmetic and the number formats of the steps.
//
//   es::calc::step s = r.steps[0];
//   s.id;           // "h_out": stable across languages (the UI and the quiz pick steps by it)
//   s.title;        // "Output height" / "輸出高度"
//   s.formula;      // "H_out = ⌊(H + 2P − K) / S⌋ + 1"
//   s.substituted;  // "⌊(224 + 2·1 − 3) / 2⌋ + 1 = ⌊223 / 2⌋ + 1 = 111 + 1"
//   s.result;       // "112"
//
// Every human-readable template lives in the i18n string tables (keys "calc.*"), so both
// languages are complete by construction (tests/i18n checks the tables, tests/calc the steps).
// The calculators are pure functions: no I/O, no global state besides the embedded tables.
#pragma once

#include "i18n/i18n.h"

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace es::calc {

struct step {
    std::string id;
    std::string title;
    std::string formula;
    std::string substituted;
    std::string result;
};

// Why a calculation was refused. `field` names the input ("k", "groups", "pad", "macs", ...:
// the dispatcher's argument names, so a front end can point at the field); `message` is in
// the language the calculation was asked for and names the CLI flag (--k, --groups, ...).
struct calc_error {
    std::string field;
    std::string message;
};

// Checked 64-bit arithmetic: nullopt on overflow.
std::optional<std::int64_t> checked_mul(std::int64_t a, std::int64_t b);
std::optional<std::int64_t> checked_mul(std::initializer_list<std::int64_t> factors);
std::optional<std::int64_t> checked_add(std::int64_t a, std::int64_t b);

// 21676032 -> "21,676,032" (the grouping both tables use).
std::string format_count(std::int64_t v);
// A real number for a worked solution: whole values grouped like counts (up to 1e15), values
// of 1e6 or more rounded to whole and grouped, others with `significant` digits and no
// trailing zeros ("5.41901", "0.126736", "0.015625"). Non-finite values print as "nan"/"inf".
std::string format_real(double v, int significant = 6);
// A ratio as a percentage with two decimals: 0.126736 -> "12.67".
std::string format_percent(double ratio);
// A list of reals for a worked solution: "[0.5065, 0.3072, 0.1863]", each with format_real and
// `significant` digits; more than 12 entries end with ", …".
std::string format_list(const std::vector<double>& v, int significant = 4);

namespace detail {
// Fills *error (when given) and returns nullopt: `return fail(error, "k", message);`.
std::nullopt_t fail(calc_error* error, std::string field, std::string message);
// Builds a step from the table keys "calc.<key>.title", ".formula" and ".substituted"
// (the substituted template is filled with `args`).
step make_step(i18n::lang l, std::string_view id, std::string_view key,
               std::initializer_list<std::string_view> args, std::string result);
// A filled template: i18n::format(i18n::tr(l, key), args).
std::string text(i18n::lang l, std::string_view key, std::initializer_list<std::string_view> args = {});
}  // namespace detail

}  // namespace es::calc
