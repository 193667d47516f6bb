#include "models/model_file.h"

#include "prune/channels.h"

namespace es::models {

nlohmann::json describe(const std::string& arch, const arch_options& o) {
    return {{"arch", arch},
            {"options", {{"width", o.width}, {"res", o.res}, {"in_ch", o.in_ch}, {"classes", o.classes},
                         {"groups", o.groups}}},
            {"layout", "NHWC"},
            {"format", "edgestudy-weights"}};
}

std::optional<std::pair<std::string, arch_options>> parse_description(const nlohmann::json& d, std::string* error) {
    auto fail = [&](const std::string& why) -> std::optional<std::pair<std::string, arch_options>> {
        if (error) *error = why;
        return std::nullopt;
    };
    if (!d.is_object() || !d.contains("arch") || !d["arch"].is_string())
        return fail("the description names no architecture");
    const auto& opt = d.contains("options") ? d["options"] : nlohmann::json::object();
    if (!opt.is_object()) return fail("the description's options are not an object");
    arch_options o;
    auto number = [&](const char* key, double lo, double hi, double& out) {
        if (!opt.contains(key)) return true;
        if (!opt[key].is_number()) return false;
        const double v = opt[key].get<double>();
        if (!(v >= lo && v <= hi)) return false;
        out = v;
        return true;
    };
    double width = o.width, res = o.res, in_ch = o.in_ch, classes = o.classes, groups = o.groups;
    if (!number("width", 0.01, max_width, width) || !number("res", 1, max_res, res) ||
        !number("in_ch", 1, max_in_ch, in_ch) || !number("classes", 1, max_classes, classes) ||
        !number("groups", 1, 8, groups))
        return fail("the description's options are out of range");
    o.width = static_cast<float>(width);
    o.res = static_cast<int>(res);
    o.in_ch = static_cast<int>(in_ch);
    o.classes = static_cast<int>(classes);
    o.groups = static_cast<int>(groups);
    return std::make_pair(d["arch"].get<std::string>(), o);
}

std::string save_model_file(const std::string& path, const engine::model& m, const std::string& arch,
                            const arch_options& o, engine::weight_storage storage, const nlohmann::json& extra) {
    nlohmann::json d = describe(arch, o);
    if (extra.is_object())
        for (auto it = extra.begin(); it != extra.end(); ++it) d[it.key()] = it.value();
    return engine::weights_save_file(path, m, d, storage);
}

std::optional<engine::model> model_from_file(const engine::weights_file& file, std::string* error) {
    auto fail = [&](const std::string& why) -> std::optional<engine::model> {
        if (error) *error = why;
        return std::nullopt;
    };
    std::string why;
    auto desc = parse_description(file.description, &why);
    if (!desc) return fail(why);
    bool folded = false;
    if (file.description.contains("folded")) {
        if (!file.description["folded"].is_boolean()) return fail("the description's \"folded\" is not true or false");
        folded = file.description["folded"].get<bool>();
    }
    auto m = build_arch(desc->first, desc->second, &why);
    if (!m) return fail(why);
    if (file.description.contains("channels")) {  // a channel-pruned model: src/prune/channels.h
        auto pruned = prune::apply_widths_json(*m, file.description["channels"], &why);
        if (!pruned) return fail(why);
        *m = std::move(*pruned);
    }
    if (folded) *m = engine::optimize(*m);
    if (auto e = engine::weights_apply(*m, file); !e.empty()) return fail(e);
    return m;
}

std::optional<engine::model> load_model_file(const std::string& path, std::string* error) {
    auto file = engine::weights_load_file(path, error);
    if (!file) return std::nullopt;
    std::string why;
    auto m = model_from_file(*file, &why);
    if (!m && error) *error = path + ": " + why;
    return m;
}

}  // namespace es::models
