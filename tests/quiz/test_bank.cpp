// The fixed quiz bank (src/quiz/bank/*.json, embedded): every item well formed in both
// languages, every bullet of the study sheet covered by at least three items, every
// character drawable by the embedded font.
#include "assets/assets.h"
#include "assets/font_coverage.h"
#include "i18n/i18n.h"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <set>
#include <string>
#include <vector>

using nlohmann::json;

namespace {

// CJK ideographs or CJK/full-width punctuation: a zh-TW text that is a pure formula still
// ends with "。" (and so was written for the zh-TW reader, not copied from en).
bool has_cjk(const std::string& s) {
    for (char32_t c : es::i18n::utf8_decode(s))
        if ((c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3000 && c <= 0x303F) || (c >= 0xFF00 && c <= 0xFFEF)) return true;
    return false;
}

// {"en", "zh-TW"}, both non-empty; the zh-TW text really Chinese.
bool bilingual(const json& t, std::vector<std::string>& text, bool zh_must_have_cjk) {
    if (!t.is_object() || t.size() != 2 || !t.contains("en") || !t.contains("zh-TW")) return false;
    if (!t["en"].is_string() || !t["zh-TW"].is_string()) return false;
    const std::string en = t["en"], zh = t["zh-TW"];
    if (en.empty() || zh.empty()) return false;
    text.push_back(en);
    text.push_back(zh);
    return !zh_must_have_cjk || has_cjk(zh);
}

}  // namespace

TEST_CASE("quiz bank: well-formed items in both languages, at least 3 per bullet, 150 in all, font coverage") {
    const json bullets = json::parse(es::assets::text("quiz/bank/bullets.json"));
    std::map<std::string, int> per_bullet;
    for (const auto& b : bullets["bullets"]) per_bullet[b["key"].get<std::string>()] = 0;
    REQUIRE(per_bullet.size() >= 30);

    std::set<std::string> ids;
    std::vector<std::string> text;
    std::map<std::string, int> per_type;
    int total = 0;
    for (int sec = 1; sec <= 5; ++sec) {
        const std::string name = "quiz/bank/s" + std::to_string(sec) + ".json";
        CAPTURE(name);
        const auto raw = es::assets::text(name);
        REQUIRE_FALSE(raw.empty());
        const json f = json::parse(raw, nullptr, false);
        REQUIRE_FALSE(f.is_discarded());
        CHECK(f["section"] == std::to_string(sec));
        for (const auto& it : f["items"]) {
            ++total;
            const std::string id = it.value("id", "");
            CAPTURE(id);
            CHECK(ids.insert(id).second);  // unique
            const std::string bullet = it.value("bullet", "");
            CHECK(per_bullet.count(bullet) == 1);
            CHECK(id.rfind(bullet + "-", 0) == 0);
            CHECK(bullet.rfind(std::to_string(sec) + ".", 0) == 0);
            per_bullet[bullet]++;
            CHECK(bilingual(it["prompt"], text, true));
            CHECK(bilingual(it["explanation"], text, true));
            const std::string type = it.value("type", "");
            per_type[type]++;
            const json& a = it["answer"];
            if (type == "tf") {
                CHECK(a.is_boolean());
                CHECK_FALSE(it.contains("choices"));
            } else if (type == "single" || type == "multi") {
                REQUIRE(it["choices"].is_array());
                const int n = static_cast<int>(it["choices"].size());
                CHECK(n >= 2);
                CHECK(n <= 6);
                std::set<std::string> distinct;
                for (const auto& c : it["choices"]) {
                    CHECK(bilingual(c, text, false));
                    distinct.insert(c.value("en", ""));
                }
                CHECK(static_cast<int>(distinct.size()) == n);
                if (type == "single") {
                    CHECK(a.is_number_integer());
                    CHECK(a.get<int>() >= 0);
                    CHECK(a.get<int>() < n);
                } else {
                    REQUIRE(a.is_array());
                    CHECK_FALSE(a.empty());
                    int prev = -1;
                    for (const auto& k : a) {
                        CHECK(k.is_number_integer());
                        CHECK(k.get<int>() > prev);  // sorted, no duplicates
                        CHECK(k.get<int>() < n);
                        prev = k.get<int>();
                    }
                }
            } else if (type == "numeric") {
                CHECK(a.is_number());
                CHECK(a.get<double>() != 0.0);
                REQUIRE(it.contains("tolerance"));
                CHECK(it["tolerance"].is_number());
                CHECK(it["tolerance"].get<double>() >= 0.0);
                CHECK(it["tolerance"].get<double>() <= 0.05);
                if (it["tolerance"].get<double>() == 0.0) CHECK(a.is_number_integer());
                if (it.contains("unit")) CHECK(bilingual(it["unit"], text, false));
            } else {
                FAIL("unknown item type " << type);
            }
        }
    }
    for (const auto& kv : per_bullet) {
        const std::string& key = kv.first;  // clang 14 cannot CAPTURE a structured binding
        CAPTURE(key);
        CHECK(kv.second >= 3);
    }
    CHECK(total >= 150);
    for (const char* t : {"tf", "single", "multi", "numeric"}) CHECK(per_type[t] >= 10);
    const auto report = es::assets::check_font_coverage(es::assets::bytes("fonts/ui_font.ttf"), text);
    for (const auto& p : report.problems) MESSAGE(p);
    CHECK(report.ok);
}
