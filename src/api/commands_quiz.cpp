// Quiz commands: the fixed bank and the generated problems (es::quiz), sampled and graded.
//
//   edgestudy-cli quiz stats --json
//   {"items": 212, "by_section": {"1": 55, ...}, "by_type": {"tf": 69, ...}, "bullets": 36,
//    "languages": ["zh-TW", "en"], "generators": ["conv_out", ...]}
//
//   edgestudy-cli quiz sample --seed 7 [--section 3] [--lang zh-TW] [--generated [--generator NAME]] --json
//   {"id", "type", "section", "bullet", "prompt", "choices": [...], "generated": false}
//   numeric questions add "tolerance" (relative; 0 = exact integer) and "unit" when there is
//   one; generated ones add "generator" and "seed" and have the id "gen:<generator>:<seed>".
//   The same seed (and filters) always gives the same question.
//
//   edgestudy-cli quiz grade --id ID --answer A [--lang zh-TW] --json
//   {"id", "correct", "expected", "explanation", "slip": null | {"id", "name"}}
//   generated ids add "steps" (the worked solution) and "tolerance". Answer forms are those of
//   quiz/bank.h: true/false (T/F), a choice letter or 1-based number, letters or numbers
//   separated by commas, a number. An unknown id or an answer in the wrong form answers
//   {"error": message} in the --lang language (the CLI exits with 2).
#include "api/dispatcher.h"

#include "api/calc_args.h"
#include "quiz/bank.h"
#include "quiz/generators.h"

#include <limits>
#include <map>

namespace es::api {

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();
constexpr double max_seed = 9007199254740991.0;  // 2^53 − 1: exact in JSON numbers everywhere

json bilingual_list(const std::vector<quiz::bilingual>& v, i18n::lang l) {
    json out = json::array();
    for (const auto& b : v) out.push_back(b.in(l));
    return out;
}

json cmd_stats(const json&) {
    const auto& b = quiz::the_bank();
    json by_section = json::object(), by_type = json::object();
    for (const auto& s : quiz::sections()) by_section[s] = 0;
    for (auto t : {quiz::item_type::tf, quiz::item_type::single, quiz::item_type::multi, quiz::item_type::numeric})
        by_type[std::string(quiz::item_type_name(t))] = 0;
    for (const auto& it : b.items) {
        by_section[it.section] = by_section[it.section].get<int>() + 1;
        const std::string t(quiz::item_type_name(it.type));
        by_type[t] = by_type[t].get<int>() + 1;
    }
    json languages = json::array();
    for (auto l : i18n::all_languages) languages.push_back(i18n::code(l));
    return {{"items", b.items.size()},     {"by_section", by_section}, {"by_type", by_type},
            {"bullets", b.bullets.size()}, {"languages", languages},   {"generators", quiz::generator_names()}};
}

json problem_json(const quiz::problem& p) {
    json q = {{"id", p.id},
              {"type", quiz::item_type_name(p.type)},
              {"section", p.section},
              {"bullet", p.bullet},
              {"prompt", p.prompt},
              {"choices", p.choices},
              {"generated", true},
              {"generator", p.generator},
              {"seed", p.seed}};
    if (p.type == quiz::item_type::numeric) {
        q["tolerance"] = p.tolerance;
        if (!p.unit.empty()) q["unit"] = p.unit;
    }
    return q;
}

json cmd_sample(const json& args) {
    const auto l = lang_arg(args);
    const auto seed = static_cast<std::uint64_t>(args.at("seed").get<std::int64_t>());
    const std::string section = args.value("section", std::string());
    quiz::rng g(seed);
    if (args.value("generated", false) || args.contains("generator")) {
        std::string name = args.value("generator", std::string());
        if (name.empty()) {
            std::vector<std::string> names;
            for (const auto& n : quiz::generator_names())
                if (section.empty() || quiz::generator_bullet(n).substr(0, 1) == section) names.push_back(n);
            if (names.empty())
                return make_error(i18n::format(i18n::tr(l, "quiz.error.no_generator"), {section}));
            name = g.pick(names);
        } else if (!section.empty() && quiz::generator_bullet(name).substr(0, 1) != section) {
            return make_error(i18n::format(i18n::tr(l, "quiz.error.generator_section"),
                                           {name, quiz::generator_bullet(name).substr(0, 1), section}));
        }
        auto p = quiz::generate(name, seed, l);
        if (!p) return make_error("unknown generator " + name);  // cannot happen: --generator is a choice
        return problem_json(*p);
    }
    std::vector<const quiz::item*> items;
    for (const auto& it : quiz::the_bank().items)
        if (section.empty() || it.section == section) items.push_back(&it);
    if (items.empty()) return make_error(i18n::format(i18n::tr(l, "quiz.error.no_items"), {section}));
    const quiz::item& it = *g.pick(items);
    json q = {{"id", it.id},
              {"type", quiz::item_type_name(it.type)},
              {"section", it.section},
              {"bullet", it.bullet},
              {"prompt", it.prompt.in(l)},
              {"choices", bilingual_list(it.choices, l)},
              {"generated", false}};
    if (it.type == quiz::item_type::numeric) {
        q["tolerance"] = it.tolerance;
        if (it.unit) q["unit"] = it.unit->in(l);
    }
    return q;
}

json cmd_grade(const json& args) {
    const auto l = lang_arg(args);
    const std::string id = args.at("id").get<std::string>();
    const std::string answer = args.at("answer").get<std::string>();
    if (const quiz::item* it = quiz::the_bank().find(id)) {
        const auto g = quiz::grade(*it, answer, l);
        if (!g.error.empty()) return make_error(g.error);
        return {{"id", id},
                {"correct", g.correct},
                {"expected", g.expected},
                {"explanation", it->explanation.in(l)},
                {"slip", nullptr}};
    }
    const auto gen = quiz::parse_generated_id(id);
    const auto p = gen ? quiz::generate(gen->first, gen->second, l) : std::nullopt;
    if (!p) return make_error(i18n::format(i18n::tr(l, "quiz.error.unknown_id"), {id}));
    const auto g = quiz::grade(*p, answer, l);
    if (!g.error.empty()) return make_error(g.error);
    json slip = nullptr;
    if (!g.slip.empty()) slip = {{"id", g.slip}, {"name", quiz::slip_name(g.slip, l)}};
    json out = {{"id", id},
                {"correct", g.correct},
                {"expected", g.expected},
                {"explanation", p->explanation},
                {"slip", slip},
                {"steps", steps_json(p->steps)}};
    if (p->type == quiz::item_type::numeric) out["tolerance"] = p->tolerance;
    return out;
}

}  // namespace

void register_quiz_commands(std::vector<command_spec>& out) {
    using t = arg_type;
    out.push_back({"quiz stats",
                   "The question bank: items by section and by type, the languages and the problem generators.",
                   {},
                   cmd_stats});
    out.push_back(
        {"quiz sample",
         "One question drawn by a seed: a bank item, or with --generated a generated numeric problem.",
         {
             {"seed", t::arg_type_integer, "the seed (the same seed gives the same question)", true, 0, max_seed},
             {"section", t::arg_type_choice, "only this section of the study sheet (1-4; 5 = the exam tips)", false,
              -inf, inf, {"1", "2", "3", "4", "5"}},
             {"generated", t::arg_type_flag, "a generated numeric problem instead of a bank item"},
             {"generator", t::arg_type_choice, "this generator (implies --generated)", false, -inf, inf,
              quiz::generator_names()},
             lang_spec("language of the question"),
         },
         cmd_sample});
    out.push_back({"quiz grade",
                   "Grades an answer to a bank item or a generated problem (id gen:<generator>:<seed>): correct or "
                   "not, the expected answer, the explanation, the slip a known mistake gives, and for generated "
                   "problems the worked solution.",
                   {
                       {"id", t::arg_type_string, "the question id from quiz sample", true},
                       {"answer", t::arg_type_string,
                        "true/false (T/F); a choice letter A-D or number 1-4; several separated by commas; or a number",
                        true},
                       lang_spec("language of the explanation, the slip and any error"),
                   },
                   cmd_grade});
}

}  // namespace es::api
