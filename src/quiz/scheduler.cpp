#include "quiz/scheduler.h"

#include "quiz/generators.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

namespace es::quiz {

namespace {

constexpr std::int64_t seconds_per_day = 86400;

void shuffle(std::vector<const item*>& v, rng& g) {
    for (std::size_t i = v.size(); i > 1; --i)
        std::swap(v[i - 1], v[static_cast<std::size_t>(g.uniform(0, static_cast<std::int64_t>(i) - 1))]);
}

std::vector<std::string> due_of(const std::map<std::string, sm2_state>& states, std::int64_t now) {
    std::vector<std::pair<std::int64_t, std::string>> due;
    for (const auto& kv : states)
        if (kv.second.answers > 0 && kv.second.due <= now) due.emplace_back(kv.second.due, kv.first);
    std::sort(due.begin(), due.end());
    std::vector<std::string> out;
    for (auto& d : due) out.push_back(std::move(d.second));
    return out;
}

}  // namespace

int answer_quality(bool correct, std::int32_t response_ms, item_type type) {
    if (!correct) return 2;
    if (response_ms <= 0) return 4;
    std::int32_t fast = 10, slow = 30;  // seconds, tf
    if (type == item_type::single) {
        fast = 15;
        slow = 45;
    } else if (type == item_type::multi) {
        fast = 25;
        slow = 75;
    } else if (type == item_type::numeric) {
        fast = 60;
        slow = 180;
    }
    if (response_ms <= fast * 1000) return 5;
    if (response_ms <= slow * 1000) return 4;
    return 3;
}

sm2_state sm2_review(sm2_state s, int quality, std::int64_t now) {
    quality = std::clamp(quality, 0, 5);
    if (quality >= 3) {
        if (s.reps == 0)
            s.interval_days = 1;
        else if (s.reps == 1)
            s.interval_days = 6;
        else
            s.interval_days = static_cast<int>(
                std::min<double>(max_interval_days, std::round(static_cast<double>(s.interval_days) * s.ef)));
        ++s.reps;
    } else {
        s.reps = 0;
        s.interval_days = 1;
        ++s.lapses;
    }
    const double d = 5 - quality;
    s.ef = std::max(1.3, s.ef + 0.1 - d * (0.08 + d * 0.02));
    s.interval_days = std::min(s.interval_days, max_interval_days);
    s.due = now + static_cast<std::int64_t>(s.interval_days) * seconds_per_day;
    s.last = now;
    s.last_correct = quality >= 3;
    ++s.answers;
    if (quality >= 3) ++s.correct;
    return s;
}

void record_answer(study_state& s, const std::string& id, const std::string& bullet, bool correct, std::int64_t now,
                   std::int32_t response_ms, item_type type) {
    const int q = answer_quality(correct, response_ms, type);
    s.items[id] = sm2_review(s.items[id], q, now);
    if (!bullet.empty()) s.skills[bullet] = sm2_review(s.skills[bullet], q, now);
    s.history.push_back({id, now, correct, std::max<std::int32_t>(0, response_ms)});
    if (s.history.size() > max_history)
        s.history.erase(s.history.begin(), s.history.begin() + static_cast<std::ptrdiff_t>(s.history.size() - max_history));
}

std::vector<std::string> due_items(const study_state& s, std::int64_t now) { return due_of(s.items, now); }

std::vector<std::string> due_skills(const study_state& s, std::int64_t now) { return due_of(s.skills, now); }

std::vector<std::string> mistakes(const study_state& s) {
    std::vector<std::pair<std::int64_t, std::string>> m;
    for (const auto& kv : s.items)
        if (kv.second.answers > 0 && (!kv.second.last_correct || kv.second.lapses > 0))
            m.emplace_back(-kv.second.last, kv.first);
    std::sort(m.begin(), m.end());
    std::vector<std::string> out;
    for (auto& e : m) out.push_back(std::move(e.second));
    return out;
}

std::vector<const item*> mock_exam(const bank& b, int n, std::uint64_t seed) {
    rng g(seed);
    std::vector<std::vector<const item*>> by_section;
    for (const auto& sec : sections()) {
        std::vector<const item*> v;
        for (const auto& it : b.items)
            if (it.section == sec) v.push_back(&it);
        shuffle(v, g);
        by_section.push_back(std::move(v));
    }
    std::vector<const item*> out;
    const std::size_t want = static_cast<std::size_t>(std::clamp<std::int64_t>(n, 0, static_cast<std::int64_t>(b.items.size())));
    for (std::size_t round = 0; out.size() < want; ++round)
        for (const auto& v : by_section)
            if (round < v.size() && out.size() < want) out.push_back(v[round]);
    shuffle(out, g);
    return out;
}

std::string section_of(const bank& b, const std::string& id) {
    if (const item* it = b.find(id)) return it->section;
    if (auto gen = parse_generated_id(id)) return generator_bullet(gen->first).substr(0, 1);
    return {};
}

std::vector<section_score> score_by_section(const bank& b, const std::vector<std::pair<std::string, bool>>& results) {
    std::map<std::string, section_score> m;
    for (const auto& r : results) {
        const std::string sec = section_of(b, r.first);
        if (sec.empty()) continue;
        auto& e = m[sec];
        e.section = sec;
        ++e.answered;
        if (r.second) ++e.correct;
    }
    std::vector<section_score> out;
    for (auto& kv : m) out.push_back(kv.second);
    return out;
}

std::int64_t day_index(std::int64_t t, std::int32_t utc_offset_s) {
    const std::int64_t local = t + utc_offset_s;
    return local >= 0 ? local / seconds_per_day : -((-local + seconds_per_day - 1) / seconds_per_day);
}

std::string day_date(std::int64_t day) {
    // Days to the proleptic Gregorian calendar (H. Hinnant's civil_from_days).
    const std::int64_t z = day + 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const std::int64_t doe = z - era * 146097;
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const std::int64_t mp = (5 * doy + 2) / 153;
    const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
    const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
    const std::int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
    char buf[80];
    std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld", static_cast<long long>(y), static_cast<long long>(m),
                  static_cast<long long>(d));
    return buf;
}

int streak(const study_state& s, std::int64_t now, std::int32_t utc_offset_s) {
    std::set<std::int64_t> days;
    for (const auto& a : s.history) days.insert(day_index(a.t, utc_offset_s));
    std::int64_t day = day_index(now, utc_offset_s);
    if (!days.count(day)) --day;  // today has no answer yet: the streak may still end yesterday
    int n = 0;
    while (days.count(day)) {
        ++n;
        --day;
    }
    return n;
}

std::vector<day_accuracy> accuracy_by_day(const study_state& s, std::int32_t utc_offset_s) {
    std::map<std::int64_t, day_accuracy> m;
    for (const auto& a : s.history) {
        const std::int64_t day = day_index(a.t, utc_offset_s);
        auto& e = m[day];
        e.day = day;
        ++e.answered;
        if (a.correct) ++e.correct;
    }
    std::vector<day_accuracy> out;
    for (auto& kv : m) {
        kv.second.date = day_date(kv.first);
        out.push_back(kv.second);
    }
    return out;
}

}  // namespace es::quiz
