// font_coverage: does the embedded font subset hold a glyph for every character the app
// can show? A missing glyph draws as '?', so this is checked by a test and by `selftest`.
//
//   auto r = es::assets::check_font_coverage(es::assets::bytes("fonts/ui_font.ttf"),
//                                            es::assets::all_ui_strings());
//   if (!r.ok) for (auto& p : r.problems) puts(p.c_str());
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace es::assets {

struct font_coverage_report {
    bool ok = false;
    std::size_t strings_checked = 0;
    std::size_t codepoints_checked = 0;  // distinct code points
    std::vector<std::string> problems;   // "U+XXXX 'c' missing, used in: \"...\""
};

// Control characters (\n, \t) need no glyph. A font that cannot be parsed is a problem.
font_coverage_report check_font_coverage(std::span<const unsigned char> ttf,
                                         const std::vector<std::string>& strings);

// Every code point the font maps to a glyph (U+0020 .. U+FFFF), ascending.
std::vector<char32_t> font_codepoints(std::span<const unsigned char> ttf);

// The report for the embedded UI font against every UI string (computed once).
const font_coverage_report& ui_font_coverage();

}  // namespace es::assets
