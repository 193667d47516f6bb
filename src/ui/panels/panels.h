// panels: the one table of panels the tab bar and the View menu show, in order.
// A panel is a function of app_state: it reads state, calls the dispatcher or the engine,
// and draws. Panels that later issues fill start as an introduction of what they hold.
#pragma once

#include "calc/step.h"
#include "ui/app.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <span>
#include <string>

namespace es::ui {

struct panel_def {
    panel_id id;
    const char* key;        // string-table prefix: "panel.<key>.title", ".summary", ".plan", ".sheet"
    const char* title_key;  // "panel.<key>.title"
    void (*draw)(app_state& st, const panel_def& self);
};

std::span<const panel_def> panel_table();

// Title, summary, planned contents and the study-sheet sections of a panel.
void panel_intro(app_state& st, const panel_def& self);
void panel_settings(app_state& st, const panel_def& self);
void panel_calculators(app_state& st, const panel_def& self);
void panel_models(app_state& st, const panel_def& self);
void panel_roofline(app_state& st, const panel_def& self);
void panel_architectures(app_state& st, const panel_def& self);
void panel_quiz(app_state& st, const panel_def& self);
// The Pruning & Sparsity panel (panel_pruning.cpp): a tab bar; the 2:4 visualizer first.
void panel_pruning(app_state& st, const panel_def& self);
// The Results panel (panel_results.cpp): every model x variant measured live, charts, claims.
void panel_results(app_state& st, const panel_def& self);
// The Training panel (panel_training.cpp): distillation run in the page (§4).
void panel_training(app_state& st, const panel_def& self);
// Selects FP32 and the pruned variants in the Results panel, starts measuring and opens it.
void results_measure_pruning(app_state& st);
// The Quantization panel (panel_quantization.cpp): a tab bar over the functions below; a
// new tab is one line in its quant_tabs table.
void panel_quantization(app_state& st, const panel_def& self);
// Its Calculator tab: linear quantization's conventions, the number line, the worked steps.
void draw_quant_calculator(app_state& st);
// Its STE tab: fake quantization's staircase and the straight-through estimator's gradient.
void draw_ste_plot(app_state& st);
// The distillation (temperature softmax) section of the Calculators panel (panel_calc_kd.cpp).
void draw_kd_calculator(app_state& st);
// The network section (per-layer table, totals, memory by precision; panel_calc_network.cpp).
void draw_network_calculator(app_state& st);

// The Quantization panel's model tab: PTQ of a shipped model measured in place (panel_quant_lab.cpp).
void draw_quant_lab(app_state& st);

// A panel's tab bar: one tab per entry; `current` follows the open tab, and `request` (set by a
// ui hook) opens its tab once and is cleared. The draw function runs inside the open tab.
struct panel_tab {
    const char* id;         // the ui hook's "tab" value
    const char* title_key;  // its title in the string tables
    void (*draw)(app_state& st);
};
void draw_tabs(app_state& st, const char* bar_id, std::span<const panel_tab> tabs, std::string& current,
               std::optional<std::string>& request);

// A small button that opens the Quiz panel on a drill of the sheet's bullets under `scope`
// ("4.1": every 4.1.x item and generator), due items first (panel_quiz.cpp).
void quiz_link(app_state& st, const char* scope);

// A ui-hook field that must be a whole number: true and *out set when `v` is an integer within
// int's range (a larger one would wrap in get<int>()).
bool json_int(const nlohmann::json& v, int* out);

// Below a lab's settings row: Cancel while it runs (true when clicked), the last error in red,
// and a wrapped grey note (the string table's `note_key`).
bool lab_footer(const app_state& st, bool busy, const std::string& error, const char* note_key);

// Shared drawing helpers.
void text_wrapped(const char* s);
void bullet_lines(const char* lines);  // one bullet per '\n'-separated line
void heading(const app_state& st, const char* s);
// A worked solution: one row per step (title, formula, numbers substituted, result).
void steps_table(const app_state& st, const char* id, const std::vector<calc::step>& steps);

}  // namespace es::ui
