// quiz/scheduler: spaced repetition (SM-2) per item and per skill, and the queries the drills
// and the dashboard ask: what is due, the mistakes, a mock exam and its score by section,
// the streak and the accuracy per day. Pure functions of the state and of the time passed in
// (unix seconds): nothing here reads a clock, so every result is reproducible.
//
//   es::quiz::study_state s;
//   es::quiz::record_answer(s, "1.1.4-c", "1.1.4", /*correct=*/true, now, /*ms=*/8000, item_type::numeric);
//   auto due = es::quiz::due_items(s, now + 86400);   // {"1.1.4-c"}
//
// SM-2 (Wozniak 1990, as commonly implemented), applied to an item on every answer and, with
// the same answer, to the item's skill (its bullet key, e.g. "1.1.4"):
//   quality q (0..5) from the answer:
//     incorrect                                  q = 2
//     correct, response time unknown (ms ≤ 0)    q = 4
//     correct, ms ≤ fast(type)                   q = 5
//     correct, fast(type) < ms ≤ slow(type)      q = 4
//     correct, ms > slow(type)                   q = 3
//     fast / slow in seconds: tf 10 / 30, single 15 / 45, multi 25 / 75, numeric 60 / 180.
//   interval I (days) and repetitions n, with the ease factor EF before this answer:
//     q ≥ 3:  I = 1 if n = 0;  I = 6 if n = 1;  else I = round(I_prev · EF);  then n = n + 1
//     q < 3:  a lapse: n = 0, I = 1, lapses = lapses + 1
//     I is capped at 36,500 days.
//   ease factor, after every answer (lapses included):
//     EF' = max(1.3, EF + 0.1 − (5 − q)·(0.08 + (5 − q)·0.02))
//     so q = 5: +0.10, q = 4: ±0, q = 3: −0.14, q = 2: −0.32. A new item starts at EF = 2.5.
//   due = now + I·86,400.
// An item never answered has no state and is "new", not due.
//
// Days (streak, accuracy per day) are calendar days at a given UTC offset in seconds
// (e.g. +28,800 for Taiwan): day = floor((t + offset) / 86,400). The streak counts consecutive
// days with at least one answer, ending today, or yesterday while today has no answer yet.
// The answer history keeps the latest max_history answers; the streak and the accuracy per
// day see only those.
#pragma once

#include "quiz/bank.h"

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace es::quiz {

struct sm2_state {
    double ef = 2.5;
    int reps = 0;            // successful reviews in a row (n)
    int interval_days = 0;   // I
    std::int64_t due = 0;    // unix seconds
    int lapses = 0;
    std::int64_t last = 0;   // unix seconds of the latest answer
    bool last_correct = false;
    int answers = 0;
    int correct = 0;
};

struct answer_record {
    std::string id;
    std::int64_t t = 0;      // unix seconds
    bool correct = false;
    std::int32_t ms = 0;     // response time, 0 when unknown
};

inline constexpr std::size_t max_history = 5000;
inline constexpr int max_interval_days = 36500;

struct study_state {
    std::map<std::string, sm2_state> items;   // by item id (bank ids and "gen:..." ids)
    std::map<std::string, sm2_state> skills;  // by bullet key
    std::vector<answer_record> history;       // oldest first, at most max_history
};

// The SM-2 quality of an answer (see above).
int answer_quality(bool correct, std::int32_t response_ms, item_type type);
// One SM-2 review of a state with quality q (0..5) at time now.
sm2_state sm2_review(sm2_state s, int quality, std::int64_t now);
// Updates the item's and the skill's state and appends to the history (trimming the oldest).
void record_answer(study_state& s, const std::string& id, const std::string& bullet, bool correct, std::int64_t now,
                   std::int32_t response_ms, item_type type);

// Items whose due time is at or before now, the most overdue first (ties by id).
std::vector<std::string> due_items(const study_state& s, std::int64_t now);
// Skills (bullet keys) due at or before now, the most overdue first.
std::vector<std::string> due_skills(const study_state& s, std::int64_t now);
// Items answered wrong the last time or with at least one lapse, the latest answer first.
std::vector<std::string> mistakes(const study_state& s);

// A mock exam of n bank items (at most the bank's size) mixing the sections: each section's
// items shuffled by the seed, taken round-robin over the sections, then shuffled together.
std::vector<const item*> mock_exam(const bank& b, int n, std::uint64_t seed);

struct section_score {
    std::string section;
    int answered = 0;
    int correct = 0;
};
// The score by section of (id, correct) results; ids that are neither bank items nor
// generated problems are not counted. Sections in order "1" .. "5", only those answered.
std::vector<section_score> score_by_section(const bank& b, const std::vector<std::pair<std::string, bool>>& results);
// The section of a bank or generated id; empty when unknown.
std::string section_of(const bank& b, const std::string& id);

// floor((t + utc_offset_s) / 86400): days since 1970-01-01 at that offset.
std::int64_t day_index(std::int64_t t, std::int32_t utc_offset_s);
// "2024-05-01" for a day index.
std::string day_date(std::int64_t day);

int streak(const study_state& s, std::int64_t now, std::int32_t utc_offset_s);

struct day_accuracy {
    std::int64_t day = 0;
    std::string date;  // "YYYY-MM-DD"
    int answered = 0;
    int correct = 0;
};
// One entry per day with answers, oldest first.
std::vector<day_accuracy> accuracy_by_day(const study_state& s, std::int32_t utc_offset_s);

}  // namespace es::quiz
