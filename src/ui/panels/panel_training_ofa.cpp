// Training panel → Once-for-All (§4.3): sub-networks of the shipped supernet measured in the
// page (lab::ofa_job): accuracy after batch-norm recalibration and real wasm latency, the
// accuracy-latency scatter with its Pareto front and the latency budget, random vs
// evolutionary search (best found after each test), and an editor to measure any
// sub-network by hand.
#include "ui/panels/training_ofa.h"

#include "ui/app.h"
#include "ui/panels/panels.h"
#include "ui/plot.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace es::ui {

namespace {

ImU32 source_colour(const std::string& s) {
    if (s == "random") return IM_COL32(110, 170, 240, 255);
    if (s == "evolution") return IM_COL32(245, 160, 50, 255);
    if (s == "manual") return IM_COL32(110, 210, 120, 255);
    if (s == "largest" || s == "smallest") return IM_COL32(235, 235, 235, 255);
    return IM_COL32(150, 150, 160, 255);  // sample
}

std::string mmacs(std::uint64_t m) {
    char b[32];
    std::snprintf(b, sizeof b, "%.2f M", static_cast<double>(m) / 1e6);
    return b;
}

// The picked sub-network as blocks: width grows with the expansion ratio, height with the kernel.
void draw_blocks(const nas::ofa_space& s, const nas::ofa_config& c) {
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const float u = ImGui::GetFontSize();
    ImVec2 o = ImGui::GetCursorScreenPos();
    float x = o.x;
    const float h_max = u * 2.6f;
    std::size_t slot = 0;
    for (std::size_t st = 0; st < s.stage_out.size(); ++st) {
        for (int i = 0; i < s.depths[st].back(); ++i, ++slot) {
            if (i >= c.depth[st]) continue;
            const float w = u * (0.5f + 0.35f * static_cast<float>(c.expand[slot]));
            const float h = h_max * (0.45f + 0.55f * static_cast<float>(c.kernel[slot]) / static_cast<float>(s.kernels.back()));
            const float y0 = o.y + (h_max - h) * 0.5f;
            const ImU32 fill = IM_COL32(60 + 40 * static_cast<int>(st), 110, 170 - 30 * static_cast<int>(st), 255);
            dl->AddRectFilled(ImVec2(x, y0), ImVec2(x + w, y0 + h), fill, 3.0f);
            char t[24];
            std::snprintf(t, sizeof t, "k%d", c.kernel[slot]);
            dl->AddText(ImVec2(x + 3, y0 + 1), IM_COL32(255, 255, 255, 255), t);
            std::snprintf(t, sizeof t, "e%d", c.expand[slot]);
            dl->AddText(ImVec2(x + 3, y0 + h - u - 1), IM_COL32(255, 255, 255, 255), t);
            x += w + u * 0.25f;
        }
        x += u * 0.6f;  // a gap between stages
    }
    ImGui::Dummy(ImVec2(std::max(1.0f, x - o.x), h_max + 2));
}

void draw_editor(app_state& st, ofa_panel& p) {
    const nas::ofa_space& s = p.job.space();
    if (!p.pick_ready || nas::check_config(s, p.pick) != "") {
        p.pick = nas::largest(s);
        p.pick_ready = true;
    }
    heading(st, tr(st, "train.ofa.editor_heading"));
    text_wrapped(tr(st, "train.ofa.editor_intro"));
    std::size_t slot = 0;
    if (ImGui::BeginTable("##ofa_edit", 4, ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit)) {
        for (const char* k : {"train.ofa.col_stage", "train.ofa.col_depth", "train.ofa.col_kernel", "train.ofa.col_expand"})
            ImGui::TableSetupColumn(tr(st, k));
        ImGui::TableHeadersRow();
        for (std::size_t sg = 0; sg < s.stage_out.size(); ++sg) {
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::Text("%s %zu · %d ch", tr(st, "train.ofa.stage"), sg + 1, s.stage_out[sg]);
            ImGui::TableNextColumn();
            ImGui::PushID(static_cast<int>(sg));
            for (int d : s.depths[sg]) {
                char l[16];
                std::snprintf(l, sizeof l, "%d##d", d);
                if (ImGui::RadioButton(l, p.pick.depth[sg] == d)) p.pick.depth[sg] = d;
                ImGui::SameLine();
            }
            ImGui::NewLine();
            ImGui::PopID();
            // One row of radio buttons per block slot: its kernel (column 3) or expansion (column 4).
            auto per_block = [&](const std::vector<int>& choices, std::vector<int>& values, int id_base, const char* tag) {
                ImGui::TableNextColumn();
                for (int i = 0; i < s.depths[sg].back(); ++i) {
                    const std::size_t at = slot + static_cast<std::size_t>(i);
                    ImGui::BeginDisabled(i >= p.pick.depth[sg]);
                    ImGui::PushID(id_base + static_cast<int>(at));
                    for (int v : choices) {
                        char l[16];
                        std::snprintf(l, sizeof l, "%d##%s", v, tag);
                        if (ImGui::RadioButton(l, values[at] == v)) values[at] = v;
                        ImGui::SameLine();
                    }
                    ImGui::NewLine();
                    ImGui::PopID();
                    ImGui::EndDisabled();
                }
            };
            per_block(s.kernels, p.pick.kernel, 100, "k");
            per_block(s.expands, p.pick.expand, 200, "e");
            slot += static_cast<std::size_t>(s.depths[sg].back());
        }
        ImGui::EndTable();
    }
    draw_blocks(s, p.pick);
    const std::string text = nas::config_text(p.pick);
    ImGui::TextDisabled("%s", text.c_str());
    ImGui::BeginDisabled(p.job.result().points.empty() && !p.job.busy());
    if (ImGui::Button(tr(st, "train.ofa.measure"))) p.error = p.job.measure(text);
    ImGui::EndDisabled();
    if (p.job.result().points.empty() && !p.job.busy()) {
        ImGui::SameLine();
        ImGui::TextDisabled("%s", tr(st, "train.ofa.measure_first"));
    }
    if (!p.job.result().manual.empty()) {
        const auto& m = p.job.result().points[static_cast<std::size_t>(p.job.result().manual.back())];
        char b[160];
        std::snprintf(b, sizeof b, "%.1f%% · %.3f ms · %s MACs · %zu params", m.accuracy * 100.0, m.latency_ms,
                      mmacs(m.macs).c_str(), m.params);
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(source_colour("manual")), "%s: %s", tr(st, "train.ofa.last_manual"), b);
    }
}

}  // namespace

void draw_ofa(app_state& st, ofa_panel& p, bool others_busy) {
    text_wrapped(tr(st, "train.ofa.intro"));
    quiz_link(st, "4.3");
    auto& s = p.pending;
    const bool busy = p.job.busy();
    ImGui::BeginDisabled(busy || others_busy);
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 7);
    ImGui::SliderInt(tr(st, "train.ofa.samples"), &s.samples, 0, 40);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 7);
    ImGui::SliderInt(tr(st, "train.ofa.evals"), &s.evals, 4, 40);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 6);
    ImGui::SliderInt(tr(st, "train.ofa.population"), &s.population, 2, std::max(2, s.evals));
    s.population = std::min(s.population, s.evals);
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 7);
    ImGui::InputDouble(tr(st, "train.ofa.budget"), &s.budget_ms, 0, 0, "%.3f");
    s.budget_ms = std::clamp(s.budget_ms, 0.0, 10000.0);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 7);
    ImGui::SliderInt(tr(st, "train.ofa.eval_limit"), &s.eval_limit, 100, 2000);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 5);
    ImGui::InputInt(tr(st, "train.kd.seed"), &s.seed, 0);
    s.seed = std::max(0, s.seed);
    if (ImGui::Button(tr(st, "train.ofa.run"))) p.error = p.job.start(s);
    ImGui::EndDisabled();
    if (lab_footer(st, busy, p.error, "train.ofa.budget_note")) p.job.cancel();

    const auto& r = p.job.result();
    const auto& cfg = p.job.settings();
    if (busy) {
        char overlay[96];
        std::snprintf(overlay, sizeof overlay, "%zu · %.0f s", r.points.size(), r.seconds);
        ImGui::ProgressBar(static_cast<float>(p.job.progress()), ImVec2(-1, 0), overlay);
    }
    if (!r.points.empty()) {
        // Accuracy vs latency: every tested sub-network, the Pareto front, the budget.
        std::vector<double> xs, ys;
        std::vector<ImU32> cs;
        double lat_hi = 0, acc_lo = 100, acc_hi = 0;
        for (const auto& pt : r.points) {
            xs.push_back(pt.latency_ms);
            ys.push_back(pt.accuracy * 100.0);
            cs.push_back(source_colour(pt.source));
            lat_hi = std::max(lat_hi, pt.latency_ms);
            acc_lo = std::min(acc_lo, pt.accuracy * 100.0);
            acc_hi = std::max(acc_hi, pt.accuracy * 100.0);
        }
        lat_hi = std::max(lat_hi, r.budget_ms);
        const float half = ImGui::GetContentRegionAvail().x * 0.58f;
        plot pl;
        if (plot_begin(pl, "##ofa_scatter", ImVec2(half, ImGui::GetFontSize() * 16), {0.0, lat_hi * 1.08, false, tr(st, "train.ofa.latency_axis")},
                       {std::max(0.0, std::floor(acc_lo) - 2.0), std::min(100.0, std::ceil(acc_hi) + 2.0), false, tr(st, "train.kd.test_acc")})) {
            std::vector<double> fx, fy;
            for (int i : r.pareto) fx.push_back(xs[static_cast<std::size_t>(i)]), fy.push_back(ys[static_cast<std::size_t>(i)]);
            plot_line(pl, fx.data(), fy.data(), static_cast<int>(fx.size()), IM_COL32(240, 240, 120, 200), tr(st, "train.ofa.front"), 1.5f);
            if (r.budget_ms > 0) plot_vline(pl, r.budget_ms, IM_COL32(240, 90, 90, 220), tr(st, "train.ofa.budget_line"));
            for (const auto& sr : r.searches)
                if (sr.best_point >= 0) {
                    const double bx = xs[static_cast<std::size_t>(sr.best_point)], by = ys[static_cast<std::size_t>(sr.best_point)];
                    plot_points(pl, &bx, &by, 1, source_colour(sr.name), nullptr, 8.0f);
                }
            const int h = plot_points(pl, xs.data(), ys.data(), static_cast<int>(xs.size()), 0, cs.data(), 4.0f);
            pl.legend.push_back({tr(st, "train.ofa.src.corners"), source_colour("largest"), true});
            for (const char* src : {"sample", "random", "evolution", "manual"}) {
                const bool present = std::any_of(r.points.begin(), r.points.end(), [&](const lab::ofa_point& q) { return q.source == src; });
                if (present) pl.legend.push_back({tr(st, std::string("train.ofa.src.") + src), source_colour(src), true});
            }
            plot_end(pl);
            p.hovered = h;
            if (h >= 0) {
                const auto& q = r.points[static_cast<std::size_t>(h)];
                ImGui::SetTooltip("%s\n%s\n%.1f%% · %.3f ms · %s MACs · %zu params\n%s", tr(st, std::string("train.ofa.src.") + q.source),
                                  q.config.c_str(), q.accuracy * 100.0, q.latency_ms, mmacs(q.macs).c_str(), q.params,
                                  tr(st, "train.ofa.click_to_edit"));
                if (ImGui::IsMouseClicked(0)) {
                    std::string err;
                    if (auto c = nas::parse_config(p.job.space(), q.config, &err)) p.pick = *c;
                }
            }
        }
        ImGui::SameLine();
        // Best accuracy within the budget after each test, per search.
        plot pb;
        double blo = 100;
        for (const auto& sr : r.searches)
            for (double b : sr.best) blo = std::min(blo, b * 100.0);
        if (plot_begin(pb, "##ofa_search", ImVec2(ImGui::GetContentRegionAvail().x, ImGui::GetFontSize() * 16),
                       {0.5, static_cast<double>(std::max(1, cfg.evals)) + 0.5, false, tr(st, "train.ofa.tests_axis")},
                       {blo < 100 ? std::max(0.0, std::floor(blo) - 2.0) : 0.0, std::min(100.0, std::ceil(acc_hi) + 1.0), false,
                        tr(st, "train.ofa.best_axis")})) {
            for (const auto& sr : r.searches) {
                std::vector<double> bx, by;
                for (std::size_t i = 0; i < sr.best.size(); ++i) bx.push_back(static_cast<double>(i + 1)), by.push_back(sr.best[i] * 100.0);
                if (bx.empty()) continue;
                plot_line(pb, bx.data(), by.data(), static_cast<int>(bx.size()), source_colour(sr.name), tr(st, "train.ofa.src." + sr.name));
                plot_points(pb, bx.data(), by.data(), static_cast<int>(bx.size()), source_colour(sr.name), nullptr, 3.0f);
            }
            plot_end(pb);
        }
        // The searches' answers.
        if (!r.searches.empty() &&
            ImGui::BeginTable("##ofa_best", 7, ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit)) {
            for (const char* k : {"train.ofa.col_search", "train.ofa.col_config", "train.ofa.col_acc", "train.ofa.col_latency",
                                  "train.ofa.col_macs", "train.ofa.col_tests", "train.ofa.col_over"})
                ImGui::TableSetupColumn(tr(st, k));
            ImGui::TableHeadersRow();
            for (const auto& sr : r.searches) {
                ImGui::TableNextRow();
                ImGui::TableNextColumn();
                ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(source_colour(sr.name)), "%s", tr(st, "train.ofa.src." + sr.name));
                ImGui::TableNextColumn();
                if (sr.best_point >= 0) {
                    const auto& b = r.points[static_cast<std::size_t>(sr.best_point)];
                    ImGui::TextUnformatted(b.config.c_str());
                    ImGui::TableNextColumn();
                    ImGui::Text("%.1f%%", b.accuracy * 100.0);
                    ImGui::TableNextColumn();
                    ImGui::Text("%.3f ms", b.latency_ms);
                    ImGui::TableNextColumn();
                    ImGui::TextUnformatted(mmacs(b.macs).c_str());
                } else {
                    ImGui::TextDisabled("…");
                    ImGui::TableNextColumn();
                    ImGui::TableNextColumn();
                    ImGui::TableNextColumn();
                }
                ImGui::TableNextColumn();
                ImGui::Text("%zu", sr.tested.size());
                ImGui::TableNextColumn();
                ImGui::Text("%d", sr.over_budget);
            }
            ImGui::EndTable();
        }
        // The Pareto front as a table.
        if (ImGui::CollapsingHeader(tr(st, "train.ofa.front_table"), ImGuiTreeNodeFlags_DefaultOpen) &&
            ImGui::BeginTable("##ofa_front", 5, ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit)) {
            for (const char* k : {"train.ofa.col_config", "train.ofa.col_acc", "train.ofa.col_latency", "train.ofa.col_macs",
                                  "train.ofa.col_params"})
                ImGui::TableSetupColumn(tr(st, k));
            ImGui::TableHeadersRow();
            for (int i : r.pareto) {
                const auto& q = r.points[static_cast<std::size_t>(i)];
                ImGui::TableNextRow();
                ImGui::TableNextColumn();
                ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(source_colour(q.source)), "%s", q.config.c_str());
                ImGui::TableNextColumn();
                ImGui::Text("%.1f%%", q.accuracy * 100.0);
                ImGui::TableNextColumn();
                ImGui::Text("%.3f ms", q.latency_ms);
                ImGui::TableNextColumn();
                ImGui::TextUnformatted(mmacs(q.macs).c_str());
                ImGui::TableNextColumn();
                ImGui::Text("%zu", q.params);
            }
            ImGui::EndTable();
        }
        char budget[32];
        std::snprintf(budget, sizeof budget, "%.3f", r.budget_ms);
        ImGui::TextDisabled("%s", i18n::format(tr(st, "train.ofa.status"),
                                               {std::to_string(r.points.size()), std::to_string(r.n), std::to_string(r.recal_n),
                                                budget, std::to_string(r.supernet_params)})
                                      .c_str());
        text_wrapped(tr(st, "train.ofa.read"));
    }
    if (r.training.is_object() && r.training.contains("phases")) {
        std::string phases;
        for (const auto& ph : r.training["phases"]) {
            char b[96];
            std::snprintf(b, sizeof b, "%s%s %lld", phases.empty() ? "" : " → ", ph.value("phase", std::string()).c_str(),
                          ph.value("steps", 0LL));
            phases += b;
        }
        ImGui::TextDisabled("%s", i18n::format(tr(st, "train.ofa.trained"), {phases, std::to_string(r.training.value("batch", 0))}).c_str());
    }
    draw_editor(st, p);
    ImGui::PushTextWrapPos(0.0f);
    ImGui::TextDisabled("%s", tr(st, "train.ofa.cli"));
    ImGui::PopTextWrapPos();
}

std::string ofa_parse(const ofa_panel& p, const nlohmann::json& req, ofa_request* out) {
    if (!req.is_object()) return "\"train.ofa\" must be an object";
    lab::ofa_settings s = p.pending;
    std::string action = "run";
    bool has_action = false;
    std::optional<std::string> config;
    bool settings_given = false;
    for (auto f = req.begin(); f != req.end(); ++f) {
        const std::string k = f.key();
        settings_given = settings_given || (k != "config" && k != "action");
        bool ok = true;
        auto whole = [&](int* v) { return json_int(*f, v); };
        auto num = [&](double* v) {
            if (!f->is_number()) return false;
            *v = f->get<double>();
            return true;
        };
        if (k == "supernet") {
            ok = f->is_string();
            if (ok) s.supernet = f->get<std::string>();
        } else if (k == "samples") ok = whole(&s.samples);
        else if (k == "budget_ms") ok = num(&s.budget_ms);
        else if (k == "evals") ok = whole(&s.evals);
        else if (k == "population") ok = whole(&s.population);
        else if (k == "mutate") ok = num(&s.mutate);
        else if (k == "recal_images") ok = whole(&s.recal_images);
        else if (k == "eval_limit") ok = whole(&s.eval_limit);
        else if (k == "latency_runs") ok = whole(&s.latency_runs);
        else if (k == "seed") ok = whole(&s.seed);
        else if (k == "search") {
            ok = f->is_boolean();
            if (ok) s.search = f->get<bool>();
        } else if (k == "config") {
            ok = f->is_string();
            if (ok) config = f->get<std::string>();
        } else if (k == "action") {
            ok = f->is_string() && (*f == "run" || *f == "cancel" || *f == "measure");
            if (ok) action = f->get<std::string>(), has_action = true;
        } else
            return "unknown train.ofa field \"" + k +
                   "\" (known: supernet, samples, budget_ms, evals, population, mutate, recal_images, eval_limit, "
                   "latency_runs, seed, search, config, action)";
        if (!ok) return "\"train.ofa." + k + "\" " + (k == "action" ? "must be run, cancel or measure" : "has the wrong type");
    }
    if (!has_action && config) action = "measure";
    if (action != "run" && settings_given)
        return "\"train.ofa\": settings go with the action run, not " + action;
    if (action == "measure") {
        if (!config) return "\"train.ofa.action\": measure needs a \"config\"";
        std::string err;
        if (!nas::parse_config(p.job.space(), *config, &err)) return "train.ofa.config: " + err;
        out->measure = *config;
        return "";
    }
    if (config) return "\"train.ofa.config\" goes with the action measure";
    if (action == "cancel") {
        out->cancel = true;
        return "";
    }
    if (auto e = lab::check_settings(s); !e.empty()) return "train.ofa: " + e;
    out->run = s;
    return "";
}

std::string ofa_apply(ofa_panel& p, const ofa_request& r) {
    if (r.run) {
        if (auto e = p.job.start(*r.run); !e.empty()) return "train.ofa: " + e;
        p.pending = *r.run;
        p.error.clear();
    }
    if (r.cancel) p.job.cancel();
    if (r.measure) {
        if (auto e = p.job.measure(*r.measure); !e.empty()) return "train.ofa: " + e;
        std::string err;
        if (auto c = nas::parse_config(p.job.space(), *r.measure, &err)) {
            p.pick = *c;
            p.pick_ready = true;
        }
    }
    return "";
}

}  // namespace es::ui
