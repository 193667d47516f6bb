// The progress document: round trip, atomic saves after every answer, a corrupt file moved
// aside, a foreign or invalid document rejected by name with the current progress intact,
// import that changes nothing unless the whole document is valid.
#include "quiz/progress.h"
#include "support/temp_files.h"

#include <doctest/doctest.h>

#include <string>

using namespace es;
using i18n::lang;
using nlohmann::json;
using quiz::item_type;

namespace {

constexpr std::int64_t t0 = 1700000000;

using es::testing::exists;
using es::testing::read_file;
using es::testing::write_file;

std::string temp_dir() { return es::testing::make_temp_dir(); }

int files_with_prefix(const std::string& dir, const std::string& prefix) {
    return es::testing::count_files_with_prefix(dir, prefix);
}

quiz::study_state sample_state() {
    quiz::study_state s;
    quiz::record_answer(s, "1.1.4-c", "1.1.4", true, t0, 8000, item_type::numeric);
    quiz::record_answer(s, "1.1.4-c", "1.1.4", false, t0 + 86400, 0, item_type::numeric);
    quiz::record_answer(s, "gen:conv_out:12345", "1.1.4", true, t0 + 90000, 20000, item_type::numeric);
    quiz::record_answer(s, "量化-id", "3.1.1", true, t0 + 90001, 1, item_type::tf);
    return s;
}

}  // namespace

TEST_CASE("quiz progress: the document round-trips and names its format and version") {
    const auto s = sample_state();
    const json doc = quiz::progress_to_json(s);
    CHECK(doc["format"] == "edgestudy-progress");
    CHECK(doc["version"] == 1);
    CHECK(doc["items"].size() == 3);
    CHECK(doc["history"].size() == 4);
    std::string err;
    auto back = quiz::progress_from_json(json::parse(doc.dump()), lang::en, &err);
    REQUIRE_MESSAGE(back, err);
    CHECK(quiz::progress_to_json(*back) == doc);
    CHECK(back->items.at("1.1.4-c").lapses == 1);
    CHECK(back->skills.at("1.1.4").answers == 3);
    CHECK(back->history[3].id == "量化-id");
}

TEST_CASE("quiz progress: invalid documents are rejected with the problem named") {
    const json good = quiz::progress_to_json(sample_state());
    struct bad_case {
        std::string what;
        json doc;
        const char* needle;
    };
    auto with = [&](const json::json_pointer& ptr, json value) {
        json d = good;
        d[ptr] = std::move(value);
        return d;
    };
    auto without = [&](const json::json_pointer& parent, const std::string& key) {
        json d = good;
        d[parent].erase(key);
        return d;
    };
    const std::vector<bad_case> cases = {
        {"array", json::array(), "must be a JSON object"},
        {"foreign", json{{"format", "something-else"}, {"version", 1}}, "not an EdgeStudy progress document"},
        {"settings file", json{{"lang", "en"}, {"theme", "dark"}}, "has no \"format\""},
        {"version 2", with(json::json_pointer("/version"), 2), "version 2 is not supported"},
        {"ef text", with(json::json_pointer("/items/1.1.4-c/ef"), "x"), "items.\"1.1.4-c\".ef must be a number from 1.3 to 100"},
        {"ef low", with(json::json_pointer("/items/1.1.4-c/ef"), 1.0), "items.\"1.1.4-c\".ef"},
        {"reps fraction", with(json::json_pointer("/skills/1.1.4/reps"), 1.5), "skills.\"1.1.4\".reps must be a whole number"},
        {"due negative", with(json::json_pointer("/items/1.1.4-c/due"), -5), "items.\"1.1.4-c\".due"},
        {"huge", with(json::json_pointer("/items/1.1.4-c/answers"), 18446744073709551615ull), "answers"},
        {"bool", with(json::json_pointer("/items/1.1.4-c/last_correct"), 1), "last_correct must be true or false"},
        {"counts", with(json::json_pointer("/items/1.1.4-c/correct"), 5), "more correct answers than answers"},
        {"missing field", without(json::json_pointer("/items/1.1.4-c"), "interval"), "items.\"1.1.4-c\".interval is missing"},
        {"missing items", without(json::json_pointer(""), "items"), "items is missing"},
        {"items list", with(json::json_pointer("/items"), json::array()), "items must be a JSON object"},
        {"history object", with(json::json_pointer("/history"), json::object()), "history must be a list"},
        {"history entry", with(json::json_pointer("/history/1"), 3), "history[1] must be a JSON object"},
        {"history id", with(json::json_pointer("/history/0/id"), ""), "history[0].id"},
        {"history ms", with(json::json_pointer("/history/2/ms"), 3000000000ll), "history[2].ms"},
        {"long id", with(json::json_pointer("/items/" + std::string(201, 'a')), good["items"]["1.1.4-c"]), "1 to 200 bytes"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.what);
        std::string en, zh;
        CHECK_FALSE(quiz::progress_from_json(c.doc, lang::en, &en));
        CHECK(en.find(c.needle) != std::string::npos);
        CHECK_FALSE(quiz::progress_from_json(c.doc, lang::zh_tw, &zh));
        CHECK_FALSE(zh.empty());
        CHECK(zh != en);
    }
    json big = good;
    big["history"] = json::array();
    for (std::size_t i = 0; i <= quiz::max_history; ++i) big["history"].push_back(good["history"][0]);
    std::string err;
    CHECK_FALSE(quiz::progress_from_json(big, lang::en, &err));
    CHECK(err.find("at most 5000") != std::string::npos);
    // Unknown keys are ignored.
    json extra = good;
    extra["note"] = "from the future";
    CHECK(quiz::progress_from_json(extra, lang::en, nullptr));
}

TEST_CASE("quiz progress: every answer is saved; a new store loads it back") {
    const std::string dir = temp_dir(), path = dir + "/sub/progress.json";
    quiz::progress_store store(path);
    CHECK(store.load(lang::en).status == quiz::progress_load_status::missing);
    CHECK(store.state().items.empty());
    CHECK_FALSE(store.answer("1.1.4-c", "1.1.4", true, t0, 9000, item_type::numeric, lang::en));
    CHECK(exists(path));
    CHECK_FALSE(exists(path + ".tmp"));
    CHECK_FALSE(store.answer("2.1.1-a", "2.1.1", false, t0 + 5, 9000, item_type::single, lang::en));
    quiz::progress_store reopened(path);
    const auto r = reopened.load(lang::en);
    CHECK(r.status == quiz::progress_load_status::ok);
    CHECK(r.message.empty());
    CHECK(quiz::progress_to_json(reopened.state()) == quiz::progress_to_json(store.state()));
    CHECK(reopened.state().history.size() == 2);
}

TEST_CASE("quiz progress: a corrupt file is moved aside and reported; a foreign one too, progress intact") {
    const std::string dir = temp_dir(), path = dir + "/progress.json";
    quiz::progress_store store(path);
    CHECK_FALSE(store.answer("1.1.4-c", "1.1.4", true, t0, 9000, item_type::numeric, lang::en));
    const json before = quiz::progress_to_json(store.state());

    write_file(path, "{\"format\": \"edgestudy-progress\", \"vers");  // a crash of some other writer
    auto r = store.load(lang::en);
    CHECK(r.status == quiz::progress_load_status::corrupt);
    CHECK(exists(r.moved_to));
    CHECK_FALSE(exists(path));
    CHECK(r.message.find(r.moved_to) != std::string::npos);
    CHECK(quiz::progress_to_json(store.state()) == before);  // what is in memory is kept

    write_file(path, R"({"format": "edgestudy-settings", "version": 1, "lang": "en"})");
    r = store.load(lang::zh_tw);
    CHECK(r.status == quiz::progress_load_status::invalid);
    CHECK(r.message.find("edgestudy-settings") != std::string::npos);
    CHECK(r.message.find("進度") != std::string::npos);
    CHECK(exists(r.moved_to));
    CHECK(read_file(r.moved_to).find("edgestudy-settings") != std::string::npos);  // nothing lost
    CHECK(files_with_prefix(dir, "progress.json.invalid-") == 1);
    CHECK(quiz::progress_to_json(store.state()) == before);
    // The next answer saves the kept progress, not over the foreign file.
    CHECK_FALSE(store.answer("1.1.4-d", "1.1.4", true, t0 + 60, 9000, item_type::tf, lang::en));
    quiz::progress_store reopened(path);
    CHECK(reopened.load(lang::en).status == quiz::progress_load_status::ok);
    CHECK(reopened.state().items.size() == 2);
}

TEST_CASE("quiz progress: export and import; an import error leaves progress and file unchanged") {
    const std::string dir = temp_dir(), path = dir + "/progress.json";
    quiz::progress_store store(path);
    CHECK_FALSE(store.answer("1.1.4-c", "1.1.4", true, t0, 9000, item_type::numeric, lang::en));
    const std::string file_before = read_file(path);
    const json state_before = quiz::progress_to_json(store.state());
    const std::string exported = store.export_json();

    const std::string bad_inputs[] = {
        "", "not json", "[1, 2]", R"({"format": "edgestudy-progress"})",
        R"({"format": "edgestudy-progress", "version": 1, "items": {"a": {"ef": 2.5}}, "skills": {}, "history": []})",
        R"({"format": "other", "version": 1})",
    };
    for (const auto& text : bad_inputs) {
        CAPTURE(text);
        auto err = store.import_json(text, lang::en);
        REQUIRE(err);
        CHECK_FALSE(err->empty());
        CHECK(quiz::progress_to_json(store.state()) == state_before);
        CHECK(read_file(path) == file_before);
    }
    CHECK(*store.import_json("not json", lang::en) == "The text is not JSON.");
    CHECK(store.import_json(R"({"format": "edgestudy-progress"})", lang::en)->find("version") != std::string::npos);

    // A valid document replaces the progress and is saved.
    quiz::progress_store other(dir + "/other.json");
    const auto s = sample_state();
    CHECK_FALSE(other.import_json(quiz::progress_to_json(s).dump(), lang::en));
    CHECK(other.state().items.size() == 3);
    CHECK_FALSE(store.import_json(other.export_json(), lang::en));
    CHECK(quiz::progress_to_json(store.state()) == quiz::progress_to_json(s));
    quiz::progress_store reopened(path);
    CHECK(reopened.load(lang::en).status == quiz::progress_load_status::ok);
    CHECK(quiz::progress_to_json(reopened.state()) == quiz::progress_to_json(s));
    // And the first export imports back.
    CHECK_FALSE(store.import_json(exported, lang::en));
    CHECK(quiz::progress_to_json(store.state()) == state_before);
}
