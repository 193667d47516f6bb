#include "ui/panels/panels.h"

#include <climits>
#include <cstdint>

#include <imgui.h>

#include <string>

namespace es::ui {

namespace {

const panel_def table[] = {
    {panel_id::panel_calculators, "calculators", "panel.calculators.title", panel_calculators},
    {panel_id::panel_architectures, "architectures", "panel.architectures.title", panel_architectures},
    {panel_id::panel_models, "models", "panel.models.title", panel_models},
    {panel_id::panel_quantization, "quantization", "panel.quantization.title", panel_quantization},
    {panel_id::panel_pruning, "pruning", "panel.pruning.title", panel_pruning},
    {panel_id::panel_roofline, "roofline", "panel.roofline.title", panel_roofline},
    {panel_id::panel_results, "results", "panel.results.title", panel_results},
    {panel_id::panel_training, "training", "panel.training.title", panel_training},
    {panel_id::panel_quiz, "quiz", "panel.quiz.title", panel_quiz},
    {panel_id::panel_settings, "settings", "panel.settings.title", panel_settings},
};
static_assert(sizeof(table) / sizeof(table[0]) == panel_count);

}  // namespace

std::span<const panel_def> panel_table() { return table; }

bool json_int(const nlohmann::json& v, int* out) {
    if (!v.is_number_integer()) return false;
    if (v.is_number_unsigned() ? v.get<std::uint64_t>() > static_cast<std::uint64_t>(INT_MAX)
                               : v.get<std::int64_t>() < INT_MIN || v.get<std::int64_t>() > INT_MAX)
        return false;
    *out = v.get<int>();
    return true;
}

bool lab_footer(const app_state& st, bool busy, const std::string& error, const char* note_key) {
    bool cancel = false;
    if (busy) {
        ImGui::SameLine();
        cancel = ImGui::Button(tr(st, "train.cancel"));
    }
    if (!error.empty()) ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.4f, 1.0f), "%s", error.c_str());
    ImGui::PushTextWrapPos(0.0f);
    ImGui::TextDisabled("%s", tr(st, note_key));
    ImGui::PopTextWrapPos();
    return cancel;
}

void text_wrapped(const char* s) {
    ImGui::PushTextWrapPos(0.0f);
    ImGui::TextUnformatted(s);
    ImGui::PopTextWrapPos();
}

void bullet_lines(const char* lines) {
    std::string all(lines);
    size_t start = 0;
    while (start <= all.size()) {
        size_t end = all.find('\n', start);
        if (end == std::string::npos) end = all.size();
        if (end > start) {
            ImGui::Bullet();
            ImGui::SameLine();
            text_wrapped(all.substr(start, end - start).c_str());
        }
        start = end + 1;
    }
}

void heading(const app_state&, const char* s) {
    ImGui::Spacing();
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_PlotLinesHovered));
    ImGui::TextUnformatted(s);
    ImGui::PopStyleColor();
    ImGui::Separator();
}

void draw_tabs(app_state& st, const char* bar_id, std::span<const panel_tab> tabs, std::string& current,
               std::optional<std::string>& request) {
    if (!ImGui::BeginTabBar(bar_id)) return;
    for (const auto& t : tabs) {
        const bool requested = request && *request == t.id;
        const std::string label = std::string(tr(st, t.title_key)) + "###" + bar_id + t.id;
        if (ImGui::BeginTabItem(label.c_str(), nullptr, requested ? ImGuiTabItemFlags_SetSelected : 0)) {
            if (!request || requested) current = t.id;
            if (requested) request.reset();
            ImGui::PushID(t.id);
            t.draw(st);
            ImGui::PopID();
            ImGui::EndTabItem();
        }
    }
    ImGui::EndTabBar();
}

void panel_intro(app_state& st, const panel_def& self) {
    const std::string k = std::string("panel.") + self.key;
    heading(st, tr(st, k + ".title"));
    text_wrapped(tr(st, k + ".summary"));
    heading(st, tr(st, "panel.common.plan_heading"));
    bullet_lines(tr(st, k + ".plan"));
    heading(st, tr(st, "panel.common.sheet_heading"));
    bullet_lines(tr(st, k + ".sheet"));
    ImGui::Spacing();
    ImGui::TextDisabled("%s", tr(st, "panel.common.in_progress"));
}

}  // namespace es::ui
