// Drills: modes, questions, grading, mock exams, the dashboard's numbers (see session.h).
#include "quiz/session.h"

#include <algorithm>
#include <set>

namespace es::quiz {

namespace {

constexpr std::string_view gen_prefix = "gen:";

// "gen:<generator>" (no seed) with a known generator: its name.
std::optional<std::string> scheduled_generator(std::string_view id) {
    if (id.substr(0, gen_prefix.size()) != gen_prefix) return std::nullopt;
    const std::string name(id.substr(gen_prefix.size()));
    const auto& names = generator_names();
    if (std::find(names.begin(), names.end(), name) == names.end()) return std::nullopt;
    return name;
}

std::string section_of_bullet(const std::string& bullet) { return bullet.empty() ? "" : bullet.substr(0, 1); }

// A 53-bit seed (exact as a JSON number) for the n-th generated problem of a drill.
std::uint64_t problem_seed(rng& r) { return r.next() & ((std::uint64_t{1} << 53) - 1); }

// The question id that asks a scheduled id: a bank id as is, a generator with a fresh seed.
std::string ask(const std::string& sched, rng& r) {
    if (auto g = scheduled_generator(sched)) return generated_id(*g, problem_seed(r));
    return sched;
}

bool known(const bank& b, const std::string& sched) { return b.find(sched) || scheduled_generator(sched); }

}  // namespace

std::string_view mode_name(mode m) {
    switch (m) {
    case mode::due: return "due";
    case mode::mistakes: return "mistakes";
    case mode::generated: return "generated";
    case mode::mock: return "mock";
    }
    return "due";
}

std::optional<mode> parse_mode(std::string_view s) {
    for (mode m : {mode::due, mode::mistakes, mode::generated, mode::mock})
        if (s == mode_name(m)) return m;
    return std::nullopt;
}

std::optional<question> make_question(std::string_view id, i18n::lang l) {
    question q;
    q.id = std::string(id);
    if (auto g = parse_generated_id(id)) {
        auto p = generate(g->first, g->second, l);
        if (!p) return std::nullopt;
        q.sched_id = std::string(gen_prefix) + g->first;
        q.bullet = p->bullet;
        q.section = p->section;
        q.type = p->type;
        q.prompt = p->prompt;
        q.choices = p->choices;
        q.unit = p->unit;
        q.tolerance = p->tolerance;
        return q;
    }
    const item* it = the_bank().find(id);
    if (!it) return std::nullopt;
    q.sched_id = it->id;
    q.bullet = it->bullet;
    q.section = it->section;
    q.type = it->type;
    q.prompt = it->prompt.in(l);
    for (const auto& c : it->choices) q.choices.push_back(c.in(l));
    if (it->unit) q.unit = it->unit->in(l);
    q.tolerance = it->tolerance;
    q.trap = it->trap;
    return q;
}

verdict grade_question(const question& q, std::string_view answer, i18n::lang l) {
    verdict v;
    if (auto g = parse_generated_id(q.id)) {
        auto p = generate(g->first, g->second, l);
        if (!p) {
            v.error = "unknown question " + q.id;
            return v;
        }
        auto r = grade(*p, answer, l);
        v.error = r.error;
        v.correct = r.correct;
        v.expected = r.expected;
        v.explanation = p->explanation;
        v.slip = r.slip;
        if (!r.slip.empty()) v.slip_name = slip_name(r.slip, l);
        v.steps = p->steps;
        return v;
    }
    const item* it = the_bank().find(q.id);
    if (!it) {
        v.error = "unknown question " + q.id;
        return v;
    }
    auto r = grade(*it, answer, l);
    v.error = r.error;
    v.correct = r.correct;
    v.expected = r.expected;
    v.explanation = it->explanation.in(l);
    return v;
}

std::vector<std::string> schedulable_ids(const bank& b) {
    std::vector<std::string> out;
    for (const auto& it : b.items) out.push_back(it.id);
    for (const auto& g : generator_names()) out.push_back(std::string(gen_prefix) + g);
    return out;
}

std::string sched_id_of(std::string_view id) {
    if (auto g = parse_generated_id(id)) return std::string(gen_prefix) + g->first;
    return std::string(id);
}

std::string bullet_of(const bank& b, std::string_view id) {
    if (const item* it = b.find(id)) return it->bullet;
    if (auto g = scheduled_generator(id)) return generator_bullet(*g);
    if (auto g = parse_generated_id(id)) return generator_bullet(g->first);
    return {};
}

int drill::answered() const {
    return static_cast<int>(std::count_if(entries.begin(), entries.end(), [](const drill_entry& e) { return e.answered; }));
}

int drill::correct() const {
    return static_cast<int>(std::count_if(entries.begin(), entries.end(), [](const drill_entry& e) { return e.correct; }));
}

std::int64_t drill::seconds_left(std::int64_t now) const {
    if (m != mode::mock || deadline == 0) return 0;
    return std::max<std::int64_t>(0, deadline - now);
}

bool bullet_in_scope(std::string_view bullet, std::string_view scope) {
    if (scope.empty()) return true;
    if (bullet.size() < scope.size() || bullet.substr(0, scope.size()) != scope) return false;
    return bullet.size() == scope.size() || bullet[scope.size()] == '.';
}

drill start_drill(mode m, const study_state& s, const bank& b, std::int64_t now, std::uint64_t seed,
                  const drill_options& o) {
    drill d;
    d.m = m;
    d.started = now;
    rng r(seed ^ 0x5157u);
    const auto limit = static_cast<std::size_t>(std::max(1, o.limit));
    auto in_section = [&](const std::string& sched) { return bullet_in_scope(bullet_of(b, sched), o.section); };
    std::vector<std::string> scheds;
    switch (m) {
    case mode::due: {
        for (const auto& id : due_items(s, now))
            if (known(b, id) && in_section(id)) scheds.push_back(id);
        // New ones, in the sheet's bullet order: a bullet's facts, then its computation.
        for (const auto& bl : b.bullets) {
            if (scheds.size() >= limit) break;
            for (const auto& it : b.items)
                if (it.bullet == bl.key && !s.items.count(it.id) && in_section(it.id)) scheds.push_back(it.id);
            for (const auto& g : generator_names()) {
                const std::string id = std::string(gen_prefix) + g;
                if (generator_bullet(g) == bl.key && !s.items.count(id) && in_section(id)) scheds.push_back(id);
            }
        }
        break;
    }
    case mode::mistakes:
        for (const auto& id : mistakes(s))
            if (known(b, sched_id_of(id)) && in_section(sched_id_of(id))) scheds.push_back(sched_id_of(id));
        break;
    case mode::generated: {
        std::vector<std::string> gens;
        for (const auto& g : generator_names())
            if (in_section(std::string(gen_prefix) + g)) gens.push_back(std::string(gen_prefix) + g);
        for (std::size_t i = gens.size(); i > 1; --i)  // Fisher-Yates with the drill's generator
            std::swap(gens[i - 1], gens[static_cast<std::size_t>(r.uniform(0, static_cast<std::int64_t>(i) - 1))]);
        for (std::size_t i = 0; !gens.empty() && i < limit; ++i) scheds.push_back(gens[i % gens.size()]);
        break;
    }
    case mode::mock: {
        const auto items = mock_exam(b, static_cast<int>(limit), seed);
        const auto& gens = generator_names();
        std::size_t g = static_cast<std::size_t>(r.uniform(0, static_cast<std::int64_t>(gens.size()) - 1));
        for (std::size_t i = 0; i < items.size(); ++i) {
            scheds.push_back(items[i]->id);
            if (i % 4 == 3) scheds.push_back(std::string(gen_prefix) + gens[g++ % gens.size()]);
        }
        d.deadline = now + static_cast<std::int64_t>(std::max(1, o.mock_minutes)) * 60;
        break;
    }
    }
    // No question twice in one drill (a due item may also be a mistake, a generator repeats
    // only in the generated mode, where each gets its own seed).
    std::set<std::string> seen;
    for (const auto& sched : scheds) {
        if (m != mode::generated && m != mode::mock && !seen.insert(sched).second) continue;
        if (m != mode::mock && d.entries.size() >= limit) break;
        drill_entry e;
        e.id = ask(sched, r);
        d.entries.push_back(std::move(e));
    }
    d.finished = d.entries.empty();
    return d;
}

const drill_entry& record(drill& d, bool correct, std::string given, std::int32_t ms) {
    drill_entry& e = d.entries.at(d.pos);
    e.answered = true;
    e.correct = correct;
    e.given = std::move(given);
    e.ms = ms;
    ++d.pos;
    if (d.pos >= d.entries.size() && d.m != mode::mock) d.finished = true;
    return e;
}

std::vector<std::pair<std::string, bool>> finish_mock(drill& d) {
    d.finished = true;
    d.pos = d.entries.size();
    std::vector<std::pair<std::string, bool>> out;
    for (const auto& e : d.entries) out.emplace_back(e.id, e.answered && e.correct);
    return out;
}

std::vector<section_progress> progress_by_section(const study_state& s, const bank& b, std::int64_t now) {
    std::vector<section_progress> out;
    for (const auto& sec : sections()) out.push_back({sec});
    auto find = [&](const std::string& sec) -> section_progress* {
        for (auto& p : out)
            if (p.section == sec) return &p;
        return nullptr;
    };
    for (const auto& it : b.items) {
        section_progress* p = find(it.section);
        if (!p) continue;
        ++p->items;
        auto st = s.items.find(it.id);
        if (st == s.items.end()) continue;
        ++p->seen;
        if (st->second.reps >= 2) ++p->mastered;
        if (st->second.due <= now) ++p->due;
        p->answers += st->second.answers;
        p->correct += st->second.correct;
    }
    for (const auto& g : generator_names()) {
        auto st = s.items.find(std::string(gen_prefix) + g);
        if (st == s.items.end() || st->second.due > now) continue;
        if (section_progress* p = find(section_of_bullet(generator_bullet(g)))) ++p->due;
    }
    return out;
}

}  // namespace es::quiz
