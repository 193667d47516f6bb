#include "i18n/i18n.h"

#include "assets/assets.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <set>

namespace es::i18n {

namespace {

struct loaded_table {
    std::map<std::string, std::string, std::less<>> strings;
    std::string error;  // non-empty when the embedded table could not be parsed
};

const char* asset_name(lang l) { return l == lang::zh_tw ? "strings/zh-TW.json" : "strings/en.json"; }

loaded_table load(lang l) {
    loaded_table t;
    std::string_view text = assets::text(asset_name(l));
    if (text.empty()) {
        t.error = std::string("string table ") + asset_name(l) + " is not embedded";
        return t;
    }
    auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) {
        t.error = std::string("string table ") + asset_name(l) + " is not a JSON object";
        return t;
    }
    for (auto& [k, v] : j.items()) {
        if (k.starts_with("_")) continue;  // comments such as "_note"
        if (!v.is_string()) {
            t.error = std::string(asset_name(l)) + ": value of \"" + k + "\" is not a string";
            continue;
        }
        t.strings.emplace(k, v.get<std::string>());
    }
    return t;
}

const loaded_table& loaded(lang l) {
    static const loaded_table zh = load(lang::zh_tw);
    static const loaded_table en = load(lang::en);
    return l == lang::zh_tw ? zh : en;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::set<int> placeholders(std::string_view s) {
    std::set<int> out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '{') continue;
        size_t j = i + 1;
        int n = 0;
        bool digits = false;
        while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) {
            n = n * 10 + (s[j] - '0');
            ++j;
            digits = true;
        }
        if (digits && j < s.size() && s[j] == '}') out.insert(n);
    }
    return out;
}

}  // namespace

std::string_view code(lang l) { return l == lang::zh_tw ? "zh-TW" : "en"; }

std::optional<lang> parse_code(std::string_view s) {
    std::string c = lower(s);
    std::replace(c.begin(), c.end(), '_', '-');
    if (c == "zh-tw" || c == "zh-hant" || c == "zh-hant-tw" || c == "zh") return lang::zh_tw;
    if (c == "en" || c.starts_with("en-")) return lang::en;
    return std::nullopt;
}

lang default_for_locale(std::string_view locale) {
    std::string c = lower(locale);
    return c.starts_with("zh") ? lang::zh_tw : lang::en;
}

const std::map<std::string, std::string, std::less<>>& table(lang l) { return loaded(l).strings; }

const char* tr(lang l, std::string_view key) {
    const auto& t = loaded(l).strings;
    auto it = t.find(key);
    if (it != t.end()) return it->second.c_str();
    // Keep the key alive: return a stable copy so callers can hold the pointer.
    static std::set<std::string, std::less<>> missing;
    return missing.emplace(key).first->c_str();
}

std::vector<std::string> validate_tables() {
    std::vector<std::string> problems;
    for (lang l : all_languages)
        if (!loaded(l).error.empty()) problems.push_back(loaded(l).error);
    std::set<std::string> keys;
    for (lang l : all_languages)
        for (auto& [k, v] : loaded(l).strings) keys.insert(k);
    for (const auto& k : keys) {
        std::optional<std::set<int>> first;
        for (lang l : all_languages) {
            const auto& t = loaded(l).strings;
            auto it = t.find(k);
            if (it == t.end()) {
                problems.push_back("key \"" + k + "\" is missing in " + std::string(code(l)));
                continue;
            }
            if (it->second.empty()) problems.push_back("key \"" + k + "\" is empty in " + std::string(code(l)));
            auto ph = placeholders(it->second);
            if (first && *first != ph)
                problems.push_back("key \"" + k + "\" has different {N} placeholders across languages");
            if (!first) first = ph;
        }
    }
    return problems;
}

std::string format(std::string_view pattern, std::initializer_list<std::string_view> args) {
    std::string out;
    out.reserve(pattern.size() + 16);
    for (size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i] == '{') {
            size_t j = i + 1;
            size_t n = 0;
            bool digits = false;
            while (j < pattern.size() && std::isdigit(static_cast<unsigned char>(pattern[j]))) {
                n = n * 10 + static_cast<size_t>(pattern[j] - '0');
                ++j;
                digits = true;
            }
            if (digits && j < pattern.size() && pattern[j] == '}' && n < args.size()) {
                out += *(args.begin() + n);
                i = j;
                continue;
            }
        }
        out += pattern[i];
    }
    return out;
}

std::vector<char32_t> utf8_decode(std::string_view s) {
    std::vector<char32_t> out;
    out.reserve(s.size());
    size_t i = 0;
    while (i < s.size()) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        int len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
        if (len == 0 || i + static_cast<size_t>(len) > s.size()) {
            out.push_back(0xFFFD);
            ++i;
            continue;
        }
        char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
        bool ok = true;
        for (int k = 1; k < len; ++k) {
            unsigned char cc = static_cast<unsigned char>(s[i + static_cast<size_t>(k)]);
            if ((cc & 0xC0) != 0x80) {
                ok = false;
                break;
            }
            cp = (cp << 6) | (cc & 0x3F);
        }
        static constexpr char32_t min_for_len[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (!ok || cp < min_for_len[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            out.push_back(0xFFFD);
            ++i;
            continue;
        }
        out.push_back(cp);
        i += static_cast<size_t>(len);
    }
    return out;
}

}  // namespace es::i18n
