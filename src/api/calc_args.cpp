#include "api/calc_args.h"

#include <limits>

namespace es::api {

json steps_json(const std::vector<calc::step>& steps) {
    json out = json::array();
    for (const auto& s : steps)
        out.push_back({{"id", s.id},
                       {"title", s.title},
                       {"formula", s.formula},
                       {"substituted", s.substituted},
                       {"result", s.result}});
    return out;
}

i18n::lang lang_arg(const json& args) {
    return i18n::parse_code(args.value("lang", std::string("en"))).value_or(i18n::lang::en);
}

arg_spec lang_spec(const char* help) {
    constexpr double inf = std::numeric_limits<double>::infinity();
    return {"lang", arg_type::arg_type_choice, help, false, -inf, inf, {"en", "zh-TW"}, "en"};
}

}  // namespace es::api
