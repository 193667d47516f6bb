// Results panel: every tiny model x variant measured live in the page (lab::compare_job, the
// same job as `edgestudy-cli compare`), in frame-sized slices with a progress bar, per-cell
// status and re-run, a cancel button; charts (grouped bars of latency / accuracy / size, an
// accuracy-vs-latency scatter with its Pareto front), the claims of the course beside what was
// measured, and exports (CSV and JSON downloads, a markdown table to copy).
#include "api/variants.h"
#include "lab/compare.h"
#include "models/shipped.h"
#include "ui/panels/panels.h"
#include "ui/plot.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace es::ui {

struct results_panel {
    lab::compare_job job;
    std::vector<std::string> models, variants;
    std::vector<bool> model_on, variant_on;
    lab::compare_options opt;
    int metric = 0;  // grouped bars: 0 latency b1, 1 accuracy, 2 weight bytes
    std::string message;
    bool message_error = false;
    std::uint64_t frames_while_busy = 0;
    std::string markdown;  // the last exported table (shown for copying)
    bool initialised = false;
};

namespace {

const ImU32 variant_colours[] = {IM_COL32(120, 170, 240, 255), IM_COL32(240, 160, 70, 255), IM_COL32(120, 210, 130, 255),
                                 IM_COL32(220, 110, 200, 255), IM_COL32(230, 220, 90, 255), IM_COL32(110, 220, 220, 255),
                                 IM_COL32(230, 100, 100, 255), IM_COL32(180, 180, 180, 255)};

ImU32 colour_of(const results_panel& r, const std::string& variant) {
    auto it = std::find(r.variants.begin(), r.variants.end(), variant);
    const std::size_t i = it == r.variants.end() ? 0 : static_cast<std::size_t>(it - r.variants.begin());
    return variant_colours[i % (sizeof variant_colours / sizeof variant_colours[0])];
}

results_panel& state(app_state& st) {
    if (!st.results) st.results = std::make_shared<results_panel>();
    results_panel& r = *st.results;
    if (!r.initialised) {
        r.initialised = true;
        r.models = models::shipped_models();
        r.variants = api::variant_names;
        r.model_on.assign(r.models.size(), true);
        r.variant_on.assign(r.variants.size(), true);
    }
    return r;
}

std::vector<std::string> chosen(const std::vector<std::string>& all, const std::vector<bool>& on) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < all.size(); ++i)
        if (on[i]) out.push_back(all[i]);
    return out;
}

std::string start(results_panel& r) {
    std::string e = r.job.start(chosen(r.models, r.model_on), chosen(r.variants, r.variant_on), r.opt);
    r.message = e;
    r.message_error = !e.empty();
    return e;
}

std::string fmt(const char* f, double v) {
    char b[64];
    std::snprintf(b, sizeof b, f, v);
    return b;
}

std::string bytes_short(std::size_t b) {
    return b >= 1024 * 1024 ? fmt("%.2f MiB", static_cast<double>(b) / (1024.0 * 1024.0))
                            : fmt("%.1f KiB", static_cast<double>(b) / 1024.0);
}

std::string export_name(const char* ext) {
    char name[64];
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    localtime_r(&t, &tm);
    std::strftime(name, sizeof name, "edgestudy-results-%Y%m%d-%H%M%S.", &tm);
    return std::string(name) + ext;
}

// A download in the page, a file in the data folder on the desktop.
void save_export(app_state& st, results_panel& r, const std::string& name, const std::string& text) {
    if (st.hooks.download) {
        st.hooks.download(name, text);
        r.message = i18n::format(tr(st, "results.exported_download"), {name});
        r.message_error = false;
        return;
    }
    const std::string path = st.hooks.data_dir + "/" + name;
    std::ofstream f(path, std::ios::binary);
    f << text;
    f.close();
    r.message = i18n::format(tr(st, f ? "results.exported_file" : "results.export_failed"), {path});
    r.message_error = !f;
}

std::string do_export(app_state& st, results_panel& r, const std::string& kind) {
    if (kind == "csv") save_export(st, r, export_name("csv"), r.job.csv());
    else if (kind == "json") save_export(st, r, export_name("json"), r.job.rows_json().dump(2));
    else if (kind == "markdown") {
        r.markdown = r.job.markdown();
        ImGui::SetClipboardText(r.markdown.c_str());
        r.message = tr(st, "results.copied");
        r.message_error = false;
    } else {
        return "\"export\" must be csv, json or markdown";
    }
    return "";
}

void draw_controls(app_state& st, results_panel& r) {
    const bool busy = r.job.busy();
    ImGui::BeginDisabled(busy);
    ImGui::TextUnformatted(tr(st, "results.models"));
    for (std::size_t i = 0; i < r.models.size(); ++i) {
        ImGui::SameLine();
        bool on = r.model_on[i];
        if (ImGui::Checkbox(r.models[i].c_str(), &on)) r.model_on[i] = on;
    }
    ImGui::TextUnformatted(tr(st, "results.variants"));
    for (std::size_t i = 0; i < r.variants.size(); ++i) {
        ImGui::SameLine();
        bool on = r.variant_on[i];
        if (ImGui::Checkbox(r.variants[i].c_str(), &on)) r.variant_on[i] = on;
    }
    if (ImGui::Button(tr(st, "results.run"))) start(r);
    ImGui::EndDisabled();
    if (busy) {
        ImGui::SameLine();
        if (ImGui::Button(tr(st, "results.cancel"))) r.job.cancel();
    }
    ImGui::SameLine();
    ImGui::BeginDisabled(r.job.cells().empty());
    if (ImGui::Button(tr(st, "results.export_csv"))) do_export(st, r, "csv");
    ImGui::SameLine();
    if (ImGui::Button(tr(st, "results.export_json"))) do_export(st, r, "json");
    ImGui::SameLine();
    if (ImGui::Button(tr(st, "results.copy_markdown"))) do_export(st, r, "markdown");
    ImGui::EndDisabled();
    if (busy || r.job.progress() < 1.0) {
        std::size_t done = 0;
        for (const auto& c : r.job.cells()) done += c.status == lab::cell_status::done;
        const std::string overlay = i18n::format(tr(st, "results.progress"),
                                                 {std::to_string(done), std::to_string(r.job.cells().size())});
        ImGui::ProgressBar(static_cast<float>(r.job.progress()), ImVec2(-1, 0), overlay.c_str());
    }
    if (!r.message.empty())
        ImGui::TextColored(r.message_error ? ImVec4(1.0f, 0.45f, 0.4f, 1.0f) : ImVec4(0.6f, 0.85f, 0.6f, 1.0f), "%s",
                           r.message.c_str());
    ImGui::TextDisabled("%s", tr(st, "results.conventions"));
}

void draw_table(app_state& st, results_panel& r) {
    const auto& cells = r.job.cells();
    if (cells.empty()) return;
    const ImGuiTableFlags flags = ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp;
    if (!ImGui::BeginTable("##results", 12, flags)) return;
    for (const char* k : {"results.col.model", "results.col.variant", "results.col.status", "results.col.accuracy",
                          "results.col.b1", "results.col.b1_sparse", "results.col.b32", "results.col.bytes", "results.col.macs",
                          "results.col.predicted", "results.col.measured", "results.col.rerun"})
        ImGui::TableSetupColumn(tr(st, k));
    ImGui::TableHeadersRow();
    for (std::size_t i = 0; i < cells.size(); ++i) {
        const auto& c = cells[i];
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(c.model.c_str());
        ImGui::TableNextColumn();
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour_of(r, c.variant)), "%s", c.variant.c_str());
        ImGui::TableNextColumn();
        const std::string status = c.status == lab::cell_status::running
                                       ? std::string(tr(st, ("results.phase." + c.phase).c_str()))
                                       : std::string(tr(st, (std::string("results.status.") + lab::cell_status_name(c.status)).c_str()));
        if (c.status == lab::cell_status::failed) {
            ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.4f, 1.0f), "%s", status.c_str());
            if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", c.error.c_str());
        } else {
            ImGui::TextUnformatted(status.c_str());
        }
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(c.accuracy ? fmt("%.2f%%", *c.accuracy * 100.0).c_str() : "-");
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(c.latency_ms_b1 ? fmt("%.3f ms", *c.latency_ms_b1).c_str() : "-");
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(c.latency_ms_b1_sparse ? fmt("%.3f ms", *c.latency_ms_b1_sparse).c_str() : "-");
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(c.latency_ms_b32 ? fmt("%.2f ms", *c.latency_ms_b32).c_str() : "-");
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(c.weight_bytes ? bytes_short(c.weight_bytes).c_str() : "-");
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(c.macs ? fmt("%.2f M", static_cast<double>(c.macs) / 1e6).c_str() : "-");
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(fmt("%.2fx", c.predicted_speedup).c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(c.measured_speedup ? fmt("%.2fx", *c.measured_speedup).c_str() : "-");
        ImGui::TableNextColumn();
        ImGui::PushID(static_cast<int>(i));
        if (ImGui::SmallButton(tr(st, "results.rerun"))) r.job.rerun(static_cast<int>(i));
        ImGui::PopID();
    }
    ImGui::EndTable();
}

void draw_bars(app_state& st, results_panel& r) {
    const auto& cells = r.job.cells();
    std::vector<std::string> models;
    for (const auto& c : cells)
        if (std::find(models.begin(), models.end(), c.model) == models.end()) models.push_back(c.model);
    if (models.empty()) return;
    heading(st, tr(st, "results.bars"));
    const char* metrics[] = {tr(st, "results.metric.latency"), tr(st, "results.metric.accuracy"), tr(st, "results.metric.bytes")};
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 14);
    ImGui::Combo("##metric", &r.metric, metrics, 3);
    auto value = [&](const lab::compare_cell& c) -> std::optional<double> {
        if (r.metric == 0) return c.latency_ms_b1;
        if (r.metric == 1) return c.accuracy ? std::optional<double>(*c.accuracy * 100.0) : std::nullopt;
        return c.weight_bytes ? std::optional<double>(static_cast<double>(c.weight_bytes) / 1024.0) : std::nullopt;
    };
    double hi = 0, lo = 1e300;
    for (const auto& c : cells)
        if (auto v = value(c)) {
            hi = std::max(hi, *v);
            lo = std::min(lo, *v);
        }
    if (hi <= 0) return;
    // Accuracy bars start near the lowest value so the differences show; the others at 0.
    const double y0 = r.metric == 1 ? std::floor(lo - 1.0) : 0.0;
    const char* unit = r.metric == 0 ? "ms" : r.metric == 1 ? "%" : "KiB";
    plot p;
    if (!plot_begin(p, "##bars", ImVec2(ImGui::GetContentRegionAvail().x, ImGui::GetFontSize() * 14),
                    {0.0, static_cast<double>(models.size()), false, ""},
                    {y0, hi * (r.metric == 1 ? 1.002 : 1.1), false, unit}, models))
        return;
    std::vector<std::string> vs;
    for (const auto& c : cells)
        if (std::find(vs.begin(), vs.end(), c.variant) == vs.end()) vs.push_back(c.variant);
    const double slot = 0.8 / static_cast<double>(vs.size());
    for (std::size_t m = 0; m < models.size(); ++m) {
        for (const auto& c : cells) {
            if (c.model != models[m]) continue;
            const auto v = value(c);
            if (!v) continue;
            const std::size_t k = static_cast<std::size_t>(std::find(vs.begin(), vs.end(), c.variant) - vs.begin());
            const double x0 = static_cast<double>(m) + 0.1 + slot * static_cast<double>(k);
            const ImVec2 a = plot_to_screen(p, x0, y0), b = plot_to_screen(p, x0 + slot * 0.9, *v);
            p.dl->AddRectFilled(ImVec2(a.x, b.y), ImVec2(b.x, a.y), colour_of(r, c.variant));
            if (ImGui::IsMouseHoveringRect(ImVec2(a.x, b.y), ImVec2(b.x, a.y)))
                ImGui::SetTooltip("%s %s: %.4g %s", c.model.c_str(), c.variant.c_str(), *v, unit);
        }
    }
    for (const auto& v : vs) p.legend.push_back({v, colour_of(r, v), true});
    plot_end(p);
}

void draw_scatter(app_state& st, results_panel& r) {
    std::vector<double> xs, ys;
    std::vector<ImU32> cs;
    std::vector<const lab::compare_cell*> which;
    for (const auto& c : r.job.cells())
        if (c.accuracy && c.latency_ms_b1) {
            xs.push_back(*c.latency_ms_b1);
            ys.push_back(*c.accuracy * 100.0);
            cs.push_back(colour_of(r, c.variant));
            which.push_back(&c);
        }
    if (xs.empty()) return;
    heading(st, tr(st, "results.scatter"));
    text_wrapped(tr(st, "results.scatter_note"));
    const auto [xlo, xhi] = std::minmax_element(xs.begin(), xs.end());
    const auto [ylo, yhi] = std::minmax_element(ys.begin(), ys.end());
    const double xpad = std::max(0.05, (*xhi - *xlo) * 0.1), ypad = std::max(0.2, (*yhi - *ylo) * 0.1);
    plot p;
    if (!plot_begin(p, "##scatter", ImVec2(ImGui::GetContentRegionAvail().x, ImGui::GetFontSize() * 16),
                    {std::max(0.0, *xlo - xpad), *xhi + xpad, false, tr(st, "results.metric.latency")},
                    {*ylo - ypad, *yhi + ypad, false, tr(st, "results.metric.accuracy")}))
        return;
    const auto front = lab::pareto_front(xs, ys);
    std::vector<double> fx, fy;
    for (int i : front) {
        fx.push_back(xs[static_cast<std::size_t>(i)]);
        fy.push_back(ys[static_cast<std::size_t>(i)]);
    }
    plot_line(p, fx.data(), fy.data(), static_cast<int>(fx.size()), IM_COL32(250, 250, 250, 140), tr(st, "results.pareto"), 1.5f);
    const int hit = plot_points(p, xs.data(), ys.data(), static_cast<int>(xs.size()), 0, cs.data(), 4.5f, nullptr);
    if (hit >= 0) {
        const auto& c = *which[static_cast<std::size_t>(hit)];
        ImGui::SetTooltip("%s %s\n%.2f%%, %.3f ms", c.model.c_str(), c.variant.c_str(), *c.accuracy * 100.0, *c.latency_ms_b1);
    }
    for (const auto& v : r.variants) p.legend.push_back({v, colour_of(r, v), true});
    plot_end(p);
}

// The course's claims beside the measurements of this run.
void draw_claims(app_state& st, results_panel& r) {
    const auto& cells = r.job.cells();
    auto find = [&](const std::string& m, const std::string& v) -> const lab::compare_cell* {
        for (const auto& c : cells)
            if (c.model == m && c.variant == v && c.status == lab::cell_status::done) return &c;
        return nullptr;
    };
    struct row {
        std::string claim, measured;
    };
    std::vector<row> rows;
    // INT8: 4x smaller, faster.
    for (const char* v : {"int8", "qat4"}) {
        double bytes_lo = 1e9, bytes_hi = 0, sp_lo = 1e9, sp_hi = 0;
        int n = 0;
        for (const auto& m : r.models) {
            const auto* f = find(m, "fp32");
            const auto* q = find(m, v);
            if (!f || !q || !q->weight_bytes || !q->measured_speedup) continue;
            const double ratio = static_cast<double>(f->weight_bytes) / static_cast<double>(q->weight_bytes);
            bytes_lo = std::min(bytes_lo, ratio);
            bytes_hi = std::max(bytes_hi, ratio);
            sp_lo = std::min(sp_lo, *q->measured_speedup);
            sp_hi = std::max(sp_hi, *q->measured_speedup);
            ++n;
        }
        if (n == 0) continue;
        rows.push_back({tr(st, std::string("results.claim.") + v),
                        i18n::format(tr(st, "results.claim.quant_measured"),
                                     {fmt("%.2f", bytes_lo), fmt("%.2f", bytes_hi), fmt("%.2f", sp_lo), fmt("%.2f", sp_hi),
                                      std::to_string(n)})});
    }
    // MACs predict latency: across the fp32 models.
    const lab::compare_cell *few = nullptr, *many = nullptr;
    for (const auto& m : r.models)
        if (const auto* f = find(m, "fp32")) {
            if (!few || f->macs < few->macs) few = f;
            if (!many || f->macs > many->macs) many = f;
        }
    if (few && many && few != many)
        rows.push_back({tr(st, "results.claim.macs"),
                        i18n::format(tr(st, "results.claim.macs_measured"),
                                     {many->model, few->model,
                                      fmt("%.2f", static_cast<double>(many->macs) / static_cast<double>(few->macs)),
                                      fmt("%.2f", *many->latency_ms_b1 / *few->latency_ms_b1)})});
    // Depthwise-separable convs: MAC reduction vs measured speedup on the models' own pairs.
    {
        double pred_lo = 1e9, pred_hi = 0, meas_lo = 1e9, meas_hi = 0;
        int n = 0;
        for (const auto& m : r.models) {
            const auto* f = find(m, "fp32");
            if (!f || f->dsc_pairs == 0 || !f->dsc_ms_separable || !f->dsc_macs_separable || *f->dsc_ms_separable <= 0) continue;
            const double pred = static_cast<double>(f->dsc_macs_standard) / static_cast<double>(f->dsc_macs_separable);
            const double meas = *f->dsc_ms_standard / *f->dsc_ms_separable;
            pred_lo = std::min(pred_lo, pred);
            pred_hi = std::max(pred_hi, pred);
            meas_lo = std::min(meas_lo, meas);
            meas_hi = std::max(meas_hi, meas);
            ++n;
        }
        if (n > 0)
            rows.push_back({tr(st, "results.claim.dsc"),
                            i18n::format(tr(st, "results.claim.dsc_measured"),
                                         {fmt("%.1f", pred_lo), fmt("%.1f", pred_hi), fmt("%.1f", meas_lo),
                                          fmt("%.1f", meas_hi), std::to_string(n)})});
    }
    // Pruning: unstructured sparsity, 2:4, whole channels.
    for (const char* v : {"pruned50", "pruned70", "pruned90", "sparse24", "channels25", "channels50"}) {
        double pred_lo = 1e9, pred_hi = 0, dense_lo = 1e9, dense_hi = 0, sp_lo = 1e9, sp_hi = 0;
        int n = 0, n_sparse = 0;
        for (const auto& m : r.models) {
            const auto* f = find(m, "fp32");
            const auto* c = find(m, v);
            if (!f || !c || !c->measured_speedup || !f->latency_ms_b1) continue;
            pred_lo = std::min(pred_lo, c->predicted_speedup);
            pred_hi = std::max(pred_hi, c->predicted_speedup);
            dense_lo = std::min(dense_lo, *c->measured_speedup);
            dense_hi = std::max(dense_hi, *c->measured_speedup);
            if (c->latency_ms_b1_sparse) {
                const double s = *f->latency_ms_b1 / *c->latency_ms_b1_sparse;
                sp_lo = std::min(sp_lo, s);
                sp_hi = std::max(sp_hi, s);
                ++n_sparse;
            }
            ++n;
        }
        if (n == 0) continue;
        std::string measured = i18n::format(tr(st, "results.claim.prune_measured"),
                                            {fmt("%.2f", pred_lo), fmt("%.2f", pred_hi), fmt("%.2f", dense_lo),
                                             fmt("%.2f", dense_hi), std::to_string(n)});
        if (n_sparse > 0)
            measured += " " + i18n::format(tr(st, "results.claim.prune_sparse_kernels"), {fmt("%.2f", sp_lo), fmt("%.2f", sp_hi)});
        rows.push_back({tr(st, std::string("results.claim.") + v), measured});
    }
    if (rows.empty()) return;
    heading(st, tr(st, "results.claims"));
    if (ImGui::BeginTable("##claims", 2, ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg)) {
        ImGui::TableSetupColumn(tr(st, "results.claim_col"));
        ImGui::TableSetupColumn(tr(st, "results.measured_col"));
        ImGui::TableHeadersRow();
        for (const auto& row : rows) {
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextWrapped("%s", row.claim.c_str());
            ImGui::TableNextColumn();
            ImGui::TextWrapped("%s", row.measured.c_str());
        }
        ImGui::EndTable();
    }
}

}  // namespace

void panel_results(app_state& st, const panel_def& self) {
    results_panel& r = state(st);
    const std::string k = std::string("panel.") + self.key;
    heading(st, tr(st, k + ".title"));
    text_wrapped(tr(st, k + ".summary"));
    draw_controls(st, r);
    draw_table(st, r);
    draw_bars(st, r);
    draw_scatter(st, r);
    draw_claims(st, r);
    if (!r.markdown.empty()) {
        heading(st, tr(st, "results.markdown"));
        ImGui::InputTextMultiline("##md", r.markdown.data(), r.markdown.size() + 1,
                                  ImVec2(-1, ImGui::GetFontSize() * 8), ImGuiInputTextFlags_ReadOnly);
    }
    heading(st, tr(st, "panel.common.sheet_heading"));
    bullet_lines(tr(st, k + ".sheet"));
}

void results_measure_pruning(app_state& st) {
    results_panel& r = state(st);
    for (std::size_t i = 0; i < r.variants.size(); ++i) {
        const auto& v = r.variants[i];
        r.variant_on[i] = v == "fp32" || std::find(api::file_variant_names.begin(), api::file_variant_names.end(), v) !=
                                             api::file_variant_names.end();
    }
    if (start(r).empty()) st.requested_panel = panel_id::panel_results;
}

void results_tick(app_state& st) {
    if (!st.results || !st.results->job.busy()) return;
    ++st.results->frames_while_busy;
    st.results->job.tick(12.0);
}

nlohmann::json results_state(const app_state& st) {
    if (!st.results) return {{"busy", false}, {"rows", nlohmann::json::array()}};
    const results_panel& r = *st.results;
    nlohmann::json j = r.job.rows_json();
    j["busy"] = r.job.busy();
    j["progress"] = r.job.progress();
    j["frames_while_busy"] = r.frames_while_busy;
    j["message"] = r.message;
    j["markdown"] = r.markdown;
    return j;
}

nlohmann::json results_apply(app_state& st, const nlohmann::json& req) {
    auto bad = [](const std::string& m) { return nlohmann::json{{"error", m}}; };
    if (!req.is_object()) return bad("\"results\" must be an object");
    for (auto it = req.begin(); it != req.end(); ++it) {
        const std::string key = it.key();
        if (key != "models" && key != "variants" && key != "action" && key != "cell" && key != "export" && key != "runs" &&
            key != "runs_b32" && key != "warmup_ms" && key != "limit")
            return bad("unknown results field \"" + key +
                       "\" (known: models, variants, action, cell, export, runs, runs_b32, warmup_ms, limit)");
    }
    results_panel& r = state(st);
    std::vector<bool> model_on = r.model_on, variant_on = r.variant_on;
    lab::compare_options o = r.opt;
    try {
        auto pick = [&](const char* key, const std::vector<std::string>& all, std::vector<bool>& on) -> std::string {
            if (!req.contains(key)) return "";
            on.assign(all.size(), false);
            for (const auto& n : req[key]) {
                auto it = std::find(all.begin(), all.end(), n.get<std::string>());
                if (it == all.end()) return std::string("\"results.") + key + "\": unknown \"" + n.get<std::string>() + "\"";
                on[static_cast<std::size_t>(it - all.begin())] = true;
            }
            return "";
        };
        if (auto e = pick("models", r.models, model_on); !e.empty()) return bad(e);
        if (auto e = pick("variants", r.variants, variant_on); !e.empty()) return bad(e);
        if (req.contains("runs")) o.runs = req["runs"].get<int>();
        if (req.contains("runs_b32")) o.runs_b32 = req["runs_b32"].get<int>();
        if (req.contains("warmup_ms")) o.warm_ms = req["warmup_ms"].get<double>();
        if (req.contains("limit")) o.limit = req["limit"].get<int>();
    } catch (const nlohmann::json::exception&) {
        return bad("a results field has the wrong type (models and variants are lists of names)");
    }
    const std::string action = req.value("action", std::string());
    if (action == "run") {
        const auto saved_models = r.model_on, saved_variants = r.variant_on;
        const auto saved_opt = r.opt;
        r.model_on = model_on;
        r.variant_on = variant_on;
        r.opt = o;
        if (auto e = start(r); !e.empty()) {
            r.model_on = saved_models;
            r.variant_on = saved_variants;
            r.opt = saved_opt;
            return bad(e);
        }
    } else if (action == "cancel") {
        r.job.cancel();
    } else if (action == "rerun") {
        if (!req.contains("cell") || !req["cell"].is_number_integer()) return bad("\"rerun\" needs \"cell\": a row index");
        if (auto e = r.job.rerun(req["cell"].get<int>()); !e.empty()) return bad(e);
    } else if (!action.empty()) {
        return bad("\"action\" must be run, cancel or rerun");
    } else {
        r.model_on = model_on;
        r.variant_on = variant_on;
        r.opt = o;
    }
    if (req.contains("export")) {
        if (!req["export"].is_string()) return bad("\"export\" must be csv, json or markdown");
        if (auto e = do_export(st, r, req["export"].get<std::string>()); !e.empty()) return bad(e);
    }
    return {{"ok", true}};
}

}  // namespace es::ui
