#include "store/json_store.h"
#include "store/settings.h"
#include "support/temp_files.h"

#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace es::store;

namespace {

using es::testing::count_files_with_prefix;
using es::testing::exists;
using es::testing::write_file;

std::string temp_dir() {
    static int counter = 0;
    return es::testing::make_temp_dir() + "/" + std::to_string(counter++);
}

}  // namespace

TEST_CASE("save_json_atomic creates folders and round-trips") {
    const std::string dir = temp_dir() + "/a/b";
    const std::string path = dir + "/doc.json";
    nlohmann::json doc = {{"x", 1}, {"name", "量化"}};
    CHECK_FALSE(save_json_atomic(path, doc).has_value());
    CHECK_FALSE(exists(path + ".tmp"));
    auto r = load_json(path);
    CHECK(r.status == load_status::ok);
    CHECK(r.value == doc);
}

TEST_CASE("a missing file is reported as missing, not as an error") {
    auto r = load_json(temp_dir() + "/none.json");
    CHECK(r.status == load_status::missing);
    CHECK(r.message.empty());
}

TEST_CASE("a corrupt file is moved aside, reported, and the next save works") {
    const std::string dir = temp_dir();
    REQUIRE(make_dirs(dir));
    const std::string path = dir + "/settings.json";
    for (const char* junk : {"{\"lang\": \"en\"", "", "\x00\x01garbage", "[1,2,3]"}) {
        CAPTURE(junk);
        write_file(path, junk);
        auto r = load_json(path);
        CHECK(r.status == load_status::corrupt);
        CHECK_FALSE(exists(path));
        CHECK(exists(r.moved_to));
        CHECK(r.message.find("moved to") != std::string::npos);
        // Moved files keep distinct names (the millisecond clock may repeat: wait a little).
        std::remove(r.moved_to.c_str());
    }
    CHECK_FALSE(save_json_atomic(path, {{"ok", true}}).has_value());
    CHECK(load_json(path).status == load_status::ok);
    CHECK(count_files_with_prefix(dir, "settings.json.corrupt") == 0);
}

TEST_CASE("a save that cannot happen returns a message and leaves the old file") {
    const std::string dir = temp_dir();
    REQUIRE(make_dirs(dir));
    const std::string path = dir + "/doc.json";
    REQUIRE_FALSE(save_json_atomic(path, {{"v", 1}}).has_value());
    // A folder where the temp file should go makes the write fail.
    REQUIRE(make_dirs(path + ".tmp"));
    auto err = save_json_atomic(path, {{"v", 2}});
    CHECK(err.has_value());
    CHECK(load_json(path).value["v"] == 1);
}

TEST_CASE("settings parse defensively") {
    std::vector<std::string> warnings;
    auto s = settings_from_json({{"lang", "zh-TW"}, {"theme", "light"}, {"ui_scale", 1.5}}, &warnings);
    CHECK(warnings.empty());
    CHECK(s.lang == es::i18n::lang::zh_tw);
    CHECK(s.ui_theme == theme::light);
    CHECK(s.ui_scale == doctest::Approx(1.5));

    warnings.clear();
    auto bad = settings_from_json({{"lang", "klingon"}, {"theme", 3}, {"ui_scale", 99}}, &warnings);
    CHECK(warnings.size() == 3);
    CHECK_FALSE(bad.lang.has_value());
    CHECK(bad.ui_theme == theme::dark);
    CHECK(bad.ui_scale == 0.0f);

    warnings.clear();
    settings_from_json(nlohmann::json::array(), &warnings);
    CHECK(warnings.size() == 1);

    auto round = settings_from_json(settings_to_json(s), nullptr);
    CHECK(round.lang == s.lang);
    CHECK(round.ui_theme == s.ui_theme);
    CHECK(round.ui_scale == s.ui_scale);
    auto unset = settings_to_json(settings{});
    CHECK(unset["lang"].is_null());
}
