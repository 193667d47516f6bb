// progress: where long commands (train) report progress. The CLI prints it as a progress
// bar on stderr; elsewhere it goes nowhere unless a sink is set.
#pragma once

#include <functional>
#include <string>

namespace es::api {

// `line` is one status line; `final_line` ends it (the CLI then moves to a new line).
using progress_sink = std::function<void(const std::string& line, bool final_line)>;
void set_progress_sink(progress_sink sink);
void report_progress(const std::string& line, bool final_line);

// A text progress bar of `width` characters, '#' done and '.' to go: "######..................".
std::string progress_bar(double fraction, int width = 24);
// "what [######..................]  25%  " followed by `tail`.
std::string progress_bar_line(const char* what, double fraction, const std::string& tail);

}  // namespace es::api
