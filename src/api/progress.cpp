#include "api/progress.h"

#include <algorithm>
#include <cstdio>

namespace es::api {

namespace {
progress_sink& sink() {
    static progress_sink s;
    return s;
}
}  // namespace

void set_progress_sink(progress_sink s) { sink() = std::move(s); }

void report_progress(const std::string& line, bool final_line) {
    if (sink()) sink()(line, final_line);
}

std::string progress_bar(double fraction, int width) {
    const int filled = static_cast<int>(std::clamp(fraction, 0.0, 1.0) * width);
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.append(static_cast<std::size_t>(width - filled), '.');
    return bar;
}

std::string progress_bar_line(const char* what, double fraction, const std::string& tail) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "%s [%s] %3.0f%%  ", what, progress_bar(fraction).c_str(), 100.0 * fraction);
    return buf + tail;
}

}  // namespace es::api
