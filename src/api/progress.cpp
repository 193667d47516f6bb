#include "api/progress.h"

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

}  // namespace es::api
