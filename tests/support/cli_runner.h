// Runs the CLI's front door in-process (as `edgestudy-cli ARGS...` would), capturing its
// exit code, standard output and standard error. Shared by the CLI and command suites.
#pragma once

#include "platform/cli_main.h"

#include <sstream>
#include <string>
#include <vector>

namespace es::testing {

struct cli_result {
    int rc;
    std::string out, err;
};

inline cli_result run_cli(std::vector<const char*> args) {
    args.insert(args.begin(), "edgestudy-cli");
    std::ostringstream out, err;
    int rc = es::cli::cli_main(static_cast<int>(args.size()), args.data(), out, err);
    return {rc, out.str(), err.str()};
}

}  // namespace es::testing
