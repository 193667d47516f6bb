// SM-2 per item and per skill against hand-computed values; due items, mistakes, mock exam,
// score by section, streak and accuracy per day at a UTC offset.
#include "quiz/scheduler.h"

#include <doctest/doctest.h>

#include <set>

using namespace es;
using quiz::item_type;

namespace {
constexpr std::int64_t t0 = 1700000000;  // 2023-11-14T22:13:20Z
constexpr std::int64_t day = 86400;
}  // namespace

TEST_CASE("quiz scheduler: answer quality from correctness and response time") {
    CHECK(quiz::answer_quality(false, 1000, item_type::tf) == 2);
    CHECK(quiz::answer_quality(true, 0, item_type::numeric) == 4);  // time unknown
    CHECK(quiz::answer_quality(true, 10000, item_type::tf) == 5);
    CHECK(quiz::answer_quality(true, 10001, item_type::tf) == 4);
    CHECK(quiz::answer_quality(true, 30001, item_type::tf) == 3);
    CHECK(quiz::answer_quality(true, 15000, item_type::single) == 5);
    CHECK(quiz::answer_quality(true, 45001, item_type::single) == 3);
    CHECK(quiz::answer_quality(true, 75000, item_type::multi) == 4);
    CHECK(quiz::answer_quality(true, 60000, item_type::numeric) == 5);
    CHECK(quiz::answer_quality(true, 180000, item_type::numeric) == 4);
    CHECK(quiz::answer_quality(true, 180001, item_type::numeric) == 3);
}

TEST_CASE("quiz scheduler: SM-2 intervals, ease and lapses (hand-computed)") {
    quiz::sm2_state s;
    struct step {
        int q;
        int interval, reps, lapses;
        double ef;
    };
    // EF' = EF + 0.1 − (5 − q)(0.08 + (5 − q)·0.02); I: 1, 6, then round(I·EF) with the EF before.
    const step expect[] = {
        {5, 1, 1, 0, 2.6},   // new: I = 1
        {4, 6, 2, 0, 2.6},   // second: I = 6
        {3, 16, 3, 0, 2.46}, // round(6 · 2.6) = round(15.6)
        {2, 1, 0, 1, 2.14},  // lapse: back to 1, EF − 0.32
        {4, 1, 1, 1, 2.14},
        {5, 6, 2, 1, 2.24},
        {5, 13, 3, 1, 2.34}, // round(6 · 2.24) = round(13.44)
        {5, 30, 4, 1, 2.44}, // round(13 · 2.34) = round(30.42)
    };
    std::int64_t now = t0;
    for (const auto& e : expect) {
        s = quiz::sm2_review(s, e.q, now);
        CHECK(s.interval_days == e.interval);
        CHECK(s.reps == e.reps);
        CHECK(s.lapses == e.lapses);
        CHECK(s.ef == doctest::Approx(e.ef));
        CHECK(s.due == now + e.interval * day);
        CHECK(s.last == now);
        CHECK(s.last_correct == (e.q >= 3));
        now = s.due;
    }
    CHECK(s.answers == 8);
    CHECK(s.correct == 7);
    // The ease never drops below 1.3.
    quiz::sm2_state low;
    for (int i = 0; i < 10; ++i) low = quiz::sm2_review(low, 0, t0);
    CHECK(low.ef == 1.3);
    CHECK(low.lapses == 10);
    // Intervals are capped.
    quiz::sm2_state high;
    high.ef = 100;
    high.reps = 5;
    high.interval_days = 30000;
    CHECK(quiz::sm2_review(high, 5, t0).interval_days == quiz::max_interval_days);
}

TEST_CASE("quiz scheduler: items and skills, due items, mistakes, bounded history") {
    quiz::study_state s;
    quiz::record_answer(s, "1.1.4-a", "1.1.4", true, t0, 5000, item_type::tf);           // I = 1
    quiz::record_answer(s, "1.1.4-b", "1.1.4", true, t0, 5000, item_type::tf);           // I = 1
    quiz::record_answer(s, "1.1.4-b", "1.1.4", true, t0 + day, 5000, item_type::tf);     // I = 6
    quiz::record_answer(s, "2.1.1-a", "2.1.1", false, t0 + 10, 5000, item_type::single); // lapse
    quiz::record_answer(s, "3.1.1-a", "3.1.1", false, t0 + 20, 5000, item_type::numeric);
    quiz::record_answer(s, "3.1.1-a", "3.1.1", true, t0 + 30, 5000, item_type::numeric);
    CHECK(s.skills.at("1.1.4").answers == 3);
    CHECK(s.skills.at("1.1.4").interval_days == 16);  // the skill was reviewed three times: 1, 6, round(6 · 2.7)
    CHECK(s.items.at("1.1.4-b").interval_days == 6);
    CHECK(quiz::due_items(s, t0 - 1).empty());
    CHECK(quiz::due_items(s, t0 + day + 30) == std::vector<std::string>{"1.1.4-a", "2.1.1-a", "3.1.1-a"});
    CHECK(quiz::due_items(s, t0 + 7 * day).size() == 4);
    CHECK(quiz::due_skills(s, t0 + day + 30) == std::vector<std::string>{"2.1.1", "3.1.1"});
    // Wrong last time or lapsed, the latest first.
    CHECK(quiz::mistakes(s) == std::vector<std::string>{"3.1.1-a", "2.1.1-a"});
    CHECK(s.history.size() == 6);

    for (int i = 0; i < 5003; ++i) {
        std::string id = "x";
        id += std::to_string(i);
        quiz::record_answer(s, id, "", true, t0 + i, 0, item_type::tf);
    }
    CHECK(s.history.size() == quiz::max_history);
    CHECK(s.history.front().id == "x3");
    CHECK(s.history.back().id == "x5002");
}

TEST_CASE("quiz scheduler: mock exam mixes sections reproducibly; score by section") {
    const auto& b = quiz::the_bank();
    REQUIRE(b.items.size() == 212);
    auto exam = quiz::mock_exam(b, 20, 7);
    REQUIRE(exam.size() == 20);
    std::set<std::string> ids;
    std::map<std::string, int> per_section;
    for (const auto* it : exam) {
        ids.insert(it->id);
        ++per_section[it->section];
    }
    CHECK(ids.size() == 20);
    for (const auto& sec : quiz::sections()) CHECK(per_section[sec] == 4);  // round-robin over 5 sections
    auto again = quiz::mock_exam(b, 20, 7), other = quiz::mock_exam(b, 20, 8);
    CHECK(again == exam);
    CHECK(other != exam);
    CHECK(quiz::mock_exam(b, 1000, 1).size() == 212);
    CHECK(quiz::mock_exam(b, 0, 1).empty());

    const auto scores = quiz::score_by_section(
        b, {{"1.1.1-a", true}, {"1.1.1-b", false}, {"gen:conv_out:5", true}, {exam[0]->id, true}, {"bogus", true},
            {"gen:quant_q:9", false}});
    std::map<std::string, std::pair<int, int>> m;
    for (const auto& sc : scores) m[sc.section] = {sc.answered, sc.correct};
    const std::string first = exam[0]->section;
    int answered1 = 3 + (first == "1"), correct1 = 2 + (first == "1");
    CHECK(m["1"] == std::make_pair(answered1, correct1));
    int answered3 = 1 + (first == "3");
    CHECK(m["3"].first == answered3);
    CHECK(quiz::section_of(b, "bogus").empty());
    CHECK(quiz::section_of(b, "gen:kd:1") == "4");
}

TEST_CASE("quiz scheduler: days at a UTC offset, streak, accuracy per day") {
    CHECK(quiz::day_date(0) == "1970-01-01");
    CHECK(quiz::day_date(-1) == "1969-12-31");
    CHECK(quiz::day_date(19723) == "2024-01-01");
    CHECK(quiz::day_date(19782) == "2024-02-29");
    CHECK(quiz::day_index(-1, 0) == -1);
    const std::int32_t taiwan = 8 * 3600;
    const std::int64_t jan1 = 1704067200;  // 2024-01-01T00:00Z
    CHECK(quiz::day_index(jan1 + 16 * 3600 - 1, taiwan) == 19723);  // 23:59:59 in Taipei
    CHECK(quiz::day_index(jan1 + 16 * 3600, taiwan) == 19724);      // midnight in Taipei
    CHECK(quiz::day_index(jan1 + 16 * 3600, 0) == 19723);

    quiz::study_state s;
    const std::int64_t noon = jan1 + 4 * 3600;  // 12:00 in Taipei
    for (int d : {0, 1, 2, 4}) quiz::record_answer(s, "a", "", d != 1, noon + d * day, 0, item_type::tf);
    quiz::record_answer(s, "b", "", true, noon + 4 * day + 60, 0, item_type::tf);
    CHECK(quiz::streak(s, noon + 4 * day, taiwan) == 1);
    CHECK(quiz::streak(s, noon + 5 * day, taiwan) == 1);  // today not yet answered: yesterday still counts
    CHECK(quiz::streak(s, noon + 6 * day, taiwan) == 0);
    CHECK(quiz::streak(s, noon + 2 * day, taiwan) == 3);
    CHECK(quiz::streak(s, noon + 3 * day, taiwan) == 3);
    // At UTC−12 the same answers fall a day earlier for 00:00-11:59 UTC answers, and the run holds.
    CHECK(quiz::streak(s, noon + 2 * day, -12 * 3600) == 3);

    const auto acc = quiz::accuracy_by_day(s, taiwan);
    REQUIRE(acc.size() == 4);
    CHECK(acc[0].date == "2024-01-01");
    CHECK(acc[1].date == "2024-01-02");
    CHECK(acc[1].answered == 1);
    CHECK(acc[1].correct == 0);
    CHECK(acc[3].date == "2024-01-05");
    CHECK(acc[3].answered == 2);
    CHECK(acc[3].correct == 2);
}
