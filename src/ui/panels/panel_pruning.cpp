// Pruning & Sparsity panel: tabs over pruning (study sheet §3.2, §3.3; exam tips on what
// speeds up). Each tab is one draw function in prune_tabs below.
//
//   - 2:4: a real layer of a shipped model → its NVIDIA 2:4 mask → the values array and the
//     2-bit index array (lab::sparse24_view), the layer's storage at FP32/FP16/INT8 with the
//     index metadata counted (calc::sparse24: the sheet's "50%" next to the exact ratio), and
//     how much weight magnitude 2:4 keeps against unstructured 50% of the same layer.
//   - Sensitivity: each layer of a shipped model alone magnitude-pruned to each level, no
//     fine-tuning (lab::prune_lab over prune::sensitivity_scan): curves, table, the reading.
//   - Lottery: iterative magnitude pruning with rewinding vs random re-initialization under the
//     same masks, trained here (lab::prune_lab over prune::lottery_run): live loss, curves, table.
//   - Measured: FP32 and the pruned variants run in the Results panel.
#include "calc/sparsity.h"
#include "lab/prune_lab.h"
#include "lab/sparse24_view.h"
#include "models/model_file.h"
#include "models/models.h"
#include "models/shipped.h"
#include "ui/panels/panels.h"
#include "ui/plot.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace es::ui {

struct prune_panel {
    std::string tab = "sparse24";
    std::optional<std::string> tab_request;
    // The 2:4 visualizer.
    std::vector<std::string> shipped;
    std::string model;          // loaded
    std::optional<engine::model> m;
    std::vector<int> layers;    // sparse24_layers(m)
    int layer = 0;              // index into layers
    std::optional<lab::sparse24_view> view;
    int row0 = 0, col0 = 0;     // the window's top-left (col0 a multiple of 4)
    int dtype = 0;              // 0 fp32, 1 fp16, 2 int8
    std::string error;
    bool initialised = false;
    // The Sensitivity and Lottery tabs: their jobs and the controls' values.
    lab::prune_lab lab;
    lab::sensitivity_settings sens;
    int sens_levels = 1;       // index into level_presets
    lab::lottery_settings lot;
    std::string sens_error, lot_error;
    long long frames_while_busy = 0;
    int sens_hover = -1;       // layer row under the mouse (plot or table)
};

namespace {

constexpr int win_rows = 8, win_cols = 16;
constexpr int dtype_bits[] = {32, 16, 8};
constexpr const char* dtype_names[] = {"fp32", "fp16", "int8"};

std::string load_model(prune_panel& p, const std::string& name) {
    std::string err;
    auto path = models::resolve_model(name, &err);
    if (!path) return err;
    auto m = models::load_model_file(*path, &err);
    if (!m) return err;
    auto layers = lab::sparse24_layers(*m);
    if (layers.empty()) return name + " has no layer 2:4 applies to";
    p.m = std::move(*m);
    p.model = name;
    p.layers = std::move(layers);
    // Start on a layer with a wide reduction: more to see.
    p.layer = 0;
    for (std::size_t i = 0; i < p.layers.size(); ++i) {
        const auto& n = p.m->nodes[static_cast<std::size_t>(p.layers[i])];
        if (n.w_count / static_cast<std::size_t>(n.cout) >= 32) {
            p.layer = static_cast<int>(i);
            break;
        }
    }
    return "";
}

std::string select_layer(prune_panel& p, int index) {
    if (!p.m || p.layers.empty()) return "no model loaded";
    index = std::clamp(index, 0, static_cast<int>(p.layers.size()) - 1);
    std::string err;
    auto v = lab::make_sparse24_view(*p.m, p.layers[static_cast<std::size_t>(index)], &err);
    if (!v) return err;
    p.layer = index;
    p.view = std::move(*v);
    p.row0 = std::clamp(p.row0, 0, std::max(0, p.view->rows - win_rows));
    p.col0 = std::clamp(p.col0 / 4 * 4, 0, std::max(0, (p.view->cols - win_cols) / 4 * 4));
    return "";
}

prune_panel& state(app_state& st) {
    if (!st.prune) st.prune = std::make_shared<prune_panel>();
    prune_panel& p = *st.prune;
    if (!p.initialised) {
        p.initialised = true;
        p.shipped = models::shipped_models();
        if (!p.shipped.empty()) {
            auto it = std::find(p.shipped.begin(), p.shipped.end(), "tiny_mobilenet_v2");
            p.error = load_model(p, it == p.shipped.end() ? p.shipped.front() : *it);
            if (p.error.empty()) p.error = select_layer(p, p.layer);
        }
    }
    return p;
}

ImU32 value_colour(float w, float scale, bool kept) {
    const float t = std::clamp(std::fabs(w) / scale, 0.0f, 1.0f);
    const int a = kept ? 255 : 70;
    if (w >= 0) return IM_COL32(static_cast<int>(60 + 170 * t), static_cast<int>(70 + 40 * t), 80, a);
    return IM_COL32(70, static_cast<int>(90 + 60 * t), static_cast<int>(90 + 150 * t), a);
}

// A grid of cells with text; `cell(r, c, text, colour, kept)` fills each.
template <typename Cell>
void draw_grid(const char* id, int rows, int cols, float cw, float ch, int group, Cell cell) {
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const ImVec2 o = ImGui::GetCursorScreenPos();
    ImGui::InvisibleButton(id, ImVec2(cw * static_cast<float>(cols) + 2, ch * static_cast<float>(rows) + 2));
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c) {
            char text[32] = "";
            ImU32 fill = 0, ink = IM_COL32(235, 235, 235, 255);
            bool crossed = false;
            cell(r, c, text, sizeof text, &fill, &ink, &crossed);
            const ImVec2 a(o.x + cw * static_cast<float>(c), o.y + ch * static_cast<float>(r));
            const ImVec2 b(a.x + cw - 1, a.y + ch - 1);
            dl->AddRectFilled(a, b, fill);
            const ImVec2 ts = ImGui::CalcTextSize(text);
            dl->AddText(ImVec2(a.x + (cw - ts.x) * 0.5f, a.y + (ch - ts.y) * 0.5f), ink, text);
            if (crossed) dl->AddLine(ImVec2(a.x + 2, b.y - 2), ImVec2(b.x - 2, a.y + 2), IM_COL32(200, 200, 200, 90));
        }
    if (group > 0)
        for (int c = 0; c <= cols; c += group) {
            const float x = o.x + cw * static_cast<float>(c) - 0.5f;
            dl->AddLine(ImVec2(x, o.y), ImVec2(x, o.y + ch * static_cast<float>(rows)), IM_COL32(250, 210, 90, 200), 2.0f);
        }
}

void draw_sparse24(app_state& st) {
    prune_panel& p = state(st);
    text_wrapped(tr(st, "prune.s24.intro"));
    quiz_link(st, "3.2");
    if (p.shipped.empty()) {
        ImGui::TextDisabled("%s", tr(st, "prune.no_models"));
        return;
    }
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 14);
    if (ImGui::BeginCombo(tr(st, "prune.model"), p.model.c_str())) {
        for (const auto& name : p.shipped)
            if (ImGui::Selectable(name.c_str(), name == p.model)) {
                p.error = load_model(p, name);
                if (p.error.empty()) p.error = select_layer(p, p.layer);
            }
        ImGui::EndCombo();
    }
    if (!p.m || !p.view) {
        if (!p.error.empty()) ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.4f, 1.0f), "%s", p.error.c_str());
        return;
    }
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 12);
    if (ImGui::BeginCombo(tr(st, "prune.layer"), p.view->layer.c_str())) {
        for (std::size_t i = 0; i < p.layers.size(); ++i) {
            const auto& n = p.m->nodes[static_cast<std::size_t>(p.layers[i])];
            if (ImGui::Selectable(n.name.c_str(), static_cast<int>(i) == p.layer)) p.error = select_layer(p, static_cast<int>(i));
        }
        ImGui::EndCombo();
    }
    const auto& v = *p.view;
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 10);
    ImGui::SliderInt(tr(st, "prune.row0"), &p.row0, 0, std::max(0, v.rows - win_rows));
    ImGui::SameLine();
    int group0 = p.col0 / 4;
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 10);
    if (ImGui::SliderInt(tr(st, "prune.group0"), &group0, 0, std::max(0, (v.cols - win_cols) / 4))) p.col0 = group0 * 4;
    if (!p.error.empty()) ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.4f, 1.0f), "%s", p.error.c_str());
    ImGui::TextDisabled("%s", i18n::format(tr(st, "prune.s24.shape"),
                                           {v.layer, std::to_string(v.rows), std::to_string(v.cols)})
                                  .c_str());

    const int rows = std::min(win_rows, v.rows), cols = std::min(win_cols, v.cols);
    float scale = 1e-6f;
    for (float w : v.weights) scale = std::max(scale, std::fabs(w));
    const float ch = ImGui::GetFontSize() * 1.5f, cw = ImGui::CalcTextSize("-0.000").x + 8;
    auto at = [&](int r, int c) {
        return static_cast<std::size_t>(p.row0 + r) * static_cast<std::size_t>(v.cols) + static_cast<std::size_t>(p.col0 + c);
    };
    heading(st, tr(st, "prune.s24.dense"));
    draw_grid("##dense", rows, cols, cw, ch, 4, [&](int r, int c, char* t, std::size_t n, ImU32* fill, ImU32*, bool*) {
        const float w = v.weights[at(r, c)];
        std::snprintf(t, n, "%.3f", w);
        *fill = value_colour(w, scale, true);
    });
    heading(st, tr(st, "prune.s24.masked"));
    draw_grid("##mask", rows, cols, cw, ch, 4, [&](int r, int c, char* t, std::size_t n, ImU32* fill, ImU32* ink, bool* x) {
        const std::size_t i = at(r, c);
        const bool kept = v.keep[i] != 0;
        std::snprintf(t, n, "%.3f", v.weights[i]);
        *fill = value_colour(v.weights[i], scale, kept);
        if (!kept) {
            *ink = IM_COL32(150, 150, 150, 140);
            *x = true;
        }
    });
    // The compressed arrays: the same rows, two entries per group.
    const int half = cols / 2;
    auto cat = [&](int r, int j) {
        return static_cast<std::size_t>(p.row0 + r) * static_cast<std::size_t>(v.cols / 2) + static_cast<std::size_t>(p.col0 / 2 + j);
    };
    ImGui::BeginGroup();
    heading(st, tr(st, "prune.s24.values"));
    draw_grid("##values", rows, half, cw, ch, 2, [&](int r, int j, char* t, std::size_t n, ImU32* fill, ImU32*, bool*) {
        const float w = v.values[cat(r, j)];
        std::snprintf(t, n, "%.3f", w);
        *fill = value_colour(w, scale, true);
    });
    ImGui::EndGroup();
    ImGui::SameLine(0, ImGui::GetFontSize() * 2);
    ImGui::BeginGroup();
    heading(st, tr(st, "prune.s24.indices"));
    const float iw = ImGui::CalcTextSize("3 (11)").x + 8;
    draw_grid("##indices", rows, half, iw, ch, 2, [&](int r, int j, char* t, std::size_t n, ImU32* fill, ImU32*, bool*) {
        const int idx = v.indices[cat(r, j)];
        std::snprintf(t, n, "%d (%d%d)", idx, (idx >> 1) & 1, idx & 1);
        *fill = IM_COL32(60, 70, 90, 255);
    });
    ImGui::EndGroup();
    text_wrapped(tr(st, "prune.s24.read"));

    // Storage of the whole layer.
    heading(st, tr(st, "prune.s24.storage"));
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
    ImGui::Combo(tr(st, "prune.dtype"), &p.dtype, dtype_names, 3);
    const std::int64_t count = static_cast<std::int64_t>(v.rows) * v.cols;
    if (ImGui::BeginTable("##s24store", 6, ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg)) {
        for (const char* k : {"prune.s24.col_dtype", "prune.s24.col_dense", "prune.s24.col_values", "prune.s24.col_index",
                              "prune.s24.col_ratio", "prune.s24.col_sheet"})
            ImGui::TableSetupColumn(tr(st, k));
        ImGui::TableHeadersRow();
        for (int d = 0; d < 3; ++d) {
            calc::sparse24_input in;
            in.weights = count;
            in.value_bits = dtype_bits[d];
            const auto r = calc::sparse24(in, st.lang);
            if (!r) continue;
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(dtype_names[d]);
            ImGui::TableNextColumn();
            ImGui::Text("%.0f B", r->dense_bytes);
            ImGui::TableNextColumn();
            ImGui::Text("%.0f B", static_cast<double>(r->value_bits_total) / 8.0);
            ImGui::TableNextColumn();
            ImGui::Text("%.0f B", static_cast<double>(r->index_bits_total) / 8.0);
            ImGui::TableNextColumn();
            ImGui::Text("%.2f%% (%s %.2f%%)", r->ratio * 100.0, tr(st, "prune.s24.saved"), r->saved * 100.0);
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(tr(st, "prune.s24.sheet_50"));
        }
        ImGui::EndTable();
    }
    calc::sparse24_input in;
    in.weights = count;
    in.value_bits = dtype_bits[std::clamp(p.dtype, 0, 2)];
    if (const auto r = calc::sparse24(in, st.lang)) steps_table(st, "##s24steps", r->steps);

    heading(st, tr(st, "prune.s24.magnitude"));
    auto pct = [](double x) {
        char b[32];
        std::snprintf(b, sizeof b, "%.1f", x * 100.0);
        return std::string(b);
    };
    text_wrapped(i18n::format(tr(st, "prune.s24.kept"), {pct(v.kept_l1_24), pct(v.kept_l1_unstructured)}).c_str());
    text_wrapped(tr(st, "prune.s24.kept_note"));
}

// ---- Sensitivity and Lottery: jobs of p.lab, run in slices by pruning_tick ----

struct level_preset {
    const char* label;
    std::vector<double> levels;
};
const std::vector<level_preset>& level_presets() {
    static const std::vector<level_preset> v = {
        {"0, 0.5, 0.9", {0.0, 0.5, 0.9}},
        {"0, 0.5, 0.7, 0.9", {0.0, 0.5, 0.7, 0.9}},
        {"0, 0.25, 0.5, 0.7, 0.9", {0.0, 0.25, 0.5, 0.7, 0.9}},
        {"0, 0.1, 0.2, ..., 0.9", {0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9}},
    };
    return v;
}

ImU32 kind_colour(const std::string& kind, int alpha = 255) {
    if (kind == "depthwise") return IM_COL32(110, 200, 120, alpha);
    if (kind == "pointwise") return IM_COL32(100, 160, 240, alpha);
    if (kind == "fc") return IM_COL32(200, 130, 230, alpha);
    return IM_COL32(240, 170, 60, alpha);  // conv
}

std::string pct1(double v) {
    if (std::isnan(v)) return "-";
    char b[32];
    std::snprintf(b, sizeof b, "%.1f", v * 100.0);
    return b;
}

// A dimmed note, wrapped at the window's edge.
void note(const char* s) {
    ImGui::PushTextWrapPos(0.0f);
    ImGui::TextDisabled("%s", s);
    ImGui::PopTextWrapPos();
}

void error_line(const std::string& e) {
    if (!e.empty()) ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.4f, 1.0f), "%s", e.c_str());
}

void model_combo(const char* label, const std::vector<std::string>& names, std::string& current) {
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 12);
    if (ImGui::BeginCombo(label, current.c_str())) {
        for (const auto& n : names)
            if (ImGui::Selectable(n.c_str(), n == current)) current = n;
        ImGui::EndCombo();
    }
}

void draw_sensitivity(app_state& st) {
    prune_panel& p = state(st);
    text_wrapped(tr(st, "prune.sens.intro"));
    quiz_link(st, "3.3");
    if (p.shipped.empty()) {
        ImGui::TextDisabled("%s", tr(st, "prune.no_models"));
        return;
    }
    const bool busy = p.lab.busy();
    const bool running = std::string(p.lab.job_name()) == "sensitivity";
    ImGui::BeginDisabled(busy);
    model_combo((std::string(tr(st, "prune.model")) + "##sens").c_str(), p.shipped, p.sens.model);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 11);
    const auto& presets = level_presets();
    p.sens_levels = std::clamp(p.sens_levels, 0, static_cast<int>(presets.size()) - 1);
    if (ImGui::BeginCombo(tr(st, "prune.sens.levels"), presets[static_cast<std::size_t>(p.sens_levels)].label)) {
        for (std::size_t i = 0; i < presets.size(); ++i)
            if (ImGui::Selectable(presets[i].label, static_cast<int>(i) == p.sens_levels)) p.sens_levels = static_cast<int>(i);
        ImGui::EndCombo();
    }
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 10);
    ImGui::SliderInt(tr(st, "prune.sens.images"), &p.sens.eval_limit, 100, 2000);
    ImGui::SameLine();
    ImGui::Checkbox(tr(st, "prune.sens.skip_dw"), &p.sens.skip_depthwise);
    if (ImGui::Button(tr(st, "prune.sens.run"))) {
        p.sens.levels = presets[static_cast<std::size_t>(p.sens_levels)].levels;
        p.sens_error = p.lab.start_sensitivity(p.sens);
        p.frames_while_busy = 0;
    }
    ImGui::EndDisabled();
    if (running) {
        ImGui::SameLine();
        if (ImGui::Button(tr(st, "prune.cancel"))) p.lab.cancel();
    }
    error_line(p.sens_error);
    note(tr(st, "prune.sens.time_note"));
    const auto& res = p.lab.sensitivity();
    if (!res) return;
    const auto& r = *res;
    const auto& cfg = p.lab.sensitivity_config();
    if (running) {
        char overlay[96];
        std::snprintf(overlay, sizeof overlay, "%.0f%% · %.0f s", p.lab.progress() * 100.0, p.lab.sensitivity_seconds());
        ImGui::ProgressBar(static_cast<float>(p.lab.progress()), ImVec2(-1, 0), overlay);
    }
    ImGui::TextDisabled("%s", i18n::format(tr(st, "prune.sens.status"),
                                           {cfg.model, std::to_string(r.rows.size()), std::to_string(r.n),
                                            pct1(r.dense_accuracy), std::to_string(std::lround(p.lab.sensitivity_seconds()))})
                                  .c_str());

    // Accuracy vs sparsity, one line per layer, coloured by kind.
    const double xmax = r.levels.empty() ? 1.0 : std::max(0.1, r.levels.back());
    double ymin = 1.0;
    for (const auto& row : r.rows)
        for (double a : row.accuracy)
            if (!std::isnan(a)) ymin = std::min(ymin, a);
    ymin = std::max(0.0, std::floor(ymin * 10.0) / 10.0 - 0.05);
    plot pl;
    int hovered = -1;
    if (plot_begin(pl, "##sens_plot", ImVec2(ImGui::GetContentRegionAvail().x, ImGui::GetFontSize() * 16),
                   {-0.02, xmax + 0.02, false, tr(st, "prune.sens.x")}, {ymin * 100.0, 100.0, false, tr(st, "prune.sens.y")})) {
        std::vector<std::string> seen;
        for (std::size_t li = 0; li < r.rows.size(); ++li) {
            const auto& row = r.rows[li];
            std::vector<double> xs, ys;
            for (std::size_t j = 0; j < r.levels.size(); ++j)
                if (!std::isnan(row.accuracy[j])) {
                    xs.push_back(r.levels[j]);
                    ys.push_back(row.accuracy[j] * 100.0);
                }
            if (xs.empty()) continue;
            const bool hot = static_cast<int>(li) == p.sens_hover;
            const char* legend = nullptr;
            if (std::find(seen.begin(), seen.end(), row.kind) == seen.end()) {
                seen.push_back(row.kind);
                legend = row.kind.c_str();
            }
            const ImU32 c = kind_colour(row.kind, p.sens_hover < 0 || hot ? 230 : 70);
            plot_line(pl, xs.data(), ys.data(), static_cast<int>(xs.size()), c, legend, hot ? 3.5f : 1.5f);
            const int hit = plot_points(pl, xs.data(), ys.data(), static_cast<int>(xs.size()), c, nullptr, hot ? 4.0f : 2.5f);
            if (hit >= 0) {
                hovered = static_cast<int>(li);
                ImGui::SetTooltip("%s (%s, %zu)\n%.0f%% -> %.1f%%", row.layer.c_str(), row.kind.c_str(), row.count,
                                  xs[static_cast<std::size_t>(hit)] * 100.0, ys[static_cast<std::size_t>(hit)]);
            }
        }
        plot_end(pl);
    }

    // The reading at the highest level measured so far.
    int top = -1;
    for (std::size_t j = r.levels.size(); j-- > 0;) {
        bool all = !r.rows.empty();
        for (const auto& row : r.rows) all = all && !std::isnan(row.accuracy[j]);
        if (all && r.levels[j] > 0) {
            top = static_cast<int>(j);
            break;
        }
    }
    if (top >= 0) {
        std::size_t lo = 0, hi = 0;
        for (std::size_t i = 0; i < r.rows.size(); ++i) {
            if (r.rows[i].accuracy[static_cast<std::size_t>(top)] < r.rows[lo].accuracy[static_cast<std::size_t>(top)]) lo = i;
            if (r.rows[i].accuracy[static_cast<std::size_t>(top)] > r.rows[hi].accuracy[static_cast<std::size_t>(top)]) hi = i;
        }
        const double a_lo = r.rows[lo].accuracy[static_cast<std::size_t>(top)], a_hi = r.rows[hi].accuracy[static_cast<std::size_t>(top)];
        char level[16], drop[32];
        std::snprintf(level, sizeof level, "%g", r.levels[static_cast<std::size_t>(top)] * 100.0);
        std::snprintf(drop, sizeof drop, "%.1f", (r.dense_accuracy - a_lo) * 100.0);
        text_wrapped(i18n::format(tr(st, "prune.sens.reading"),
                                  {level, r.rows[lo].layer, r.rows[lo].kind, std::to_string(r.rows[lo].count), pct1(a_lo),
                                   drop, r.rows[hi].layer, r.rows[hi].kind, std::to_string(r.rows[hi].count), pct1(a_hi)})
                         .c_str());
    }
    text_wrapped(tr(st, "prune.sens.lesson"));

    // The table: accuracy (%) per layer and level; cells shaded by the drop from dense.
    const int cols = 3 + static_cast<int>(r.levels.size());
    int table_hover = -1;
    if (ImGui::BeginTable("##sens_table", cols,
                          ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingFixedFit,
                          ImVec2(0, ImGui::GetFontSize() * 18))) {
        ImGui::TableSetupScrollFreeze(0, 1);
        ImGui::TableSetupColumn(tr(st, "prune.sens.col_layer"));
        ImGui::TableSetupColumn(tr(st, "prune.sens.col_kind"));
        ImGui::TableSetupColumn(tr(st, "prune.sens.col_weights"));
        std::vector<std::string> heads;
        for (double l : r.levels) {
            char b[16];
            std::snprintf(b, sizeof b, "%g%%", l * 100.0);
            heads.emplace_back(b);
        }
        for (const auto& h : heads) ImGui::TableSetupColumn(h.c_str());
        ImGui::TableHeadersRow();
        for (std::size_t li = 0; li < r.rows.size(); ++li) {
            const auto& row = r.rows[li];
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(kind_colour(row.kind)), "%s", row.layer.c_str());
            if (ImGui::IsItemHovered()) table_hover = static_cast<int>(li);
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(row.kind.c_str());
            ImGui::TableNextColumn();
            ImGui::Text("%zu", row.count);
            for (double a : row.accuracy) {
                ImGui::TableNextColumn();
                if (!std::isnan(a)) {
                    const double d = std::clamp((r.dense_accuracy - a) / 0.3, 0.0, 1.0);
                    ImGui::TableSetBgColor(ImGuiTableBgTarget_CellBg, IM_COL32(200, 60, 60, static_cast<int>(200 * d)));
                }
                ImGui::TextUnformatted(pct1(a).c_str());
            }
        }
        ImGui::EndTable();
    }
    p.sens_hover = hovered >= 0 ? hovered : table_hover;
    note(tr(st, "prune.sens.cli"));
}

void draw_lottery(app_state& st) {
    prune_panel& p = state(st);
    text_wrapped(tr(st, "prune.lot.intro"));
    quiz_link(st, "3.3");
    const bool busy = p.lab.busy();
    const bool running = std::string(p.lab.job_name()) == "lottery";
    static const std::vector<std::string> tiny = [] {
        std::vector<std::string> v;
        for (const auto& a : models::arch_names())
            if (a.rfind("tiny_", 0) == 0) v.push_back(a);
        return v;
    }();
    auto& c = p.lot;
    ImGui::BeginDisabled(busy);
    model_combo((std::string(tr(st, "prune.model")) + "##lot").c_str(), tiny, c.model);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
    ImGui::SliderInt(tr(st, "prune.lot.rounds"), &c.rounds, 1, 6);
    ImGui::SameLine();
    float rate = static_cast<float>(c.rate);
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
    if (ImGui::SliderFloat(tr(st, "prune.lot.rate"), &rate, 0.2f, 0.8f, "%.2f")) c.rate = std::round(rate * 100.0) / 100.0;
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
    ImGui::SliderInt(tr(st, "prune.lot.steps"), &c.steps, 20, 600);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 6);
    ImGui::SliderInt(tr(st, "prune.lot.batch"), &c.batch, 8, 128);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 6);
    ImGui::InputDouble(tr(st, "prune.lot.lr"), &c.lr, 0, 0, "%.3f");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 6);
    ImGui::InputInt(tr(st, "prune.lot.seed"), &c.seed, 0);
    ImGui::SameLine();
    ImGui::Checkbox(tr(st, "prune.lot.global"), &c.global);
    if (ImGui::Button(tr(st, "prune.lot.run"))) {
        p.lot_error = p.lab.start_lottery(c);
        p.frames_while_busy = 0;
    }
    ImGui::EndDisabled();
    if (running) {
        ImGui::SameLine();
        if (ImGui::Button(tr(st, "prune.cancel"))) p.lab.cancel();
    }
    error_line(p.lot_error);
    note(tr(st, "prune.lot.time_note"));
    const auto& res = p.lab.lottery();
    if (!res) return;
    const auto& r = *res;
    const auto& cfg = p.lab.lottery_config();
    if (running) {
        const std::string arm = p.lab.lottery_round() == 0 ? tr(st, "prune.lot.arm_dense")
                                : p.lab.lottery_arm() == 0 ? tr(st, "prune.lot.arm_ticket")
                                                           : tr(st, "prune.lot.arm_reinit");
        const std::string what = i18n::format(tr(st, p.lab.lottery_evaluating() ? "prune.lot.evaluating" : "prune.lot.training"),
                                              {std::to_string(p.lab.lottery_round()), std::to_string(cfg.rounds), arm,
                                               std::to_string(std::lround(r.seconds))});
        ImGui::ProgressBar(static_cast<float>(p.lab.progress()), ImVec2(-1, 0), what.c_str());
        const auto& loss = p.lab.lottery_loss();
        if (!loss.empty()) {
            std::vector<double> xs(loss.size()), ys(loss.size());
            double hi = 0.1;
            for (std::size_t i = 0; i < loss.size(); ++i) {
                xs[i] = static_cast<double>(i + 1);
                ys[i] = loss[i];
                hi = std::max(hi, ys[i]);
            }
            plot lp;
            if (plot_begin(lp, "##lot_loss", ImVec2(ImGui::GetContentRegionAvail().x, ImGui::GetFontSize() * 7),
                           {0.0, static_cast<double>(std::max(cfg.steps, 2)), false, tr(st, "prune.lot.step")},
                           {0.0, hi * 1.05, false, tr(st, "prune.lot.loss")})) {
                plot_line(lp, xs.data(), ys.data(), static_cast<int>(xs.size()),
                          p.lab.lottery_arm() == 0 ? IM_COL32(240, 170, 60, 255) : IM_COL32(120, 180, 240, 255), arm.c_str());
                plot_end(lp);
            }
        }
    }
    ImGui::TextDisabled("%s", i18n::format(tr(st, "prune.lot.status"),
                                           {cfg.model, std::to_string(cfg.seed), std::to_string(cfg.seed + 1000),
                                            std::to_string(cfg.steps), std::to_string(cfg.batch), std::to_string(r.n)})
                                  .c_str());
    // Accuracy vs sparsity: the rewound ticket and the random re-initialization.
    std::vector<double> xt, yt, xr, yr;
    for (const auto& x : r.rounds) {
        if (x.accuracy_rewind >= 0) {
            xt.push_back(x.sparsity * 100.0);
            yt.push_back(x.accuracy_rewind * 100.0);
        }
        if (x.round > 0 && x.accuracy_reinit >= 0) {
            xr.push_back(x.sparsity * 100.0);
            yr.push_back(x.accuracy_reinit * 100.0);
        }
    }
    if (!xt.empty()) {
        double ymin = 100.0;
        for (double v : yt) ymin = std::min(ymin, v);
        for (double v : yr) ymin = std::min(ymin, v);
        ymin = std::max(0.0, std::floor(ymin / 10.0) * 10.0 - 5.0);
        const double xmax = 100.0 * (1.0 - std::pow(1.0 - cfg.rate, cfg.rounds));
        plot pl;
        if (plot_begin(pl, "##lot_plot", ImVec2(ImGui::GetContentRegionAvail().x, ImGui::GetFontSize() * 14),
                       {-2.0, xmax + 2.0, false, tr(st, "prune.lot.x")}, {ymin, 100.0, false, tr(st, "prune.lot.y")})) {
            if (r.rounds[0].accuracy_rewind >= 0) {  // the dense network's accuracy, across
                const double dx[2] = {-2.0, xmax + 2.0}, dy[2] = {yt[0], yt[0]};
                plot_line(pl, dx, dy, 2, IM_COL32(200, 200, 200, 110), tr(st, "prune.lot.dense_line"), 1.0f);
            }
            plot_line(pl, xt.data(), yt.data(), static_cast<int>(xt.size()), IM_COL32(240, 170, 60, 255),
                      tr(st, "prune.lot.ticket"));
            plot_points(pl, xt.data(), yt.data(), static_cast<int>(xt.size()), IM_COL32(240, 170, 60, 255), nullptr, 4.0f);
            if (!xr.empty()) {
                plot_line(pl, xr.data(), yr.data(), static_cast<int>(xr.size()), IM_COL32(120, 180, 240, 255),
                          tr(st, "prune.lot.reinit"));
                plot_points(pl, xr.data(), yr.data(), static_cast<int>(xr.size()), IM_COL32(120, 180, 240, 255), nullptr, 4.0f);
            }
            plot_end(pl);
        }
    }
    if (ImGui::BeginTable("##lot_table", 7, ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit)) {
        for (const char* k : {"prune.lot.col_round", "prune.lot.col_sparsity", "prune.lot.col_ticket", "prune.lot.col_reinit",
                              "prune.lot.col_gap", "prune.lot.col_loss_ticket", "prune.lot.col_loss_reinit"})
            ImGui::TableSetupColumn(tr(st, k));
        ImGui::TableHeadersRow();
        for (const auto& x : r.rounds) {
            const bool ticket_done = x.accuracy_rewind >= 0, reinit_done = x.round > 0 && x.accuracy_reinit >= 0;
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            if (x.round == 0) ImGui::TextUnformatted(tr(st, "prune.lot.dense"));
            else ImGui::Text("%d", x.round);
            ImGui::TableNextColumn();
            ImGui::Text("%.1f%%", x.sparsity * 100.0);
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(ticket_done ? (pct1(x.accuracy_rewind) + "%").c_str() : "…");
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(x.round == 0 ? "—" : reinit_done ? (pct1(x.accuracy_reinit) + "%").c_str() : "…");
            ImGui::TableNextColumn();
            if (ticket_done && reinit_done) ImGui::Text("%+.1f", (x.accuracy_rewind - x.accuracy_reinit) * 100.0);
            else ImGui::TextUnformatted(x.round == 0 ? "—" : "…");
            ImGui::TableNextColumn();
            if (ticket_done) ImGui::Text("%.3f", x.final_loss_rewind);
            ImGui::TableNextColumn();
            if (reinit_done) ImGui::Text("%.3f", x.final_loss_reinit);
        }
        ImGui::EndTable();
    }
    text_wrapped(tr(st, "prune.lot.reading"));
    note(tr(st, "prune.lot.cli"));
}

void draw_measured(app_state& st) {
    text_wrapped(tr(st, "prune.measured.intro"));
    bullet_lines(tr(st, "prune.measured.variants"));
    if (ImGui::Button(tr(st, "prune.measured.run"))) results_measure_pruning(st);
    text_wrapped(tr(st, "prune.measured.cli"));
}

constexpr panel_tab prune_tabs[] = {
    {"sparse24", "prune.s24.tab", draw_sparse24},
    {"sensitivity", "prune.sens.tab", draw_sensitivity},
    {"lottery", "prune.lot.tab", draw_lottery},
    {"measured", "prune.measured.tab", draw_measured},
};

}  // namespace

void panel_pruning(app_state& st, const panel_def& self) {
    prune_panel& p = state(st);
    const std::string k = std::string("panel.") + self.key;
    heading(st, tr(st, k + ".title"));
    text_wrapped(tr(st, k + ".summary"));
    draw_tabs(st, "##prune_tabs", prune_tabs, p.tab, p.tab_request);
    ImGui::Spacing();
    heading(st, tr(st, "panel.common.plan_heading"));
    bullet_lines(tr(st, k + ".plan"));
    heading(st, tr(st, "panel.common.sheet_heading"));
    bullet_lines(tr(st, k + ".sheet"));
}

nlohmann::json pruning_state(const app_state& st) {
    if (!st.prune) return {{"tab", "sparse24"}, {"model", nullptr}, {"job", "idle"}};
    const prune_panel& p = *st.prune;
    nlohmann::json j = {{"tab", p.tab}, {"model", p.model}, {"error", p.error}, {"dtype", dtype_names[std::clamp(p.dtype, 0, 2)]},
                        {"row", p.row0}, {"col", p.col0}};
    if (p.view) {
        const auto& v = *p.view;
        j["layer"] = v.layer;
        j["rows"] = v.rows;
        j["cols"] = v.cols;
        j["kept_l1_24"] = v.kept_l1_24;
        j["kept_l1_unstructured"] = v.kept_l1_unstructured;
        // The window's first row as shown: weights, mask, values and indices.
        const std::size_t r0 = static_cast<std::size_t>(p.row0) * static_cast<std::size_t>(v.cols) + static_cast<std::size_t>(p.col0);
        const std::size_t c0 = r0 / 2;
        const int n = std::min(win_cols, v.cols);
        nlohmann::json w = nlohmann::json::array(), keep = nlohmann::json::array(), vals = nlohmann::json::array(),
                       idx = nlohmann::json::array();
        for (int c = 0; c < n; ++c) {
            w.push_back(v.weights[r0 + static_cast<std::size_t>(c)]);
            keep.push_back(v.keep[r0 + static_cast<std::size_t>(c)]);
        }
        for (int c = 0; c < n / 2; ++c) {
            vals.push_back(v.values[c0 + static_cast<std::size_t>(c)]);
            idx.push_back(v.indices[c0 + static_cast<std::size_t>(c)]);
        }
        j["window"] = {{"weights", w}, {"keep", keep}, {"values", vals}, {"indices", idx}};
    }
    nlohmann::json lab = p.lab.state_json();
    for (auto& [k, v] : lab.items()) j[k] = v;
    j["sensitivity_error"] = p.sens_error;
    j["lottery_error"] = p.lot_error;
    j["frames_while_busy"] = p.frames_while_busy;
    return j;
}

void pruning_tick(app_state& st) {
    if (!st.prune || !st.prune->lab.busy()) return;
    ++st.prune->frames_while_busy;
    st.prune->lab.tick(12.0);
}


namespace {

nlohmann::json bad_request(const std::string& m) { return nlohmann::json{{"error", m}}; }

// Checks the keys and types of a job request; "" or the message.
std::string check_job_fields(const nlohmann::json& req, const char* what,
                             std::initializer_list<std::pair<const char*, const char*>> fields) {
    if (!req.is_object()) return std::string("\"prune.") + what + "\" must be an object";
    for (auto it = req.begin(); it != req.end(); ++it) {
        const char* type = nullptr;
        for (const auto& [k, t] : fields)
            if (it.key() == k) type = t;
        if (!type) {
            std::string known;
            for (const auto& f : fields) known += (known.empty() ? "" : ", ") + std::string(f.first);
            return std::string("unknown prune.") + what + " field \"" + it.key() + "\" (known: " + known + ")";
        }
        const std::string t = type, name = std::string("\"prune.") + what + "." + it.key() + "\"";
        int whole = 0;
        if (t == "int" && !json_int(*it, &whole)) return name + " must be a whole number";
        if (t == "number" && !it->is_number()) return name + " must be a number";
        if (t == "bool" && !it->is_boolean()) return name + " must be true or false";
        if (t == "string" && !it->is_string()) return name + " must be a string";
        if (t == "levels") {
            if (!it->is_array()) return name + " must be an array of numbers";
            for (const auto& v : *it)
                if (!v.is_number()) return name + " must be an array of numbers";
        }
    }
    if (auto it = req.find("action"); it != req.end() && *it != "run" && *it != "cancel")
        return std::string("\"prune.") + what + ".action\" must be run or cancel";
    return "";
}

nlohmann::json apply_sensitivity(app_state& st, const nlohmann::json& req) {
    if (auto e = check_job_fields(req, "sensitivity",
                                  {{"model", "string"}, {"levels", "levels"}, {"eval_limit", "int"},
                                   {"skip_depthwise", "bool"}, {"action", "string"}});
        !e.empty())
        return bad_request(e);
    prune_panel& p = state(st);
    if (req.value("action", std::string("run")) == "cancel") {
        if (std::string(p.lab.job_name()) == "sensitivity") p.lab.cancel();
        return {{"ok", true}};
    }
    lab::sensitivity_settings s = p.sens;
    s.levels = level_presets()[static_cast<std::size_t>(std::clamp(p.sens_levels, 0, 3))].levels;
    if (req.contains("model")) s.model = req["model"].get<std::string>();
    if (req.contains("levels")) s.levels = req["levels"].get<std::vector<double>>();
    if (req.contains("eval_limit")) s.eval_limit = req["eval_limit"].get<int>();
    if (req.contains("skip_depthwise")) s.skip_depthwise = req["skip_depthwise"].get<bool>();
    if (std::find(p.shipped.begin(), p.shipped.end(), s.model) == p.shipped.end())
        return bad_request("\"prune.sensitivity.model\": no shipped model named \"" + s.model + "\"");
    if (auto e = p.lab.start_sensitivity(s); !e.empty()) return bad_request("prune.sensitivity: " + e);
    p.sens = s;
    p.sens_error.clear();
    p.frames_while_busy = 0;
    return {{"ok", true}};
}

nlohmann::json apply_lottery(app_state& st, const nlohmann::json& req) {
    if (auto e = check_job_fields(req, "lottery",
                                  {{"model", "string"}, {"rounds", "int"}, {"rate", "number"}, {"steps", "int"},
                                   {"batch", "int"}, {"lr", "number"}, {"seed", "int"}, {"global", "bool"},
                                   {"eval_limit", "int"}, {"train_limit", "int"}, {"action", "string"}});
        !e.empty())
        return bad_request(e);
    prune_panel& p = state(st);
    if (req.value("action", std::string("run")) == "cancel") {
        if (std::string(p.lab.job_name()) == "lottery") p.lab.cancel();
        return {{"ok", true}};
    }
    lab::lottery_settings s = p.lot;
    if (req.contains("model")) s.model = req["model"].get<std::string>();
    if (req.contains("rounds")) s.rounds = req["rounds"].get<int>();
    if (req.contains("rate")) s.rate = req["rate"].get<double>();
    if (req.contains("steps")) s.steps = req["steps"].get<int>();
    if (req.contains("batch")) s.batch = req["batch"].get<int>();
    if (req.contains("lr")) s.lr = req["lr"].get<double>();
    if (req.contains("seed")) s.seed = req["seed"].get<int>();
    if (req.contains("global")) s.global = req["global"].get<bool>();
    if (req.contains("eval_limit")) s.eval_limit = req["eval_limit"].get<int>();
    if (req.contains("train_limit")) s.train_limit = req["train_limit"].get<int>();
    if (auto e = p.lab.start_lottery(s); !e.empty()) return bad_request("prune.lottery: " + e);
    p.lot = s;
    p.lot_error.clear();
    p.frames_while_busy = 0;
    return {{"ok", true}};
}

}  // namespace

nlohmann::json pruning_apply(app_state& st, const nlohmann::json& req) {
    auto bad = bad_request;
    if (!req.is_object()) return bad("\"prune\" must be an object");
    for (auto it = req.begin(); it != req.end(); ++it) {
        const std::string key = it.key();
        if (key != "tab" && key != "model" && key != "layer" && key != "row" && key != "group" && key != "dtype" &&
            key != "sensitivity" && key != "lottery")
            return bad("unknown prune field \"" + key +
                       "\" (known: tab, model, layer, row, group, dtype, sensitivity, lottery)");
    }
    if (req.contains("sensitivity") || req.contains("lottery")) {
        // A job request stands alone: it starts or cancels a job (and may open a tab).
        for (auto it = req.begin(); it != req.end(); ++it)
            if (it.key() != "sensitivity" && it.key() != "lottery" && it.key() != "tab")
                return bad("\"prune.sensitivity\" and \"prune.lottery\" go with \"tab\" only");
        if (req.contains("sensitivity") && req.contains("lottery")) return bad("one job at a time: sensitivity or lottery");
        std::optional<std::string> tab;
        if (auto it = req.find("tab"); it != req.end()) {
            for (const auto& t : prune_tabs)
                if (it->is_string() && *it == t.id) tab = t.id;
            if (!tab) return bad("\"prune.tab\" must be sparse24, sensitivity, lottery or measured");
        }
        auto r = req.contains("sensitivity") ? apply_sensitivity(st, req["sensitivity"]) : apply_lottery(st, req["lottery"]);
        if (r.contains("error")) return r;
        prune_panel& p = state(st);
        p.tab_request = tab ? *tab : std::string(req.contains("sensitivity") ? "sensitivity" : "lottery");
        return r;
    }
    // Check everything first; a refused request changes nothing.
    std::optional<std::string> tab;
    if (auto it = req.find("tab"); it != req.end()) {
        for (const auto& t : prune_tabs)
            if (it->is_string() && *it == t.id) tab = t.id;
        if (!tab) return bad("\"prune.tab\" must be sparse24, sensitivity, lottery or measured");
    }
    int dtype = -1;
    if (auto it = req.find("dtype"); it != req.end()) {
        for (int d = 0; d < 3; ++d)
            if (it->is_string() && *it == dtype_names[d]) dtype = d;
        if (dtype < 0) return bad("\"prune.dtype\" must be fp32, fp16 or int8");
    }
    for (const char* k : {"row", "group"})
        if (auto it = req.find(k); it != req.end() && (!it->is_number_integer() || *it < 0))
            return bad(std::string("\"prune.") + k + "\" must be a whole number, 0 or more");
    if (auto it = req.find("model"); it != req.end() && !it->is_string()) return bad("\"prune.model\" must be a string");
    if (auto it = req.find("layer"); it != req.end() && !it->is_string()) return bad("\"prune.layer\" must be a layer name");

    prune_panel& p = state(st);
    if (!p.m && !req.contains("model")) return bad("no shipped model is loaded");
    prune_panel candidate_check;  // models are loaded into a scratch panel first
    if (req.contains("model")) {
        const std::string name = req["model"].get<std::string>();
        if (std::find(p.shipped.begin(), p.shipped.end(), name) == p.shipped.end())
            return bad("\"prune.model\": no shipped model named \"" + name + "\"");
        if (auto e = load_model(candidate_check, name); !e.empty()) return bad(e);
    }
    const engine::model& m = req.contains("model") ? *candidate_check.m : *p.m;
    const std::vector<int>& layers = req.contains("model") ? candidate_check.layers : p.layers;
    int layer = req.contains("model") ? candidate_check.layer : p.layer;
    if (req.contains("layer")) {
        const std::string name = req["layer"].get<std::string>();
        int found = -1;
        for (std::size_t i = 0; i < layers.size(); ++i)
            if (m.nodes[static_cast<std::size_t>(layers[i])].name == name) found = static_cast<int>(i);
        if (found < 0) return bad("\"prune.layer\": no conv or fc layer \"" + name + "\" whose reduction is a multiple of 4");
        layer = found;
    }
    if (req.contains("model")) {
        p.m = std::move(candidate_check.m);
        p.model = candidate_check.model;
        p.layers = std::move(candidate_check.layers);
    }
    if (req.contains("row")) p.row0 = req["row"].get<int>();
    if (req.contains("group")) p.col0 = req["group"].get<int>() * 4;
    p.error = select_layer(p, layer);
    if (dtype >= 0) p.dtype = dtype;
    if (tab) p.tab_request = *tab;
    return {{"ok", true}};
}

}  // namespace es::ui
