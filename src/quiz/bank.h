// quiz/bank: the fixed question bank (src/quiz/bank/*.json, embedded as "quiz/bank/*.json";
// schema in src/quiz/bank/README.md) as typed items, and the grading of a typed answer.
//
//   const es::quiz::bank& b = es::quiz::the_bank();          // parsed once
//   const es::quiz::item* it = b.find("1.1.4-c");
//   auto g = es::quiz::grade(*it, "B", es::i18n::lang::en);
//   if (!g.error.empty()) show(g.error);                      // wrong form: not graded
//   else g.correct;
//
// Answer text accepted by grade() (surrounding spaces ignored, letters case-insensitive):
//   tf       true / false, t / f, 1 / 0, and 對 / 錯, 是 / 否 (T and F are the keyboard keys).
//   single   the choice as shown on screen: its letter A, B, C, ... or its 1-based number 1, 2,
//            3, ... (the keyboard's 1–4 pick A–D). The bank stores 0-based indices; they are
//            never typed.
//   multi    every chosen choice, as letters or 1-based numbers separated by commas and/or
//            spaces ("A, C", "1 3", "AC" is not accepted); order does not matter; correct
//            only when the set equals the answer's set exactly. A choice named twice is an
//            error.
//   numeric  a decimal number (sign, decimals, exponent "2.1e7"; "21,676,032" with commas
//            grouping thousands is accepted). Correct when |x − a| ≤ tolerance·|a|; with
//            tolerance 0 the answer is an integer and x must equal it exactly.
// An answer in the wrong form (text for a number, "E" or "5" among four choices, an empty
// answer) is an error with a message in the requested language, never "incorrect".
// grade().expected is the answer written in the form above ("true", "B", "A, C", "56.25"),
// so grading it back is always correct.
#pragma once

#include "i18n/i18n.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace es::quiz {

enum class item_type { tf, single, multi, numeric };

std::string_view item_type_name(item_type t);  // "tf", "single", "multi", "numeric"
std::optional<item_type> parse_item_type(std::string_view s);

// A text in both languages.
struct bilingual {
    std::string en, zh_tw;
    const std::string& in(i18n::lang l) const { return l == i18n::lang::zh_tw ? zh_tw : en; }
};

struct item {
    std::string id;       // "1.1.4-c"
    std::string bullet;   // "1.1.4" (the skill)
    std::string section;  // "1" .. "5"
    item_type type = item_type::tf;
    bilingual prompt;
    std::vector<bilingual> choices;  // single / multi
    bool answer_tf = false;
    int answer_single = 0;           // 0-based
    std::vector<int> answer_multi;   // 0-based, sorted
    double answer_number = 0;
    double tolerance = 0;            // numeric: relative; 0 = exact integer
    std::optional<bilingual> unit;
    bilingual explanation;
    std::string trap;                // may be empty
};

struct bullet_info {
    std::string key;      // "1.1.4"
    std::string summary;  // English summary (bullets.json)
};

struct bank {
    std::vector<item> items;  // in file order: s1.json .. s5.json
    std::vector<bullet_info> bullets;
    const item* find(std::string_view id) const;
};

// Parses the embedded files. nullopt and *error (naming file and item) when a file is
// missing or malformed; the bank test keeps that from ever happening in a build.
std::optional<bank> load_bank(std::string* error);
// The embedded bank, parsed on first use (empty when load_bank fails).
const bank& the_bank();
// The section names "1" .. "5".
const std::vector<std::string>& sections();

struct grade_result {
    std::string error;     // non-empty: the answer is not in a valid form; nothing graded
    bool correct = false;
    std::string expected;  // the correct answer in the accepted answer form
};

grade_result grade(const item& it, std::string_view answer, i18n::lang l);

// ---- the pieces of grading, shared with generated problems ----

// "A" -> "A", 0-based index -> letter; letters run A..Z.
std::string choice_letter(int index);
// One choice named by letter or 1-based number among n; nullopt when it is not one.
std::optional<int> parse_choice(std::string_view token, int n);
// A numeric answer; nullopt when the text is not a number.
std::optional<double> parse_number_answer(std::string_view text);
// |x − a| ≤ tolerance·|a|; tolerance 0: x == a.
bool number_matches(double x, double expected, double tolerance);
// The expected number as text: integers without decimals, others with up to 6 significant digits.
std::string number_text(double v);

}  // namespace es::quiz
