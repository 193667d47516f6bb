// Training panel: the training concepts of study sheet §4 run in the page. Tabs:
//   - Distillation (§4.1): a narrow student trained twice from one initialization on the same
//     batches, on hard labels and with the distillation loss against a shipped teacher
//     (lab::distill_job), test accuracy of both as it trains; and the teacher's softened
//     distribution of a chosen test image as T changes (dark knowledge).
//   - Batch size (§4.2): one architecture trained with a small batch, a large batch, and a large
//     batch with the learning rate scaled (lab::batch_job): test accuracy and training loss per
//     epoch, time per epoch, and the sharpness probe's loss-vs-radius curves.
//   - Once-for-All (§4.3): sub-networks of the shipped supernet measured and searched
//     (panel_training_ofa.cpp).
#include "lab/batch_lab.h"
#include "lab/distill_lab.h"
#include "models/models.h"
#include "models/shipped.h"
#include "train/loss.h"
#include "ui/panels/panels.h"
#include "ui/panels/training_ofa.h"
#include "ui/plot.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace es::ui {

struct training_panel {
    std::string tab = "distill";
    std::optional<std::string> tab_request;
    lab::distill_job job;
    lab::distill_settings pending;  // the controls
    std::string error;
    long long frames_while_busy = 0;
    // Dark knowledge: the teacher's softmax of one test image at T and at 1.
    std::string view_teacher = "tiny_shufflenet_v2";
    int view_image = 0;
    float view_t = 4.0f;
    std::vector<double> soft, hard;  // at view_t, at 1
    std::string view_error;
    std::string view_key;  // what soft/hard were computed for
    std::vector<std::string> shipped, tiny;
    bool initialised = false;
    // Batch size.
    lab::batch_job batch;
    lab::batch_settings batch_pending;
    std::string batch_error;
    // Once-for-All.
    ofa_panel ofa;
    bool any_busy() const { return job.busy() || batch.busy() || ofa.job.busy(); }
};

namespace {

training_panel& state(app_state& st) {
    if (!st.training) st.training = std::make_shared<training_panel>();
    training_panel& p = *st.training;
    if (!p.initialised) {
        p.initialised = true;
        p.shipped = models::shipped_models();
        for (const auto& a : models::arch_names())
            if (models::is_tiny(a)) p.tiny.push_back(a);
        if (!p.shipped.empty() && std::find(p.shipped.begin(), p.shipped.end(), p.pending.teacher) == p.shipped.end())
            p.pending.teacher = p.view_teacher = p.shipped.back();
    }
    return p;
}

void refresh_view(training_panel& p) {
    char key[128];
    std::snprintf(key, sizeof key, "%s|%d|%g", p.view_teacher.c_str(), p.view_image, static_cast<double>(p.view_t));
    if (p.view_key == key) return;
    p.view_key = key;
    p.view_error.clear();
    // One run of the teacher; both softmaxes from its logits.
    const auto z = p.job.teacher_logits(p.view_teacher, p.view_image, &p.view_error);
    p.soft.assign(z.size(), 0.0);
    p.hard.assign(z.size(), 0.0);
    if (z.empty()) return;
    train::softmax_row(z.data(), static_cast<int>(z.size()), p.view_t, p.soft.data());
    train::softmax_row(z.data(), static_cast<int>(z.size()), 1.0, p.hard.data());
}

void combo(const char* label, const std::vector<std::string>& names, std::string& current, float width) {
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * width);
    if (ImGui::BeginCombo(label, current.c_str())) {
        for (const auto& n : names)
            if (ImGui::Selectable(n.c_str(), n == current)) current = n;
        ImGui::EndCombo();
    }
}

std::string pct(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%.1f%%", v * 100.0);
    return b;
}

void draw_dark_knowledge(app_state& st, training_panel& p) {
    heading(st, tr(st, "train.kd.dark_heading"));
    text_wrapped(tr(st, "train.kd.dark_intro"));
    combo((std::string(tr(st, "train.kd.teacher")) + "##view").c_str(), p.shipped, p.view_teacher, 12);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 10);
    const data::dataset* d = p.job.test_set();
    ImGui::SliderInt(tr(st, "train.kd.image"), &p.view_image, 0, d ? d->count - 1 : 1999);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 10);
    ImGui::SliderFloat(tr(st, "train.kd.view_t"), &p.view_t, 0.5f, 20.0f, "%.1f", ImGuiSliderFlags_Logarithmic);
    refresh_view(p);
    d = p.job.test_set();
    if (!p.view_error.empty()) ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.4f, 1.0f), "%s", p.view_error.c_str());
    if (p.soft.empty() || !d) return;
    // The image, drawn pixel by pixel.
    const float px = ImGui::GetFontSize() * 0.32f;
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const ImVec2 o = ImGui::GetCursorScreenPos();
    const std::uint8_t* img = d->images.data() + static_cast<std::size_t>(p.view_image) * static_cast<std::size_t>(d->rows * d->cols);
    for (int y = 0; y < d->rows; ++y)
        for (int x = 0; x < d->cols; ++x) {
            const int v = img[y * d->cols + x];
            dl->AddRectFilled(ImVec2(o.x + x * px, o.y + y * px), ImVec2(o.x + (x + 1) * px, o.y + (y + 1) * px),
                              IM_COL32(v, v, v, 255));
        }
    ImGui::Dummy(ImVec2(px * static_cast<float>(d->cols), px * static_cast<float>(d->rows)));
    ImGui::SameLine();
    const int label = d->labels[static_cast<std::size_t>(p.view_image)];
    const float bar_w = ImGui::GetFontSize() * 12;
    ImGui::BeginGroup();
    ImGui::Text("%s", i18n::format(tr(st, "train.kd.label"), {tr(st, "fmnist.class." + std::to_string(label))}).c_str());
    if (ImGui::BeginTable("##soft", 3, ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_NoHostExtendX)) {
        ImGui::TableSetupColumn(tr(st, "train.kd.class"));
        ImGui::TableSetupColumn("T = 1", ImGuiTableColumnFlags_WidthFixed, bar_w);
        char head[48];
        std::snprintf(head, sizeof head, "T = %.1f", static_cast<double>(p.view_t));
        ImGui::TableSetupColumn(head, ImGuiTableColumnFlags_WidthFixed, bar_w);
        ImGui::TableHeadersRow();
        for (std::size_t c = 0; c < p.soft.size(); ++c) {
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            const std::string name = tr(st, "fmnist.class." + std::to_string(c));
            if (static_cast<int>(c) == label) ImGui::TextColored(ImVec4(0.95f, 0.75f, 0.3f, 1.0f), "%s", name.c_str());
            else ImGui::TextUnformatted(name.c_str());
            char o1[32], o2[32];
            std::snprintf(o1, sizeof o1, "%.4f", p.hard[c]);
            std::snprintf(o2, sizeof o2, "%.4f", p.soft[c]);
            ImGui::TableNextColumn();
            ImGui::ProgressBar(static_cast<float>(p.hard[c]), ImVec2(bar_w, 0), o1);
            ImGui::TableNextColumn();
            ImGui::ProgressBar(static_cast<float>(p.soft[c]), ImVec2(bar_w, 0), o2);
        }
        ImGui::EndTable();
    }
    ImGui::EndGroup();
    text_wrapped(tr(st, "train.kd.dark_read"));
}

void draw_distill(app_state& st) {
    training_panel& p = state(st);
    text_wrapped(tr(st, "train.kd.intro"));
    quiz_link(st, "4.1");
    if (p.shipped.empty()) {
        ImGui::TextDisabled("%s", tr(st, "train.no_models"));
        return;
    }
    auto& s = p.pending;
    const bool busy = p.job.busy();
    ImGui::BeginDisabled(busy || p.batch.busy() || p.ofa.job.busy());  // one training job at a time
    combo(tr(st, "train.kd.teacher"), p.shipped, s.teacher, 12);
    ImGui::SameLine();
    combo(tr(st, "train.kd.student"), p.tiny, s.student, 12);
    ImGui::SameLine();
    float width = static_cast<float>(s.student_width);
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 7);
    if (ImGui::SliderFloat(tr(st, "train.kd.width"), &width, 0.1f, 1.0f, "%.2f")) s.student_width = std::round(width * 100.0) / 100.0;
    float t = static_cast<float>(s.temperature), alpha = static_cast<float>(s.alpha);
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 7);
    if (ImGui::SliderFloat(tr(st, "train.kd.temperature"), &t, 1.0f, 20.0f, "%.1f")) s.temperature = std::round(t * 10.0) / 10.0;
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 7);
    if (ImGui::SliderFloat(tr(st, "train.kd.alpha"), &alpha, 0.0f, 1.0f, "%.2f")) s.alpha = std::round(alpha * 100.0) / 100.0;
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 7);
    ImGui::SliderInt(tr(st, "train.kd.steps"), &s.steps, 50, 2000);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 5);
    ImGui::SliderInt(tr(st, "train.kd.batch"), &s.batch, 8, 128);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 5);
    ImGui::InputInt(tr(st, "train.kd.seed"), &s.seed, 0);
    if (ImGui::Button(tr(st, "train.kd.run"))) {
        p.error = p.job.start(s);
        p.frames_while_busy = 0;
    }
    ImGui::EndDisabled();
    if (lab_footer(st, busy, p.error, "train.kd.time_note")) p.job.cancel();

    const auto& r = p.job.result();
    const auto& cfg = p.job.settings();
    if (busy || !r.curve.empty() || r.teacher_accuracy >= 0) {
        if (busy) {
            char overlay[96];
            std::snprintf(overlay, sizeof overlay, "%zu / %d · %.0f s", r.loss_scratch.size(), cfg.steps, r.seconds);
            ImGui::ProgressBar(static_cast<float>(p.job.progress()), ImVec2(-1, 0), overlay);
        }
        // Test accuracy of both arms, with the teacher's as a line.
        if (!r.curve.empty()) {
            std::vector<double> xs, kd, sc;
            double lo = 1.0;
            for (const auto& c : r.curve) {
                xs.push_back(c.step);
                kd.push_back(c.accuracy_kd * 100.0);
                sc.push_back(c.accuracy_scratch * 100.0);
                lo = std::min({lo, c.accuracy_kd, c.accuracy_scratch});
            }
            plot pl;
            if (plot_begin(pl, "##kd_acc", ImVec2(ImGui::GetContentRegionAvail().x * 0.5f - 4, ImGui::GetFontSize() * 13),
                           {0.0, static_cast<double>(cfg.steps), false, tr(st, "train.kd.step")},
                           {std::max(0.0, std::floor(lo * 10.0) * 10.0 - 5.0), 100.0, false, tr(st, "train.kd.test_acc")})) {
                if (r.teacher_accuracy >= 0) {
                    const double tx[2] = {0.0, static_cast<double>(cfg.steps)};
                    const double ty[2] = {r.teacher_accuracy * 100.0, r.teacher_accuracy * 100.0};
                    plot_line(pl, tx, ty, 2, IM_COL32(200, 200, 200, 120), tr(st, "train.kd.teacher_line"), 1.0f);
                }
                plot_line(pl, xs.data(), kd.data(), static_cast<int>(xs.size()), IM_COL32(240, 170, 60, 255), tr(st, "train.kd.arm_kd"));
                plot_points(pl, xs.data(), kd.data(), static_cast<int>(xs.size()), IM_COL32(240, 170, 60, 255), nullptr, 3.5f);
                plot_line(pl, xs.data(), sc.data(), static_cast<int>(xs.size()), IM_COL32(120, 180, 240, 255),
                          tr(st, "train.kd.arm_scratch"));
                plot_points(pl, xs.data(), sc.data(), static_cast<int>(xs.size()), IM_COL32(120, 180, 240, 255), nullptr, 3.5f);
                plot_end(pl);
            }
            ImGui::SameLine();
        }
        // Training loss, smoothed over 10 steps (the two losses differ: see the note).
        auto smooth = [](const std::vector<float>& v) {
            std::vector<double> out(v.size());
            double acc = 0;
            for (std::size_t i = 0; i < v.size(); ++i) {
                acc += v[i];
                if (i >= 10) acc -= v[i - 10];
                out[i] = acc / static_cast<double>(std::min<std::size_t>(i + 1, 10));
            }
            return out;
        };
        if (!r.loss_scratch.empty()) {
            const auto a = smooth(r.loss_kd), b = smooth(r.loss_scratch);
            std::vector<double> xa(a.size()), xb(b.size());
            double hi = 0.1;
            for (std::size_t i = 0; i < a.size(); ++i) xa[i] = static_cast<double>(i + 1), hi = std::max(hi, a[i]);
            for (std::size_t i = 0; i < b.size(); ++i) xb[i] = static_cast<double>(i + 1), hi = std::max(hi, b[i]);
            plot pl;
            if (plot_begin(pl, "##kd_loss", ImVec2(ImGui::GetContentRegionAvail().x, ImGui::GetFontSize() * 13),
                           {0.0, static_cast<double>(cfg.steps), false, tr(st, "train.kd.step")},
                           {0.0, hi * 1.05, false, tr(st, "train.kd.loss")})) {
                plot_line(pl, xa.data(), a.data(), static_cast<int>(xa.size()), IM_COL32(240, 170, 60, 255), tr(st, "train.kd.loss_kd"));
                plot_line(pl, xb.data(), b.data(), static_cast<int>(xb.size()), IM_COL32(120, 180, 240, 255),
                          tr(st, "train.kd.loss_scratch"));
                plot_end(pl);
            }
        }
        if (ImGui::BeginTable("##kd_table", 4, ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit)) {
            for (const char* k : {"train.kd.col_model", "train.kd.col_params", "train.kd.col_macs", "train.kd.col_acc"})
                ImGui::TableSetupColumn(tr(st, k));
            ImGui::TableHeadersRow();
            auto row = [&](const std::string& name, std::size_t params, std::uint64_t macs, const std::string& acc) {
                ImGui::TableNextRow();
                ImGui::TableNextColumn();
                ImGui::TextUnformatted(name.c_str());
                ImGui::TableNextColumn();
                ImGui::Text("%zu", params);
                ImGui::TableNextColumn();
                ImGui::Text("%.2f M", static_cast<double>(macs) / 1e6);
                ImGui::TableNextColumn();
                ImGui::TextUnformatted(acc.c_str());
            };
            char w[48];
            std::snprintf(w, sizeof w, "%s ×%.2f", cfg.student.c_str(), cfg.student_width);
            row(i18n::format(tr(st, "train.kd.row_teacher"), {cfg.teacher}), r.teacher_params, r.teacher_macs,
                r.teacher_accuracy >= 0 ? pct(r.teacher_accuracy) : "…");
            row(i18n::format(tr(st, "train.kd.row_kd"), {w}), r.student_params, r.student_macs,
                r.curve.empty() ? "…" : pct(r.curve.back().accuracy_kd));
            row(i18n::format(tr(st, "train.kd.row_scratch"), {w}), r.student_params, r.student_macs,
                r.curve.empty() ? "…" : pct(r.curve.back().accuracy_scratch));
            ImGui::EndTable();
        }
        ImGui::TextDisabled("%s", i18n::format(tr(st, "train.kd.status"),
                                               {std::to_string(r.n), std::to_string(cfg.steps), std::to_string(cfg.batch),
                                                std::to_string(cfg.seed)})
                                      .c_str());
        text_wrapped(tr(st, "train.kd.read"));
    }
    draw_dark_knowledge(st, p);
    ImGui::PushTextWrapPos(0.0f);
    ImGui::TextDisabled("%s", tr(st, "train.kd.cli"));
    ImGui::PopTextWrapPos();
}


ImU32 arm_colour(std::size_t i) {
    static const ImU32 c[] = {IM_COL32(120, 180, 240, 255), IM_COL32(240, 110, 90, 255), IM_COL32(240, 180, 60, 255)};
    return c[i % 3];
}

void draw_batch(app_state& st) {
    training_panel& p = state(st);
    text_wrapped(tr(st, "train.bs.intro"));
    quiz_link(st, "4.2");
    auto& s = p.batch_pending;
    const bool busy = p.batch.busy();
    ImGui::BeginDisabled(busy || p.job.busy() || p.ofa.job.busy());  // one training job at a time
    combo(tr(st, "train.bs.model"), p.tiny, s.model, 12);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 6);
    ImGui::SliderInt(tr(st, "train.bs.small"), &s.small_batch, 4, 64);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 6);
    ImGui::SliderInt(tr(st, "train.bs.large"), &s.large_batch, 64, 1024);
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 6);
    ImGui::InputDouble(tr(st, "train.bs.lr"), &s.lr, 0, 0, "%.3f");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 6);
    ImGui::SliderInt(tr(st, "train.bs.epochs"), &s.epochs, 1, 10);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 7);
    ImGui::SliderInt(tr(st, "train.bs.images"), &s.train_limit, 1024, 6000);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 5);
    ImGui::InputInt(tr(st, "train.kd.seed"), &s.seed, 0);
    if (ImGui::Button(tr(st, "train.bs.run"))) {
        p.batch_error = p.batch.start(s);
        p.frames_while_busy = 0;
    }
    ImGui::EndDisabled();
    if (lab_footer(st, busy, p.batch_error, "train.bs.time_note")) p.batch.cancel();
    const auto& r = p.batch.result();
    const auto& cfg = p.batch.settings();
    if (r.arms.empty()) return;
    if (busy) {
        char overlay[64];
        std::snprintf(overlay, sizeof overlay, "%.0f%% · %.0f s", p.batch.progress() * 100.0, r.seconds);
        ImGui::ProgressBar(static_cast<float>(p.batch.progress()), ImVec2(-1, 0), overlay);
    }
    auto arm_label = [&](const lab::batch_arm& a) {
        char b[96];
        std::snprintf(b, sizeof b, "%s (B=%d, lr=%.3g)", tr(st, "train.bs.arm." + a.name), a.batch, a.lr);
        return std::string(b);
    };
    // Test accuracy per epoch, and the sharpness probe.
    const float half = ImGui::GetContentRegionAvail().x * 0.5f - 4;
    plot pa;
    if (plot_begin(pa, "##bs_acc", ImVec2(half, ImGui::GetFontSize() * 13),
                   {0.5, static_cast<double>(cfg.epochs) + 0.5, false, tr(st, "train.bs.epoch")},
                   {0.0, 100.0, false, tr(st, "train.kd.test_acc")})) {
        for (std::size_t i = 0; i < r.arms.size(); ++i) {
            std::vector<double> xs, ys;
            for (const auto& e : r.arms[i].epochs) xs.push_back(e.epoch), ys.push_back(e.test_accuracy * 100.0);
            if (xs.empty()) continue;
            const std::string l = arm_label(r.arms[i]);
            plot_line(pa, xs.data(), ys.data(), static_cast<int>(xs.size()), arm_colour(i), l.c_str());
            plot_points(pa, xs.data(), ys.data(), static_cast<int>(xs.size()), arm_colour(i), nullptr, 3.5f);
        }
        plot_end(pa);
    }
    ImGui::SameLine();
    double hi = 0.1, lo = 1e9;
    for (const auto& a : r.arms)
        for (double v : a.sharpness) hi = std::max(hi, v), lo = std::min(lo, v);
    plot ps;
    if (plot_begin(ps, "##bs_sharp", ImVec2(half, ImGui::GetFontSize() * 13),
                   {0.0, r.radii.empty() ? 1.0 : r.radii.back(), false, tr(st, "train.bs.radius")},
                   {lo < 1e9 ? std::max(0.0, lo * 0.9) : 0.0, hi * 1.05, false, tr(st, "train.bs.probe_loss")})) {
        for (std::size_t i = 0; i < r.arms.size(); ++i) {
            const auto& a = r.arms[i];
            if (a.sharpness.size() != r.radii.size()) continue;
            plot_line(ps, r.radii.data(), a.sharpness.data(), static_cast<int>(a.sharpness.size()), arm_colour(i),
                      tr(st, "train.bs.arm." + a.name));
            plot_points(ps, r.radii.data(), a.sharpness.data(), static_cast<int>(a.sharpness.size()), arm_colour(i), nullptr, 3.0f);
        }
        plot_end(ps);
    }
    if (ImGui::BeginTable("##bs_table", 7, ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit)) {
        for (const char* k : {"train.bs.col_arm", "train.bs.col_steps", "train.bs.col_time", "train.bs.col_per_image",
                              "train.bs.col_loss", "train.bs.col_acc", "train.bs.col_sharp"})
            ImGui::TableSetupColumn(tr(st, k));
        ImGui::TableHeadersRow();
        for (std::size_t i = 0; i < r.arms.size(); ++i) {
            const auto& a = r.arms[i];
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(arm_colour(i)), "%s", arm_label(a).c_str());
            ImGui::TableNextColumn();
            ImGui::Text("%lld", a.steps);
            double secs = 0;
            for (const auto& e : a.epochs) secs += e.seconds;
            ImGui::TableNextColumn();
            if (!a.epochs.empty()) ImGui::Text("%.2f s", secs / static_cast<double>(a.epochs.size()));
            ImGui::TableNextColumn();
            if (!a.epochs.empty() && a.steps > 0)
                ImGui::Text("%.2f ms", 1000.0 * secs / static_cast<double>(a.steps * a.batch));
            ImGui::TableNextColumn();
            if (!a.epochs.empty()) ImGui::Text("%.3f", a.epochs.back().train_loss);
            ImGui::TableNextColumn();
            if (!a.epochs.empty()) ImGui::Text("%.1f%%", a.epochs.back().test_accuracy * 100.0);
            ImGui::TableNextColumn();
            if (a.sharpness.size() >= 2) ImGui::Text("%+.3f", a.sharpness.back() - a.sharpness.front());
        }
        ImGui::EndTable();
    }
    ImGui::TextDisabled("%s", i18n::format(tr(st, "train.bs.status"),
                                           {cfg.model, std::to_string(cfg.train_limit), std::to_string(cfg.epochs),
                                            std::to_string(r.n), std::to_string(r.probe_n), std::to_string(cfg.directions)})
                                  .c_str());
    char ratio[32];
    std::snprintf(ratio, sizeof ratio, "%g", static_cast<double>(cfg.large_batch) / cfg.small_batch);
    text_wrapped(i18n::format(tr(st, "train.bs.read"), {ratio}).c_str());
    ImGui::PushTextWrapPos(0.0f);
    ImGui::TextDisabled("%s", tr(st, "train.bs.cli"));
    ImGui::PopTextWrapPos();
}

void draw_ofa_tab(app_state& st) {
    training_panel& p = state(st);
    draw_ofa(st, p.ofa, p.job.busy() || p.batch.busy());
}

constexpr panel_tab training_tabs[] = {
    {"distill", "train.kd.tab", draw_distill},
    {"batch", "train.bs.tab", draw_batch},
    {"ofa", "train.ofa.tab", draw_ofa_tab},
};

nlohmann::json bad(const std::string& m) { return nlohmann::json{{"error", m}}; }

}  // namespace

void panel_training(app_state& st, const panel_def& self) {
    training_panel& p = state(st);
    const std::string k = std::string("panel.") + self.key;
    heading(st, tr(st, k + ".title"));
    text_wrapped(tr(st, k + ".summary"));
    draw_tabs(st, "##train_tabs", training_tabs, p.tab, p.tab_request);
    ImGui::Spacing();
    heading(st, tr(st, "panel.common.plan_heading"));
    bullet_lines(tr(st, k + ".plan"));
    heading(st, tr(st, "panel.common.sheet_heading"));
    bullet_lines(tr(st, k + ".sheet"));
}

void training_tick(app_state& st) {
    if (!st.training) return;
    training_panel& p = *st.training;
    if (!p.any_busy()) return;
    ++p.frames_while_busy;
    if (p.job.busy()) p.job.tick(12.0);
    else if (p.batch.busy()) p.batch.tick(12.0);
    else p.ofa.job.tick(12.0);
}

nlohmann::json training_state(const app_state& st) {
    if (!st.training) return {{"tab", "distill"}, {"busy", false}};
    const training_panel& p = *st.training;
    nlohmann::json j = {{"tab", p.tab}, {"error", p.error}, {"frames_while_busy", p.frames_while_busy}};
    j["distill"] = p.job.state_json();
    j["batch"] = p.batch.state_json();
    j["batch_error"] = p.batch_error;
    j["ofa"] = p.ofa.job.state_json();
    j["ofa_error"] = p.ofa.error;
    j["busy"] = p.any_busy();
    j["view"] = {{"teacher", p.view_teacher}, {"image", p.view_image}, {"temperature", p.view_t},
                 {"soft", p.soft}, {"at_t1", p.hard}, {"error", p.view_error}};
    return j;
}

nlohmann::json training_apply(app_state& st, const nlohmann::json& req) {
    if (!req.is_object()) return bad("\"train\" must be an object");
    for (auto it = req.begin(); it != req.end(); ++it)
        if (it.key() != "tab" && it.key() != "distill" && it.key() != "view" && it.key() != "batch" && it.key() != "ofa")
            return bad("unknown train field \"" + it.key() + "\" (known: tab, distill, view, batch, ofa)");
    std::optional<std::string> tab;
    if (auto it = req.find("tab"); it != req.end()) {
        for (const auto& t : training_tabs)
            if (it->is_string() && *it == t.id) tab = t.id;
        if (!tab) return bad("\"train.tab\" must be distill, batch or ofa");
    }
    training_panel& p = state(st);
    // Check everything first: a refused request changes nothing.
    std::optional<lab::distill_settings> run;
    bool cancel = false;
    if (auto it = req.find("distill"); it != req.end()) {
        if (!it->is_object()) return bad("\"train.distill\" must be an object");
        lab::distill_settings s = p.pending;
        for (auto f = it->begin(); f != it->end(); ++f) {
            const std::string k = f.key();
            const std::string name = "\"train.distill." + k + "\"";
            auto num = [&](double* out) {
                if (!f->is_number()) return false;
                *out = f->get<double>();
                return true;
            };
            auto whole = [&](int* out) { return json_int(*f, out); };
            bool ok = true;
            if (k == "teacher" || k == "student") {
                ok = f->is_string();
                if (ok) (k == "teacher" ? s.teacher : s.student) = f->get<std::string>();
            } else if (k == "width") ok = num(&s.student_width);
            else if (k == "lr") ok = num(&s.lr);
            else if (k == "temperature") ok = num(&s.temperature);
            else if (k == "alpha") ok = num(&s.alpha);
            else if (k == "steps") ok = whole(&s.steps);
            else if (k == "batch") ok = whole(&s.batch);
            else if (k == "seed") ok = whole(&s.seed);
            else if (k == "eval_every") ok = whole(&s.eval_every);
            else if (k == "eval_limit") ok = whole(&s.eval_limit);
            else if (k == "train_limit") ok = whole(&s.train_limit);
            else if (k == "action") {
                ok = f->is_string() && (*f == "run" || *f == "cancel");
                if (ok) cancel = *f == "cancel";
            } else
                return bad("unknown train.distill field \"" + k +
                           "\" (known: teacher, student, width, steps, batch, lr, temperature, alpha, seed, eval_every, "
                           "eval_limit, train_limit, action)");
            if (!ok) return bad(name + (k == "action" ? " must be run or cancel" : " has the wrong type"));
        }
        if (std::find(p.shipped.begin(), p.shipped.end(), s.teacher) == p.shipped.end())
            return bad("\"train.distill.teacher\": no shipped model named \"" + s.teacher + "\"");
        if (auto e = lab::check_settings(s); !e.empty()) return bad("train.distill: " + e);
        if (!cancel) run = s;
    }
    std::optional<lab::batch_settings> batch_run;
    bool batch_cancel = false;
    if (auto it = req.find("batch"); it != req.end()) {
        if (!it->is_object()) return bad("\"train.batch\" must be an object");
        lab::batch_settings s = p.batch_pending;
        for (auto f = it->begin(); f != it->end(); ++f) {
            const std::string k = f.key();
            bool ok = true;
            auto whole = [&](int* out) { return json_int(*f, out); };
            if (k == "model") {
                ok = f->is_string();
                if (ok) s.model = f->get<std::string>();
            } else if (k == "lr") {
                ok = f->is_number();
                if (ok) s.lr = f->get<double>();
            } else if (k == "radii") {
                ok = f->is_array() && std::all_of(f->begin(), f->end(), [](const nlohmann::json& v) { return v.is_number(); });
                if (ok) s.radii = f->get<std::vector<double>>();
            } else if (k == "small_batch") ok = whole(&s.small_batch);
            else if (k == "large_batch") ok = whole(&s.large_batch);
            else if (k == "epochs") ok = whole(&s.epochs);
            else if (k == "train_limit") ok = whole(&s.train_limit);
            else if (k == "eval_limit") ok = whole(&s.eval_limit);
            else if (k == "seed") ok = whole(&s.seed);
            else if (k == "directions") ok = whole(&s.directions);
            else if (k == "probe_images") ok = whole(&s.probe_images);
            else if (k == "action") {
                ok = f->is_string() && (*f == "run" || *f == "cancel");
                if (ok) batch_cancel = *f == "cancel";
            } else
                return bad("unknown train.batch field \"" + k +
                           "\" (known: model, small_batch, large_batch, lr, epochs, train_limit, eval_limit, seed, radii, "
                           "directions, probe_images, action)");
            if (!ok) return bad("\"train.batch." + k + "\" " + (k == "action" ? "must be run or cancel" : "has the wrong type"));
        }
        if (auto e = lab::check_settings(s); !e.empty()) return bad("train.batch: " + e);
        if (!batch_cancel) batch_run = s;
    }
    ofa_request ofa;
    if (auto it = req.find("ofa"); it != req.end())
        if (auto e = ofa_parse(p.ofa, *it, &ofa); !e.empty()) return bad(e);
    const bool ofa_runs = ofa.run || ofa.measure;
    if ((run && (p.batch.busy() || p.ofa.job.busy())) || (batch_run && (p.job.busy() || p.ofa.job.busy() || run)) ||
        (ofa_runs && (p.job.busy() || p.batch.busy() || run || batch_run)))
        return bad("one training job at a time: cancel the running one first");
    std::optional<std::string> vt;
    std::optional<int> vi;
    std::optional<float> vtemp;
    if (auto it = req.find("view"); it != req.end()) {
        if (!it->is_object()) return bad("\"train.view\" must be an object");
        for (auto f = it->begin(); f != it->end(); ++f) {
            const std::string k = f.key();
            if (k == "teacher" && f->is_string()) {
                if (std::find(p.shipped.begin(), p.shipped.end(), f->get<std::string>()) == p.shipped.end())
                    return bad("\"train.view.teacher\": no shipped model named \"" + f->get<std::string>() + "\"");
                vt = f->get<std::string>();
            } else if (k == "image" && f->is_number_integer() && *f >= 0 && *f < 2000) {
                vi = f->get<int>();
            } else if (k == "temperature" && f->is_number() && *f >= 0.5 && *f <= 20) {
                vtemp = f->get<float>();
            } else if (k == "teacher" || k == "image" || k == "temperature") {
                return bad("\"train.view." + k + "\": " +
                           (k == "teacher" ? "a shipped model's name" : k == "image" ? "a test image from 0 to 1999" : "T from 0.5 to 20"));
            } else {
                return bad("unknown train.view field \"" + k + "\" (known: teacher, image, temperature)");
            }
        }
    }
    if (run) {
        if (auto e = p.job.start(*run); !e.empty()) return bad("train.distill: " + e);
        p.pending = *run;
        p.error.clear();
        p.frames_while_busy = 0;
    }
    if (cancel) p.job.cancel();
    if (batch_run) {
        if (auto e = p.batch.start(*batch_run); !e.empty()) return bad("train.batch: " + e);
        p.batch_pending = *batch_run;
        p.batch_error.clear();
        p.frames_while_busy = 0;
    }
    if (batch_cancel) p.batch.cancel();
    if (auto e = ofa_apply(p.ofa, ofa); !e.empty()) return bad(e);
    if (ofa.run) p.frames_while_busy = 0;
    if (vt) p.view_teacher = *vt;
    if (vi) p.view_image = *vi;
    if (vtemp) p.view_t = *vtemp;
    if (vt || vi || vtemp) refresh_view(p);
    p.tab_request = tab ? *tab
                        : std::string(req.contains("ofa")                          ? "ofa"
                                      : batch_run || batch_cancel                  ? "batch"
                                      : req.contains("distill") || req.contains("view") ? "distill"
                                                                                   : p.tab);
    return {{"ok", true}};
}

}  // namespace es::ui
