// The Quantization panel's model tab: post-training quantization of a shipped tiny model in
// the page (lab::quant_lab does the work; this file draws and routes input): settings, FP32
// vs INT8 accuracy, latency and size measured side by side, per-layer SQNR, weight and
// activation histograms against the integer grid, one integer output worked through, and a
// short quantization-aware fine-tune (STE) measured against PTQ at the same bits.
#include "api/dispatcher.h"
#include "lab/quant_lab.h"
#include "models/shipped.h"
#include "ui/panels/panels.h"
#include "ui/plot.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

namespace es::ui {

struct quant_lab_panel {
    lab::quant_lab lab;
    bool initialised = false;
    std::string error;
    std::vector<std::string> shipped;
    int model = 0;
    lab::quant_settings pending;  // what the widgets show; applied by "calibrate"
    lab::qat_lab_settings qat_pending;
    int layer_pick = 0;           // index into weight_layers()
    int channel = 0;
    int image = 0, ty = 0, tx = 0, tc = 0;
    std::optional<lab::conv_trace> trace;
    std::string trace_error;
    std::uint64_t frames_while_busy = 0;
};

namespace {

const char* calib_key(quant::calib_method m) {
    switch (m) {
    case quant::calib_method::minmax: return "qlab.calib.minmax";
    case quant::calib_method::moving_average: return "qlab.calib.moving_average";
    case quant::calib_method::percentile: return "qlab.calib.percentile";
    }
    return "qlab.calib.minmax";
}

// The first layer with at least 64 weights per output channel: a histogram worth looking at.
int default_layer(const lab::quant_lab& L) {
    const auto& layers = L.weight_layers();
    for (std::size_t i = 0; i < layers.size(); ++i) {
        const auto& n = L.quantized().graph.nodes[static_cast<std::size_t>(layers[i])];
        if (n.cout > 0 && n.w_count / static_cast<std::size_t>(n.cout) >= 64) return static_cast<int>(i);
    }
    return 0;
}

std::string apply_pending(quant_lab_panel& qp) {
    std::string e = qp.lab.configure(qp.pending);
    qp.error = e;
    if (!e.empty()) return e;
    qp.trace.reset();
    qp.layer_pick = default_layer(qp.lab);
    qp.channel = 0;
    return e;
}

quant_lab_panel& state(app_state& st) {
    if (!st.quant_lab) st.quant_lab = std::make_shared<quant_lab_panel>();
    quant_lab_panel& qp = *st.quant_lab;
    if (!qp.initialised) {
        qp.initialised = true;
        qp.shipped = models::shipped_models();
        if (!qp.shipped.empty()) {
            auto it = std::find(qp.shipped.begin(), qp.shipped.end(), "tiny_mobilenet_v2");
            qp.model = it == qp.shipped.end() ? 0 : static_cast<int>(it - qp.shipped.begin());
            qp.pending.model = qp.shipped[static_cast<std::size_t>(qp.model)];
            apply_pending(qp);
        }
    }
    return qp;
}

std::string bytes_text(std::size_t b) {
    char buf[64];
    if (b >= 1024 * 1024) std::snprintf(buf, sizeof buf, "%.2f MiB", static_cast<double>(b) / (1024.0 * 1024.0));
    else std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(b) / 1024.0);
    return std::string(buf) + " (" + std::to_string(b) + " B)";
}

// A histogram as bars, with the integer grid S (q - Z) drawn over it between q_min and q_max.
void draw_histogram(const char* id, const lab::histogram& h, double scale, int zp, int qmin, int qmax, float lo_clip,
                    float hi_clip, const char* xlabel, ImVec2 size) {
    if (h.counts.empty()) return;
    const double g_lo = scale * (qmin - zp), g_hi = scale * (qmax - zp);
    const double x0 = std::min<double>(h.lo, g_lo), x1 = std::max<double>(h.hi, g_hi);
    int peak = 1;
    for (int c : h.counts) peak = std::max(peak, c);
    plot p;
    if (!plot_begin(p, id, size, {x0 - 0.02 * (x1 - x0), x1 + 0.02 * (x1 - x0), false, xlabel},
                    {0.0, peak * 1.1, false, ""}))
        return;
    const double bw = (static_cast<double>(h.hi) - h.lo) / static_cast<double>(h.counts.size());
    for (std::size_t i = 0; i < h.counts.size(); ++i) {
        const ImVec2 a = plot_to_screen(p, h.lo + bw * static_cast<double>(i), 0.0);
        const ImVec2 b = plot_to_screen(p, h.lo + bw * static_cast<double>(i + 1), h.counts[i]);
        p.dl->AddRectFilled(ImVec2(a.x, b.y), ImVec2(std::max(b.x, a.x + 1.0f), a.y), IM_COL32(90, 150, 230, 200));
    }
    // The grid: every level when they are few, else every k-th (and always q_min, Z, q_max).
    const int levels = qmax - qmin + 1;
    const int step = levels <= 64 ? 1 : (levels + 63) / 64;
    for (int q = qmin; q <= qmax; ++q) {
        if (q != qmin && q != qmax && q != zp && (q - qmin) % step != 0) continue;
        const ImVec2 a = plot_to_screen(p, scale * (q - zp), 0.0);
        const ImVec2 b = plot_to_screen(p, scale * (q - zp), peak * 1.1);
        const ImU32 c = q == zp ? IM_COL32(240, 200, 80, 220) : IM_COL32(230, 230, 230, 60);
        p.dl->AddLine(ImVec2(a.x, a.y), ImVec2(b.x, b.y), c, q == zp ? 2.0f : 1.0f);
    }
    // Shade what is clamped.
    if (lo_clip > h.lo) {
        const ImVec2 a = plot_to_screen(p, h.lo, 0.0), b = plot_to_screen(p, lo_clip, peak * 1.1);
        p.dl->AddRectFilled(ImVec2(a.x, b.y), ImVec2(b.x, a.y), IM_COL32(230, 80, 80, 50));
    }
    if (hi_clip < h.hi) {
        const ImVec2 a = plot_to_screen(p, hi_clip, 0.0), b = plot_to_screen(p, h.hi, peak * 1.1);
        p.dl->AddRectFilled(ImVec2(a.x, b.y), ImVec2(b.x, a.y), IM_COL32(230, 80, 80, 50));
    }
    plot_end(p);
}

void draw_settings(app_state& st, quant_lab_panel& qp) {
    lab::quant_lab& L = qp.lab;
    const bool busy = L.busy();
    heading(st, tr(st, "qlab.settings"));
    ImGui::BeginDisabled(busy);
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 14);
    if (ImGui::BeginCombo(tr(st, "qlab.model"), qp.pending.model.c_str())) {
        for (std::size_t i = 0; i < qp.shipped.size(); ++i)
            if (ImGui::Selectable(qp.shipped[i].c_str(), static_cast<int>(i) == qp.model)) {
                qp.model = static_cast<int>(i);
                qp.pending.model = qp.shipped[i];
            }
        ImGui::EndCombo();
    }
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
    ImGui::SliderInt(tr(st, "qlab.weight_bits"), &qp.pending.weight_bits, 2, 8);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
    ImGui::SliderInt(tr(st, "qlab.act_bits"), &qp.pending.act_bits, 2, 8);
    ImGui::Checkbox(tr(st, "qlab.per_channel"), &qp.pending.per_channel);
    ImGui::SameLine();
    ImGui::Checkbox(tr(st, "qlab.restricted"), &qp.pending.restricted);
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 12);
    if (ImGui::BeginCombo(tr(st, "qlab.calibration"), tr(st, calib_key(qp.pending.calib)))) {
        for (auto m : {quant::calib_method::minmax, quant::calib_method::moving_average, quant::calib_method::percentile})
            if (ImGui::Selectable(tr(st, calib_key(m)), m == qp.pending.calib)) qp.pending.calib = m;
        ImGui::EndCombo();
    }
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 6);
    ImGui::InputInt(tr(st, "qlab.calib_images"), &qp.pending.calib_images, 0);
    if (qp.pending.calib == quant::calib_method::percentile) {
        ImGui::SameLine();
        ImGui::SetNextItemWidth(ImGui::GetFontSize() * 6);
        ImGui::InputDouble(tr(st, "qlab.percentile"), &qp.pending.percentile, 0, 0, "%.3f");
    }
    if (ImGui::Button(tr(st, "qlab.apply"))) apply_pending(qp);
    ImGui::SameLine();
    if (ImGui::Button(tr(st, "qlab.run")) && L.ready()) qp.error = L.start();
    ImGui::EndDisabled();
    if (busy) {
        ImGui::SameLine();
        if (ImGui::Button(tr(st, "qlab.cancel"))) L.cancel();
    }
    if (!qp.error.empty()) ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.4f, 1.0f), "%s", qp.error.c_str());
    if (busy || L.progress() > 0) {
        const std::string overlay = std::string(tr(st, (std::string("qlab.phase.") + L.phase_name()).c_str()));
        ImGui::ProgressBar(static_cast<float>(L.progress()), ImVec2(-1, 0), overlay.c_str());
    }
    if (L.ready()) {
        const auto& s = L.settings();
        ImGui::TextDisabled("%s", i18n::format(tr(st, "qlab.current"),
                                               {s.model, std::to_string(s.weight_bits), std::to_string(s.act_bits),
                                                tr(st, s.per_channel ? "qlab.per_channel_short" : "qlab.per_tensor_short"),
                                                tr(st, calib_key(s.calib)), std::to_string(s.calib_images)})
                                        .c_str());
    }
}

void draw_results(app_state& st, quant_lab_panel& qp) {
    const auto& r = qp.lab.results();
    heading(st, tr(st, "qlab.results"));
    auto pct = [](const std::optional<double>& v) {
        char b[32];
        if (!v) return std::string("-");
        std::snprintf(b, sizeof b, "%.2f%%", *v * 100.0);
        return std::string(b);
    };
    auto ms = [](const std::optional<double>& v) {
        char b[32];
        if (!v) return std::string("-");
        std::snprintf(b, sizeof b, "%.3f ms", *v);
        return std::string(b);
    };
    if (ImGui::BeginTable("##qres", 4, ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg)) {
        ImGui::TableSetupColumn("");
        ImGui::TableSetupColumn("FP32");
        const auto& s = qp.lab.settings();
        ImGui::TableSetupColumn(
            i18n::format(tr(st, "qlab.int_col"), {std::to_string(s.weight_bits), std::to_string(s.act_bits)}).c_str());
        ImGui::TableSetupColumn(tr(st, "qlab.ratio"));
        ImGui::TableHeadersRow();
        auto row = [&](const char* label, const std::string& a, const std::string& b, const std::string& c) {
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(label);
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(a.c_str());
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(b.c_str());
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(c.c_str());
        };
        char buf[64] = "-";
        if (r.fp32_accuracy && r.int8_accuracy)
            std::snprintf(buf, sizeof buf, "%+.2f %s", (*r.int8_accuracy - *r.fp32_accuracy) * 100.0, tr(st, "qlab.points"));
        row(tr(st, "qlab.accuracy"), pct(r.fp32_accuracy), pct(r.int8_accuracy), buf);
        std::snprintf(buf, sizeof buf, "-");
        if (r.fp32_ms && r.int8_ms && *r.fp32_ms > 0) std::snprintf(buf, sizeof buf, "%.2fx", *r.int8_ms / *r.fp32_ms);
        row(tr(st, "qlab.latency"), ms(r.fp32_ms), ms(r.int8_ms), buf);
        std::snprintf(buf, sizeof buf, "-");
        if (r.fp32_bytes && r.int8_bytes)
            std::snprintf(buf, sizeof buf, "%.2fx (%.2fx %s)", static_cast<double>(r.int8_bytes) / r.fp32_bytes,
                          static_cast<double>(r.fp32_bytes) / r.int8_bytes, tr(st, "qlab.smaller"));
        row(tr(st, "qlab.size"), r.fp32_bytes ? bytes_text(r.fp32_bytes) : "-", r.int8_bytes ? bytes_text(r.int8_bytes) : "-",
            buf);
        ImGui::EndTable();
    }
    text_wrapped(tr(st, "qlab.size_note"));
}

void draw_qat(app_state& st, quant_lab_panel& qp) {
    lab::quant_lab& L = qp.lab;
    const auto& q = L.qat_results();
    const auto& s = L.settings();
    heading(st, tr(st, "qlab.qat"));
    text_wrapped(tr(st, "qlab.qat_note"));
    ImGui::BeginDisabled(L.busy());
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 6);
    ImGui::InputInt(tr(st, "qlab.qat_steps"), &qp.qat_pending.steps, 0);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 6);
    ImGui::InputInt(tr(st, "qlab.qat_batch"), &qp.qat_pending.batch, 0);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 10);
    const char* ste_keys[] = {"qlab.ste.clipped", "qlab.ste.identity"};
    int ste = qp.qat_pending.ste == quant::ste_mode::clipped ? 0 : 1;
    if (ImGui::BeginCombo(tr(st, "qlab.qat_ste"), tr(st, ste_keys[ste]))) {
        for (int i = 0; i < 2; ++i)
            if (ImGui::Selectable(tr(st, ste_keys[i]), i == ste))
                qp.qat_pending.ste = i == 0 ? quant::ste_mode::clipped : quant::ste_mode::identity;
        ImGui::EndCombo();
    }
    const std::string start = i18n::format(tr(st, "qlab.qat_start"), {std::to_string(s.weight_bits), std::to_string(s.act_bits)});
    if (ImGui::Button(start.c_str())) qp.error = L.start_qat(qp.qat_pending);
    ImGui::EndDisabled();
    if (q.steps == 0) return;
    // Loss per optimizer step on the fake-quantized model, and its running mean over 20 steps.
    if (!q.loss.empty()) {
        std::vector<double> xs, ys, ms;
        double hi = 0, run = 0;
        for (std::size_t i = 0; i < q.loss.size(); ++i) {
            xs.push_back(static_cast<double>(i + 1));
            ys.push_back(q.loss[i]);
            run += q.loss[i];
            if (i >= 20) run -= q.loss[i - 20];
            ms.push_back(run / static_cast<double>(std::min<std::size_t>(i + 1, 20)));
            hi = std::max(hi, static_cast<double>(q.loss[i]));
        }
        plot p;
        if (plot_begin(p, "##qatloss", ImVec2(ImGui::GetContentRegionAvail().x, ImGui::GetFontSize() * 10),
                       {0.0, static_cast<double>(std::max<long long>(q.steps, 2)), false, tr(st, "qlab.qat_step")},
                       {0.0, std::max(0.1, hi * 1.05), false, tr(st, "qlab.qat_loss")})) {
            plot_line(p, xs.data(), ys.data(), static_cast<int>(xs.size()), IM_COL32(120, 180, 240, 110), nullptr);
            plot_line(p, xs.data(), ms.data(), static_cast<int>(xs.size()), IM_COL32(240, 170, 60, 255),
                      tr(st, "qlab.qat_mean"));
            plot_end(p);
        }
    }
    ImGui::Text("%s", i18n::format(tr(st, "qlab.qat_progress"),
                                   {std::to_string(q.step), std::to_string(q.steps), std::to_string(q.weight_bits),
                                    std::to_string(q.act_bits), std::to_string(static_cast<int>(std::lround(q.seconds)))})
                          .c_str());
    auto pct = [](const std::optional<double>& v) {
        char b[32];
        if (!v) return std::string("-");
        std::snprintf(b, sizeof b, "%.2f%%", *v * 100.0);
        return std::string(b);
    };
    const auto& r = L.results();
    if (ImGui::BeginTable("##qatres", 3, ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg)) {
        ImGui::TableSetupColumn("FP32");
        ImGui::TableSetupColumn(i18n::format(tr(st, "qlab.qat_ptq_col"), {std::to_string(q.weight_bits)}).c_str());
        ImGui::TableSetupColumn(i18n::format(tr(st, "qlab.qat_col"), {std::to_string(q.weight_bits)}).c_str());
        ImGui::TableHeadersRow();
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(pct(r.fp32_accuracy).c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(pct(r.int8_accuracy).c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(pct(q.accuracy_int8).c_str());
        ImGui::EndTable();
    }
}

void draw_sqnr(app_state& st, quant_lab_panel& qp) {
    const auto& errs = qp.lab.errors();
    if (errs.empty()) return;
    heading(st, tr(st, "qlab.sqnr"));
    text_wrapped(tr(st, "qlab.sqnr_note"));
    std::vector<double> xs, ys;
    double lo = 1e9, hi = -1e9;
    for (std::size_t i = 0; i < errs.size(); ++i) {
        xs.push_back(static_cast<double>(i));
        ys.push_back(std::min(errs[i].sqnr_db, 80.0));
        lo = std::min(lo, ys.back());
        hi = std::max(hi, ys.back());
    }
    plot p;
    if (plot_begin(p, "##sqnr", ImVec2(ImGui::GetContentRegionAvail().x, ImGui::GetFontSize() * 12), {-0.5, xs.back() + 0.5, false, tr(st, "qlab.layer_index")},
                   {std::floor(std::min(0.0, lo) / 10) * 10, std::ceil(hi / 10 + 0.01) * 10, false, "dB"})) {
        plot_line(p, xs.data(), ys.data(), static_cast<int>(xs.size()), IM_COL32(120, 180, 240, 160));
        const int i = plot_points(p, xs.data(), ys.data(), static_cast<int>(xs.size()), IM_COL32(120, 180, 240, 255),
                                  nullptr, 3.5f, "SQNR");
        if (i >= 0) {
            const auto& e = errs[static_cast<std::size_t>(i)];
            ImGui::SetTooltip("%s (%s)\nSQNR %.1f dB\nS = %.6g, Z = %d", e.name.c_str(), e.type.c_str(), e.sqnr_db,
                              e.scale, e.zero_point);
        }
        plot_end(p);
    }
}

void draw_histograms(app_state& st, quant_lab_panel& qp) {
    const lab::quant_lab& L = qp.lab;
    const auto& layers = L.weight_layers();
    if (layers.empty()) return;
    heading(st, tr(st, "qlab.histograms"));
    text_wrapped(tr(st, "qlab.hist_note"));
    qp.layer_pick = std::clamp(qp.layer_pick, 0, static_cast<int>(layers.size()) - 1);
    const auto& g = L.quantized().graph;
    const int node = layers[static_cast<std::size_t>(qp.layer_pick)];
    const auto& n = g.nodes[static_cast<std::size_t>(node)];
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 18);
    if (ImGui::BeginCombo(tr(st, "qlab.layer"), n.name.c_str())) {
        for (std::size_t i = 0; i < layers.size(); ++i)
            if (ImGui::Selectable(g.nodes[static_cast<std::size_t>(layers[i])].name.c_str(), static_cast<int>(i) == qp.layer_pick)) {
                qp.layer_pick = static_cast<int>(i);
                qp.channel = 0;
            }
        ImGui::EndCombo();
    }
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
    ImGui::SliderInt(tr(st, "qlab.channel"), &qp.channel, 0, std::max(0, n.cout - 1));
    const auto& o = L.quantized().opt;
    const int qmax = (1 << (o.weight_bits - 1)) - 1, qmin = o.restricted ? -qmax : -(qmax + 1);
    const float sw = L.weight_scale(node, qp.channel);
    const float avail = ImGui::GetContentRegionAvail().x;
    const ImVec2 size(std::max(200.0f, avail * 0.5f - 8.0f), ImGui::GetFontSize() * 11);
    ImGui::BeginGroup();
    ImGui::TextUnformatted(i18n::format(tr(st, "qlab.weights_of"), {std::to_string(qp.channel), std::to_string(o.weight_bits)}).c_str());
    draw_histogram("##wh", L.weight_histogram(node, qp.channel, 64), sw, 0, qmin, qmax, sw * qmin, sw * qmax, "w", size);
    ImGui::TextDisabled("S_w = %.6g, q in [%d, %d]", sw, qmin, qmax);
    ImGui::EndGroup();
    ImGui::SameLine();
    ImGui::BeginGroup();
    const int t = n.out[0];
    const auto& cal = L.quantized().cal.tensor[static_cast<std::size_t>(t)];
    const auto p = quant::act_params(cal.lo, cal.hi, o.act_bits);
    ImGui::TextUnformatted(i18n::format(tr(st, "qlab.acts_of"), {std::to_string(o.act_bits)}).c_str());
    draw_histogram("##ah", L.activation_histogram(t, 64), p.scale, p.zero_point, p.qmin, p.qmax,
                   p.scale * static_cast<float>(p.qmin - p.zero_point), p.scale * static_cast<float>(p.qmax - p.zero_point),
                   "r", size);
    ImGui::TextDisabled("S = %.6g, Z = %d, %s [%.4g, %.4g]", p.scale, p.zero_point, tr(st, "qlab.calibrated"), cal.lo, cal.hi);
    ImGui::EndGroup();
}

void draw_trace(app_state& st, quant_lab_panel& qp) {
    lab::quant_lab& L = qp.lab;
    const auto& layers = L.weight_layers();
    if (layers.empty()) return;
    heading(st, tr(st, "qlab.trace"));
    text_wrapped(tr(st, "qlab.trace_note"));
    const auto& g = L.quantized().graph;
    const int node = layers[static_cast<std::size_t>(std::clamp(qp.layer_pick, 0, static_cast<int>(layers.size()) - 1))];
    const auto out = g.tensors[static_cast<std::size_t>(g.nodes[static_cast<std::size_t>(node)].out[0])];
    ImGui::TextUnformatted(i18n::format(tr(st, "qlab.trace_layer"), {g.nodes[static_cast<std::size_t>(node)].name, engine::shape_text(out)}).c_str());
    const float w = ImGui::GetFontSize() * 5;
    ImGui::SetNextItemWidth(w);
    ImGui::InputInt(tr(st, "qlab.image"), &qp.image, 0);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(w);
    ImGui::InputInt("y", &qp.ty, 0);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(w);
    ImGui::InputInt("x", &qp.tx, 0);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(w);
    ImGui::InputInt(tr(st, "qlab.channel"), &qp.tc, 0);
    ImGui::SameLine();
    if (ImGui::Button(tr(st, "qlab.trace_go"))) {
        qp.trace = L.trace(node, qp.image, qp.ty, qp.tx, qp.tc, &qp.trace_error);
        if (qp.trace) qp.trace_error.clear();
    }
    if (!qp.trace_error.empty()) ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.4f, 1.0f), "%s", qp.trace_error.c_str());
    if (!qp.trace) return;
    const lab::conv_trace& t = *qp.trace;
    std::vector<calc::step> steps;
    auto add = [&](const char* key, std::string formula, std::string numbers, std::string result) {
        calc::step s;
        s.id = key;
        s.title = tr(st, (std::string("qlab.tr.") + key).c_str());
        s.formula = std::move(formula);
        s.substituted = std::move(numbers);
        s.result = std::move(result);
        steps.push_back(std::move(s));
    };
    std::string terms;
    const std::size_t shown = std::min<std::size_t>(t.xq.size(), 6);
    for (std::size_t i = 0; i < shown; ++i) {
        if (i) terms += " + ";
        terms += "(" + std::to_string(t.xq[i]) + " - (" + std::to_string(t.zp_in) + "))·" + std::to_string(t.wq[i]);
    }
    if (t.xq.size() > shown) terms += " + … (" + std::to_string(t.xq.size() - shown) + ")";
    char b1[160], b2[160];
    add("sum", "Σ (x_q − Z_in)·w_q", terms, std::to_string(t.sum));
    std::snprintf(b1, sizeof b1, "round(b / (S_in·S_w)), S_in = %.6g, S_w = %.6g", t.s_in, t.s_w);
    add("bias", "b_q = round(b / (S_in·S_w))", b1, std::to_string(t.bias));
    add("acc", "acc = b_q + Σ", std::to_string(t.bias) + " + " + std::to_string(t.sum), std::to_string(t.acc) + " (int32)");
    std::snprintf(b1, sizeof b1, "M = S_in·S_w / S_out = %.9g", t.m_real);
    std::snprintf(b2, sizeof b2, "M0 = %d / 2^31 = %.9f, n = %d", t.rq.mult, t.rq.mult / 2147483648.0, t.rq.shift);
    add("multiplier", "M = M0 · 2^n", b1, b2);
    std::snprintf(b1, sizeof b1, "round(%d · %.9g)", t.acc, t.m_real);
    add("requantize", "round(acc · M) in fixed point", b1, std::to_string(t.scaled));
    std::snprintf(b1, sizeof b1, "clamp(%d + (%d), %d, %d)", t.scaled, t.zp_out, t.lo, t.hi);
    add("output", "q_out = clamp(· + Z_out, lo, hi)", b1, std::to_string(t.out_q) + " (int8)");
    std::snprintf(b1, sizeof b1, "%.6g · (%d − (%d)) = %.6g; float %.6g", t.s_out, t.out_q, t.zp_out,
                  t.s_out * (t.out_q - t.zp_out), t.real_float);
    add("check", "r ≈ S_out·(q_out − Z_out)", b1, t.out_q == t.engine_q ? tr(st, "qlab.engine_agrees") : tr(st, "qlab.engine_differs"));
    steps_table(st, "##qtrace", steps);
}

}  // namespace

void draw_quant_lab(app_state& st) {
    quant_lab_panel& qp = state(st);
    text_wrapped(tr(st, "qlab.intro"));
    bullet_lines(tr(st, "qlab.pipeline"));
    draw_settings(st, qp);
    if (!qp.lab.ready()) return;
    draw_results(st, qp);
    draw_qat(st, qp);
    draw_sqnr(st, qp);
    draw_histograms(st, qp);
    draw_trace(st, qp);
}

void quant_lab_tick(app_state& st) {
    if (!st.quant_lab || !st.quant_lab->lab.busy()) return;
    ++st.quant_lab->frames_while_busy;
    st.quant_lab->lab.tick(12.0);
}

nlohmann::json quant_lab_state(const app_state& st) {
    if (!st.quant_lab) return {{"ready", false}, {"phase", "idle"}};
    nlohmann::json j = st.quant_lab->lab.state_json();
    j["error"] = st.quant_lab->error;
    j["frames_while_busy"] = st.quant_lab->frames_while_busy;
    if (st.quant_lab->trace) {
        const auto& t = *st.quant_lab->trace;
        j["trace"] = {{"layer", t.layer}, {"acc", t.acc}, {"out_q", t.out_q}, {"engine_q", t.engine_q},
                      {"terms", t.xq.size()}, {"real_float", t.real_float}};
    }
    return j;
}

nlohmann::json quant_lab_apply(app_state& st, const nlohmann::json& req) {
    if (!req.is_object()) return api::make_error("\"qlab\" must be an object");
    static const char* known[] = {"model", "weight_bits", "act_bits", "per_channel", "restricted", "calibration",
                                  "calib_images", "percentile", "action", "layer", "image", "y", "x", "channel",
                                  "qat_steps", "qat_batch", "qat_lr", "ste"};
    for (auto it = req.begin(); it != req.end(); ++it) {
        const std::string key = it.key();  // a copy: clang 14 cannot capture structured bindings
        if (std::none_of(std::begin(known), std::end(known), [&](const char* n) { return key == n; }))
            return api::make_error("unknown qlab field \"" + key + "\"");
    }
    quant_lab_panel& qp = state(st);
    lab::quant_settings s = qp.pending;
    try {
        if (req.contains("model")) s.model = req["model"].get<std::string>();
        if (req.contains("weight_bits")) s.weight_bits = req["weight_bits"].get<int>();
        if (req.contains("act_bits")) s.act_bits = req["act_bits"].get<int>();
        if (req.contains("per_channel")) s.per_channel = req["per_channel"].get<bool>();
        if (req.contains("restricted")) s.restricted = req["restricted"].get<bool>();
        if (req.contains("calib_images")) s.calib_images = req["calib_images"].get<int>();
        if (req.contains("percentile")) s.percentile = req["percentile"].get<double>();
        if (req.contains("calibration")) {
            auto m = quant::parse_calib_method(req["calibration"].get<std::string>());
            if (!m) return api::make_error("\"calibration\" must be minmax, moving_average or percentile");
            s.calib = *m;
        }
    } catch (const nlohmann::json::exception&) {
        return api::make_error("a qlab field has the wrong type");
    }
    const bool changed = req.contains("model") || req.contains("weight_bits") || req.contains("act_bits") ||
                         req.contains("per_channel") || req.contains("restricted") || req.contains("calibration") ||
                         req.contains("calib_images") || req.contains("percentile");
    if (changed) {
        const lab::quant_settings before = qp.pending;
        qp.pending = s;
        if (auto e = apply_pending(qp); !e.empty()) {
            qp.pending = before;
            return api::make_error(e);
        }
        auto it = std::find(qp.shipped.begin(), qp.shipped.end(), s.model);
        if (it != qp.shipped.end()) qp.model = static_cast<int>(it - qp.shipped.begin());
    }
    if (req.contains("layer")) {
        const std::string name = req.value("layer", std::string());
        const auto& layers = qp.lab.weight_layers();
        bool found = false;
        for (std::size_t i = 0; i < layers.size(); ++i)
            if (qp.lab.quantized().graph.nodes[static_cast<std::size_t>(layers[i])].name == name) {
                qp.layer_pick = static_cast<int>(i);
                found = true;
            }
        if (!found) return api::make_error("no conv or fc layer named \"" + name + "\"");
    }
    lab::qat_lab_settings qs = qp.qat_pending;
    try {
        if (req.contains("qat_steps")) qs.steps = req["qat_steps"].get<int>();
        if (req.contains("qat_batch")) qs.batch = req["qat_batch"].get<int>();
        if (req.contains("qat_lr")) qs.lr = req["qat_lr"].get<double>();
        if (req.contains("ste")) {
            auto m = quant::parse_ste(req["ste"].get<std::string>());
            if (!m) return api::make_error("\"ste\" must be clipped or identity");
            qs.ste = *m;
        }
    } catch (const nlohmann::json::exception&) {
        return api::make_error("a qlab field has the wrong type");
    }
    const std::string action = req.value("action", std::string());
    if (action == "qat") {
        if (auto e = qp.lab.start_qat(qs); !e.empty()) return api::make_error(e);
        qp.qat_pending = qs;
    } else if (action == "run") {
        if (auto e = qp.lab.start(); !e.empty()) return api::make_error(e);
    } else if (action == "cancel") {
        qp.lab.cancel();
    } else if (action == "trace") {
        qp.image = req.value("image", qp.image);
        qp.ty = req.value("y", qp.ty);
        qp.tx = req.value("x", qp.tx);
        qp.tc = req.value("channel", qp.tc);
        const auto& layers = qp.lab.weight_layers();
        if (layers.empty()) return api::make_error("choose a model first");
        const int node = layers[static_cast<std::size_t>(std::clamp(qp.layer_pick, 0, static_cast<int>(layers.size()) - 1))];
        qp.trace = qp.lab.trace(node, qp.image, qp.ty, qp.tx, qp.tc, &qp.trace_error);
        if (!qp.trace) return api::make_error(qp.trace_error);
        qp.trace_error.clear();
    } else if (!action.empty()) {
        return api::make_error("\"action\" must be run, qat, cancel or trace");
    }
    return {{"ok", true}};
}

}  // namespace es::ui
