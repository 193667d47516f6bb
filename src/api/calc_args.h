// calc_args: what the commands with worked solutions share (calc *, quiz grade): the --lang
// argument and the JSON form of the steps.
#pragma once

#include "api/dispatcher.h"
#include "calc/step.h"
#include "i18n/i18n.h"

#include <vector>

namespace es::api {

// [{"id", "title", "formula", "substituted", "result"}, ...]
json steps_json(const std::vector<calc::step>& steps);
// The validated --lang (en when absent).
i18n::lang lang_arg(const json& args);
// --lang en|zh-TW, default en; `help` says what it chooses the language of.
arg_spec lang_spec(const char* help = "language of the worked solution");

}  // namespace es::api
