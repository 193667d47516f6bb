#include "assets/font_coverage.h"

#include "assets/assets.h"
#include "i18n/i18n.h"

#include <cstdio>
#include <map>

// stb_truetype ships with Dear ImGui (imstb_truetype.h); only its cmap lookup is used here.
// Static functions, so no clash with the copy compiled inside imgui_draw.cpp.
#define STBTT_STATIC
#define STB_TRUETYPE_IMPLEMENTATION
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "imstb_truetype.h"
#pragma GCC diagnostic pop

namespace es::assets {

font_coverage_report check_font_coverage(std::span<const unsigned char> ttf,
                                         const std::vector<std::string>& strings) {
    font_coverage_report r;
    r.strings_checked = strings.size();
    stbtt_fontinfo info{};
    if (ttf.size() < 12 || stbtt_GetNumberOfFonts(ttf.data()) < 1 ||
        !stbtt_InitFont(&info, ttf.data(), stbtt_GetFontOffsetForIndex(ttf.data(), 0))) {
        r.problems.push_back("the UI font could not be parsed (" + std::to_string(ttf.size()) + " bytes)");
        return r;
    }
    std::map<char32_t, const std::string*> first_use;
    for (const auto& s : strings)
        for (char32_t cp : i18n::utf8_decode(s))
            if (cp >= 0x20 && cp != 0x7F) first_use.emplace(cp, &s);
    r.codepoints_checked = first_use.size();
    for (auto& [cp, s] : first_use) {
        if (stbtt_FindGlyphIndex(&info, static_cast<int>(cp)) != 0) continue;
        char buf[32];
        std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(cp));
        r.problems.push_back(std::string(buf) + " missing, used in: \"" + s->substr(0, 80) + "\"");
    }
    r.ok = r.problems.empty();
    return r;
}

std::vector<char32_t> font_codepoints(std::span<const unsigned char> ttf) {
    std::vector<char32_t> out;
    stbtt_fontinfo info{};
    if (ttf.size() < 12 || stbtt_GetNumberOfFonts(ttf.data()) < 1 ||
        !stbtt_InitFont(&info, ttf.data(), stbtt_GetFontOffsetForIndex(ttf.data(), 0)))
        return out;
    for (char32_t cp = 0x20; cp <= 0xFFFF; ++cp)
        if (stbtt_FindGlyphIndex(&info, static_cast<int>(cp)) != 0) out.push_back(cp);
    return out;
}

const font_coverage_report& ui_font_coverage() {
    static const font_coverage_report r = check_font_coverage(bytes("fonts/ui_font.ttf"), all_ui_strings());
    return r;
}

}  // namespace es::assets
