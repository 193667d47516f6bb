// Grading of the fixed bank: every item's own answer is correct, a wrong one incorrect, and
// an answer in the wrong form is an error (never "incorrect"), in both languages.
#include "quiz/bank.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

using namespace es;
using i18n::lang;
using quiz::item_type;

namespace {

// A well-formed answer that is not the item's.
std::string wrong_answer(const quiz::item& it) {
    switch (it.type) {
    case item_type::tf: return it.answer_tf ? "false" : "true";
    case item_type::single: return quiz::choice_letter((it.answer_single + 1) % static_cast<int>(it.choices.size()));
    case item_type::multi: {
        // Toggle choice A (adding a wrong one or dropping a right one); never leave none.
        std::vector<int> chosen = it.answer_multi;
        auto a = std::find(chosen.begin(), chosen.end(), 0);
        if (a != chosen.end()) chosen.erase(a);
        else chosen.push_back(0);
        if (chosen.empty()) chosen = {1};
        std::string out;
        for (int k : chosen) {
            if (!out.empty()) out += ',';
            out += std::to_string(k + 1);
        }
        return out;
    }
    case item_type::numeric: return quiz::number_text(it.answer_number * 1.5 + 1);
    }
    return "";
}

}  // namespace

TEST_CASE("quiz grade: the bank loads, and every item grades its own answer correct and a wrong one incorrect") {
    std::string error;
    auto b = quiz::load_bank(&error);
    REQUIRE_MESSAGE(b, error);
    CHECK(b->items.size() == 212);
    CHECK(quiz::the_bank().items.size() == b->items.size());
    CHECK(b->bullets.size() >= 30);
    for (const auto& it : b->items) {
        CAPTURE(it.id);
        CHECK(quiz::the_bank().find(it.id) != nullptr);
        for (lang l : i18n::all_languages) {
            const auto right = quiz::grade(it, quiz::grade(it, "1", l).expected, l);
            CHECK(right.error.empty());
            CHECK(right.correct);
            const std::string w = wrong_answer(it);
            CAPTURE(w);
            const auto bad = quiz::grade(it, w, l);
            CHECK(bad.error.empty());
            CHECK_FALSE(bad.correct);
            CHECK(bad.expected == right.expected);
        }
    }
    CHECK(quiz::the_bank().find("no-such-id") == nullptr);
}

TEST_CASE("quiz grade: accepted forms of each type") {
    quiz::item tf;
    tf.type = item_type::tf;
    tf.answer_tf = false;
    for (const char* a : {"false", "F", " f ", "0", "FALSE", "錯", "否"}) {
        CAPTURE(a);
        CHECK(quiz::grade(tf, a, lang::en).correct);
    }
    for (const char* a : {"true", "T", "1", "對", "是"}) CHECK_FALSE(quiz::grade(tf, a, lang::en).correct);
    CHECK(quiz::grade(tf, "f", lang::en).expected == "false");

    quiz::item single;
    single.type = item_type::single;
    single.choices = {{"a", "甲"}, {"b", "乙"}, {"c", "丙"}, {"d", "丁"}};
    single.answer_single = 1;  // 0-based in the bank: the second choice, B, key 2
    for (const char* a : {"B", "b", "2", " 2 "}) CHECK(quiz::grade(single, a, lang::en).correct);
    for (const char* a : {"A", "1", "D", "4"}) CHECK_FALSE(quiz::grade(single, a, lang::en).correct);
    CHECK(quiz::grade(single, "A", lang::en).expected == "B");

    quiz::item multi = single;
    multi.type = item_type::multi;
    multi.answer_multi = {0, 2};
    for (const char* a : {"A,C", "c, a", "1 3", "3,1", "A C", "A，C", "A、C", "1, C"}) {
        CAPTURE(a);
        CHECK(quiz::grade(multi, a, lang::en).correct);
    }
    for (const char* a : {"A", "A,B,C", "C", "B,D"}) CHECK_FALSE(quiz::grade(multi, a, lang::en).correct);
    CHECK(quiz::grade(multi, "A", lang::en).expected == "A, C");

    quiz::item num;
    num.type = item_type::numeric;
    num.answer_number = 21676032;
    num.tolerance = 0;
    for (const char* a : {"21676032", "21,676,032", "2.1676032e7", "21676032.0", "+21676032"}) {
        CAPTURE(a);
        CHECK(quiz::grade(num, a, lang::en).correct);
    }
    CHECK_FALSE(quiz::grade(num, "21676033", lang::en).correct);
    num.answer_number = -0.5;
    num.tolerance = 0.01;
    CHECK(quiz::grade(num, "−0.504", lang::en).correct);  // U+2212 as the bank writes it
    CHECK(quiz::grade(num, "-0.496", lang::en).correct);
    CHECK_FALSE(quiz::grade(num, "-0.51", lang::en).correct);
    CHECK(quiz::grade(num, "1", lang::en).expected == "-0.5");
}

TEST_CASE("quiz grade: a wrong-form answer is an error with a message, in either language") {
    quiz::item single;
    single.type = item_type::single;
    single.choices = {{"a", "甲"}, {"b", "乙"}, {"c", "丙"}, {"d", "丁"}};
    quiz::item multi = single;
    multi.type = item_type::multi;
    multi.answer_multi = {0};
    quiz::item tf;
    tf.type = item_type::tf;
    quiz::item num;
    num.type = item_type::numeric;
    num.answer_number = 3;
    struct bad_case {
        const quiz::item* it;
        const char* answer;
        const char* needle;
    };
    const bad_case cases[] = {
        {&single, "E", "A–D or a number 1–4"}, {&single, "5", "\"5\""},    {&single, "0", "\"0\""},
        {&single, "AB", "\"AB\""},            {&multi, "A,A", "named twice"}, {&multi, "A,X", "\"X\""},
        {&multi, ",", "Type an answer"},       {&tf, "maybe", "true or false"}, {&tf, "", "Type an answer"},
        {&num, "three", "Expected a number"}, {&num, "1,2", "Expected a number"}, {&num, "inf", "Expected a number"},
        {&num, "nan", "Expected a number"},   {&num, "0x10", "Expected a number"}, {&num, "1e999", "Expected a number"},
        {&num, "12,34", "Expected a number"}, {&num, "1 2", "Expected a number"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.answer);
        const auto g = quiz::grade(*c.it, c.answer, lang::en);
        CHECK_FALSE(g.correct);
        CHECK(g.error.find(c.needle) != std::string::npos);
        const auto zh = quiz::grade(*c.it, c.answer, lang::zh_tw);
        CHECK_FALSE(zh.error.empty());
        CHECK(zh.error != g.error);
    }
    // A long answer is cut in the message.
    const auto g = quiz::grade(num, std::string(500, 'x'), lang::en);
    CHECK(g.error.size() < 120);
}
