// settings: what the app remembers across runs and reloads (language, theme, UI scale).
//
//   auto s = es::store::settings_from_json(doc, &warnings);   // bad fields -> defaults + warning
//   doc = es::store::settings_to_json(s);
#pragma once

#include "i18n/i18n.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace es::store {

enum class theme { dark, light };

struct settings {
    std::optional<i18n::lang> lang;  // nullopt: follow the browser/OS locale
    theme ui_theme = theme::dark;
    float ui_scale = 0.0f;           // 0: automatic (device pixel ratio); else 0.75 .. 3
};

inline constexpr float ui_scale_min = 0.75f;
inline constexpr float ui_scale_max = 3.0f;

// Unknown or invalid fields fall back to defaults; each one adds a warning.
settings settings_from_json(const nlohmann::json& doc, std::vector<std::string>* warnings);
nlohmann::json settings_to_json(const settings& s);

const char* theme_name(theme t);

}  // namespace es::store
