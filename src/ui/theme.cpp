#include "ui/theme.h"

#include <imgui.h>

namespace es::ui {

void theme_apply(store::theme t, float scale) {
    ImGuiStyle& style = ImGui::GetStyle();
    style = ImGuiStyle();
    if (t == store::theme::light) ImGui::StyleColorsLight(&style);
    else ImGui::StyleColorsDark(&style);
    style.WindowRounding = 0.0f;
    style.FrameRounding = 4.0f;
    style.TabRounding = 4.0f;
    style.GrabRounding = 4.0f;
    style.FramePadding = ImVec2(8.0f, 5.0f);
    style.ItemSpacing = ImVec2(10.0f, 7.0f);
    style.WindowPadding = ImVec2(12.0f, 10.0f);
    if (t == store::theme::light) {
        style.Colors[ImGuiCol_WindowBg] = ImVec4(0.97f, 0.97f, 0.96f, 1.0f);
        style.Colors[ImGuiCol_ChildBg] = ImVec4(0.97f, 0.97f, 0.96f, 1.0f);
    }
    style.ScaleAllSizes(scale);
}

}  // namespace es::ui
