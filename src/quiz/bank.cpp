#include "quiz/bank.h"

#include "assets/assets.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>

namespace es::quiz {

namespace {

using nlohmann::json;

std::optional<bilingual> read_bilingual(const json& j) {
    if (!j.is_object()) return std::nullopt;
    auto en = j.find("en"), zh = j.find("zh-TW");
    if (en == j.end() || zh == j.end() || !en->is_string() || !zh->is_string()) return std::nullopt;
    return bilingual{en->get<std::string>(), zh->get<std::string>()};
}

// Reads one item; an empty string on success, else what is wrong.
std::string read_item(const json& j, const std::string& section, item& out) {
    if (!j.is_object()) return "an item is not an object";
    auto str = [&](const char* key) -> std::optional<std::string> {
        auto it = j.find(key);
        if (it == j.end() || !it->is_string()) return std::nullopt;
        return it->get<std::string>();
    };
    auto id = str("id"), bullet = str("bullet"), type = str("type");
    if (!id || id->empty()) return "an item has no \"id\"";
    out.id = *id;
    const std::string where = "item " + out.id + ": ";
    if (!bullet) return where + "no \"bullet\"";
    out.bullet = *bullet;
    out.section = section;
    auto t = type ? parse_item_type(*type) : std::nullopt;
    if (!t) return where + "unknown \"type\"";
    out.type = *t;
    auto prompt = read_bilingual(j.value("prompt", json()));
    auto expl = read_bilingual(j.value("explanation", json()));
    if (!prompt) return where + "\"prompt\" needs \"en\" and \"zh-TW\"";
    if (!expl) return where + "\"explanation\" needs \"en\" and \"zh-TW\"";
    out.prompt = *prompt;
    out.explanation = *expl;
    out.trap = str("trap").value_or("");
    const json a = j.value("answer", json());
    switch (out.type) {
    case item_type::tf:
        if (!a.is_boolean()) return where + "a tf answer must be true or false";
        out.answer_tf = a.get<bool>();
        break;
    case item_type::single:
    case item_type::multi: {
        const json c = j.value("choices", json());
        if (!c.is_array() || c.size() < 2 || c.size() > 26) return where + "\"choices\" must list 2 to 26 choices";
        for (const auto& e : c) {
            auto b = read_bilingual(e);
            if (!b) return where + "a choice needs \"en\" and \"zh-TW\"";
            out.choices.push_back(*b);
        }
        const int n = static_cast<int>(out.choices.size());
        if (out.type == item_type::single) {
            if (!a.is_number_integer() || a.get<int>() < 0 || a.get<int>() >= n)
                return where + "a single answer must be a choice index";
            out.answer_single = a.get<int>();
        } else {
            if (!a.is_array() || a.empty()) return where + "a multi answer must list choice indices";
            for (const auto& k : a) {
                if (!k.is_number_integer() || k.get<int>() < 0 || k.get<int>() >= n)
                    return where + "a multi answer must list choice indices";
                out.answer_multi.push_back(k.get<int>());
            }
            std::sort(out.answer_multi.begin(), out.answer_multi.end());
            if (std::adjacent_find(out.answer_multi.begin(), out.answer_multi.end()) != out.answer_multi.end())
                return where + "a multi answer lists a choice twice";
        }
        break;
    }
    case item_type::numeric: {
        const json tol = j.value("tolerance", json());
        if (!a.is_number() || !std::isfinite(a.get<double>())) return where + "a numeric answer must be a number";
        if (!tol.is_number() || tol.get<double>() < 0 || tol.get<double>() > 1)
            return where + "\"tolerance\" must be a number from 0 to 1";
        out.answer_number = a.get<double>();
        out.tolerance = tol.get<double>();
        if (out.tolerance == 0 && out.answer_number != std::floor(out.answer_number))
            return where + "tolerance 0 needs an integer answer";
        if (j.contains("unit")) {
            auto u = read_bilingual(j["unit"]);
            if (!u) return where + "\"unit\" needs \"en\" and \"zh-TW\"";
            out.unit = *u;
        }
        break;
    }
    }
    return {};
}

std::string lower_ascii(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

void replace_all(std::string& s, std::string_view from, std::string_view to) {
    std::string out;
    std::size_t start = 0;
    for (std::size_t p = s.find(from); p != std::string::npos; p = s.find(from, start)) {
        out.append(s, start, p - start);
        out.append(to);
        start = p + from.size();
    }
    out.append(s, start, std::string::npos);
    s = std::move(out);
}

// The answer as echoed in an error message: at most 40 bytes, cut at a character boundary.
std::string echo(std::string_view s) {
    if (s.size() <= 40) return std::string(s);
    std::size_t n = 40;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
    return std::string(s.substr(0, n)) + "…";
}

std::string choice_range(int n, i18n::lang l) {
    return i18n::format(i18n::tr(l, "quiz.error.choice_range"),
                        {choice_letter(0), choice_letter(n - 1), std::to_string(n)});
}

grade_result form_error(std::string message) {
    grade_result g;
    g.error = std::move(message);
    return g;
}

}  // namespace

std::string_view item_type_name(item_type t) {
    switch (t) {
    case item_type::tf: return "tf";
    case item_type::single: return "single";
    case item_type::multi: return "multi";
    case item_type::numeric: return "numeric";
    }
    return "tf";
}

std::optional<item_type> parse_item_type(std::string_view s) {
    for (item_type t : {item_type::tf, item_type::single, item_type::multi, item_type::numeric})
        if (item_type_name(t) == s) return t;
    return std::nullopt;
}

const item* bank::find(std::string_view id) const {
    for (const auto& it : items)
        if (it.id == id) return &it;
    return nullptr;
}

const std::vector<std::string>& sections() {
    static const std::vector<std::string> s = {"1", "2", "3", "4", "5"};
    return s;
}

std::optional<bank> load_bank(std::string* error) {
    auto fail = [&](std::string message) -> std::optional<bank> {
        if (error) *error = std::move(message);
        return std::nullopt;
    };
    bank b;
    const json bullets = json::parse(assets::text("quiz/bank/bullets.json"), nullptr, false);
    if (bullets.is_discarded() || !bullets.contains("bullets") || !bullets["bullets"].is_array())
        return fail("quiz/bank/bullets.json: missing or not a {\"bullets\": [...]} document");
    for (const auto& e : bullets["bullets"]) {
        if (!e.is_object() || !e.contains("key") || !e["key"].is_string())
            return fail("quiz/bank/bullets.json: a bullet has no \"key\"");
        b.bullets.push_back({e["key"].get<std::string>(), e.value("en", std::string())});
    }
    std::set<std::string> ids;
    for (const auto& section : sections()) {
        const std::string name = "quiz/bank/s" + section + ".json";
        const json f = json::parse(assets::text(name), nullptr, false);
        if (f.is_discarded() || !f.is_object() || !f.contains("items") || !f["items"].is_array())
            return fail(name + ": missing or not a {\"items\": [...]} document");
        for (const auto& j : f["items"]) {
            item it;
            if (auto e = read_item(j, section, it); !e.empty()) return fail(name + ": " + e);
            if (!ids.insert(it.id).second) return fail(name + ": item " + it.id + " appears twice");
            b.items.push_back(std::move(it));
        }
    }
    return b;
}

const bank& the_bank() {
    static const bank b = load_bank(nullptr).value_or(bank{});
    return b;
}

std::string choice_letter(int index) {
    if (index < 0 || index >= 26) return "?";
    return std::string(1, static_cast<char>('A' + index));
}

std::optional<int> parse_choice(std::string_view token, int n) {
    token = trim(token);
    if (token.size() == 1 && std::isalpha(static_cast<unsigned char>(token[0]))) {
        const int k = std::toupper(static_cast<unsigned char>(token[0])) - 'A';
        if (k >= 0 && k < n) return k;
        return std::nullopt;
    }
    if (token.empty() || token.size() > 3) return std::nullopt;
    int v = 0;
    for (char c : token) {
        if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
        v = v * 10 + (c - '0');
    }
    if (v >= 1 && v <= n) return v - 1;
    return std::nullopt;
}

std::optional<double> parse_number_answer(std::string_view text) {
    std::string s(trim(text));
    replace_all(s, "\xE2\x88\x92", "-");  // U+2212 minus, as the bank writes it
    if (s.empty() || s.size() > 64) return std::nullopt;
    if (s.find_first_of("xXpP") != std::string::npos) return std::nullopt;  // no hex floats
    if (s.find(',') != std::string::npos) {
        // Thousands grouping only: 1 to 3 digits, then groups ",ddd", before any '.' or exponent.
        std::size_t start = (s[0] == '-' || s[0] == '+') ? 1 : 0;
        std::size_t end = s.find_first_of(".eE", start);
        if (end == std::string::npos) end = s.size();
        const std::string whole = s.substr(start, end - start);
        std::size_t first = whole.find(',');
        if (first == 0 || first > 3) return std::nullopt;
        for (std::size_t p = first; p < whole.size(); p += 4) {
            if (whole[p] != ',' || p + 4 > whole.size()) return std::nullopt;
            for (std::size_t k = p + 1; k < p + 4; ++k)
                if (!std::isdigit(static_cast<unsigned char>(whole[k]))) return std::nullopt;
        }
        s.erase(std::remove(s.begin(), s.end(), ','), s.end());
    }
    for (char c : s)  // strtod would also take "inf", "nan" and leading spaces
        if (!std::isdigit(static_cast<unsigned char>(c)) && c != '.' && c != 'e' && c != 'E' && c != '-' && c != '+')
            return std::nullopt;
    char* end = nullptr;
    errno = 0;
    const double v = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size() || errno != 0 || !std::isfinite(v)) return std::nullopt;
    return v;
}

bool number_matches(double x, double expected, double tolerance) {
    if (tolerance == 0) return x == expected;
    return std::fabs(x - expected) <= tolerance * std::fabs(expected);
}

std::string number_text(double v) {
    char buf[64];
    if (v == std::floor(v) && std::fabs(v) < 1e15)
        std::snprintf(buf, sizeof buf, "%.0f", v);
    else
        std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
}

grade_result grade(const item& it, std::string_view answer, i18n::lang l) {
    const std::string_view a = trim(answer);
    if (a.empty()) return form_error(i18n::tr(l, "quiz.error.empty"));
    grade_result g;
    const int n = static_cast<int>(it.choices.size());
    switch (it.type) {
    case item_type::tf: {
        const std::string s = lower_ascii(a);
        std::optional<bool> v;
        if (s == "true" || s == "t" || s == "1" || s == "對" || s == "是") v = true;
        if (s == "false" || s == "f" || s == "0" || s == "錯" || s == "否") v = false;
        if (!v) return form_error(i18n::format(i18n::tr(l, "quiz.error.tf"), {echo(a)}));
        g.correct = *v == it.answer_tf;
        g.expected = it.answer_tf ? "true" : "false";
        return g;
    }
    case item_type::single: {
        auto k = parse_choice(a, n);
        if (!k) return form_error(i18n::format(i18n::tr(l, "quiz.error.choice"), {echo(a), choice_range(n, l)}));
        g.correct = *k == it.answer_single;
        g.expected = choice_letter(it.answer_single);
        return g;
    }
    case item_type::multi: {
        std::string s(a);
        replace_all(s, "\xEF\xBC\x8C", ",");  // full-width comma
        replace_all(s, "\xE3\x80\x81", ",");  // ideographic comma
        std::vector<int> chosen;
        std::string token;
        auto flush = [&]() -> std::string {
            if (token.empty()) return {};
            auto k = parse_choice(token, n);
            if (!k) return i18n::format(i18n::tr(l, "quiz.error.choice"), {echo(token), choice_range(n, l)});
            if (std::find(chosen.begin(), chosen.end(), *k) != chosen.end())
                return i18n::format(i18n::tr(l, "quiz.error.choice_twice"), {choice_letter(*k)});
            chosen.push_back(*k);
            token.clear();
            return {};
        };
        for (char c : s) {
            if (c == ',' || std::isspace(static_cast<unsigned char>(c))) {
                if (auto e = flush(); !e.empty()) return form_error(e);
            } else {
                token += c;
            }
        }
        if (auto e = flush(); !e.empty()) return form_error(e);
        if (chosen.empty()) return form_error(i18n::tr(l, "quiz.error.empty"));
        std::sort(chosen.begin(), chosen.end());
        g.correct = chosen == it.answer_multi;
        for (int k : it.answer_multi) {
            if (!g.expected.empty()) g.expected += ", ";
            g.expected += choice_letter(k);
        }
        return g;
    }
    case item_type::numeric: {
        auto x = parse_number_answer(a);
        if (!x) return form_error(i18n::format(i18n::tr(l, "quiz.error.number"), {echo(a)}));
        g.correct = number_matches(*x, it.answer_number, it.tolerance);
        g.expected = number_text(it.answer_number);
        return g;
    }
    }
    return g;
}

}  // namespace es::quiz
