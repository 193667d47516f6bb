// Pruning & Sparsity panel: tabs over pruning (study sheet §3.2, §3.3; exam tips on what
// speeds up). Each tab is one draw function in prune_tabs below.
//
//   - 2:4: a real layer of a shipped model → its NVIDIA 2:4 mask → the values array and the
//     2-bit index array (lab::sparse24_view), the layer's storage at FP32/FP16/INT8 with the
//     index metadata counted (calc::sparse24: the sheet's "50%" next to the exact ratio), and
//     how much weight magnitude 2:4 keeps against unstructured 50% of the same layer.
#include "calc/sparsity.h"
#include "lab/sparse24_view.h"
#include "models/model_file.h"
#include "models/shipped.h"
#include "ui/panels/panels.h"

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

void draw_measured(app_state& st) {
    text_wrapped(tr(st, "prune.measured.intro"));
    bullet_lines(tr(st, "prune.measured.variants"));
    if (ImGui::Button(tr(st, "prune.measured.run"))) results_measure_pruning(st);
    text_wrapped(tr(st, "prune.measured.cli"));
}

constexpr panel_tab prune_tabs[] = {
    {"sparse24", "prune.s24.tab", draw_sparse24},
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
    if (!st.prune) return {{"tab", "sparse24"}, {"model", nullptr}};
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
    return j;
}

nlohmann::json pruning_apply(app_state& st, const nlohmann::json& req) {
    auto bad = [](const std::string& m) { return nlohmann::json{{"error", m}}; };
    if (!req.is_object()) return bad("\"prune\" must be an object");
    for (auto it = req.begin(); it != req.end(); ++it) {
        const std::string key = it.key();
        if (key != "tab" && key != "model" && key != "layer" && key != "row" && key != "group" && key != "dtype")
            return bad("unknown prune field \"" + key + "\" (known: tab, model, layer, row, group, dtype)");
    }
    // Check everything first; a refused request changes nothing.
    std::optional<std::string> tab;
    if (auto it = req.find("tab"); it != req.end()) {
        for (const auto& t : prune_tabs)
            if (it->is_string() && *it == t.id) tab = t.id;
        if (!tab) return bad("\"prune.tab\" must be sparse24 or measured");
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
