// Roofline panel: a log-log roofline for a device (this one, measured by the engine's peak
// microbenchmark, a few published devices, or the user's numbers), and every layer of a
// chosen network as two points: where the roofline predicts it (its intensity, the
// attainable throughput) and where the engine measured it in this page.
#include "api/dispatcher.h"
#include "ui/panels/panels.h"
#include "ui/plot.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace es::ui {

struct roofline_panel {
    int device = 0;           // index into devices()
    double peak_gmacs = 12.5, bw_gbs = 10.0;  // custom
    nlohmann::json measured_peak;             // bench --peak of this device
    int arch = 0;
    int batch = 1;
    bool flops = false;
    int pending = 0;          // 1: measure the peak next frame, 2: measure the layers next frame
    bool drawn_pending = false, visited = false;
    std::string error;
    nlohmann::json bench;     // bench --arch ... per-layer answer
};

namespace {

struct device {
    const char* key;          // string key of its name
    double peak_gmacs, bw_gbs;
    const char* source;       // where the numbers come from
};

// Published peaks, converted to MACs (1 MAC = 2 FLOPs).
const device published[] = {
    {"roof.dev.a100", 19500.0 / 2.0, 1555.0, "NVIDIA A100 40GB datasheet: FP32 19.5 TFLOP/s, HBM2 1,555 GB/s"},
    {"roof.dev.jetson_nano", 472.0 / 2.0, 25.6, "NVIDIA Jetson Nano datasheet: 472 GFLOP/s (FP16), LPDDR4 25.6 GB/s"},
    {"roof.dev.rtx3090", 35580.0 / 2.0, 936.0, "NVIDIA RTX 3090: FP32 35.6 TFLOP/s, GDDR6X 936 GB/s"},
};
constexpr int n_published = sizeof(published) / sizeof(published[0]);

const char* archs[] = {"tiny_mobilenet_v1", "tiny_mobilenet_v2", "tiny_mobilenet_v3", "tiny_shufflenet_v1",
                       "tiny_shufflenet_v2", "mobilenet_v1",     "mobilenet_v2",      "mobilenet_v3_large",
                       "mobilenet_v3_small", "shufflenet_v1",    "shufflenet_v2"};
constexpr int n_archs = sizeof(archs) / sizeof(archs[0]);

roofline_panel& state(app_state& st) {
    if (!st.roofline) st.roofline = std::make_shared<roofline_panel>();
    return *st.roofline;
}

// Device 0 is this one (measured), then the published ones, then custom.
void current_device(const roofline_panel& rp, double* peak, double* bw) {
    if (rp.device == 0) {
        const bool have = rp.measured_peak.contains("f32_gflops");
        *peak = have ? rp.measured_peak["f32_gflops"].get<double>() / 2.0 : 0.0;
        *bw = have ? rp.measured_peak["bandwidth_gbs"].get<double>() : 0.0;
    } else if (rp.device >= 1 && rp.device <= n_published) {
        *peak = published[rp.device - 1].peak_gmacs;
        *bw = published[rp.device - 1].bw_gbs;
    } else {
        *peak = rp.peak_gmacs;
        *bw = rp.bw_gbs;
    }
}

void run_pending(roofline_panel& rp) {
    if (rp.pending == 1) {
        auto r = api::run({{"cmd", "bench"}, {"peak", true}});
        if (api::is_error(r)) rp.error = r["error"];
        else rp.measured_peak = r;
    } else if (rp.pending == 2) {
        auto r = api::run({{"cmd", "bench"}, {"arch", archs[rp.arch]}, {"batch", rp.batch}, {"runs", 5},
                           {"warmup", 3}, {"warmup-ms", 300.0}});
        if (api::is_error(r)) rp.error = r["error"];
        else rp.bench = r;
    }
    // The first visit measures the device, then the default network's layers.
    rp.pending = rp.pending == 1 && rp.bench.is_null() ? 2 : 0;
}

}  // namespace

void panel_roofline(app_state& st, const panel_def&) {
    roofline_panel& rp = state(st);
    if (rp.pending && rp.drawn_pending) run_pending(rp);  // a frame later, so "measuring…" was drawn
    rp.drawn_pending = rp.pending != 0;
    if (!rp.visited) {
        rp.visited = true;
        rp.pending = 1;
        rp.drawn_pending = false;
    }
    heading(st, tr(st, "panel.roofline.title"));
    text_wrapped(tr(st, "roof.intro"));

    // Device.
    std::vector<std::string> names = {tr(st, "roof.dev.this")};
    for (const auto& d : published) names.push_back(tr(st, d.key));
    names.push_back(tr(st, "roof.dev.custom"));
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 16);
    if (ImGui::BeginCombo(tr(st, "roof.device"), names[static_cast<std::size_t>(rp.device)].c_str())) {
        for (int i = 0; i < static_cast<int>(names.size()); ++i)
            if (ImGui::Selectable(names[static_cast<std::size_t>(i)].c_str(), i == rp.device)) rp.device = i;
        ImGui::EndCombo();
    }
    ImGui::SameLine();
    if (ImGui::Button(tr(st, "roof.measure_peak"))) {
        rp.pending = 1;
        rp.device = 0;
    }
    if (rp.device == n_published + 1) {
        ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
        ImGui::InputDouble(tr(st, "roof.peak"), &rp.peak_gmacs, 0, 0, "%.1f");
        ImGui::SameLine();
        ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
        ImGui::InputDouble(tr(st, "roof.bandwidth"), &rp.bw_gbs, 0, 0, "%.1f");
        if (!(rp.peak_gmacs > 0.0) || !(rp.bw_gbs > 0.0) || !std::isfinite(rp.peak_gmacs) || !std::isfinite(rp.bw_gbs)) {
            ImGui::TextColored(ImVec4(0.95f, 0.35f, 0.30f, 1.0f), "%s", tr(st, "roof.bad_device"));
            rp.peak_gmacs = std::max(rp.peak_gmacs, 0.0);
        }
    } else if (rp.device >= 1) {
        ImGui::TextDisabled("%s", published[rp.device - 1].source);
    }
    if (rp.pending == 1) ImGui::TextDisabled("%s", tr(st, "roof.measuring"));
    double peak = 0, bw = 0;
    current_device(rp, &peak, &bw);
    const bool have_device = peak > 0 && bw > 0 && std::isfinite(peak) && std::isfinite(bw);
    if (!have_device && rp.device == 0) ImGui::TextDisabled("%s", tr(st, "roof.measure_first"));

    // Network.
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 12);
    ImGui::Combo(tr(st, "roof.network"), &rp.arch, archs, n_archs);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 6);
    ImGui::InputInt(tr(st, "roof.batch"), &rp.batch);
    rp.batch = std::clamp(rp.batch, 1, 64);
    ImGui::SameLine();
    if (ImGui::Button(tr(st, "roof.measure_layers"))) rp.pending = 2;
    ImGui::SameLine();
    ImGui::Checkbox(tr(st, "roof.flops_view"), &rp.flops);
    if (rp.pending == 2) ImGui::TextDisabled("%s", tr(st, "roof.measuring"));
    if (!rp.error.empty()) ImGui::TextColored(ImVec4(0.95f, 0.35f, 0.30f, 1.0f), "%s", rp.error.c_str());

    if (!have_device) return;
    const double f = rp.flops ? 2.0 : 1.0;  // FLOPs view: both axes double, the ridge too
    const double ridge = peak / bw;
    ImGui::Text("%s", i18n::format(tr(st, rp.flops ? "roof.summary_flops" : "roof.summary"),
                                   {es::plot::format_tick(peak * f), es::plot::format_tick(bw),
                                    es::plot::format_tick(ridge * f)})
                          .c_str());

    // Points: every layer with MACs, predicted and measured.
    std::vector<double> xi, yp, ym;
    std::vector<ImU32> cp, cm;
    std::vector<const nlohmann::json*> lay;
    const ImU32 mem_col = IM_COL32(80, 150, 240, 255), cmp_col = IM_COL32(240, 150, 60, 255);
    if (rp.bench.contains("layers"))
        for (const auto& l : rp.bench["layers"]) {
            const double macs = l.value("macs", 0.0), bytes = l.value("bytes", 0.0);
            if (macs <= 0 || bytes <= 0) continue;
            const double I = macs / bytes;
            xi.push_back(I * f);
            yp.push_back(std::min(peak, I * bw) * f);
            ym.push_back(l.value("gmacs_per_s", 0.0) * f);
            const bool compute = I >= ridge;
            cp.push_back(compute ? cmp_col : mem_col);
            cm.push_back(compute ? IM_COL32(250, 210, 120, 255) : IM_COL32(150, 210, 255, 255));
            lay.push_back(&l);
        }
    std::vector<double> all_x = xi, all_y = yp;
    all_y.insert(all_y.end(), ym.begin(), ym.end());
    all_x.push_back(ridge * f);
    all_y.push_back(peak * f);
    double x0, x1, y0, y1;
    es::plot::fit_range(all_x, true, 0.3, &x0, &x1);
    es::plot::fit_range(all_y, true, 0.3, &y0, &y1);
    x0 = std::min(x0, ridge * f / 100.0);
    x1 = std::max(x1, ridge * f * 10.0);
    y0 = std::min(y0, std::min(peak, x0 / f * bw) * f / 2.0);

    plot p;
    const float w = std::min(ImGui::GetContentRegionAvail().x, 900.0f);
    if (plot_begin(p, "##roofline", ImVec2(w, ImGui::GetFontSize() * 22),
                   {x0, x1, true, tr(st, rp.flops ? "roof.x_flops" : "roof.x_macs")},
                   {y0, y1, true, tr(st, rp.flops ? "roof.y_flops" : "roof.y_macs")})) {
        // The roof: bandwidth slope up to the ridge, then flat at the peak.
        const double rx[] = {x0, ridge * f, x1};
        const double ry[] = {x0 / f * bw * f, peak * f, peak * f};
        plot_line(p, rx, ry, 3, ImGui::GetColorU32(ImGuiCol_Text), tr(st, "roof.roof"), 2.5f);
        plot_vline(p, ridge * f, IM_COL32(200, 200, 200, 160), tr(st, "roof.ridge"));
        int hp = plot_points(p, xi.data(), yp.data(), static_cast<int>(xi.size()), mem_col, cp.data(), 4.0f,
                             tr(st, "roof.predicted"));
        int hm = plot_points(p, xi.data(), ym.data(), static_cast<int>(xi.size()), IM_COL32(150, 210, 255, 255),
                             cm.data(), 2.5f, tr(st, "roof.measured"));
        plot_end(p);
        const int h = hm >= 0 ? hm : hp;
        if (h >= 0) {
            const auto& l = *lay[static_cast<std::size_t>(h)];
            ImGui::SetTooltip("%s (%s)\nMACs %s  bytes %s\n%s %.2f\n%s %.2f  |  %s %.2f",
                              l.value("name", "").c_str(), l.value("type", "").c_str(),
                              es::plot::format_tick(l.value("macs", 0.0)).c_str(),
                              es::plot::format_tick(l.value("bytes", 0.0)).c_str(),
                              tr(st, rp.flops ? "roof.x_flops" : "roof.x_macs"), xi[static_cast<std::size_t>(h)],
                              tr(st, "roof.predicted"), yp[static_cast<std::size_t>(h)], tr(st, "roof.measured"),
                              ym[static_cast<std::size_t>(h)]);
        }
    }
    ImGui::TextColored(ImVec4(0.31f, 0.59f, 0.94f, 1.0f), "%s", tr(st, "roof.legend_memory"));
    ImGui::SameLine();
    ImGui::TextColored(ImVec4(0.94f, 0.59f, 0.24f, 1.0f), "%s", tr(st, "roof.legend_compute"));
    if (rp.bench.contains("layers") && rp.bench.contains("by_type")) {
        ImGui::TextDisabled("%s", i18n::format(tr(st, "roof.measured_what"),
                                               {rp.bench.value("arch", ""), std::to_string(rp.bench.value("batch", 1)),
                                                es::plot::format_tick(rp.bench.value("latency_ms_median", 0.0))})
                                      .c_str());
    } else {
        ImGui::TextDisabled("%s", tr(st, "roof.no_layers"));
    }
    heading(st, tr(st, "roof.why_heading"));
    text_wrapped(tr(st, "roof.why"));
    heading(st, tr(st, "panel.common.sheet_heading"));
    bullet_lines(tr(st, "panel.roofline.sheet"));
}

}  // namespace es::ui
