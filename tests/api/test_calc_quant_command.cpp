// calc quant through the dispatcher (the page's and the UI's path) and through the CLI front
// door in-process: the three conventions with hand-checked numbers, the flags' defaults,
// and every refusal as {"error", "field"} with exit code 2.
#include "api/dispatcher.h"
#include "support/cli_runner.h"

#include <doctest/doctest.h>

#include <string>

using es::api::json;
using namespace es::api;
using es::testing::run_cli;

namespace {

json quant_request(json extra = json::object()) {
    json r = {{"cmd", "calc quant"}, {"rmin", -1}, {"rmax", 3}};
    for (auto& [k, v] : extra.items()) r[k] = v;
    return r;
}

std::string error_of(const json& a) { return is_error(a) ? a["error"].get<std::string>() : std::string("(no error)"); }

}  // namespace

TEST_CASE("calc quant: asymmetric uint8 by default, q/dequantized/error only with --value") {
    json a = run(quant_request());
    REQUIRE_FALSE(is_error(a));
    CHECK(a["scheme"] == "asymmetric");
    CHECK(a["restricted"] == false);
    CHECK(a["bits"] == 8);
    CHECK(a["signed"] == false);
    CHECK(a["qmin"] == 0);
    CHECK(a["qmax"] == 255);
    CHECK(a["scale"].get<double>() == doctest::Approx(4.0 / 255));
    CHECK(a["zero_point"] == 64);
    CHECK(a["zero_point_clamped"] == false);
    CHECK_FALSE(a.contains("q"));
    CHECK_FALSE(a.contains("dequantized"));
    CHECK_FALSE(a.contains("error"));
    REQUIRE(a["steps"].size() == 4);
    CHECK(a["steps"][0]["id"] == "scheme");

    json v = run(quant_request({{"value", 0.5}}));
    REQUIRE_FALSE(is_error(v));
    CHECK(v["q"] == 96);  // round(0.5 · 255/4 + 64) = round(95.875)
    CHECK(v["dequantized"].get<double>() == doctest::Approx(32 * 4.0 / 255));
    CHECK(v["error"].is_number());  // the quantization error, not a refusal
    CHECK_FALSE(is_error(v));
    CHECK_FALSE(is_error(json{{"error", 0.5}}));
    CHECK(is_error(make_error("refused")));
    CHECK(v["error"].get<double>() == doctest::Approx(32 * 4.0 / 255 - 0.5));
    CHECK(v["steps"].size() == 7);
    // CLI strings, the dotted name: the same answer.
    json s = run({{"cmd", "calc.quant"}, {"rmin", "-1"}, {"rmax", "3"}, {"value", "0.5"}, {"bits", "8"}});
    CHECK(s == v);
}

TEST_CASE("calc quant: signed asymmetric, symmetric full range, symmetric restricted") {
    json sa = run(quant_request({{"rmin", -2}, {"rmax", 6}, {"signed", true}}));
    REQUIRE_FALSE(is_error(sa));
    CHECK(sa["signed"] == true);
    CHECK(sa["qmin"] == -128);
    CHECK(sa["zero_point"] == -64);

    // --symmetric alone: signed, full range [−128, 127], S = a / 127.5.
    json full = run(quant_request({{"rmin", -2}, {"rmax", 1}, {"symmetric", true}, {"value", 2}}));
    REQUIRE_FALSE(is_error(full));
    CHECK(full["scheme"] == "symmetric");
    CHECK(full["signed"] == true);
    CHECK(full["restricted"] == false);
    CHECK(full["qmin"] == -128);
    CHECK(full["qmax"] == 127);
    CHECK(full["zero_point"] == 0);
    CHECK(full["scale"].get<double>() == doctest::Approx(2 / 127.5));
    CHECK(full["q"] == 127);  // 127.5 rounds to 128, clamped
    CHECK(full["error"].get<double>() == doctest::Approx(-1 / 127.5));  // −S/2
    CHECK(full["steps"][4]["result"].get<std::string>().find("clamped to 127") != std::string::npos);

    json restricted = run(quant_request({{"rmin", -2}, {"rmax", 1}, {"symmetric", true}, {"restricted", true},
                                         {"signed", true}, {"value", -1.3}}));
    REQUIRE_FALSE(is_error(restricted));
    CHECK(restricted["restricted"] == true);
    CHECK(restricted["qmin"] == -127);
    CHECK(restricted["qmax"] == 127);
    CHECK(restricted["scale"].get<double>() == doctest::Approx(2.0 / 127));
    CHECK(restricted["q"] == -83);  // −1.3 · 127/2 = −82.55

    json four = run(quant_request({{"rmin", -1}, {"rmax", 3}, {"bits", 4}, {"symmetric", true}, {"value", 3}}));
    REQUIRE_FALSE(is_error(four));
    CHECK(four["qmin"] == -8);
    CHECK(four["qmax"] == 7);
    CHECK(four["scale"].get<double>() == doctest::Approx(0.4));
    CHECK(four["q"] == 7);

    json zh = run(quant_request({{"symmetric", true}, {"lang", "zh-TW"}}));
    CHECK(zh["steps"][0]["title"].get<std::string>().find("對稱量化") != std::string::npos);
}

TEST_CASE("calc quant: bad input answers {error, field} in the requested language") {
    json e = run(quant_request({{"rmin", 4}}));
    CHECK(e["field"] == "rmin");
    CHECK(error_of(e) == "--rmin (4) is greater than --rmax (3): the range is reversed");
    e = run(quant_request({{"rmin", 3}}));
    CHECK(e["field"] == "rmax");
    CHECK(error_of(e).find("both 3") != std::string::npos);
    for (int bits : {0, 1, 9, 32}) {
        e = run(quant_request({{"bits", bits}}));
        CHECK(e["field"] == "bits");
        CHECK(error_of(e) == "--bits must be a whole number from 2 to 8, got " + std::to_string(bits));
    }
    e = run(quant_request({{"bits", 9}, {"lang", "zh-TW"}}));
    CHECK(error_of(e) == "--bits 必須是 2 到 8 的整數，目前為 9");
    e = run(quant_request({{"bits", "5000000000"}}));  // beyond int: still the calculator's words
    CHECK(e["field"] == "bits");
    CHECK(error_of(e).find("got 5000000000") != std::string::npos);
    e = run(quant_request({{"symmetric", true}, {"unsigned", true}}));
    CHECK(e["field"] == "signed");
    CHECK(error_of(e).find("needs a signed type") != std::string::npos);
    e = run(quant_request({{"restricted", true}}));
    CHECK(e["field"] == "restricted");
    e = run(quant_request({{"signed", true}, {"unsigned", true}, {"lang", "zh-TW"}}));
    CHECK(e["field"] == "signed");
    CHECK(error_of(e) == "--signed 與 --unsigned 只能擇一");
    // The dispatcher refuses what is not a finite number before the calculator sees it.
    CHECK(error_of(run(quant_request({{"value", "nan"}}))).find("--value") != std::string::npos);
    CHECK(error_of(run(quant_request({{"rmax", "inf"}}))).find("--rmax") != std::string::npos);
    CHECK(error_of(run(quant_request({{"rmin", "lots"}}))).find("--rmin") != std::string::npos);
    json missing = quant_request();
    missing.erase("rmax");
    CHECK(error_of(run(missing)).find("missing argument --rmax") != std::string::npos);
}

TEST_CASE("cli: calc quant") {
    auto ok = run_cli({"calc", "quant", "--rmin", "-2", "--rmax", "1", "--symmetric", "--value", "2", "--json"});
    CHECK(ok.rc == 0);
    auto j = json::parse(ok.out);
    CHECK(j["q"] == 127);
    CHECK(j["qmin"] == -128);
    CHECK(j["error"].is_number());

    auto human = run_cli({"calc", "quant", "--rmin", "-1", "--rmax", "3", "--value", "0.5"});
    CHECK(human.rc == 0);
    CHECK(human.out.find("q: 96") != std::string::npos);

    auto bad = run_cli({"calc", "quant", "--rmin", "-1", "--rmax", "3", "--bits", "9", "--json"});
    CHECK(bad.rc == 2);
    CHECK(bad.err.find("--bits must be a whole number from 2 to 8, got 9") != std::string::npos);
    CHECK(json::parse(bad.out)["error"].get<std::string>().find("--bits") != std::string::npos);
    auto both = run_cli({"calc", "quant", "--rmin", "-1", "--rmax", "3", "--symmetric", "--unsigned", "--json"});
    CHECK(both.rc == 2);
}
