// cli_main: the edgestudy-cli front door, separated from main() so tests can drive it.
//
//   edgestudy-cli <command> [--arg value ...] [--json]
//
// Arguments are collected with CLI11 (one subcommand per dispatcher command, groups such
// as "calc conv" as nested subcommands) and handed to es::api::run as strings; the
// dispatcher validates them exactly as it does for the page. Exit codes: 0 on success,
// 2 on a usage error or an {"error": ...} answer.
#pragma once

#include <ostream>

namespace es::cli {

int cli_main(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace es::cli
