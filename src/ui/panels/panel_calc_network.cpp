// Calculators panel, network section: any architecture of the engine at any resolution and
// width — per-layer table, totals, and memory (weights at FP32 / FP16 / INT8 / 2:4, peak
// activations) — through the same `analyze` command as the CLI.
#include "api/dispatcher.h"
#include "calc/step.h"
#include "models/models.h"
#include "ui/panels/panels.h"

#include <imgui.h>

#include <string>
#include <vector>

namespace es::ui {

struct network_panel {
    int arch = 0;
    int res = 0;          // 0: the architecture's default
    float width = 1.0f;
    int groups = 3;
    nlohmann::json request, answer;  // last request and its good answer
    std::string error;
    std::vector<std::string> names = models::arch_names();
};

namespace {

std::string bytes_text(double b) {
    char buf[48];
    if (b >= 1 << 20) std::snprintf(buf, sizeof buf, "%.2f MiB", b / (1 << 20));
    else std::snprintf(buf, sizeof buf, "%.1f KiB", b / 1024);
    return buf;
}

std::string count(double v) { return calc::format_count(static_cast<std::int64_t>(v)); }

}  // namespace

void draw_network_calculator(app_state& st) {
    if (!st.network) st.network = std::make_shared<network_panel>();
    network_panel& np = *st.network;
    const std::vector<std::string>& names = np.names;
    text_wrapped(tr(st, "calc.ui.net.intro"));
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 12);
    if (ImGui::BeginCombo(tr(st, "calc.ui.net.arch"), names[static_cast<std::size_t>(np.arch)].c_str())) {
        for (int i = 0; i < static_cast<int>(names.size()); ++i)
            if (ImGui::Selectable(names[static_cast<std::size_t>(i)].c_str(), i == np.arch)) {
                np.arch = i;
                np.res = 0;
            }
        ImGui::EndCombo();
    }
    const std::string& arch = names[static_cast<std::size_t>(np.arch)];
    const bool tiny = models::is_tiny(arch);
    if (np.res == 0) np.res = tiny ? 28 : 224;
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 7);
    ImGui::InputInt(tr(st, "calc.ui.net.res"), &np.res, 8, 32);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 7);
    ImGui::InputFloat(tr(st, "calc.ui.net.width"), &np.width, 0.25f, 0.5f, "%.2f");
    if (arch.find("shufflenet_v1") != std::string::npos) {
        ImGui::SameLine();
        ImGui::SetNextItemWidth(ImGui::GetFontSize() * 6);
        ImGui::InputInt(tr(st, "calc.ui.net.groups"), &np.groups);
    }
    nlohmann::json req = {{"cmd", "analyze"}, {"arch", arch}, {"res", np.res}, {"width", np.width}};
    if (arch.find("shufflenet_v1") != std::string::npos) req["groups"] = np.groups;
    if (req != np.request) {  // recompute only when an input changed
        np.request = req;
        auto r = api::run(req);
        if (api::is_error(r)) np.error = r["error"].get<std::string>();
        else {
            np.error.clear();
            np.answer = std::move(r);
        }
    }
    if (!np.error.empty()) ImGui::TextColored(ImVec4(0.95f, 0.35f, 0.30f, 1.0f), "%s", np.error.c_str());
    if (np.answer.is_null()) return;
    const bool stale = !np.error.empty();
    if (stale) {
        ImGui::TextDisabled("%s", tr(st, "calc.ui.net.stale"));
        ImGui::BeginDisabled();
    }
    const auto& a = np.answer;
    const auto& tot = a["total"];
    const auto& mem = a["memory"];
    ImGui::Text("%s", i18n::format(tr(st, "calc.ui.net.totals"),
                                   {a.value("arch", ""), count(tot["macs"].get<double>()),
                                    count(tot["params"].get<double>())})
                          .c_str());
    if (ImGui::BeginTable("##net_mem", 3, ImGuiTableFlags_Borders | ImGuiTableFlags_SizingFixedFit |
                                              ImGuiTableFlags_NoHostExtendX)) {
        ImGui::TableSetupColumn(tr(st, "calc.ui.net.format"));
        ImGui::TableSetupColumn(tr(st, "calc.ui.net.weights"));
        ImGui::TableSetupColumn(tr(st, "calc.ui.net.activations"));
        ImGui::TableHeadersRow();
        auto row = [&](const char* key, double w, double act) {
            ImGui::TableNextRow();
            ImGui::TableSetColumnIndex(0);
            ImGui::TextUnformatted(tr(st, key));
            ImGui::TableSetColumnIndex(1);
            ImGui::Text("%s (%.1f%%)", bytes_text(w).c_str(), 100.0 * w / mem["weights_bytes"]["fp32"].get<double>());
            ImGui::TableSetColumnIndex(2);
            if (act >= 0) ImGui::TextUnformatted(bytes_text(act).c_str());
            else ImGui::TextDisabled("—");
        };
        row("calc.ui.net.fp32", mem["weights_bytes"]["fp32"], mem["peak_activation_bytes"]["fp32"]);
        row("calc.ui.net.fp16", mem["weights_bytes"]["fp16"], mem["peak_activation_bytes"]["fp16"]);
        row("calc.ui.net.int8", mem["weights_bytes"]["int8"], mem["peak_activation_bytes"]["int8"]);
        row("calc.ui.net.s24_fp16", mem["sparse24"]["fp16_bytes"], -1);
        row("calc.ui.net.s24_int8", mem["sparse24"]["int8_bytes"], -1);
        ImGui::EndTable();
    }
    text_wrapped(i18n::format(tr(st, "calc.ui.net.memory_note"),
                              {count(mem["sparse24"]["eligible_weights"].get<double>()),
                               count(mem["weight_values"].get<double>())})
                     .c_str());
    // Per-layer table, clipped (full networks have a few hundred layers).
    const auto& layers = a["layers"];
    const float h = ImGui::GetTextLineHeightWithSpacing() * 14;
    if (ImGui::BeginTable("##net_layers", 6,
                          ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY |
                              ImGuiTableFlags_SizingStretchProp,
                          ImVec2(0, h))) {
        ImGui::TableSetupScrollFreeze(0, 1);
        for (const char* k : {"calc.ui.net.col_name", "calc.ui.net.col_type", "calc.ui.net.col_out", "calc.ui.net.col_macs",
                              "calc.ui.net.col_params", "calc.ui.net.col_intensity"})
            ImGui::TableSetupColumn(tr(st, k));
        ImGui::TableHeadersRow();
        ImGuiListClipper clip;
        clip.Begin(static_cast<int>(layers.size()));
        while (clip.Step())
            for (int i = clip.DisplayStart; i < clip.DisplayEnd; ++i) {
                const auto& l = layers[static_cast<std::size_t>(i)];
                ImGui::TableNextRow();
                ImGui::TableSetColumnIndex(0);
                ImGui::TextUnformatted(l.value("name", "").c_str());
                ImGui::TableSetColumnIndex(1);
                ImGui::TextUnformatted(l.value("type", "").c_str());
                ImGui::TableSetColumnIndex(2);
                ImGui::TextUnformatted(l.value("out_shape", "").c_str());
                ImGui::TableSetColumnIndex(3);
                ImGui::TextUnformatted(count(l.value("macs", 0.0)).c_str());
                ImGui::TableSetColumnIndex(4);
                ImGui::TextUnformatted(count(l.value("params", 0.0)).c_str());
                ImGui::TableSetColumnIndex(5);
                ImGui::Text("%.2f", l.value("intensity", 0.0));
            }
        ImGui::EndTable();
    }
    if (stale) ImGui::EndDisabled();
}

}  // namespace es::ui
