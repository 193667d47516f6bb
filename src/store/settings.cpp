#include "store/settings.h"

namespace es::store {

const char* theme_name(theme t) { return t == theme::light ? "light" : "dark"; }

settings settings_from_json(const nlohmann::json& doc, std::vector<std::string>* warnings) {
    settings s;
    auto warn = [&](std::string w) {
        if (warnings) warnings->push_back(std::move(w));
    };
    if (!doc.is_object()) {
        warn("settings: not a JSON object; using defaults");
        return s;
    }
    if (auto it = doc.find("lang"); it != doc.end() && !it->is_null()) {
        if (it->is_string()) {
            if (auto l = i18n::parse_code(it->get<std::string>())) s.lang = *l;
            else warn("settings: unknown language \"" + it->get<std::string>() + "\"; following the locale");
        } else {
            warn("settings: \"lang\" is not a string; following the locale");
        }
    }
    if (auto it = doc.find("theme"); it != doc.end()) {
        if (it->is_string() && *it == "light") s.ui_theme = theme::light;
        else if (it->is_string() && *it == "dark") s.ui_theme = theme::dark;
        else warn("settings: \"theme\" must be \"dark\" or \"light\"; using dark");
    }
    if (auto it = doc.find("ui_scale"); it != doc.end()) {
        if (it->is_number()) {
            double v = it->get<double>();
            if (v == 0.0 || (v >= ui_scale_min && v <= ui_scale_max)) s.ui_scale = static_cast<float>(v);
            else warn("settings: \"ui_scale\" out of range; using automatic");
        } else {
            warn("settings: \"ui_scale\" is not a number; using automatic");
        }
    }
    return s;
}

nlohmann::json settings_to_json(const settings& s) {
    nlohmann::json j;
    j["version"] = 1;
    j["lang"] = s.lang ? nlohmann::json(std::string(i18n::code(*s.lang))) : nlohmann::json(nullptr);
    j["theme"] = theme_name(s.ui_theme);
    j["ui_scale"] = s.ui_scale;
    return j;
}

}  // namespace es::store
