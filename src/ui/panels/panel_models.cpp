// Model lab panel: a shipped tiny model evaluated on the embedded test subset (in slices,
// one batch per frame), its confusion matrix with example images, a look inside any test
// image or a drawing (every layer's feature maps through the GLSL heatmap shader, a
// layer's weights), and fine-tuning on the embedded training subset with live curves.
// The logic lives in lab::model_lab; this file only draws and routes input.
#include "lab/model_lab.h"
#include "models/shipped.h"
#include "api/dispatcher.h"
#include "ui/heatmap.h"
#include "ui/panels/panels.h"

#include <imgui.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <string>

namespace es::ui {

struct models_panel {
    lab::model_lab lab;
    bool initialised = false;
    std::string error;                    // last refused action, shown in red
    std::vector<std::string> shipped;
    int selected = 0;
    int image_index = 0;
    bool draw_mode = false;
    std::array<std::uint8_t, 784> canvas{};
    int serial = 0;                       // bumps when the inspected image changes
    int weights_layer = -1;               // layer whose weights are shown
    int cell_true = -1, cell_pred = -1;   // chosen confusion-matrix cell
    int ft_steps = 200, ft_batch = 32;
    float ft_lr = 0.01f;
    std::uint64_t frames_while_busy = 0;
    struct slot {
        std::shared_ptr<heatmap> hm;
        int serial = -1, w = 0, h = 0;
        bool ok = false;
    };
    std::map<std::string, slot> heatmaps;
};

namespace {

models_panel& state(app_state& st) {
    if (!st.models) st.models = std::make_shared<models_panel>();
    models_panel& mp = *st.models;
    if (!mp.initialised) {
        mp.initialised = true;
        mp.shipped = models::shipped_models();
        if (!mp.shipped.empty()) {
            if (auto e = mp.lab.select(mp.shipped[0]); !e.empty()) mp.error = e;
        }
    }
    return mp;
}

std::string class_name(const app_state& st, int c) {
    return c >= 0 && c < 10 ? tr(st, "fmnist.class." + std::to_string(c)) : std::string("?");
}

// Draws a tiled matrix through the heatmap shader at most max_w wide (ImGui units); the
// texture is re-rendered only when `serial` changes. Returns the image's top-left corner
// and scale (pixels per matrix element) for hit tests.
bool show_matrix(models_panel& mp, const std::string& key, const lab::tiled& t, bool diverging, float max_w,
                 float max_scale, int serial, ImVec2* origin = nullptr, float* scale_out = nullptr) {
    if (t.rows <= 0 || t.cols <= 0) return false;
    const float scale = std::clamp(max_w / static_cast<float>(t.cols), 0.25f, max_scale);
    const int w = std::max(1, static_cast<int>(std::lround(t.cols * scale)));
    const int h = std::max(1, static_cast<int>(std::lround(t.rows * scale)));
    auto& s = mp.heatmaps[key];
    if (!s.hm) {
        s.hm = std::shared_ptr<heatmap>(new heatmap{}, [](heatmap* p) {
            heatmap_destroy(*p);
            delete p;
        });
        if (!heatmap_init(*s.hm)) {
            ImGui::TextDisabled("%s", s.hm->error.c_str());
            return false;
        }
    }
    if (s.serial != serial || s.w != w || s.h != h) {
        float lo = t.vmin, hi = t.vmax;
        if (hi <= lo) hi = lo + 1.0f;
        s.ok = heatmap_render(*s.hm, t.data.data(), t.rows, t.cols, lo, hi, diverging, w, h);
        s.serial = serial;
        s.w = w;
        s.h = h;
    }
    if (!s.ok) {
        ImGui::TextDisabled("%s", s.hm->error.c_str());
        return false;
    }
    if (origin) *origin = ImGui::GetCursorScreenPos();
    if (scale_out) *scale_out = scale;
    ImGui::Image(heatmap_texture_id(*s.hm), ImVec2(static_cast<float>(w), static_cast<float>(h)));
    return true;
}

lab::tiled image_tile(const std::uint8_t* img) {
    std::vector<float> x(784);
    for (int i = 0; i < 784; ++i) x[static_cast<std::size_t>(i)] = img[i] / 255.0f;
    auto t = lab::tile_channels(x.data(), 28, 28, 1);
    t.vmin = 0.0f;
    t.vmax = 1.0f;
    return t;
}

void set_error(models_panel& mp, const std::string& e) { mp.error = e; }

void do_inspect_index(models_panel& mp, int index) {
    mp.image_index = index;
    mp.draw_mode = false;
    set_error(mp, mp.lab.inspect_test_image(index));
    ++mp.serial;
}

void draw_job_bar(app_state& st, models_panel& mp) {
    lab::model_lab& lab = mp.lab;
    if (lab.busy()) {
        const std::string job = std::string(lab.job_name()) == "eval" ? tr(st, "lab.job.eval") : tr(st, "lab.job.finetune");
        char overlay[128];
        std::snprintf(overlay, sizeof overlay, "%s %.0f%%", job.c_str(), 100.0 * lab.progress());
        ImGui::ProgressBar(static_cast<float>(lab.progress()), ImVec2(-ImGui::CalcTextSize("XXXXXXXXXXXX").x, 0), overlay);
        ImGui::SameLine();
        if (ImGui::Button(tr(st, "lab.cancel"))) lab.cancel();
    }
    if (!mp.error.empty()) {
        ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(0.95f, 0.35f, 0.30f, 1.0f));
        text_wrapped(mp.error.c_str());
        ImGui::PopStyleColor();
    }
}

void draw_eval(app_state& st, models_panel& mp) {
    lab::model_lab& lab = mp.lab;
    if (ImGui::Button(tr(st, "lab.evaluate"))) set_error(mp, lab.start_eval());
    ImGui::SameLine();
    ImGui::TextDisabled("%s", tr(st, "lab.evaluate_hint"));
    const auto& r = lab.eval_result();
    if (!r) return;
    ImGui::Text("%s", i18n::format(tr(st, "lab.accuracy"), {std::to_string(r->n)}).c_str());
    ImGui::SameLine();
    ImGui::TextColored(ImVec4(0.4f, 0.85f, 0.45f, 1.0f), "%.2f%%", 100.0 * r->accuracy);
    if (lab.fine_tuned() && lab.baseline_accuracy()) {
        ImGui::SameLine();
        ImGui::TextDisabled("(%s %.2f%%)", tr(st, "lab.shipped_accuracy"), 100.0 * *lab.baseline_accuracy());
    }
    ImGui::SameLine();
    ImGui::TextDisabled("%s", i18n::format(tr(st, "lab.eval_time"), {std::to_string(lab.eval_seconds()).substr(0, 4),
                                                                      std::to_string(lab.eval_ticks())}).c_str());

    const float name_w = ImGui::CalcTextSize("0 Ankle boot 0000").x;
    if (ImGui::BeginTable("##perclass", 2, ImGuiTableFlags_None, ImVec2(std::min(ImGui::GetContentRegionAvail().x, name_w * 3.5f), 0))) {
        ImGui::TableSetupColumn("##name", ImGuiTableColumnFlags_WidthFixed, name_w);
        ImGui::TableSetupColumn("##bar", ImGuiTableColumnFlags_WidthStretch);
        for (int c = 0; c < 10; ++c) {
            ImGui::TableNextRow();
            ImGui::TableSetColumnIndex(0);
            ImGui::Text("%d %s", c, class_name(st, c).c_str());
            ImGui::TableSetColumnIndex(1);
            char o[32];
            std::snprintf(o, sizeof o, "%.1f%%", 100.0 * r->per_class[static_cast<std::size_t>(c)]);
            ImGui::ProgressBar(static_cast<float>(r->per_class[static_cast<std::size_t>(c)]), ImVec2(-1, 0), o);
        }
        ImGui::EndTable();
    }

    heading(st, tr(st, "lab.confusion"));
    text_wrapped(tr(st, "lab.confusion_hint"));
    const ImGuiTableFlags tf = ImGuiTableFlags_Borders | ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_NoHostExtendX;
    if (ImGui::BeginTable("##confusion", 11, tf)) {
        ImGui::TableSetupColumn("##true", ImGuiTableColumnFlags_WidthFixed,
                                std::max(name_w, ImGui::CalcTextSize(tr(st, "lab.true_pred")).x));
        for (int p = 0; p < 10; ++p) ImGui::TableSetupColumn("##p", ImGuiTableColumnFlags_WidthFixed, ImGui::CalcTextSize("0000").x);
        ImGui::TableNextRow(ImGuiTableRowFlags_Headers);
        ImGui::TableSetColumnIndex(0);
        ImGui::TextDisabled("%s", tr(st, "lab.true_pred"));
        for (int p = 0; p < 10; ++p) {
            ImGui::TableSetColumnIndex(p + 1);
            ImGui::Text(" %d", p);
            if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", class_name(st, p).c_str());
        }
        for (int t = 0; t < 10; ++t) {
            ImGui::TableNextRow();
            ImGui::TableSetColumnIndex(0);
            ImGui::Text("%d %s", t, class_name(st, t).c_str());
            int row_total = 0;
            for (int p = 0; p < 10; ++p) row_total += r->confusion[static_cast<std::size_t>(t)][static_cast<std::size_t>(p)];
            for (int p = 0; p < 10; ++p) {
                ImGui::TableSetColumnIndex(p + 1);
                const int n = r->confusion[static_cast<std::size_t>(t)][static_cast<std::size_t>(p)];
                const float f = row_total ? static_cast<float>(n) / static_cast<float>(row_total) : 0.0f;
                if (n > 0) {
                    const ImVec4 col = t == p ? ImVec4(0.20f, 0.65f, 0.30f, 0.25f + 0.6f * f)
                                              : ImVec4(0.85f, 0.30f, 0.25f, 0.20f + 0.8f * std::min(1.0f, 5.0f * f));
                    ImGui::TableSetBgColor(ImGuiTableBgTarget_CellBg, ImGui::GetColorU32(col));
                }
                char id[32];
                std::snprintf(id, sizeof id, "%d##c%d_%d", n, t, p);
                if (ImGui::Selectable(id, mp.cell_true == t && mp.cell_pred == p)) {
                    mp.cell_true = t;
                    mp.cell_pred = p;
                }
            }
        }
        ImGui::EndTable();
    }
    if (mp.cell_true < 0 || !lab.has_data()) return;
    // Example images of the chosen cell (up to 24), one tiled texture; click one to look inside.
    const auto& d = lab.test_set();
    std::vector<int> idx;
    for (int i = 0; i < static_cast<int>(r->predictions.size()) && idx.size() < 24; ++i)
        if (d.labels[static_cast<std::size_t>(i)] == mp.cell_true && r->predictions[static_cast<std::size_t>(i)] == mp.cell_pred)
            idx.push_back(i);
    ImGui::Text("%s", i18n::format(tr(st, "lab.examples"), {class_name(st, mp.cell_true), class_name(st, mp.cell_pred),
                                                            std::to_string(idx.size())}).c_str());
    if (idx.empty()) return;
    std::vector<float> x(784 * idx.size());
    for (std::size_t k = 0; k < idx.size(); ++k)
        for (int p = 0; p < 784; ++p)
            x[static_cast<std::size_t>(p) * idx.size() + k] =
                d.images[static_cast<std::size_t>(idx[k]) * 784 + static_cast<std::size_t>(p)] / 255.0f;
    auto t = lab::tile_channels(x.data(), 28, 28, static_cast<int>(idx.size()));
    t.vmin = 0.0f;
    t.vmax = 1.0f;
    // Re-render when the cell or the evaluation changes.
    const int serial = mp.cell_true * 1000 + mp.cell_pred * 10 + static_cast<int>(idx.size()) * 100000 +
                       static_cast<int>(lab.eval_ticks()) * 7;
    ImVec2 o;
    float sc = 1.0f;
    if (show_matrix(mp, "examples", t, false, std::min(ImGui::GetContentRegionAvail().x, 29.0f * 3 * t.grid_cols), 3.0f,
                    serial, &o, &sc) &&
        ImGui::IsItemClicked()) {
        const ImVec2 m = ImGui::GetMousePos();
        const int gx = static_cast<int>((m.x - o.x) / sc) / 29, gy = static_cast<int>((m.y - o.y) / sc) / 29;
        const int k = gy * t.grid_cols + gx;
        if (k >= 0 && k < static_cast<int>(idx.size())) do_inspect_index(mp, idx[static_cast<std::size_t>(k)]);
    }
}

void draw_canvas(app_state& st, models_panel& mp) {
    const float cell = std::max(6.0f, ImGui::GetFontSize() * 0.55f);
    const ImVec2 p0 = ImGui::GetCursorScreenPos();
    ImGui::InvisibleButton("##canvas", ImVec2(28 * cell, 28 * cell));
    const bool painting = ImGui::IsItemActive() && ImGui::IsMouseDown(ImGuiMouseButton_Left);
    const bool erasing = ImGui::IsItemHovered() && ImGui::IsMouseDown(ImGuiMouseButton_Right);
    if (painting || erasing) {
        const ImVec2 m = ImGui::GetMousePos();
        const float cx = (m.x - p0.x) / cell, cy = (m.y - p0.y) / cell;
        for (int y = 0; y < 28; ++y)
            for (int x = 0; x < 28; ++x) {
                const float dx = x + 0.5f - cx, dy = y + 0.5f - cy;
                const float dist = std::sqrt(dx * dx + dy * dy);
                auto& v = mp.canvas[static_cast<std::size_t>(y * 28 + x)];
                if (erasing) {
                    if (dist < 2.0f) v = 0;
                } else if (dist < 1.8f) {
                    const int add = static_cast<int>(255.0f * std::clamp(1.8f - dist, 0.0f, 1.0f));
                    v = static_cast<std::uint8_t>(std::max<int>(v, add));
                }
            }
        mp.draw_mode = true;
        if (auto e = mp.lab.inspect(mp.canvas); e.empty()) ++mp.serial;
        else set_error(mp, e);
    }
    ImDrawList* dl = ImGui::GetWindowDrawList();
    for (int y = 0; y < 28; ++y)
        for (int x = 0; x < 28; ++x) {
            const int v = mp.canvas[static_cast<std::size_t>(y * 28 + x)];
            dl->AddRectFilled(ImVec2(p0.x + x * cell, p0.y + y * cell), ImVec2(p0.x + (x + 1) * cell, p0.y + (y + 1) * cell),
                              IM_COL32(v, v, v, 255));
        }
    dl->AddRect(p0, ImVec2(p0.x + 28 * cell, p0.y + 28 * cell), ImGui::GetColorU32(ImGuiCol_Border));
    if (ImGui::Button(tr(st, "lab.clear"))) {
        mp.canvas.fill(0);
        if (mp.draw_mode && mp.lab.inspect(mp.canvas).empty()) ++mp.serial;
    }
    ImGui::SameLine();
    ImGui::TextDisabled("%s", tr(st, "lab.draw_hint"));
}

void draw_inside(app_state& st, models_panel& mp) {
    lab::model_lab& lab = mp.lab;
    if (!lab.has_data()) {
        if (auto e = lab.load_data(); !e.empty()) {
            set_error(mp, e);
            return;
        }
    }
    text_wrapped(tr(st, "lab.inside_intro"));
    int idx = mp.image_index;
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 14);
    if (ImGui::SliderInt(tr(st, "lab.test_image"), &idx, 0, lab.test_set().count - 1)) do_inspect_index(mp, idx);
    ImGui::SameLine();
    if (ImGui::Button(tr(st, "lab.random"))) do_inspect_index(mp, static_cast<int>((st.frame * 2654435761u) % 2000u));
    ImGui::SameLine();
    if (ImGui::Button(tr(st, "lab.show"))) do_inspect_index(mp, idx);
    if (ImGui::BeginTable("##inside", 2, ImGuiTableFlags_SizingStretchProp)) {
        ImGui::TableNextRow();
        ImGui::TableSetColumnIndex(0);
        ImGui::TextUnformatted(tr(st, "lab.draw"));
        draw_canvas(st, mp);
        ImGui::TableSetColumnIndex(1);
        if (lab.predicted() >= 0) {
            show_matrix(mp, "input", image_tile(lab.inspected_image().data()), false, 28 * 4, 4.0f, mp.serial);
            if (lab.inspected_label() >= 0)
                ImGui::Text("%s", i18n::format(tr(st, "lab.truth"), {class_name(st, lab.inspected_label())}).c_str());
            else
                ImGui::TextUnformatted(tr(st, "lab.your_drawing"));
            for (int c = 0; c < 10; ++c) {
                const float p = lab.probabilities()[static_cast<std::size_t>(c)];
                char o[64];
                std::snprintf(o, sizeof o, "%s %.1f%%", class_name(st, c).c_str(), 100.0f * p);
                const bool top = c == lab.predicted();
                if (top) ImGui::PushStyleColor(ImGuiCol_PlotHistogram, ImVec4(0.35f, 0.75f, 0.40f, 1.0f));
                ImGui::ProgressBar(p, ImVec2(std::min(ImGui::GetContentRegionAvail().x, ImGui::GetFontSize() * 22), 0), o);
                if (top) ImGui::PopStyleColor();
            }
        } else {
            ImGui::TextDisabled("%s", tr(st, "lab.pick_image"));
        }
        ImGui::EndTable();
    }
    if (lab.layers().empty()) return;
    heading(st, tr(st, "lab.layers"));
    text_wrapped(tr(st, "lab.layers_hint"));
    const float avail = ImGui::GetContentRegionAvail().x;
    for (int i = 0; i < static_cast<int>(lab.layers().size()); ++i) {
        const auto& L = lab.layers()[static_cast<std::size_t>(i)];
        ImGui::PushID(i);
        ImGui::Text("%d. %s", i + 1, L.name.c_str());
        ImGui::SameLine();
        ImGui::TextDisabled("%s  %dx%dx%d  [%.2f, %.2f]", L.op.c_str(), L.shape.h, L.shape.w, L.shape.c, L.maps.vmin,
                            L.maps.vmax);
        if (L.has_weights) {
            ImGui::SameLine();
            if (ImGui::SmallButton(mp.weights_layer == i ? tr(st, "lab.hide_weights") : tr(st, "lab.show_weights")))
                mp.weights_layer = mp.weights_layer == i ? -1 : i;
        }
        const bool signed_maps = L.maps.vmin < 0.0f;
        // About 48 pixels per map: early 28x28 maps are not blown up, late 4x4 ones are.
        const float max_scale = L.shape.h == 1 ? 12.0f : std::clamp(48.0f / static_cast<float>(L.shape.h), 1.0f, 8.0f);
        show_matrix(mp, "layer" + std::to_string(i), L.maps, signed_maps, std::min(avail, 900.0f), max_scale, mp.serial);
        if (mp.weights_layer == i) {
            const auto w = lab.layer_weights(i);
            ImGui::TextDisabled("%s", i18n::format(tr(st, "lab.weights_of"), {std::to_string(w.rows),
                                                                              std::to_string(w.cols)}).c_str());
            show_matrix(mp, "weights" + std::to_string(i), w, true, std::min(avail, 900.0f), 8.0f, mp.serial);
        }
        ImGui::PopID();
    }
}

std::vector<float> smooth(const std::vector<float>& v, std::size_t k) {
    std::vector<float> out(v.size());
    double sum = 0.0;
    for (std::size_t i = 0; i < v.size(); ++i) {
        sum += v[i];
        if (i >= k) sum -= v[i - k];
        out[i] = static_cast<float>(sum / static_cast<double>(std::min(i + 1, k)));
    }
    return out;
}

void draw_finetune(app_state& st, models_panel& mp) {
    lab::model_lab& lab = mp.lab;
    text_wrapped(tr(st, "lab.finetune_intro"));
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 10);
    ImGui::SliderInt(tr(st, "lab.steps"), &mp.ft_steps, 20, 1000);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
    ImGui::SliderInt(tr(st, "lab.batch"), &mp.ft_batch, 8, 64);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
    ImGui::InputFloat(tr(st, "lab.lr"), &mp.ft_lr, 0.0f, 0.0f, "%.4f");
    if (ImGui::Button(tr(st, "lab.start_finetune")))
        set_error(mp, lab.start_finetune({.steps = mp.ft_steps, .batch = mp.ft_batch, .lr = mp.ft_lr}));
    ImGui::SameLine();
    if (ImGui::Button(tr(st, "lab.reset"))) {
        set_error(mp, lab.reset_weights());
        ++mp.serial;
    }
    if (lab.fine_tuned()) {
        ImGui::SameLine();
        ImGui::TextDisabled("%s", tr(st, "lab.is_fine_tuned"));
    }
    if (lab.ft_loss().empty()) return;
    const auto loss = smooth(lab.ft_loss(), 10), acc = smooth(lab.ft_accuracy(), 10);
    const float w = std::min(ImGui::GetContentRegionAvail().x, 700.0f), h = ImGui::GetFontSize() * 6;
    char o[96];
    std::snprintf(o, sizeof o, "%s %.3f", tr(st, "lab.loss"), loss.back());
    ImGui::PlotLines("##loss", loss.data(), static_cast<int>(loss.size()), 0, o, 0.0f, FLT_MAX, ImVec2(w, h));
    std::snprintf(o, sizeof o, "%s %.1f%%", tr(st, "lab.train_acc"), 100.0f * acc.back());
    ImGui::PlotLines("##acc", acc.data(), static_cast<int>(acc.size()), 0, o, 0.0f, 1.0f, ImVec2(w, h));
    ImGui::TextDisabled("%s", i18n::format(tr(st, "lab.steps_done"), {std::to_string(lab.ft_steps_done()),
                                                                      std::to_string(lab.ft_steps_total())}).c_str());
}

}  // namespace

void models_lab_tick(app_state& st) {
    if (!st.models || !st.models->lab.busy()) return;
    ++st.models->frames_while_busy;
    // About 12 ms of work per frame (at least one batch or step): the page keeps drawing.
    st.models->lab.tick(12.0);
}

nlohmann::json models_lab_state(const app_state& st) {
    if (!st.models) return {{"model", ""}, {"job", "none"}, {"shipped", models::shipped_models()}};
    nlohmann::json j = st.models->lab.state_json();
    j["shipped"] = st.models->shipped;
    j["frames_while_busy"] = st.models->frames_while_busy;
    j["error"] = st.models->error;
    return j;
}

nlohmann::json models_lab_apply(app_state& st, const nlohmann::json& req) {
    if (!req.is_object()) return api::make_error("\"lab\" must be an object");
    for (auto& [k, v] : req.items())
        if (k != "model" && k != "action" && k != "image" && k != "steps" && k != "batch" && k != "lr")
            return api::make_error("unknown lab field \"" + k + "\" (known: model, action, image, steps, batch, lr)");
    models_panel& mp = state(st);
    const std::string action = req.value("action", std::string());
    if (!action.empty() && action != "eval" && action != "finetune" && action != "cancel" && action != "reset" &&
        action != "inspect")
        return api::make_error("\"action\" must be eval, finetune, cancel, reset or inspect");
    if (req.contains("image") && !req["image"].is_number_integer()) return api::make_error("\"image\" must be an integer");
    if (req.contains("model")) {
        if (!req["model"].is_string()) return api::make_error("\"model\" must be a shipped model's name");
        const std::string name = req["model"];
        auto it = std::find(mp.shipped.begin(), mp.shipped.end(), name);
        if (it == mp.shipped.end()) return api::make_error("no shipped model called \"" + name + "\"");
        if (auto e = mp.lab.select(name); !e.empty()) return api::make_error(e);
        mp.selected = static_cast<int>(it - mp.shipped.begin());
        ++mp.serial;
    }
    std::string e;
    if (action == "eval") e = mp.lab.start_eval();
    else if (action == "cancel") mp.lab.cancel();
    else if (action == "reset") e = mp.lab.reset_weights();
    else if (action == "inspect") {
        e = mp.lab.inspect_test_image(req.value("image", 0));
        if (e.empty()) {
            mp.image_index = req.value("image", 0);
            ++mp.serial;
        }
    } else if (action == "finetune") {
        lab::finetune_options o;
        o.steps = req.value("steps", mp.ft_steps);
        o.batch = req.value("batch", mp.ft_batch);
        o.lr = static_cast<float>(req.value("lr", static_cast<double>(mp.ft_lr)));
        e = mp.lab.start_finetune(o);
    }
    if (!e.empty()) return api::make_error(e);
    return {{"ok", true}};
}

void panel_models(app_state& st, const panel_def& self) {
    models_panel& mp = state(st);
    heading(st, tr(st, "panel.models.title"));
    text_wrapped(tr(st, "panel.models.summary"));
    if (mp.shipped.empty()) {
        ImGui::Spacing();
        text_wrapped(tr(st, "lab.no_models"));
        (void)self;
        return;
    }
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 12);
    if (ImGui::BeginCombo(tr(st, "lab.model"), mp.shipped[static_cast<std::size_t>(mp.selected)].c_str())) {
        for (int i = 0; i < static_cast<int>(mp.shipped.size()); ++i)
            if (ImGui::Selectable(mp.shipped[static_cast<std::size_t>(i)].c_str(), i == mp.selected) && i != mp.selected) {
                mp.selected = i;
                set_error(mp, mp.lab.select(mp.shipped[static_cast<std::size_t>(i)]));
                mp.weights_layer = mp.cell_true = mp.cell_pred = -1;
                ++mp.serial;
            }
        ImGui::EndCombo();
    }
    ImGui::SameLine();
    ImGui::TextDisabled("%s", i18n::format(tr(st, "lab.params"), {std::to_string(engine::param_count(mp.lab.model()))}).c_str());
    draw_job_bar(st, mp);
    if (ImGui::CollapsingHeader(tr(st, "lab.section_eval"), ImGuiTreeNodeFlags_DefaultOpen)) draw_eval(st, mp);
    if (ImGui::CollapsingHeader(tr(st, "lab.section_inside"), ImGuiTreeNodeFlags_DefaultOpen)) draw_inside(st, mp);
    if (ImGui::CollapsingHeader(tr(st, "lab.section_finetune"), ImGuiTreeNodeFlags_DefaultOpen)) draw_finetune(st, mp);
    ImGui::Spacing();
    heading(st, tr(st, "panel.common.sheet_heading"));
    bullet_lines(tr(st, "panel.models.sheet"));
}

}  // namespace es::ui
