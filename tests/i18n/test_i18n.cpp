#include "assets/assets.h"
#include "assets/font_coverage.h"
#include "i18n/i18n.h"

#include <doctest/doctest.h>

using namespace es;
using i18n::lang;

TEST_CASE("string tables: every key in both languages, none empty, placeholders agree") {
    auto problems = i18n::validate_tables();
    for (const auto& p : problems) MESSAGE(p);
    CHECK(problems.empty());
    CHECK(i18n::table(lang::en).size() == i18n::table(lang::zh_tw).size());
    CHECK(i18n::table(lang::en).size() > 40);
}

TEST_CASE("every panel has its title, summary, plan and sheet sections in both languages") {
    for (const char* p : {"calculators", "architectures", "models", "quantization", "pruning", "roofline", "results", "training",
                          "quiz"}) {
        for (const char* part : {".title", ".summary", ".plan", ".sheet"}) {
            std::string key = std::string("panel.") + p + part;
            CAPTURE(key);
            CHECK(i18n::table(lang::en).count(key) == 1);
            CHECK(i18n::table(lang::zh_tw).count(key) == 1);
        }
    }
}

TEST_CASE("the zh-TW table is really Chinese, the en table really English") {
    auto has_cjk = [](const std::string& s) {
        for (char32_t c : i18n::utf8_decode(s))
            if (c >= 0x4E00 && c <= 0x9FFF) return true;
        return false;
    };
    CHECK(has_cjk(i18n::tr(lang::zh_tw, "panel.quiz.title")));
    CHECK_FALSE(has_cjk(i18n::tr(lang::en, "panel.quiz.title")));
    CHECK(std::string(i18n::tr(lang::en, "panel.quiz.title")) == "Quiz");
}

TEST_CASE("a missing key comes back as the key") {
    CHECK(std::string(i18n::tr(lang::en, "no.such.key")) == "no.such.key");
}

TEST_CASE("language codes and locale defaults") {
    CHECK(i18n::parse_code("zh-TW") == lang::zh_tw);
    CHECK(i18n::parse_code("zh_tw") == lang::zh_tw);
    CHECK(i18n::parse_code("EN") == lang::en);
    CHECK(i18n::parse_code("en-GB") == lang::en);
    CHECK_FALSE(i18n::parse_code("fr").has_value());
    CHECK_FALSE(i18n::parse_code("").has_value());
    CHECK(i18n::default_for_locale("zh_TW.UTF-8") == lang::zh_tw);
    CHECK(i18n::default_for_locale("zh-CN") == lang::zh_tw);
    CHECK(i18n::default_for_locale("zh-Hant-HK") == lang::zh_tw);
    CHECK(i18n::default_for_locale("en-US") == lang::en);
    CHECK(i18n::default_for_locale("C") == lang::en);
    CHECK(i18n::default_for_locale("") == lang::en);
    CHECK(i18n::default_for_locale("ja-JP") == lang::en);
}

TEST_CASE("format fills {N} placeholders") {
    CHECK(i18n::format("a {0} b {1} {0}", {"x", "y"}) == "a x b y x");
    CHECK(i18n::format("{2} stays", {"x"}) == "{2} stays");
    CHECK(i18n::format("{ and } alone", {"x"}) == "{ and } alone");
}

TEST_CASE("utf8_decode") {
    auto cps = i18n::utf8_decode("a量×");
    REQUIRE(cps.size() == 3);
    CHECK(cps[0] == U'a');
    CHECK(cps[1] == U'量');
    CHECK(cps[2] == U'×');
    CHECK(i18n::utf8_decode("\xff")[0] == 0xFFFD);
    CHECK(i18n::utf8_decode("\xe9\x87")[0] == 0xFFFD);      // truncated
    CHECK(i18n::utf8_decode("\xc0\xaf")[0] == 0xFFFD);      // overlong
    CHECK(i18n::utf8_decode("\xed\xa0\x80")[0] == 0xFFFD);  // surrogate
}

TEST_CASE("the embedded font subset covers every UI string") {
    const auto& r = assets::ui_font_coverage();
    for (const auto& p : r.problems) MESSAGE(p);
    CHECK(r.ok);
    CHECK(r.strings_checked == assets::all_ui_strings().size());
    CHECK(r.codepoints_checked > 200);  // both languages' characters
}

TEST_CASE("the coverage check catches a character the subset lacks") {
    auto font = assets::bytes("fonts/ui_font.ttf");
    REQUIRE(font.size() > 1000);
    // U+9F98 (a rare character) is in no UI string, so the subset dropped it.
    auto r = assets::check_font_coverage(font, {"ok text", "龘"});
    CHECK_FALSE(r.ok);
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].find("U+9F98") != std::string::npos);

    std::vector<unsigned char> junk(64, 0xAB);
    auto bad = assets::check_font_coverage(junk, {"a"});
    CHECK_FALSE(bad.ok);
}

TEST_CASE("the font subset stays small") {
    auto font = assets::bytes("fonts/ui_font.ttf");
    CHECK(font.size() < 1024 * 1024);
    auto cps = assets::font_codepoints(font);
    CHECK(cps.size() >= 95);  // at least printable ASCII
}
