// Drills (quiz/session): what each mode asks and in what order, questions in both languages,
// grading through the bank and the generators, the mock exam's timer and score, and the
// dashboard's numbers.
#include "quiz/session.h"

#include <doctest/doctest.h>

#include <set>

using namespace es::quiz;
using es::i18n::lang;

namespace {

constexpr std::int64_t t0 = 1'800'000'000;  // a fixed "now"
constexpr std::int64_t day = 86'400;

// The answer that is right for a question, read back from the grader.
std::string right_answer(const question& q) { return grade_question(q, q.type == item_type::numeric ? "0" : q.type == item_type::tf ? "true" : "A", lang::en).expected; }

}  // namespace

TEST_CASE("quiz session: questions in both languages, from the bank and the generators") {
    const bank& b = the_bank();
    REQUIRE_FALSE(b.items.empty());
    const item& it = b.items.front();
    auto en = make_question(it.id, lang::en);
    auto zh = make_question(it.id, lang::zh_tw);
    REQUIRE(en.has_value());
    REQUIRE(zh.has_value());
    CHECK(en->prompt == it.prompt.en);
    CHECK(zh->prompt == it.prompt.zh_tw);
    CHECK(en->sched_id == it.id);
    CHECK(en->bullet == it.bullet);

    auto g = make_question("gen:conv_out:42", lang::en);
    REQUIRE(g.has_value());
    CHECK(g->sched_id == "gen:conv_out");
    CHECK(g->bullet == generator_bullet("conv_out"));
    CHECK(g->section == g->bullet.substr(0, 1));
    const auto v = grade_question(*g, right_answer(*g), lang::en);
    CHECK(v.error.empty());
    CHECK(v.correct);
    CHECK_FALSE(v.steps.empty());  // the worked solution comes with a generated problem

    CHECK_FALSE(make_question("no-such-id", lang::en).has_value());
    CHECK_FALSE(make_question("gen:conv_out", lang::en).has_value());  // a schedule id, not a question
    CHECK(grade_question(*en, "", lang::en).error.size() > 0);          // an empty answer is refused, not wrong
}

TEST_CASE("quiz session: a fresh student's due drill introduces new items in the sheet's order") {
    const bank& b = the_bank();
    study_state s;
    drill d = start_drill(mode::due, s, b, t0, 7);
    REQUIRE(d.entries.size() == static_cast<std::size_t>(default_limit));
    // The first bullet's bank items come first, then its generators.
    const std::string first_bullet = b.bullets.front().key;
    CHECK(bullet_of(b, d.entries[0].id) == first_bullet);
    std::set<std::string> ids;
    for (const auto& e : d.entries) CHECK(ids.insert(sched_id_of(e.id)).second);  // nothing twice
    // The same call gives the same drill.
    drill again = start_drill(mode::due, s, b, t0, 7);
    for (std::size_t i = 0; i < d.entries.size(); ++i) CHECK(again.entries[i].id == d.entries[i].id);
    // A section filter keeps to that section.
    drill_options o;
    o.section = "3";
    for (const auto& e : start_drill(mode::due, s, b, t0, 7, o).entries) CHECK(bullet_of(b, e.id).substr(0, 1) == "3");
    // A bullet scope keeps to the bullets under it (the labs' "drill §4.1" links).
    o.section = "4.1";
    const auto d41 = start_drill(mode::due, s, b, t0, 7, o);
    REQUIRE_FALSE(d41.entries.empty());
    for (const auto& e : d41.entries) CHECK(bullet_of(b, e.id).rfind("4.1.", 0) == 0);
}

TEST_CASE("quiz session: bullet scopes") {
    CHECK(bullet_in_scope("4.1.2", ""));
    CHECK(bullet_in_scope("4.1.2", "4"));
    CHECK(bullet_in_scope("4.1.2", "4.1"));
    CHECK(bullet_in_scope("4.1.2", "4.1.2"));
    CHECK_FALSE(bullet_in_scope("4.1.2", "4.1.3"));
    CHECK_FALSE(bullet_in_scope("4.12.1", "4.1"));  // a prefix must end at a dot
    CHECK_FALSE(bullet_in_scope("3.1.1", "4"));
    CHECK_FALSE(bullet_in_scope("4", "4.1"));
}

TEST_CASE("quiz session: answers move items out of the due drill and into mistakes") {
    const bank& b = the_bank();
    study_state s;
    const item& a = b.items[0];
    const item& c = b.items[1];
    record_answer(s, a.id, a.bullet, true, t0, 5000, a.type);
    record_answer(s, c.id, c.bullet, false, t0, 5000, c.type);
    record_answer(s, "gen:kd", generator_bullet("kd"), false, t0, 5000, item_type::numeric);
    // Tomorrow: the wrong ones are due first (interval 1 day), the right one too (I = 1 after n = 0).
    drill d = start_drill(mode::due, s, b, t0 + day, 1);
    std::set<std::string> first;
    for (std::size_t i = 0; i < 3; ++i) first.insert(sched_id_of(d.entries[i].id));
    CHECK(first == std::set<std::string>{a.id, c.id, "gen:kd"});
    // The generator is asked with a seed: a real question.
    for (const auto& e : d.entries) CHECK(make_question(e.id, lang::en).has_value());

    drill m = start_drill(mode::mistakes, s, b, t0 + day, 1);
    REQUIRE(m.entries.size() == 2);
    std::set<std::string> wrong;
    for (const auto& e : m.entries) wrong.insert(sched_id_of(e.id));
    CHECK(wrong == std::set<std::string>{c.id, "gen:kd"});

    // Answered right today: not due today.
    drill today = start_drill(mode::due, s, b, t0 + 60, 1);
    for (const auto& e : today.entries) CHECK(sched_id_of(e.id) != a.id);
}

TEST_CASE("quiz session: generated drill and recording") {
    const bank& b = the_bank();
    study_state s;
    drill_options o;
    o.limit = 12;
    drill d = start_drill(mode::generated, s, b, t0, 3, o);
    REQUIRE(d.entries.size() == 12);
    std::set<std::string> gens;
    for (const auto& e : d.entries) {
        REQUIRE(parse_generated_id(e.id).has_value());
        gens.insert(sched_id_of(e.id));
    }
    CHECK(gens.size() == generator_names().size());  // round-robin: every generator once in 12
    CHECK_FALSE(d.finished);
    for (std::size_t i = 0; i < d.entries.size(); ++i) record(d, i % 2 == 0, "x", 1000);
    CHECK(d.finished);
    CHECK(d.answered() == 12);
    CHECK(d.correct() == 6);
    CHECK(d.current() == nullptr);
}

TEST_CASE("quiz session: the mock exam mixes sections, times out, and scores by section") {
    const bank& b = the_bank();
    study_state s;
    drill_options o;
    o.limit = 20;
    o.mock_minutes = 15;
    drill d = start_drill(mode::mock, s, b, t0, 11, o);
    REQUIRE(d.entries.size() == 25);  // 20 bank items and one generated problem per four
    std::set<std::string> sections;
    int generated = 0;
    for (const auto& e : d.entries) {
        sections.insert(make_question(e.id, lang::en)->section);
        if (parse_generated_id(e.id)) ++generated;
    }
    CHECK(generated == 5);
    CHECK(sections.size() == 5);
    CHECK(d.seconds_left(t0) == 15 * 60);
    CHECK(d.seconds_left(t0 + 14 * 60) == 60);
    CHECK(d.seconds_left(t0 + 16 * 60) == 0);
    // Answer three (two right), then the time is up: the rest count as wrong.
    for (int i = 0; i < 3; ++i) {
        const auto q = make_question(d.current()->id, lang::en);
        record(d, i < 2, i < 2 ? right_answer(*q) : "nonsense", 2000);
    }
    CHECK_FALSE(d.finished);  // a mock exam ends by the clock or the student, not by itself
    const auto results = finish_mock(d);
    CHECK(d.finished);
    REQUIRE(results.size() == 25);
    int right = 0;
    for (const auto& r : results) right += r.second;
    CHECK(right == 2);
    const auto scores = score_by_section(b, results);
    int answered = 0, correct = 0;
    for (const auto& sc : scores) {
        answered += sc.answered;
        correct += sc.correct;
    }
    CHECK(answered == 25);
    CHECK(correct == 2);
}

TEST_CASE("quiz session: the dashboard counts per section") {
    const bank& b = the_bank();
    study_state s;
    auto p0 = progress_by_section(s, b, t0);
    REQUIRE(p0.size() == 5);
    int items = 0;
    for (const auto& p : p0) {
        items += p.items;
        CHECK(p.seen == 0);
        CHECK(p.mastered == 0);
    }
    CHECK(items == static_cast<int>(b.items.size()));
    const item& a = b.items[0];
    // Two correct reviews in a row: mastered.
    record_answer(s, a.id, a.bullet, true, t0, 3000, a.type);
    record_answer(s, a.id, a.bullet, true, t0 + day, 3000, a.type);
    auto p1 = progress_by_section(s, b, t0 + day);
    for (const auto& p : p1)
        if (p.section == a.section) {
            CHECK(p.seen == 1);
            CHECK(p.mastered == 1);
            CHECK(p.answers == 2);
            CHECK(p.correct == 2);
            CHECK(p.due == 0);  // next review in 6 days
        }
    auto p2 = progress_by_section(s, b, t0 + 8 * day);
    for (const auto& p : p2)
        if (p.section == a.section) CHECK(p.due == 1);
}

TEST_CASE("quiz session: modes by name") {
    for (mode m : {mode::due, mode::mistakes, mode::generated, mode::mock}) CHECK(parse_mode(mode_name(m)) == m);
    CHECK_FALSE(parse_mode("cram").has_value());
}
