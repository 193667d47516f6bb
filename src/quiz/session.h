// quiz/session: a drill as the Quiz panel runs it, without drawing: which questions a mode
// asks and in what order, a question's text in either language, the typed answer graded,
// and a mock exam's timer and score. Time is passed in (unix seconds), never read here.
//
//   es::quiz::drill d = es::quiz::start_drill(es::quiz::mode::due, store.state(), bank, now, seed);
//   const es::quiz::question q = es::quiz::make_question(d.current_id(), lang);
//   auto g = es::quiz::grade_question(q, "B", lang);      // g.error: wrong form, nothing graded
//   if (g.error.empty()) { store.answer(q.sched_id, q.bullet, g.correct, now, ms, q.type, lang); d.advance(...); }
//
// What is scheduled (SM-2, quiz/scheduler.h): every bank item under its own id, and every
// problem generator as one item "gen:<generator>" (a due generator is practised with a new
// seed), both also under their skill (the sheet's bullet key).
//
// Modes:
//   due        the items and generators whose SM-2 due time has come (most overdue first), then
//              new ones (never answered) in the sheet's bullet order, each bullet's bank items
//              before its generator; at most `limit` questions.
//   mistakes   items answered wrong the last time or with a lapse, latest first (a generator
//              among them asks a new problem of its kind); at most `limit`.
//   generated  `limit` generated problems, generators taken round-robin in a seeded order.
//   mock       a timed mock exam: `limit` bank items mixing the sections (quiz::mock_exam) and
//              one generated problem per four items; answers are graded at once but revealed,
//              and recorded, only when the exam ends (all answered or the time is up); the
//              score is given by section.
#pragma once

#include "calc/step.h"
#include "i18n/i18n.h"
#include "quiz/bank.h"
#include "quiz/generators.h"
#include "quiz/scheduler.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace es::quiz {

enum class mode { due, mistakes, generated, mock };
std::string_view mode_name(mode m);  // "due", "mistakes", "generated", "mock"
std::optional<mode> parse_mode(std::string_view s);

inline constexpr int default_limit = 20;
inline constexpr int mock_default_minutes = 20;

// A question ready to show, in one language.
struct question {
    std::string id;        // bank id, or "gen:<generator>:<seed>"
    std::string sched_id;  // what SM-2 schedules: the bank id, or "gen:<generator>"
    std::string bullet, section;
    item_type type = item_type::tf;
    std::string prompt;
    std::vector<std::string> choices;
    std::string unit;       // numeric, may be empty
    double tolerance = 0;   // numeric: relative; 0 = exact integer
    std::string trap;       // bank items: the exam trap it targets, may be empty
};

// nullopt for an unknown id. A "gen:<generator>" id (no seed) is not a question: see next_problem_id.
std::optional<question> make_question(std::string_view id, i18n::lang l);

struct verdict {
    std::string error;  // the answer is not in a valid form: nothing graded, ask again
    bool correct = false;
    std::string expected;     // in the form the student types ("B", "A, C", "true", "56.25")
    std::string explanation;  // why; for generated problems the method
    std::string slip;         // the named mistake a wrong answer matches ("" when none)
    std::string slip_name;    // its name in the language asked
    std::vector<calc::step> steps;  // generated problems: the worked solution
};
verdict grade_question(const question& q, std::string_view answer, i18n::lang l);

// The scheduled ids: every bank item, then "gen:<generator>" for every generator.
std::vector<std::string> schedulable_ids(const bank& b);
// "gen:conv_out" for a generated id (with or without seed); the id itself for a bank item.
std::string sched_id_of(std::string_view id);
// The bullet of a scheduled or question id; empty when unknown.
std::string bullet_of(const bank& b, std::string_view id);

struct drill_entry {
    std::string id;  // a question id (generators already given their seed)
    // Filled as the student answers:
    bool answered = false;
    bool correct = false;
    std::string given;
    std::int32_t ms = 0;
};

struct drill {
    mode m = mode::due;
    std::vector<drill_entry> entries;
    std::size_t pos = 0;          // the question being asked (== entries.size(): finished)
    std::int64_t started = 0;     // unix seconds
    std::int64_t deadline = 0;    // mock: started + minutes; 0 otherwise
    bool finished = false;

    bool empty() const { return entries.empty(); }
    const drill_entry* current() const { return pos < entries.size() ? &entries[pos] : nullptr; }
    int answered() const;
    int correct() const;
    // Mock: the time left at `now` (never negative); 0 for other modes.
    std::int64_t seconds_left(std::int64_t now) const;
};

struct drill_options {
    int limit = default_limit;
    int mock_minutes = mock_default_minutes;
    // "", "1".."5" (only that section) or a bullet key or prefix such as "4.1" (only the
    // bullets under it): due, mistakes and generated drills.
    std::string section;
};
// Whether a bullet key ("4.1.2") is within a drill_options::section scope ("", "4", "4.1", "4.1.2").
bool bullet_in_scope(std::string_view bullet, std::string_view scope);

// Builds the drill of a mode from the student's state at `now`. Generated problems get their
// seeds from `seed`, so the same call gives the same drill.
drill start_drill(mode m, const study_state& s, const bank& b, std::int64_t now, std::uint64_t seed,
                  const drill_options& o = {});

// Records the verdict of the current question in the drill and moves on. Returns the entry
// answered. (The caller records it in the progress store: at once, or for a mock exam when it
// ends — see finish_mock.)
const drill_entry& record(drill& d, bool correct, std::string given, std::int32_t ms);

// Mock exam: marks it finished (time up or all answered) and returns the results to record,
// in order: (question id, correct); unanswered questions count as wrong.
std::vector<std::pair<std::string, bool>> finish_mock(drill& d);

// ---- dashboard ----

struct section_progress {
    std::string section;
    int items = 0;     // bank items of the section
    int seen = 0;      // answered at least once
    int mastered = 0;  // reps >= 2: two correct reviews in a row, interval of 6 days or more
    int due = 0;       // due now (bank items and generators of the section)
    int answers = 0, correct = 0;  // every answer recorded for the section's bank items
};
std::vector<section_progress> progress_by_section(const study_state& s, const bank& b, std::int64_t now);

}  // namespace es::quiz
