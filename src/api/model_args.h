// model_args: the architecture flags shared by every command that builds a network
// (analyze, bench, ...): --arch, --res, --width, --in-ch, --classes, --groups.
// Tiny presets default to 28x28x1 and 10 classes; full architectures to 224x224x3, 1000.
#pragma once

#include "api/dispatcher.h"
#include "engine/model.h"
#include "models/models.h"

#include <optional>
#include <string>
#include <vector>

namespace es::api {

std::vector<arg_spec> model_arg_specs(bool arch_required);
// The options the validated args describe, with the preset's defaults for what is absent.
models::arch_options options_from_args(const json& args);
// Builds the architecture the validated args describe; nullopt + *error on bad input.
std::optional<engine::model> build_model_from_args(const json& args, std::string* error);
// Loads args["model"]: a tiny preset's NAME (its shipped trained weights) or a weights file.
std::optional<engine::model> load_model_arg(const json& args, std::string* error);
// args["model"] with what rebuilds it: the architecture, its options and the file's description
// (for the commands that fine-tune a model and save the result). When `folded_refusal` is given,
// a folded file (batch norm folded, e.g. a QAT file) is refused with "<path>: " + it.
struct source_model {
    engine::model m;
    std::string arch;
    models::arch_options options;
    nlohmann::json description;
};
std::optional<source_model> load_source_model(const json& args, const char* folded_refusal, std::string* error);

// A comma-separated list of numbers ("0,0.5,0.9") read into *out; "" or the message naming
// `what` and the item that is not a number.
std::string parse_number_list(const char* what, const std::string& text, std::vector<double>* out);

// The help text of a --model NAME|FILE argument.
inline constexpr const char* model_arg_help =
    "a tiny preset's name (its shipped trained weights: tiny_mobilenet_v1, tiny_mobilenet_v2, tiny_mobilenet_v3, "
    "tiny_shufflenet_v1, tiny_shufflenet_v2) or a weights file (.esw)";

}  // namespace es::api
