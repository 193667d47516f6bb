// compare: every (model, variant) cell measured side by side (src/lab/compare.h): accuracy on
// the page's 2,000 test images, batch-1 and batch-32 latency, stored bytes, MACs, and the
// speedup a claim predicts against the one measured. The same job the Results panel runs.
#include "api/dispatcher.h"
#include "api/progress.h"
#include "api/variants.h"
#include "lab/compare.h"
#include "models/shipped.h"

#include <cstdio>

namespace es::api {

namespace {

std::vector<std::string> split_list(const std::string& s) {
    std::vector<std::string> out;
    std::size_t a = 0;
    while (a <= s.size()) {
        const std::size_t b = std::min(s.find(',', a), s.size());
        out.push_back(s.substr(a, b - a));
        a = b + 1;
    }
    return out;
}

json cmd_compare(const json& args) {
    std::vector<std::string> models =
        args.contains("models") ? split_list(args["models"].get<std::string>()) : models::shipped_models();
    std::vector<std::string> variants =
        args.contains("variants") ? split_list(args["variants"].get<std::string>()) : variant_names;
    for (const auto& m : models)
        if (m.empty()) return make_error("--models: an empty name in the list");
    for (const auto& v : variants)
        if (v.empty()) return make_error("--variants: an empty name in the list");
    lab::compare_options o;
    o.runs = args.value("runs", o.runs);
    o.runs_b32 = args.value("runs-b32", o.runs_b32);
    o.warm_ms = args.value("warmup-ms", o.warm_ms);
    o.limit = args.value("limit", o.limit);
    lab::compare_job job;
    if (auto e = job.start(models, variants, o); !e.empty()) return make_error(e);
    std::size_t shown = 0;
    while (job.tick(200.0)) {
        std::size_t done = 0;
        for (const auto& c : job.cells()) done += c.status == lab::cell_status::done || c.status == lab::cell_status::failed;
        if (done != shown) {
            shown = done;
            char buf[128];
            std::snprintf(buf, sizeof buf, "compare %zu/%zu cells (%.0f%%)", done, job.cells().size(), 100.0 * job.progress());
            report_progress(buf, false);
        }
    }
    report_progress("compare done", true);
    json out = job.rows_json();
    out["options"] = {{"runs", o.runs}, {"runs_b32", o.runs_b32}, {"warmup_ms", o.warm_ms}, {"limit", o.limit}};
    if (args.value("markdown", false)) out["markdown"] = job.markdown();
    if (args.value("csv", false)) out["csv"] = job.csv();
    return out;
}

}  // namespace

void register_compare_commands(std::vector<command_spec>& out) {
    std::vector<arg_spec> a;
    a.push_back({"models", arg_type::arg_type_string, "comma-separated shipped models (default: all)", false});
    a.push_back({"variants", arg_type::arg_type_string,
                 "comma-separated variants (default: all of eval's --variant choices)", false});
    a.push_back({"runs", arg_type::arg_type_integer, "timed batch-1 runs per cell", false, 1, 10000, {}, 30});
    a.push_back({"runs-b32", arg_type::arg_type_integer, "timed batch-32 runs per cell", false, 1, 1000, {}, 5});
    a.push_back({"warmup-ms", arg_type::arg_type_number, "warm-up per cell before timing", false, 0, 60000, {}, 300.0});
    a.push_back({"limit", arg_type::arg_type_integer, "evaluate on the first N of the 2,000 test images (0: all)", false,
                 0, 10000, {}, 0});
    a.push_back({"markdown", arg_type::arg_type_flag, "add the table as markdown (\"markdown\")"});
    a.push_back({"csv", arg_type::arg_type_flag, "add the table as CSV (\"csv\")"});
    out.push_back({"compare",
                   "Every model x variant side by side: accuracy on the page's 2,000 test images, batch-1 and batch-32 "
                   "latency, weight bytes, MACs, predicted and measured speedup.",
                   std::move(a), cmd_compare});
}

}  // namespace es::api
