// i18n: the UI's string tables, one JSON file per language (src/i18n/strings/*.json),
// embedded at build time. Panels never hold literal UI text: they look keys up here.
//
//   const char* s = es::i18n::tr(es::i18n::lang::en, "panel.quiz.title");
//   std::string m = es::i18n::format(es::i18n::tr(l, "settings.corrupt"), {path});  // "{0}" -> path
//
// A key missing from a table comes back as the key itself, so a gap is visible, and the
// table test (tests/i18n) fails on any key that is not in every language.
#pragma once

#include <array>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace es::i18n {

enum class lang { zh_tw, en };
inline constexpr std::array<lang, 2> all_languages = {lang::zh_tw, lang::en};

// "zh-TW" or "en".
std::string_view code(lang l);
// Accepts "zh-TW", "zh_tw", "zh-Hant", "en", "en-US" (case-insensitive); nullopt otherwise.
std::optional<lang> parse_code(std::string_view s);
// The language for an OS/browser locale ("zh_TW.UTF-8", "zh-CN", "en-US", "C", ""):
// any zh* gets Traditional Chinese, everything else English.
lang default_for_locale(std::string_view locale);

// Looks a key up; returns the key itself when it is missing.
const char* tr(lang l, std::string_view key);
// Whole table of one language (key -> text), parsed once from the embedded JSON.
const std::map<std::string, std::string, std::less<>>& table(lang l);
// Problems in the tables: unparsable table, key missing in a language, empty text,
// mismatched {N} placeholders. Empty when the tables are sound.
std::vector<std::string> validate_tables();

// Replaces {0}, {1}, ... in pattern with args. Unknown indices stay as written.
std::string format(std::string_view pattern, std::initializer_list<std::string_view> args);

// Decodes UTF-8 into code points; invalid sequences yield U+FFFD.
std::vector<char32_t> utf8_decode(std::string_view s);

}  // namespace es::i18n
