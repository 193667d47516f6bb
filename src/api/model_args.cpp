#include "api/model_args.h"

#include "models/model_file.h"
#include "models/shipped.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace es::api {

std::optional<source_model> load_source_model(const json& args, const char* folded_refusal, std::string* err) {
    const std::string name = args.value("model", "");
    auto path = models::resolve_model(name, err);
    if (!path) return std::nullopt;
    if (!std::ifstream(*path).good()) {
        *err = "unknown model \"" + name + "\": neither a tiny preset (" + model_arg_help +
               ") nor a weights file that can be opened";
        return std::nullopt;
    }
    auto file = engine::weights_load_file(*path, err);
    if (!file) return std::nullopt;
    if (folded_refusal && file->description.value("folded", false)) {
        *err = *path + ": " + folded_refusal;
        return std::nullopt;
    }
    std::string why;
    auto desc = models::parse_description(file->description, &why);
    auto m = desc ? models::model_from_file(*file, &why) : std::nullopt;
    if (!m) {
        *err = *path + ": " + why;
        return std::nullopt;
    }
    return source_model{std::move(*m), desc->first, desc->second, file->description};
}

std::vector<arg_spec> model_arg_specs(bool arch_required) {
    return {
        {"arch", arg_type::arg_type_choice, "architecture", arch_required, -INFINITY, INFINITY, models::arch_names()},
        {"res", arg_type::arg_type_integer, "input resolution (default 224; 28 for tiny_* presets)", false, 1,
         models::max_res},
        {"width", arg_type::arg_type_number, "width multiplier (default 1)", false, 0.01, models::max_width},
        {"in-ch", arg_type::arg_type_integer, "input channels (default 3; 1 for tiny_* presets)", false, 1,
         models::max_in_ch},
        {"classes", arg_type::arg_type_integer, "number of classes (default 1000; 10 for tiny_* presets)", false, 1,
         models::max_classes},
        {"groups", arg_type::arg_type_integer, "ShuffleNet V1 groups: 1, 2, 3, 4 or 8 (default 3)", false, 1, 8},
    };
}

models::arch_options options_from_args(const json& args) {
    const std::string arch = args.value("arch", "");
    models::arch_options o = models::is_tiny(arch) ? models::tiny_defaults() : models::arch_options{};
    if (args.contains("res")) o.res = args["res"].get<int>();
    if (args.contains("width")) o.width = static_cast<float>(args["width"].get<double>());
    if (args.contains("in-ch")) o.in_ch = args["in-ch"].get<int>();
    if (args.contains("classes")) o.classes = args["classes"].get<int>();
    if (args.contains("groups")) o.groups = args["groups"].get<int>();
    return o;
}

std::optional<engine::model> build_model_from_args(const json& args, std::string* error) {
    return models::build_arch(args.value("arch", ""), options_from_args(args), error);
}

std::optional<engine::model> load_model_arg(const json& args, std::string* error) {
    auto path = models::resolve_model(args.value("model", ""), error);
    if (!path) return std::nullopt;
    return models::load_model_file(*path, error);
}

std::string parse_number_list(const char* what, const std::string& text, std::vector<double>* out) {
    std::stringstream ss(text);
    std::string item;
    out->clear();
    while (std::getline(ss, item, ',')) {
        char* end = nullptr;
        const double v = std::strtod(item.c_str(), &end);
        if (item.empty() || end == item.c_str() || *end != '\0')
            return std::string(what) + ": \"" + item + "\" is not a number (" + what + " is a comma-separated list)";
        out->push_back(v);
    }
    return "";
}

}  // namespace es::api
