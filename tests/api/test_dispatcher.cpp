#include "api/dispatcher.h"

#include <doctest/doctest.h>

using es::api::json;
using namespace es::api;

TEST_CASE("version answers name, version, build and target") {
    json a = run({{"cmd", "version"}});
    REQUIRE_FALSE(is_error(a));
    CHECK(a["name"] == "edgestudy");
    CHECK(a["version"].get<std::string>().find('.') != std::string::npos);
    CHECK_FALSE(a["build"].get<std::string>().empty());
#if defined(__EMSCRIPTEN__)
    CHECK(a["target"] == "wasm32");
#else
    CHECK(a["target"] == "native");
#endif
}

TEST_CASE("selftest reports SIMD, font coverage and both languages") {
    json a = run({{"cmd", "selftest"}});
    REQUIRE_FALSE(is_error(a));
    CHECK(a["simd"] == true);
    CHECK(a["simd_kernels_match_reference"] == true);
    CHECK(a["font_coverage_ok"] == true);
    CHECK(a["string_tables_ok"] == true);
    CHECK(a["languages"] == json::array({"zh-TW", "en"}));
#if defined(__EMSCRIPTEN__)
    CHECK(a["simd_backend"] == "wasm-simd128");
#endif
}

TEST_CASE("commands lists every command with its arguments") {
    json a = run({{"cmd", "commands"}});
    REQUIRE(a["commands"].is_array());
    std::vector<std::string> names;
    for (auto& c : a["commands"]) names.push_back(c["name"]);
    CHECK(std::find(names.begin(), names.end(), "version") != names.end());
    CHECK(std::find(names.begin(), names.end(), "selftest") != names.end());
}

TEST_CASE("bad requests answer a clear error and never throw") {
    CHECK(run(json::array()).at("error").get<std::string>().find("JSON object") != std::string::npos);
    CHECK(run(json::object()).at("error").get<std::string>().find("missing \"cmd\"") != std::string::npos);
    CHECK(run({{"cmd", 42}}).at("error").get<std::string>().find("must be a string") != std::string::npos);
    auto unknown = run({{"cmd", "nosuch"}}).at("error").get<std::string>();
    CHECK(unknown.find("unknown command 'nosuch'") != std::string::npos);
    CHECK(unknown.find("selftest") != std::string::npos);  // lists what is known
    auto extra = run({{"cmd", "version"}, {"bogus", 1}}).at("error").get<std::string>();
    CHECK(extra.find("--bogus") != std::string::npos);

    CHECK(json::parse(run_text("{")).contains("error"));
    CHECK(json::parse(run_text("")).contains("error"));
    CHECK(json::parse(run_text("\"version\"")).contains("error"));
    CHECK(json::parse(run_text(std::string("{\"cmd\":\"ver\xff\"}"))).contains("error"));
    CHECK(json::parse(run_text(R"({"cmd":"version"})"))["name"] == "edgestudy");
}

TEST_CASE("argument validation names the argument") {
    command_spec spec{"calc test",
                      "test",
                      {{"h", arg_type::arg_type_integer, "input height", true, 1, 4096},
                       {"x", arg_type::arg_type_number, "a value", false, -1, 1, {}, 0.5},
                       {"mode", arg_type::arg_type_choice, "mode", false, -INFINITY, INFINITY, {"same", "valid"}},
                       {"bias", arg_type::arg_type_flag, "count biases"},
                       {"label", arg_type::arg_type_string, "a label"}},
                      nullptr};
    json out;
    SUBCASE("strings from the CLI convert to numbers") {
        CHECK(validate_args(spec, {{"h", "12"}, {"x", "-0.25"}}, out).empty());
        CHECK(out["h"] == 12);
        CHECK(out["x"] == -0.25);
    }
    SUBCASE("fallbacks fill absent optional arguments") {
        CHECK(validate_args(spec, {{"h", 3}}, out).empty());
        CHECK(out["x"] == 0.5);
        CHECK_FALSE(out.contains("mode"));
    }
    SUBCASE("integral floats are accepted as integers") {
        CHECK(validate_args(spec, {{"h", 7.0}}, out).empty());
        CHECK(out["h"] == 7);
    }
    SUBCASE("errors") {
        CHECK(validate_args(spec, json::object(), out).find("missing argument --h") != std::string::npos);
        CHECK(validate_args(spec, {{"h", "abc"}}, out).find("--h expects a number") != std::string::npos);
        CHECK(validate_args(spec, {{"h", "12abc"}}, out).find("--h expects a number") != std::string::npos);
        CHECK(validate_args(spec, {{"h", 2.5}}, out).find("--h expects a whole number") != std::string::npos);
        CHECK(validate_args(spec, {{"h", 0}}, out).find("--h must be between 1 and 4096, got 0") != std::string::npos);
        CHECK(validate_args(spec, {{"h", "nan"}}, out).find("--h") != std::string::npos);
        CHECK(validate_args(spec, {{"h", "inf"}}, out).find("--h") != std::string::npos);
        CHECK(validate_args(spec, {{"h", 1}, {"x", 2}}, out).find("--x must be between -1 and 1") != std::string::npos);
        CHECK(validate_args(spec, {{"h", 1}, {"mode", "full"}}, out).find("--mode must be one of same, valid") !=
              std::string::npos);
        CHECK(validate_args(spec, {{"h", 1}, {"bias", "maybe"}}, out).find("--bias is a switch") != std::string::npos);
        CHECK(validate_args(spec, {{"h", 1}, {"label", 3}}, out).find("--label expects text") != std::string::npos);
        CHECK(validate_args(spec, {{"h", 1}, {"w", 3}}, out).find("unknown argument --w") != std::string::npos);
        CHECK(validate_args(spec, {{"h", json::array({1})}}, out).find("--h expects a number") != std::string::npos);
    }
}

TEST_CASE("command names accept dotted groups") {
    CHECK(find_command("version") != nullptr);
    CHECK(find_command("nosuch") == nullptr);
    CHECK(find_command("") == nullptr);
}
