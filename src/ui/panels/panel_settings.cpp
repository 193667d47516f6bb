// Settings: language, theme, UI scale, where progress is stored, and the build's self-test.
#include "ui/heatmap.h"
#include "ui/panels/panels.h"

#include <imgui.h>

#include <cmath>
#include <string>

namespace es::ui {

namespace {

void yes_no_row(const app_state& st, const char* label_key, bool value) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(tr(st, label_key));
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(tr(st, value ? "common.yes" : "common.no"));
}

void text_row(const app_state& st, const char* label_key, const std::string& value) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(tr(st, label_key));
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(value.c_str());
}

}  // namespace

void panel_settings(app_state& st, const panel_def&) {
    heading(st, tr(st, "panel.settings.title"));
    text_wrapped(tr(st, "panel.settings.summary"));

    heading(st, tr(st, "settings.language"));
    for (auto l : i18n::all_languages) {
        std::string key = "lang." + std::string(i18n::code(l));
        if (ImGui::RadioButton(tr(st, key), st.lang == l)) set_language(st, l);
        ImGui::SameLine();
    }
    ImGui::NewLine();

    heading(st, tr(st, "settings.theme"));
    if (ImGui::RadioButton(tr(st, "theme.dark"), st.settings.ui_theme == store::theme::dark))
        set_theme(st, store::theme::dark);
    ImGui::SameLine();
    if (ImGui::RadioButton(tr(st, "theme.light"), st.settings.ui_theme == store::theme::light))
        set_theme(st, store::theme::light);

    heading(st, tr(st, "settings.ui_scale"));
    bool automatic = st.settings.ui_scale == 0.0f;
    if (ImGui::Checkbox(tr(st, "settings.ui_scale_auto"), &automatic))
        set_ui_scale(st, automatic ? 0.0f : effective_scale(st));
    if (!automatic) {
        float s = st.settings.ui_scale;
        ImGui::SetNextItemWidth(ImGui::GetFontSize() * 12.0f);
        // Apply on release: rebuilding the font atlas on every drag step would stutter.
        ImGui::SliderFloat("##ui_scale", &s, store::ui_scale_min, store::ui_scale_max, "%.2f");
        if (ImGui::IsItemDeactivatedAfterEdit()) set_ui_scale(st, s);
        else if (ImGui::IsItemActive()) st.settings.ui_scale = s;
    }
    ImGui::TextDisabled("%s", i18n::format(tr(st, "settings.ui_scale_now"),
                                           {std::to_string(effective_scale(st)).substr(0, 4),
                                            std::to_string(st.device_scale).substr(0, 4)})
                                  .c_str());

    heading(st, tr(st, "settings.storage"));
    text_wrapped(i18n::format(tr(st, "settings.storage_where"), {settings_path(st)}).c_str());
    if (!st.storage_message.empty()) {
        ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(0.95f, 0.55f, 0.2f, 1.0f));
        text_wrapped(i18n::format(tr(st, "settings.storage_problem"), {st.storage_message}).c_str());
        ImGui::PopStyleColor();
    }
    for (const auto& w : st.settings_warnings) ImGui::TextDisabled("%s", w.c_str());

    heading(st, tr(st, "settings.selftest"));
    const auto& s = st.selftest;
    if (ImGui::BeginTable("##selftest", 2, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV |
                                               ImGuiTableFlags_SizingStretchProp)) {
        yes_no_row(st, "settings.simd", s.value("simd", false));
        yes_no_row(st, "settings.simd_match", s.value("simd_kernels_match_reference", false));
        text_row(st, "settings.simd_backend", s.value("simd_backend", ""));
        yes_no_row(st, "settings.font_coverage", s.value("font_coverage_ok", false));
        yes_no_row(st, "settings.string_tables", s.value("string_tables_ok", false));
        text_row(st, "settings.build", s.value("build", ""));
        yes_no_row(st, "settings.shader_check", st.shader_check && st.shader_check->empty());
        ImGui::EndTable();
    }
    if (st.shader_check && !st.shader_check->empty()) {
        ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(0.95f, 0.55f, 0.2f, 1.0f));
        text_wrapped(st.shader_check->c_str());
        ImGui::PopStyleColor();
    } else if (st.sample_heatmap) {
        // A signed matrix as the weight views will show it: blue < 0 < red.
        constexpr int rows = 8, cols = 24;
        float m[rows * cols];
        for (int r = 0; r < rows; ++r)
            for (int c = 0; c < cols; ++c)
                m[r * cols + c] = std::sin(0.45f * static_cast<float>(c)) * std::cos(0.6f * static_cast<float>(r));
        const float cell = std::round(10.0f * effective_scale(st));
        const int w = static_cast<int>(cell) * cols, h = static_cast<int>(cell) * rows;
        if (heatmap_render(*st.sample_heatmap, m, rows, cols, -1.0f, 1.0f, true, w, h)) {
            ImGui::Image(heatmap_texture_id(*st.sample_heatmap), ImVec2(static_cast<float>(w), static_cast<float>(h)));
            ImGui::SameLine();
            ImGui::TextDisabled("%s", tr(st, "settings.shader_sample"));
        }
    }

    heading(st, tr(st, "settings.keyboard"));
    bullet_lines(tr(st, "settings.keyboard_help"));
}

}  // namespace es::ui
