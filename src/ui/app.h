// app: the ImGui front end's state and frame. Panels are functions of app_state; the
// platform layer (main_native.cpp / main_web.cpp) owns the window and calls, per frame:
//
//   es::ui::app_before_frame(st);   // rebuild fonts/style when scale or theme changed
//   ImGui::NewFrame(); es::ui::app_frame(st); ImGui::Render();
//
// Everything that outlives a frame lives here, not in function statics.
#pragma once

#include "i18n/i18n.h"
#include "store/settings.h"

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace es::ui {

struct heatmap;
struct models_panel;  // the Model lab's UI state (panels/panel_models.cpp)
struct roofline_panel;  // the Roofline panel's state (panels/panel_roofline.cpp)

enum class panel_id : int {
    panel_calculators,
    panel_architectures,
    panel_models,
    panel_quantization,
    panel_pruning,
    panel_roofline,
    panel_results,
    panel_training,
    panel_quiz,
    panel_settings,
};
inline constexpr int panel_count = 10;

// "calculators", "architectures", ... (the ids used by tests and the page's ui hooks).
const char* panel_name(panel_id p);
std::optional<panel_id> parse_panel(std::string_view name);

struct rect {
    float x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};

struct platform_hooks {
    std::string data_dir;            // folder of settings.json (IDBFS mount in the page)
    std::string locale;              // browser/OS locale, picks the default language
    std::function<void()> persist;   // after a store write (the page syncs IndexedDB)
    // The page only (null natively): offer a file for download, and open the browser's file
    // picker (the chosen file's text comes back as ui.set {"quiz": {"import": text}}).
    std::function<void(const std::string& name, const std::string& text)> download;
    std::function<void()> open_file;
};

struct app_state {
    platform_hooks hooks;
    store::settings settings;
    i18n::lang lang = i18n::lang::en;     // effective language
    panel_id panel = panel_id::panel_calculators;
    std::optional<panel_id> requested_panel;  // programmatic switch, applied by the tab bar

    float device_scale = 1.0f;       // devicePixelRatio / monitor content scale (platform)
    float built_scale = 0.0f;        // scale the fonts and style were built for
    store::theme built_theme = store::theme::dark;
    bool style_built = false;

    std::array<rect, panel_count> tab_rects{};  // in framebuffer pixels, for tests and hit checks
    std::uint64_t frame = 0;
    float framebuffer_w = 0, framebuffer_h = 0;

    std::string storage_message;              // a store problem, shown in Settings
    std::vector<std::string> settings_warnings;
    nlohmann::json selftest;                  // the `selftest` answer, computed once

    std::shared_ptr<heatmap> sample_heatmap;  // GLSL heatmap (shaders/), checked on the first frame
    std::optional<std::string> shader_check;  // "" when the shader path works, else the problem

    std::shared_ptr<models_panel> models;     // Model lab: the shipped model, its jobs, heatmaps
    std::shared_ptr<struct network_panel> network;  // Calculators, network section (panel_calc_network.cpp)
    std::shared_ptr<struct kd_panel> kd;  // Calculators, distillation section (panel_calc_kd.cpp)
    std::shared_ptr<struct calculators_panel> calculators;  // Calculators: inputs, last results (panel_calculators.cpp)
    std::shared_ptr<roofline_panel> roofline; // Roofline: device, measured peak and layers
    std::shared_ptr<struct quiz_panel> quiz;  // Quiz: progress store, the drill, its question (panel_quiz.cpp)
    std::shared_ptr<struct arch_panel> arch;  // Architectures: the explorer's inputs and caches (panel_architectures.cpp)
    std::shared_ptr<struct quant_lab_panel> quant_lab;  // Quantization, model tab: PTQ lab (panel_quant_lab.cpp)
    std::shared_ptr<struct quant_panel> quant;  // Quantization: the calculator's and the STE tab's inputs (panel_quantization.cpp)
    std::shared_ptr<struct prune_panel> prune;  // Pruning & Sparsity: 2:4 visualizer, sensitivity, lottery (panel_pruning.cpp)
    std::shared_ptr<struct results_panel> results;  // Results: the live comparison (panel_results.cpp)
    std::shared_ptr<struct training_panel> training;  // Training: distillation lab (panel_training.cpp)
};

// Loads settings from hooks.data_dir, picks the language (stored, else the locale).
void app_init(app_state& st, platform_hooks hooks);
// Fonts and style follow scale and theme; call before ImGui::NewFrame().
void app_before_frame(app_state& st);
// Draws the whole UI for one frame.
void app_frame(app_state& st);

// UI scale in use: the user's setting, or the device scale when automatic.
float effective_scale(const app_state& st);
void set_language(app_state& st, i18n::lang l);
void set_theme(app_state& st, store::theme t);
void set_ui_scale(app_state& st, float scale);  // 0 = automatic
std::string settings_path(const app_state& st);

// The Model lab (panels/panel_models.cpp): advance its job within a frame budget; its state
// for ui_state_json; apply a "lab" request (see ui_apply_json).
void models_lab_tick(app_state& st);
nlohmann::json models_lab_state(const app_state& st);
nlohmann::json models_lab_apply(app_state& st, const nlohmann::json& request);

// The Architectures panel (panels/panel_architectures.cpp): its state for ui_state_json, and
// an "arch" request {"family", "preset", "shuffle_step", "split_step", "fold"}.
nlohmann::json architectures_state(const app_state& st);
nlohmann::json architectures_apply(app_state& st, const nlohmann::json& request);

// The Quiz panel (panels/panel_quiz.cpp): its state for ui_state_json, and a "quiz" request
// {"start": "due"|"mistakes"|"generated"|"mock", "section", "limit", "minutes", "answer": TEXT,
//  "continue", "finish", "quit", "export", "import": TEXT, "advance_days": N}.
nlohmann::json quiz_state(const app_state& st);
nlohmann::json quiz_apply(app_state& st, const nlohmann::json& request);

// The Quantization panel's model tab (panels/panel_quant_lab.cpp): advance its measurement
// within a frame budget; its state; a "qlab" request {"model", "weight_bits", "act_bits",
// "per_channel", "restricted", "calibration": "minmax"|"moving_average"|"percentile",
// "calib_images", "percentile", "layer": NAME, "action": "run"|"cancel"|"trace", "image", "y",
// "x", "channel"} (settings re-quantize at once; a refused one changes nothing).
void quant_lab_tick(app_state& st);
nlohmann::json quant_lab_state(const app_state& st);
nlohmann::json quant_lab_apply(app_state& st, const nlohmann::json& request);
// The Quantization panel (panels/panel_quantization.cpp): its state for ui_state_json (the
// inputs, the open tab, the calculator's result or its refusal as "error"/"field"), and a
// "quant" request {"tab": "calculator"|"ste", "rmin", "rmax", "bits", "signed", "symmetric",
// "restricted", "value"}; the values are the calculator's to judge, as if typed.
nlohmann::json quantization_state(const app_state& st);
nlohmann::json quantization_apply(app_state& st, const nlohmann::json& request);

// The Pruning & Sparsity panel (panels/panel_pruning.cpp): its state (the open tab, the 2:4
// visualizer's model, layer, window and its first row's weights/mask/values/indices) and a
// "prune" request {"tab": "sparse24"|"sensitivity"|"lottery"|"measured", "model", "layer", "row",
// "group", "dtype": "fp32"|"fp16"|"int8"} (a refused one changes nothing), or a job request
// {"sensitivity": {"model", "levels": [..], "eval_limit", "skip_depthwise", "action": "run"|"cancel"}}
// or {"lottery": {"model", "rounds", "rate", "steps", "batch", "lr", "seed", "global", "eval_limit",
// "train_limit", "action"}} (with "tab" at most); pruning_tick advances the job within a frame budget.
void pruning_tick(app_state& st);
nlohmann::json pruning_state(const app_state& st);
nlohmann::json pruning_apply(app_state& st, const nlohmann::json& request);

// The Results panel (panels/panel_results.cpp): advance the comparison within a frame budget;
// its state (lab::compare_job's rows, busy, progress, frames_while_busy, message, markdown);
// a "results" request {"models": [...], "variants": [...], "runs", "runs_b32", "warmup_ms",
// "limit", "action": "run"|"cancel"|"rerun", "cell": i, "export": "csv"|"json"|"markdown"}.
void results_tick(app_state& st);
nlohmann::json results_state(const app_state& st);
nlohmann::json results_apply(app_state& st, const nlohmann::json& request);

// The Training panel (panels/panel_training.cpp): advance its job within a frame budget; its
// state (the distillation job: settings, curve, accuracies, busy, progress, frames_while_busy,
// and the dark-knowledge view: image, temperature, soft targets at T and at 1); a "train"
// request {"tab": "distill", "distill": {"teacher", "student", "width", "steps", "batch", "lr",
// "temperature", "alpha", "seed", "eval_every", "eval_limit", "train_limit", "action":
// "run"|"cancel"}, "view": {"teacher", "image", "temperature"}} (a refused one changes nothing).
void training_tick(app_state& st);
nlohmann::json training_state(const app_state& st);
nlohmann::json training_apply(app_state& st, const nlohmann::json& request);

// Short alias for a translated string in the current language.
inline const char* tr(const app_state& st, std::string_view key) { return i18n::tr(st.lang, key); }

// The page's (and tests') view of the UI: panel, language, theme, scale, tab rectangles.
nlohmann::json ui_state_json(const app_state& st);
// Applies {"panel", "lang", "theme", "ui_scale", "lab"}; returns {"ok": true} or {"error": ...}.
// "lab": {"model": NAME, "action": "eval"|"finetune"|"cancel"|"reset"|"inspect",
//         "image": INDEX, "steps": N, "batch": B, "lr": X} drives the Model lab as its buttons do.
// "arch": {"family": NAME, "preset": ID, "shuffle_step": 0-3, "split_step": 0-4, "fold": BOOL}
//         drives the Architectures panel.
// "quant": {"tab", "rmin", "rmax", "bits", "signed", "symmetric", "restricted", "value"} drives
//         the Quantization panel.
nlohmann::json ui_apply_json(app_state& st, const nlohmann::json& request);

}  // namespace es::ui
