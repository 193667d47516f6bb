// Calculators panel, distillation section: the softened softmax q_i = exp(z_i/T) / Σ exp(z_j/T)
// for logits the student types, at a temperature they choose, beside the ordinary softmax,
// with every class's probability plotted against T (the "dark knowledge" appearing as T
// grows) and the worked steps of calc::kd.
#include "calc/kd.h"
#include "ui/panels/panels.h"
#include "ui/plot.h"

#include <imgui.h>

#include <cmath>
#include <string>
#include <vector>

namespace es::ui {

struct kd_panel {
    char logits[256] = "2, 1, 0";
    float temperature = 2.0f;
};

namespace {

const ImU32 class_colours[] = {IM_COL32(240, 150, 60, 255),  IM_COL32(80, 150, 240, 255),  IM_COL32(110, 200, 110, 255),
                               IM_COL32(220, 90, 160, 255),  IM_COL32(200, 200, 80, 255),  IM_COL32(140, 110, 230, 255),
                               IM_COL32(90, 200, 200, 255),  IM_COL32(230, 110, 90, 255),  IM_COL32(170, 170, 170, 255),
                               IM_COL32(160, 210, 100, 255)};

}  // namespace

void draw_kd_calculator(app_state& st) {
    if (!st.kd) st.kd = std::make_shared<kd_panel>();
    kd_panel& kp = *st.kd;
    text_wrapped(tr(st, "calc.ui.kd.intro"));
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 16);
    ImGui::InputText(tr(st, "calc.ui.kd.logits"), kp.logits, sizeof kp.logits);
    ImGui::SameLine();
    if (ImGui::Button(tr(st, "calc.ui.kd.example"))) {
        std::snprintf(kp.logits, sizeof kp.logits, "%s", "2, 1, 0");
        kp.temperature = 2.0f;
    }
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 16);
    ImGui::SliderFloat(tr(st, "calc.ui.kd.temperature"), &kp.temperature, 0.25f, 50.0f, "T = %.2f",
                       ImGuiSliderFlags_Logarithmic);

    auto logits = calc::parse_number_list(kp.logits);
    if (!logits) {
        ImGui::TextColored(ImVec4(0.95f, 0.35f, 0.30f, 1.0f), "%s", tr(st, "calc.ui.kd.bad_logits"));
        return;
    }
    calc::kd_input in;
    in.logits = *logits;
    in.temperature = kp.temperature;
    calc::calc_error err;
    auto r = calc::kd(in, st.lang, &err);
    if (!r) {
        ImGui::TextColored(ImVec4(0.95f, 0.35f, 0.30f, 1.0f), "%s", err.message.c_str());
        return;
    }
    const int n = static_cast<int>(r->probs.size());

    // Probabilities at T = 1 and at T, class by class.
    const float bar_w = ImGui::GetFontSize() * 14;
    if (ImGui::BeginTable("##kd_probs", 4, ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_NoHostExtendX)) {
        ImGui::TableSetupColumn(tr(st, "calc.ui.kd.class"));
        ImGui::TableSetupColumn("z");
        ImGui::TableSetupColumn("T = 1", ImGuiTableColumnFlags_WidthFixed, bar_w);
        ImGui::TableSetupColumn(tr(st, "calc.ui.kd.at_t"), ImGuiTableColumnFlags_WidthFixed, bar_w);
        ImGui::TableHeadersRow();
        for (int i = 0; i < std::min(n, 20); ++i) {
            ImGui::TableNextRow();
            ImGui::TableSetColumnIndex(0);
            ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(class_colours[i % 10]), "%d", i + 1);
            ImGui::TableSetColumnIndex(1);
            ImGui::Text("%g", in.logits[static_cast<std::size_t>(i)]);
            char o[32];
            ImGui::TableSetColumnIndex(2);
            std::snprintf(o, sizeof o, "%.4f", r->probs_t1[static_cast<std::size_t>(i)]);
            ImGui::ProgressBar(static_cast<float>(r->probs_t1[static_cast<std::size_t>(i)]), ImVec2(bar_w, 0), o);
            ImGui::TableSetColumnIndex(3);
            std::snprintf(o, sizeof o, "%.4f", r->probs[static_cast<std::size_t>(i)]);
            ImGui::ProgressBar(static_cast<float>(r->probs[static_cast<std::size_t>(i)]), ImVec2(bar_w, 0), o);
        }
        ImGui::EndTable();
    }
    ImGui::Text("%s", i18n::format(tr(st, "calc.ui.kd.entropy"),
                                   {calc::format_real(r->entropy_t1, 4), calc::format_real(r->entropy, 4),
                                    calc::format_real(std::log(static_cast<double>(n)), 4)})
                          .c_str());

    // Every class's probability as T sweeps from 0.25 to 50 (log scale).
    const int steps = 120;
    std::vector<double> ts(steps);
    std::vector<std::vector<double>> q(static_cast<std::size_t>(std::min(n, 10)), std::vector<double>(steps));
    for (int k = 0; k < steps; ++k) {
        const double t = 0.25 * std::pow(200.0, k / static_cast<double>(steps - 1));
        ts[static_cast<std::size_t>(k)] = t;
        calc::kd_input sweep{in.logits, t};
        if (auto s = calc::kd(sweep, st.lang))
            for (std::size_t i = 0; i < q.size(); ++i) q[i][static_cast<std::size_t>(k)] = s->probs[i];
    }
    plot p;
    if (plot_begin(p, "##kd_plot", ImVec2(std::min(ImGui::GetContentRegionAvail().x, 700.0f), ImGui::GetFontSize() * 14),
                   {0.25, 50.0, true, tr(st, "calc.ui.kd.x")}, {0.0, 1.0, false, tr(st, "calc.ui.kd.y")})) {
        for (std::size_t i = 0; i < q.size(); ++i) plot_line(p, ts.data(), q[i].data(), steps, class_colours[i % 10]);
        plot_vline(p, kp.temperature, ImGui::GetColorU32(ImGuiCol_Text), "T");
        plot_end(p);
    }
    text_wrapped(tr(st, "calc.ui.kd.dark"));

    // The worked solution.
    if (ImGui::BeginTable("##kd_steps", 4, ImGuiTableFlags_Borders | ImGuiTableFlags_SizingStretchProp)) {
        ImGui::TableSetupColumn(tr(st, "calc.ui.kd.step"));
        ImGui::TableSetupColumn(tr(st, "calc.ui.kd.formula"));
        ImGui::TableSetupColumn(tr(st, "calc.ui.kd.substituted"));
        ImGui::TableSetupColumn(tr(st, "calc.ui.kd.result"));
        ImGui::TableHeadersRow();
        for (const auto& s : r->steps) {
            ImGui::TableNextRow();
            ImGui::TableSetColumnIndex(0);
            text_wrapped(s.title.c_str());
            ImGui::TableSetColumnIndex(1);
            text_wrapped(s.formula.c_str());
            ImGui::TableSetColumnIndex(2);
            text_wrapped(s.substituted.c_str());
            ImGui::TableSetColumnIndex(3);
            text_wrapped(s.result.c_str());
        }
        ImGui::EndTable();
    }
}

}  // namespace es::ui
