#include "ui/plot.h"

#include <algorithm>
#include <cmath>

namespace es::ui {

bool plot_begin(plot& p, const char* id, ImVec2 size, const plot_axis& x, const plot_axis& y,
                const std::vector<std::string>& x_categories) {
    p = plot{};
    if (size.x < 80 || size.y < 60) return false;
    if ((x.log && !(x.lo > 0 && x.hi > x.lo)) || (y.log && !(y.lo > 0 && y.hi > y.lo))) return false;
    if (!(x.hi > x.lo) || !(y.hi > y.lo)) return false;
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    ImGui::InvisibleButton(id, size);
    p.hovered = ImGui::IsItemHovered();
    p.dl = ImGui::GetWindowDrawList();
    const float fs = ImGui::GetFontSize();
    const float left = fs * 3.6f, bottom = fs * 2.6f, top = y.label.empty() ? fs * 0.6f : fs * 1.5f, right = fs * 1.0f;
    p.frame_min = ImVec2(origin.x + left, origin.y + top);
    p.frame_max = ImVec2(origin.x + size.x - right, origin.y + size.y - bottom);
    p.x = {x.lo, x.hi, p.frame_min.x, p.frame_max.x, x.log};
    p.y = {y.lo, y.hi, p.frame_max.y, p.frame_min.y, y.log};
    const ImU32 grid = ImGui::GetColorU32(ImGuiCol_Border, 0.45f), minor = ImGui::GetColorU32(ImGuiCol_Border, 0.2f);
    const ImU32 text = ImGui::GetColorU32(ImGuiCol_Text), dim = ImGui::GetColorU32(ImGuiCol_TextDisabled);
    p.dl->AddRectFilled(p.frame_min, p.frame_max, ImGui::GetColorU32(ImGuiCol_FrameBg, 0.5f));
    for (std::size_t i = 0; i < x_categories.size(); ++i) {
        const float px = static_cast<float>(p.x.to_px(static_cast<double>(i) + 0.5));
        const ImVec2 ts = ImGui::CalcTextSize(x_categories[i].c_str());
        p.dl->AddText(ImVec2(px - ts.x * 0.5f, p.frame_max.y + 2), text, x_categories[i].c_str());
        if (i > 0) {
            const float bx = static_cast<float>(p.x.to_px(static_cast<double>(i)));
            p.dl->AddLine(ImVec2(bx, p.frame_min.y), ImVec2(bx, p.frame_max.y), grid);
        }
    }
    if (x_categories.empty())
    for (const auto& t : es::plot::ticks(x.lo, x.hi, x.log, static_cast<int>((p.frame_max.x - p.frame_min.x) / (fs * 4)))) {
        const float px = static_cast<float>(p.x.to_px(t.value));
        p.dl->AddLine(ImVec2(px, p.frame_min.y), ImVec2(px, p.frame_max.y), t.major ? grid : minor);
        if (!t.label.empty()) {
            const ImVec2 ts = ImGui::CalcTextSize(t.label.c_str());
            p.dl->AddText(ImVec2(px - ts.x * 0.5f, p.frame_max.y + 2), dim, t.label.c_str());
        }
    }
    for (const auto& t : es::plot::ticks(y.lo, y.hi, y.log, static_cast<int>((p.frame_max.y - p.frame_min.y) / (fs * 2.2f)))) {
        const float py = static_cast<float>(p.y.to_px(t.value));
        p.dl->AddLine(ImVec2(p.frame_min.x, py), ImVec2(p.frame_max.x, py), t.major ? grid : minor);
        if (!t.label.empty()) {
            const ImVec2 ts = ImGui::CalcTextSize(t.label.c_str());
            p.dl->AddText(ImVec2(p.frame_min.x - ts.x - 4, py - ts.y * 0.5f), dim, t.label.c_str());
        }
    }
    p.dl->AddRect(p.frame_min, p.frame_max, ImGui::GetColorU32(ImGuiCol_Border));
    if (!x.label.empty()) {
        const ImVec2 ts = ImGui::CalcTextSize(x.label.c_str());
        p.dl->AddText(ImVec2((p.frame_min.x + p.frame_max.x - ts.x) * 0.5f, p.frame_max.y + fs * 1.3f), text,
                      x.label.c_str());
    }
    if (!y.label.empty()) p.dl->AddText(ImVec2(origin.x, origin.y), text, y.label.c_str());
    p.dl->PushClipRect(p.frame_min, p.frame_max, true);
    return true;
}

ImVec2 plot_to_screen(const plot& p, double x, double y) {
    return ImVec2(static_cast<float>(p.x.to_px(x)), static_cast<float>(p.y.to_px(y)));
}

namespace {
bool drawable(const plot& p, double x, double y) {
    return std::isfinite(x) && std::isfinite(y) && (!p.x.log || x > 0) && (!p.y.log || y > 0);
}
}  // namespace

void plot_line(plot& p, const double* xs, const double* ys, int n, ImU32 colour, const char* legend, float thickness) {
    std::vector<ImVec2> pts;
    for (int i = 0; i < n; ++i) {
        if (!drawable(p, xs[i], ys[i])) {
            if (pts.size() > 1) p.dl->AddPolyline(pts.data(), static_cast<int>(pts.size()), colour, 0, thickness);
            pts.clear();
            continue;
        }
        pts.push_back(plot_to_screen(p, xs[i], ys[i]));
    }
    if (pts.size() > 1) p.dl->AddPolyline(pts.data(), static_cast<int>(pts.size()), colour, 0, thickness);
    if (legend) p.legend.push_back({legend, colour, false});
}

int plot_points(plot& p, const double* xs, const double* ys, int n, ImU32 colour, const ImU32* colours, float radius,
                const char* legend) {
    int hit = -1;
    float best = radius * radius * 4.0f + 9.0f;
    const ImVec2 m = ImGui::GetMousePos();
    for (int i = 0; i < n; ++i) {
        if (!drawable(p, xs[i], ys[i])) continue;
        const ImVec2 s = plot_to_screen(p, xs[i], ys[i]);
        p.dl->AddCircleFilled(s, radius, colours ? colours[i] : colour);
        if (p.hovered) {
            const float d = (s.x - m.x) * (s.x - m.x) + (s.y - m.y) * (s.y - m.y);
            if (d < best) {
                best = d;
                hit = i;
            }
        }
    }
    if (hit >= 0) p.dl->AddCircle(plot_to_screen(p, xs[hit], ys[hit]), radius + 3, ImGui::GetColorU32(ImGuiCol_Text), 0, 1.5f);
    if (legend) p.legend.push_back({legend, colour, true});
    return hit;
}

void plot_vline(plot& p, double x, ImU32 colour, const char* label) {
    if (!p.x.contains(x)) return;
    const float px = static_cast<float>(p.x.to_px(x));
    p.dl->AddLine(ImVec2(px, p.frame_min.y), ImVec2(px, p.frame_max.y), colour, 1.5f);
    if (label) p.dl->AddText(ImVec2(px + 4, p.frame_min.y + 2), colour, label);
}

void plot_text(plot& p, double x, double y, ImU32 colour, const char* text) {
    if (!drawable(p, x, y)) return;
    p.dl->AddText(plot_to_screen(p, x, y), colour, text);
}

void plot_end(plot& p) {
    p.dl->PopClipRect();
    if (p.legend.empty()) return;
    const float fs = ImGui::GetFontSize();
    ImVec2 at(p.frame_min.x + 6, p.frame_min.y + 4);
    float w = 0;
    for (const auto& e : p.legend) w = std::max(w, ImGui::CalcTextSize(e.name.c_str()).x);
    p.dl->AddRectFilled(ImVec2(at.x - 3, at.y - 2),
                        ImVec2(at.x + w + fs * 1.8f, at.y + static_cast<float>(p.legend.size()) * fs * 1.2f + 2),
                        ImGui::GetColorU32(ImGuiCol_WindowBg, 0.85f));
    for (const auto& e : p.legend) {
        if (e.points) p.dl->AddCircleFilled(ImVec2(at.x + fs * 0.5f, at.y + fs * 0.55f), fs * 0.3f, e.colour);
        else p.dl->AddLine(ImVec2(at.x, at.y + fs * 0.55f), ImVec2(at.x + fs, at.y + fs * 0.55f), e.colour, 2.5f);
        p.dl->AddText(ImVec2(at.x + fs * 1.4f, at.y), ImGui::GetColorU32(ImGuiCol_Text), e.name.c_str());
        at.y += fs * 1.2f;
    }
}

}  // namespace es::ui
