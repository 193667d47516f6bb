#include "ui/app.h"

#include "api/dispatcher.h"
#include "store/json_store.h"
#include "ui/fonts.h"
#include "ui/heatmap.h"
#include "ui/panels/panels.h"
#include "ui/theme.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>

namespace es::ui {

namespace {

constexpr const char* panel_names[panel_count] = {"calculators", "architectures", "models", "quantization", "pruning",
                                                  "roofline",    "results",       "training", "quiz",        "settings"};

void save_settings(app_state& st) {
    if (st.hooks.data_dir.empty()) return;
    if (auto err = store::save_json_atomic(settings_path(st), store::settings_to_json(st.settings))) {
        st.storage_message = *err;
        return;
    }
    if (st.hooks.persist) st.hooks.persist();
}

void switch_panel_by(app_state& st, int delta) {
    // Several key presses may arrive within one frame: count from a pending switch.
    const int from = static_cast<int>(st.requested_panel.value_or(st.panel));
    const int next = (from + delta + panel_count) % panel_count;
    st.requested_panel = static_cast<panel_id>(next);
}

void handle_shortcuts(app_state& st) {
    ImGuiIO& io = ImGui::GetIO();
    if (io.WantTextInput) return;
    for (ImWchar c : io.InputQueueCharacters) {
        if (c == ']') switch_panel_by(st, +1);
        if (c == '[') switch_panel_by(st, -1);
    }
}

void draw_menu_bar(app_state& st) {
    if (!ImGui::BeginMenuBar()) return;
    if (ImGui::BeginMenu(tr(st, "menu.view"))) {
        for (const auto& p : panel_table()) {
            std::string label = std::string(tr(st, p.title_key));
            if (ImGui::MenuItem(label.c_str(), nullptr, st.panel == p.id)) st.requested_panel = p.id;
        }
        ImGui::EndMenu();
    }
    if (ImGui::BeginMenu(tr(st, "menu.language"))) {
        for (auto l : i18n::all_languages) {
            std::string key = "lang." + std::string(i18n::code(l));
            if (ImGui::MenuItem(tr(st, key), nullptr, st.lang == l)) set_language(st, l);
        }
        ImGui::EndMenu();
    }
    if (ImGui::BeginMenu(tr(st, "menu.theme"))) {
        if (ImGui::MenuItem(tr(st, "theme.dark"), nullptr, st.settings.ui_theme == store::theme::dark))
            set_theme(st, store::theme::dark);
        if (ImGui::MenuItem(tr(st, "theme.light"), nullptr, st.settings.ui_theme == store::theme::light))
            set_theme(st, store::theme::light);
        ImGui::EndMenu();
    }
    const char* title = tr(st, "app.title");
    float w = ImGui::CalcTextSize(title).x;
    float avail = ImGui::GetWindowContentRegionMax().x;
    if (avail - w > ImGui::GetCursorPosX() + 20.0f) {
        ImGui::SetCursorPosX(avail - w);
        ImGui::TextDisabled("%s", title);
    }
    ImGui::EndMenuBar();
}

void draw_status_bar(app_state& st) {
    const auto& s = st.selftest;
    std::string simd = s.value("simd", false) ? i18n::format(tr(st, "status.simd_on"), {s.value("simd_backend", "")})
                                              : std::string(tr(st, "status.simd_off"));
    ImGui::Separator();
    ImGui::TextDisabled("%s  |  %s  |  %.0f FPS", simd.c_str(), tr(st, "status.keys"), ImGui::GetIO().Framerate);
}

}  // namespace

const char* panel_name(panel_id p) { return panel_names[static_cast<int>(p)]; }

std::optional<panel_id> parse_panel(std::string_view name) {
    for (int i = 0; i < panel_count; ++i)
        if (name == panel_names[i]) return static_cast<panel_id>(i);
    return std::nullopt;
}

std::string settings_path(const app_state& st) { return st.hooks.data_dir + "/settings.json"; }

void app_init(app_state& st, platform_hooks hooks) {
    st.hooks = std::move(hooks);
    if (!st.hooks.data_dir.empty()) {
        auto r = store::load_json(settings_path(st));
        if (r.status == store::load_status::ok) {
            st.settings = store::settings_from_json(r.value, &st.settings_warnings);
        } else if (r.status != store::load_status::missing) {
            st.storage_message = r.message;
        }
    }
    st.lang = st.settings.lang.value_or(i18n::default_for_locale(st.hooks.locale));
    st.selftest = api::run({{"cmd", "selftest"}});
}

float effective_scale(const app_state& st) {
    float s = st.settings.ui_scale > 0.0f ? st.settings.ui_scale : st.device_scale;
    return std::clamp(s, store::ui_scale_min, store::ui_scale_max);
}

void set_language(app_state& st, i18n::lang l) {
    st.lang = l;
    st.settings.lang = l;
    save_settings(st);
}

void set_theme(app_state& st, store::theme t) {
    st.settings.ui_theme = t;
    save_settings(st);
}

void set_ui_scale(app_state& st, float scale) {
    st.settings.ui_scale = scale;
    save_settings(st);
}

void app_before_frame(app_state& st) {
    const float scale = effective_scale(st);
    if (std::fabs(scale - st.built_scale) > 1e-3f) {
        fonts_build(scale);
        st.built_scale = scale;
        st.style_built = false;
    }
    if (!st.style_built || st.built_theme != st.settings.ui_theme) {
        theme_apply(st.settings.ui_theme, scale);
        st.built_theme = st.settings.ui_theme;
        st.style_built = true;
    }
}

void app_frame(app_state& st) {
    if (!st.shader_check) {
        st.sample_heatmap = std::shared_ptr<heatmap>(new heatmap{}, [](heatmap* h) {
            heatmap_destroy(*h);
            delete h;
        });
        st.shader_check = heatmap_self_check(*st.sample_heatmap);
    }
    ImGuiIO& io = ImGui::GetIO();
    st.framebuffer_w = io.DisplaySize.x;
    st.framebuffer_h = io.DisplaySize.y;
    handle_shortcuts(st);
    models_lab_tick(st);  // the Model lab's jobs advance every frame, whichever tab is open
    quant_lab_tick(st);   // so does the Quantization panel's measurement
    results_tick(st);     // and the Results panel's comparison
    pruning_tick(st);     // and the Pruning panel's sensitivity scan or lottery ticket
    training_tick(st);    // and the Training panel's experiment

    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(io.DisplaySize);
    const ImGuiWindowFlags flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                                   ImGuiWindowFlags_NoResize | ImGuiWindowFlags_MenuBar |
                                   ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_NoSavedSettings;
    ImGui::Begin("##edgestudy", nullptr, flags);
    draw_menu_bar(st);

    const float status_h = ImGui::GetFrameHeightWithSpacing() + ImGui::GetStyle().ItemSpacing.y;
    if (ImGui::BeginTabBar("##panels", ImGuiTabBarFlags_FittingPolicyScroll)) {
        bool request_done = false;
        for (const auto& p : panel_table()) {
            std::string label = std::string(tr(st, p.title_key)) + "###tab_" + panel_name(p.id);
            ImGuiTabItemFlags tf = (st.requested_panel && *st.requested_panel == p.id) ? ImGuiTabItemFlags_SetSelected : 0;
            bool open = ImGui::BeginTabItem(label.c_str(), nullptr, tf);
            ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
            st.tab_rects[static_cast<int>(p.id)] = {a.x, a.y, b.x, b.y};
            if (open) {
                if (!st.requested_panel || *st.requested_panel == p.id) {
                    st.panel = p.id;
                    request_done = st.requested_panel.has_value();
                }
                ImGui::BeginChild("##panel_body", ImVec2(0, -status_h), false);
                p.draw(st, p);
                ImGui::EndChild();
                ImGui::EndTabItem();
            }
        }
        if (request_done) st.requested_panel.reset();
        ImGui::EndTabBar();
    }
    draw_status_bar(st);
    ImGui::End();
    ++st.frame;
}

nlohmann::json ui_state_json(const app_state& st) {
    nlohmann::json tabs = nlohmann::json::array();
    for (int i = 0; i < panel_count; ++i) {
        const rect& r = st.tab_rects[i];
        tabs.push_back({{"panel", panel_names[i]}, {"x", r.x0}, {"y", r.y0}, {"w", r.x1 - r.x0}, {"h", r.y1 - r.y0}});
    }
    return {{"panel", panel_name(st.panel)},
            {"lang", std::string(i18n::code(st.lang))},
            {"theme", store::theme_name(st.settings.ui_theme)},
            {"ui_scale", st.settings.ui_scale},
            {"scale", effective_scale(st)},
            {"frame", st.frame},
            {"framebuffer", {st.framebuffer_w, st.framebuffer_h}},
            {"storage_message", st.storage_message},
            {"shader_ok", st.shader_check.has_value() && st.shader_check->empty()},
            {"tabs", tabs},
            {"lab", models_lab_state(st)},
            {"arch", architectures_state(st)},
            {"quiz", quiz_state(st)},
            {"qlab", quant_lab_state(st)},
            {"quant", quantization_state(st)},
            {"prune", pruning_state(st)},
            {"results", results_state(st)},
            {"train", training_state(st)}};
}

nlohmann::json ui_apply_json(app_state& st, const nlohmann::json& req) {
    if (!req.is_object()) return api::make_error("ui request must be a JSON object");
    for (auto& [k, v] : req.items()) {
        if (k != "panel" && k != "lang" && k != "theme" && k != "ui_scale" && k != "lab" && k != "arch" && k != "quiz" &&
            k != "qlab" && k != "quant" && k != "prune" && k != "results" && k != "train")
            return api::make_error("unknown ui field \"" + k +
                                   "\" (known: panel, lang, theme, ui_scale, lab, arch, quiz, qlab, quant, prune, results, train)");
    }
    // Validate everything before changing anything.
    std::optional<panel_id> panel;
    std::optional<i18n::lang> lang;
    std::optional<store::theme> theme;
    std::optional<float> scale;
    if (auto it = req.find("panel"); it != req.end()) {
        if (!it->is_string() || !(panel = parse_panel(it->get<std::string>())))
            return api::make_error("\"panel\" must be one of calculators, architectures, models, quantization, "
                                   "pruning, roofline, results, training, quiz, settings");
    }
    if (auto it = req.find("lang"); it != req.end()) {
        if (!it->is_string() || !(lang = i18n::parse_code(it->get<std::string>())))
            return api::make_error("\"lang\" must be \"zh-TW\" or \"en\"");
    }
    if (auto it = req.find("theme"); it != req.end()) {
        if (it->is_string() && *it == "dark") theme = store::theme::dark;
        else if (it->is_string() && *it == "light") theme = store::theme::light;
        else return api::make_error("\"theme\" must be \"dark\" or \"light\"");
    }
    if (auto it = req.find("ui_scale"); it != req.end()) {
        double v = it->is_number() ? it->get<double>() : -1.0;
        if (!(v == 0.0 || (v >= store::ui_scale_min && v <= store::ui_scale_max)))
            return api::make_error("\"ui_scale\" must be 0 (automatic) or between 0.75 and 3");
        scale = static_cast<float>(v);
    }
    if (auto it = req.find("lab"); it != req.end()) {
        // Checked and applied by the Model lab; nothing else changes when it refuses.
        nlohmann::json r = models_lab_apply(st, *it);
        if (api::is_error(r)) return r;
    }
    if (auto it = req.find("arch"); it != req.end()) {
        nlohmann::json r = architectures_apply(st, *it);
        if (api::is_error(r)) return r;
    }
    if (auto it = req.find("results"); it != req.end()) {
        nlohmann::json r = results_apply(st, *it);
        if (api::is_error(r)) return r;
    }
    if (auto it = req.find("prune"); it != req.end()) {
        nlohmann::json r = pruning_apply(st, *it);
        if (api::is_error(r)) return r;
    }
    if (auto it = req.find("train"); it != req.end()) {
        nlohmann::json r = training_apply(st, *it);
        if (api::is_error(r)) return r;
    }
    if (auto it = req.find("quant"); it != req.end()) {
        nlohmann::json r = quantization_apply(st, *it);
        if (api::is_error(r)) return r;
    }
    if (auto it = req.find("qlab"); it != req.end()) {
        nlohmann::json r = quant_lab_apply(st, *it);
        if (api::is_error(r)) return r;
        // A model-tab request shows the model tab unless the same request chose another.
        if (!req.contains("quant") || !req["quant"].contains("tab"))
            quantization_apply(st, nlohmann::json{{"tab", "model"}});
    }
    nlohmann::json answer = {{"ok", true}};
    if (auto it = req.find("quiz"); it != req.end()) {
        nlohmann::json r = quiz_apply(st, *it);
        if (api::is_error(r)) return r;
        if (r.contains("export")) answer["export"] = r["export"];
    }
    if (panel) st.requested_panel = *panel;
    if (lang) set_language(st, *lang);
    if (theme) set_theme(st, *theme);
    if (scale) set_ui_scale(st, *scale);
    return answer;
}

}  // namespace es::ui
