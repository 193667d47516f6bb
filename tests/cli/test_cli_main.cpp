#include "api/progress.h"
#include "platform/cli_main.h"
#include "support/cli_runner.h"

#include <nlohmann/json.hpp>
#include <doctest/doctest.h>

#include <sstream>
#include <vector>

using es::testing::run_cli;

TEST_CASE("cli: version --json prints one JSON line with the dispatcher's fields") {
    auto r = run_cli({"version", "--json"});
    CHECK(r.rc == 0);
    auto j = nlohmann::json::parse(r.out);
    CHECK(j["name"] == "edgestudy");
    CHECK(r.err.empty());
}

TEST_CASE("cli: --json may come before the command") {
    auto r = run_cli({"--json", "selftest"});
    CHECK(r.rc == 0);
    CHECK(nlohmann::json::parse(r.out)["simd"] == true);
}

TEST_CASE("cli: human output without --json") {
    auto r = run_cli({"version"});
    CHECK(r.rc == 0);
    CHECK(r.out.find("name: edgestudy") != std::string::npos);
}

TEST_CASE("cli: usage errors exit 2 with a message naming the problem") {
    auto unknown = run_cli({"frobnicate", "--json"});
    CHECK(unknown.rc == 2);
    CHECK(unknown.err.find("frobnicate") != std::string::npos);
    CHECK(nlohmann::json::parse(unknown.out).contains("error"));

    auto flag = run_cli({"version", "--nope", "1"});
    CHECK(flag.rc == 2);
    CHECK(flag.err.find("--nope") != std::string::npos);

    auto none = run_cli({});
    CHECK(none.rc == 2);
    CHECK(none.err.find("no command given") != std::string::npos);
}

TEST_CASE("cli: --help lists the commands and exits 0") {
    auto r = run_cli({"--help"});
    CHECK(r.rc == 0);
    CHECK(r.out.find("selftest") != std::string::npos);
    CHECK(r.out.find("version") != std::string::npos);
}

TEST_CASE("cli: the progress sink does not outlive the call") {
    // cli_main points the sink at its stderr stream; a later report (a train run through the
    // dispatcher) must not write to that stream once it is gone.
    { auto r = run_cli({"version"}); CHECK(r.rc == 0); }
    es::api::report_progress("after the call", true);
}
