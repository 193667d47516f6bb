// Core commands: version, selftest, commands.
#include "api/dispatcher.h"

#include "assets/font_coverage.h"
#include "engine/kernels/kernels.h"
#include "engine/kernels/qnn.h"
#include "i18n/i18n.h"

#include <cmath>

namespace es::api {

namespace {

const char* target_name() {
#if defined(__EMSCRIPTEN__)
    return "wasm32";
#else
    return "native";
#endif
}

const char* type_name(arg_type t) {
    switch (t) {
    case arg_type::arg_type_integer: return "integer";
    case arg_type::arg_type_number: return "number";
    case arg_type::arg_type_string: return "string";
    case arg_type::arg_type_flag: return "flag";
    case arg_type::arg_type_choice: return "choice";
    }
    return "?";
}

json cmd_version(const json&) {
    return {{"name", "edgestudy"}, {"version", ES_VERSION}, {"build", ES_BUILD}, {"target", target_name()}};
}

json cmd_selftest(const json&) {
    const auto& cov = assets::ui_font_coverage();
    json langs = json::array();
    for (auto l : i18n::all_languages) langs.push_back(std::string(i18n::code(l)));
    const auto table_problems = i18n::validate_tables();
    json answer = {
        {"simd", kernels::simd_enabled()},
        {"simd_backend", kernels::simd_backend()},
        {"simd_kernels_match_reference", kernels::simd_self_check()},  // f32 and int8
        {"int8_kernels_match_reference", kernels::qnn_self_check()},
        {"build", ES_BUILD},
        {"target", target_name()},
        {"font_coverage_ok", cov.ok},
        {"font_codepoints", cov.codepoints_checked},
        {"string_tables_ok", table_problems.empty()},
        {"languages", langs},
    };
    if (!cov.ok) answer["font_problems"] = cov.problems;
    if (!table_problems.empty()) answer["string_table_problems"] = table_problems;
    return answer;
}

json cmd_commands(const json&) {
    json list = json::array();
    for (const auto& c : commands()) {
        json args = json::array();
        for (const auto& a : c.args) {
            json ja = {{"name", a.name}, {"type", type_name(a.type)}, {"required", a.required}, {"help", a.help}};
            if (std::isfinite(a.min)) ja["min"] = a.min;
            if (std::isfinite(a.max)) ja["max"] = a.max;
            if (!a.choices.empty()) ja["choices"] = a.choices;
            if (!a.fallback.is_null()) ja["default"] = a.fallback;
            args.push_back(std::move(ja));
        }
        list.push_back({{"name", c.name}, {"summary", c.summary}, {"args", std::move(args)}});
    }
    return {{"commands", std::move(list)}};
}

}  // namespace

void register_core_commands(std::vector<command_spec>& out) {
    out.push_back({"version", "Name, version and build of this EdgeStudy.", {}, cmd_version});
    out.push_back({"selftest",
                   "Checks the build: SIMD kernels against their references, string tables, font coverage.",
                   {},
                   cmd_selftest});
    out.push_back({"commands", "Lists every command with its arguments.", {}, cmd_commands});
}

}  // namespace es::api
