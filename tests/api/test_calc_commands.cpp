// calc conv and calc roofline through the dispatcher (the page's and the UI's path) and
// through the CLI front door in-process.
#include "api/dispatcher.h"
#include "platform/cli_main.h"
#include "support/cli_runner.h"

#include <doctest/doctest.h>

#include <cmath>
#include <sstream>
#include <vector>

using es::api::json;
using namespace es::api;

namespace {

json conv_request(json extra = json::object()) {
    json r = {{"cmd", "calc conv"}, {"h", 224}, {"w", 224}, {"cin", 3}, {"cout", 64}, {"k", 3}, {"stride", 2}, {"pad", 1}};
    for (auto& [k, v] : extra.items()) r[k] = v;
    return r;
}

json roofline_request(json extra = json::object()) {
    json r = {{"cmd", "calc roofline"}, {"macs", 400}, {"bytes", 100}, {"peak-gmacs", 100}, {"bandwidth-gbs", 25}};
    for (auto& [k, v] : extra.items()) r[k] = v;
    return r;
}

using es::testing::run_cli;

}  // namespace

TEST_CASE("calc conv answers sizes, counts and steps") {
    json a = run(conv_request());
    REQUIRE_FALSE(is_error(a));
    CHECK(a["type"] == "standard");
    CHECK(a["h_out"] == 112);
    CHECK(a["w_out"] == 112);
    CHECK(a["macs"] == 21676032);
    CHECK(a["flops"] == 43352064);
    CHECK(a["params"] == 1728);
    CHECK_FALSE(a.contains("macs_dw"));
    REQUIRE(a["steps"].is_array());
    REQUIRE(a["steps"].size() == 5);
    for (const auto& s : a["steps"])
        for (const char* key : {"id", "title", "formula", "substituted", "result"}) {
            CAPTURE(key);
            REQUIRE(s.contains(key));
            CHECK_FALSE(s[key].get<std::string>().empty());
        }
    CHECK(a["steps"][2]["result"] == "21,676,032");

    // The same with CLI strings, and with the dotted name.
    json b = run({{"cmd", "calc.conv"}, {"h", "224"}, {"w", "224"}, {"cin", "3"}, {"cout", "64"}, {"k", "3"},
                  {"stride", "2"}, {"pad", "1"}});
    CHECK(b == a);
    CHECK(run(conv_request({{"bias", true}}))["params"] == 1792);
}

TEST_CASE("calc conv: dsc adds its own fields") {
    json a = run({{"cmd", "calc conv"}, {"h", 112}, {"w", 112}, {"cin", 32}, {"cout", 64}, {"k", 3}, {"pad", 1},
                  {"type", "dsc"}});
    REQUIRE_FALSE(is_error(a));
    CHECK(a["macs_dw"] == 3612672);
    CHECK(a["macs_pw"] == 25690112);
    CHECK(a["macs"] == 3612672 + 25690112);
    CHECK(a["params_dw"] == 288);
    CHECK(a["params_pw"] == 2048);
    CHECK(a["macs_standard"] == 231211008);
    CHECK(std::fabs(a["ratio_vs_standard"].get<double>() - (1.0 / 64 + 1.0 / 9)) < 1e-12);
    CHECK(a["ratio_sheet_approx"].get<double>() == doctest::Approx(1.0 / 9));
}

TEST_CASE("calc conv: padding by number, same or valid; groups imply the group type") {
    json same = run(conv_request({{"h", 7}, {"w", 8}, {"cin", 4}, {"cout", 8}, {"k", 2}, {"pad", "same"}}));
    REQUIRE_FALSE(is_error(same));
    CHECK(same["pad_h"] == 1);
    CHECK(same["pad_w"] == 0);
    CHECK(same["h_out"] == 4);
    CHECK(same["w_out"] == 4);
    json valid = run(conv_request({{"pad", "valid"}}));
    CHECK(valid["h_out"] == 111);
    CHECK(valid["pad_h"] == 0);
    CHECK(run(conv_request({{"pad", "0"}}))["h_out"] == 111);
    CHECK(run(conv_request({{"stride", 1}}))["h_out"] == 224);

    json group = run(conv_request({{"cin", 6}, {"cout", 12}, {"groups", 3}}));
    REQUIRE_FALSE(is_error(group));
    CHECK(group["type"] == "group");
    CHECK(group["macs"] == 3 * 3 * 2 * 12 * 112 * 112);
    json standard = run(conv_request({{"cin", 6}, {"cout", 12}, {"groups", 3}, {"type", "standard"}}));
    CHECK(is_error(standard));
    CHECK(standard["field"] == "groups");
}

TEST_CASE("calc conv: bad input answers an error naming the argument") {
    auto error_of = [](const json& request) {
        json a = run(request);
        REQUIRE(is_error(a));
        return a["error"].get<std::string>();
    };
    CHECK(error_of(conv_request({{"h", 0}})).find("--h") != std::string::npos);
    CHECK(error_of(conv_request({{"stride", 0}})).find("--stride") != std::string::npos);
    CHECK(error_of(conv_request({{"pad", -1}})).find("--pad") != std::string::npos);
    CHECK(error_of(conv_request({{"pad", "full"}})).find("same, valid") != std::string::npos);
    CHECK(error_of(conv_request({{"type", "winograd"}})).find("--type") != std::string::npos);
    CHECK(error_of(conv_request({{"lang", "fr"}})).find("--lang") != std::string::npos);
    CHECK(error_of(conv_request({{"k", 300}})).find("output would be empty") != std::string::npos);
    CHECK(error_of(conv_request({{"cin", 4}, {"groups", 3}})).find("--groups 3 must divide --cin 4") !=
          std::string::npos);
    CHECK(error_of(conv_request({{"h", 1000000000}, {"w", 1000000000}, {"cin", 1000000000}, {"k", 1}}))
              .find("64-bit") != std::string::npos);
    json missing = conv_request();
    missing.erase("cout");
    CHECK(error_of(missing).find("missing argument --cout") != std::string::npos);
    json a = run(conv_request({{"k", 300}, {"lang", "zh-TW"}}));
    CHECK(a["field"] == "k");
    CHECK(a["error"].get<std::string>().find("輸出會是空的") != std::string::npos);
}

TEST_CASE("calc conv: steps in the requested language") {
    json en = run(conv_request({{"type", "dsc"}, {"stride", 1}, {"cin", 32}, {"h", 112}, {"w", 112}}));
    json zh = run(conv_request({{"type", "dsc"}, {"stride", 1}, {"cin", 32}, {"h", 112}, {"w", 112}, {"lang", "zh-TW"}}));
    REQUIRE(en["steps"].size() == zh["steps"].size());
    for (size_t i = 0; i < en["steps"].size(); ++i) {
        CHECK(en["steps"][i]["id"] == zh["steps"][i]["id"]);
        CHECK(en["steps"][i]["title"] != zh["steps"][i]["title"]);
    }
    CHECK(zh["steps"][0]["title"].get<std::string>().find("輸出高度") != std::string::npos);
}

TEST_CASE("calc roofline answers intensity, ridge, attainable throughput and the bound") {
    json a = run(roofline_request());
    REQUIRE_FALSE(is_error(a));
    CHECK(a["intensity"] == 4.0);
    CHECK(a["ridge"] == 4.0);
    CHECK(a["attainable_gmacs"] == 100.0);
    CHECK(a["bound"] == "compute");
    CHECK(a["intensity_flops"] == 8.0);
    CHECK(a["peak_gflops"] == 200.0);
    CHECK(a["view"] == "macs");
    CHECK(a["steps"].size() == 4);
    CHECK(run(roofline_request({{"macs", 399}}))["bound"] == "memory");
    CHECK(run(roofline_request({{"macs", "401"}}))["bound"] == "compute");

    json f = run(roofline_request({{"view", "flops"}, {"lang", "zh-TW"}}));
    CHECK(f["bound"] == "compute");
    CHECK(f["steps"].size() == 5);  // + the peak in GFLOP/s
    json by_gflops = roofline_request({{"peak-gflops", 200}});
    by_gflops.erase("peak-gmacs");
    json c = run(by_gflops);
    REQUIRE_FALSE(is_error(c));
    CHECK(c["peak_gmacs"] == 100.0);
    CHECK(c["ridge"] == 4.0);
}

TEST_CASE("calc roofline: bad input answers an error naming the argument") {
    json none = roofline_request();
    none.erase("peak-gmacs");
    CHECK(run(none)["error"].get<std::string>().find("missing argument --peak-gmacs") != std::string::npos);
    CHECK(run(roofline_request({{"peak-gflops", 2}}))["error"].get<std::string>().find("not both") !=
          std::string::npos);
    json zero = run(roofline_request({{"bytes", 0}}));
    CHECK(zero["field"] == "bytes");
    CHECK(zero["error"].get<std::string>().find("--bytes") != std::string::npos);
    CHECK(run(roofline_request({{"bandwidth-gbs", -1}}))["error"].get<std::string>().find("--bandwidth-gbs") !=
          std::string::npos);
    CHECK(run(roofline_request({{"macs", "lots"}}))["error"].get<std::string>().find("--macs") != std::string::npos);
    CHECK(run(roofline_request({{"view", "ops"}}))["error"].get<std::string>().find("--view") != std::string::npos);
}

TEST_CASE("numeric arguments with named values (--pad same)") {
    command_spec spec{"calc test",
                      "test",
                      {{"pad", arg_type::arg_type_integer, "padding", false, 0, 10, {"same", "valid"}, 0}},
                      nullptr};
    json out;
    CHECK(validate_args(spec, {{"pad", "same"}}, out).empty());
    CHECK(out["pad"] == "same");
    CHECK(validate_args(spec, {{"pad", "3"}}, out).empty());
    CHECK(out["pad"] == 3);
    CHECK(validate_args(spec, {{"pad", 4}}, out).empty());
    CHECK(out["pad"] == 4);
    CHECK(validate_args(spec, {{"pad", 11}}, out).find("--pad must be between 0 and 10") != std::string::npos);
    CHECK(validate_args(spec, {{"pad", "Same"}}, out).find("expects a number or one of same, valid") !=
          std::string::npos);
    CHECK(validate_args(spec, {{"pad", true}}, out).find("--pad expects a number") != std::string::npos);
    // Without choices a name is still refused.
    spec.args[0].choices.clear();
    CHECK(validate_args(spec, {{"pad", "same"}}, out).find("--pad expects a number, got") != std::string::npos);
}

TEST_CASE("cli: calc conv and calc roofline") {
    auto ok = run_cli({"calc", "conv", "--h", "224", "--w", "224", "--cin", "3", "--cout", "64", "--k", "3",
                       "--stride", "2", "--pad", "1", "--json"});
    CHECK(ok.rc == 0);
    auto j = json::parse(ok.out);
    CHECK(j["macs"] == 21676032);
    CHECK(j["h_out"] == 112);

    auto same = run_cli({"calc", "conv", "--h", "7", "--w", "7", "--cin", "1", "--cout", "1", "--k", "3", "--stride",
                         "2", "--pad", "same", "--bias", "--type", "dsc", "--lang", "zh-TW", "--json"});
    CHECK(same.rc == 0);
    CHECK(json::parse(same.out)["h_out"] == 4);

    auto bad = run_cli({"calc", "conv", "--h", "8", "--w", "8", "--cin", "4", "--cout", "6", "--k", "3", "--groups",
                        "3", "--json"});
    CHECK(bad.rc == 2);
    CHECK(bad.err.find("--groups 3 must divide --cin 4") != std::string::npos);

    auto roof = run_cli({"calc", "roofline", "--macs", "399", "--bytes", "100", "--peak-gmacs", "100",
                         "--bandwidth-gbs", "25", "--json"});
    CHECK(roof.rc == 0);
    CHECK(json::parse(roof.out)["bound"] == "memory");

    auto human = run_cli({"calc", "roofline", "--macs", "400", "--bytes", "100", "--peak-gmacs", "100",
                          "--bandwidth-gbs", "25"});
    CHECK(human.rc == 0);
    CHECK(human.out.find("bound: compute") != std::string::npos);

    auto lonely = run_cli({"calc", "--json"});
    CHECK(lonely.rc == 2);
}
