// quiz stats, quiz sample and quiz grade through the dispatcher and the CLI front door.
#include "api/dispatcher.h"
#include "quiz/bank.h"
#include "quiz/generators.h"
#include "support/cli_runner.h"

#include <doctest/doctest.h>

#include <set>

using es::api::json;
using namespace es::api;
using es::testing::run_cli;

TEST_CASE("quiz stats: the bank by section and type, languages, generators") {
    json a = run({{"cmd", "quiz stats"}});
    REQUIRE_FALSE(is_error(a));
    CHECK(a["items"] == 212);
    int sum = 0;
    for (const auto& kv : a["by_section"].items()) sum += kv.value().get<int>();
    CHECK(sum == 212);
    CHECK(a["by_section"]["1"] == 55);
    CHECK(a["by_type"]["tf"] == 69);
    CHECK(a["by_type"]["numeric"] == 79);
    CHECK(a["languages"] == json::array({"zh-TW", "en"}));
    CHECK(a["generators"].size() == es::quiz::generator_names().size());
    CHECK(run({{"cmd", "quiz.stats"}}) == a);
}

TEST_CASE("quiz sample: reproducible bank items and generated problems, filters, both languages") {
    json a = run({{"cmd", "quiz sample"}, {"seed", 7}});
    REQUIRE_FALSE(is_error(a));
    CHECK(run({{"cmd", "quiz sample"}, {"seed", "7"}}) == a);  // CLI strings
    CHECK(a["generated"] == false);
    const auto* it = es::quiz::the_bank().find(a["id"].get<std::string>());
    REQUIRE(it != nullptr);
    CHECK(a["prompt"] == it->prompt.en);
    CHECK(a["section"] == it->section);
    json zh = run({{"cmd", "quiz sample"}, {"seed", 7}, {"lang", "zh-TW"}});
    CHECK(zh["id"] == a["id"]);
    CHECK(zh["prompt"] == it->prompt.zh_tw);

    std::set<std::string> ids;
    for (int seed = 0; seed < 40; ++seed) {
        json s = run({{"cmd", "quiz sample"}, {"seed", seed}, {"section", "3"}});
        REQUIRE_FALSE(is_error(s));
        CHECK(s["section"] == "3");
        ids.insert(s["id"].get<std::string>());
        if (s["type"] == "single" || s["type"] == "multi") CHECK(s["choices"].size() >= 2);
        if (s["type"] == "numeric") CHECK(s.contains("tolerance"));
    }
    CHECK(ids.size() > 10);

    json g = run({{"cmd", "quiz sample"}, {"seed", 12345}, {"generated", true}});
    REQUIRE_FALSE(is_error(g));
    CHECK(g["generated"] == true);
    CHECK(g["seed"] == 12345);
    CHECK(g["id"] == "gen:" + g["generator"].get<std::string>() + ":12345");
    json c = run({{"cmd", "quiz sample"}, {"seed", 5}, {"generator", "conv_out"}});
    CHECK(c["id"] == "gen:conv_out:5");
    CHECK(c["bullet"] == "1.1.4");
    for (int seed = 0; seed < 20; ++seed) {
        json s = run({{"cmd", "quiz sample"}, {"seed", seed}, {"generated", true}, {"section", "3"}});
        REQUIRE_FALSE(is_error(s));
        CHECK(s["section"] == "3");
    }

    CHECK(is_error(run({{"cmd", "quiz sample"}})));  // --seed is required
    CHECK(is_error(run({{"cmd", "quiz sample"}, {"seed", -1}})));
    CHECK(is_error(run({{"cmd", "quiz sample"}, {"seed", 1}, {"section", "9"}})));
    CHECK(is_error(run({{"cmd", "quiz sample"}, {"seed", 1}, {"generator", "nope"}})));
    json none = run({{"cmd", "quiz sample"}, {"seed", 1}, {"generated", true}, {"section", "5"}});
    CHECK(none["error"].get<std::string>().find("section 5") != std::string::npos);
    json clash = run({{"cmd", "quiz sample"}, {"seed", 1}, {"generator", "kd"}, {"section", "1"}});
    CHECK(clash["error"].get<std::string>().find("kd drills section 4") != std::string::npos);
}

TEST_CASE("quiz grade: bank items, generated problems with steps and slips, errors") {
    json right = run({{"cmd", "quiz grade"}, {"id", "3.2.1-b"}, {"answer", "8388608"}});
    REQUIRE_FALSE(is_error(right));
    CHECK(right["correct"] == true);
    CHECK(right["slip"].is_null());
    CHECK_FALSE(right["explanation"].get<std::string>().empty());
    CHECK_FALSE(right.contains("steps"));
    json wrong = run({{"cmd", "quiz grade"}, {"id", "3.2.1-b"}, {"answer", "4194304"}, {"lang", "zh-TW"}});
    CHECK(wrong["correct"] == false);
    CHECK(wrong["expected"] == "8388608");

    // A generated problem: graded by regenerating it from its id.
    auto p = es::quiz::generate("conv_out", 12345, es::i18n::lang::en);
    REQUIRE(p);
    json g = run({{"cmd", "quiz grade"}, {"id", "gen:conv_out:12345"}, {"answer", es::quiz::number_text(p->answer)}});
    REQUIRE_FALSE(is_error(g));
    CHECK(g["correct"] == true);
    CHECK(g["slip"].is_null());
    REQUIRE(g["steps"].is_array());
    CHECK(g["steps"][0]["id"] == "h_out");
    REQUIRE_FALSE(p->slips.empty());
    json s = run({{"cmd", "quiz grade"},
                  {"id", "gen:conv_out:12345"},
                  {"answer", es::quiz::number_text(p->slips[0].value)},
                  {"lang", "zh-TW"}});
    CHECK(s["correct"] == false);
    CHECK(s["slip"]["id"] == p->slips[0].id);
    CHECK(s["slip"]["name"] == es::quiz::slip_name(p->slips[0].id, es::i18n::lang::zh_tw));

    json unknown = run({{"cmd", "quiz grade"}, {"id", "9.9.9-z"}, {"answer", "1"}});
    CHECK(unknown["error"].get<std::string>().find("Unknown question id \"9.9.9-z\"") != std::string::npos);
    CHECK(is_error(run({{"cmd", "quiz grade"}, {"id", "gen:nope:1"}, {"answer", "1"}})));
    CHECK(is_error(run({{"cmd", "quiz grade"}, {"id", "gen:conv_out:x"}, {"answer", "1"}})));
    json form = run({{"cmd", "quiz grade"}, {"id", "gen:conv_out:12345"}, {"answer", "twelve"}});
    CHECK(form["error"].get<std::string>().find("Expected a number") != std::string::npos);
    CHECK(is_error(run({{"cmd", "quiz grade"}, {"id", "1.1.1-a"}})));  // --answer is required

    auto cli = run_cli({"quiz", "grade", "--id", "1.1.1-b", "--answer", "F", "--json"});
    CHECK(cli.rc == 0);
    CHECK(cli.out.find("\"correct\":true") != std::string::npos);
    auto bad = run_cli({"quiz", "grade", "--id", "1.1.1-b", "--answer", "maybe", "--json"});
    CHECK(bad.rc == 2);
    CHECK(bad.err.find("true or false") != std::string::npos);
}
