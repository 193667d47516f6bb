#include "assets/assets.h"

#include "i18n/i18n.h"

#include <cstddef>

namespace es::assets::generated {
struct entry {
    const char* name;
    const unsigned char* data;
    std::size_t size;
};
extern const entry entries[];
}  // namespace es::assets::generated

namespace es::assets {

std::span<const unsigned char> bytes(std::string_view name) {
    for (const auto* e = generated::entries; e->name; ++e)
        if (name == e->name) return {e->data, e->size};
    return {};
}

std::string_view text(std::string_view name) {
    auto b = bytes(name);
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

std::vector<std::string> names() {
    std::vector<std::string> out;
    for (const auto* e = generated::entries; e->name; ++e) out.emplace_back(e->name);
    return out;
}

std::vector<std::string> all_ui_strings() {
    std::vector<std::string> out;
    for (auto l : i18n::all_languages)
        for (const auto& [k, v] : i18n::table(l)) out.push_back(v);
    return out;
}

}  // namespace es::assets
