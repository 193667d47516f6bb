// plot: small 2-D plots drawn with ImDrawList (Debian has no ImPlot): a framed area with
// linear or log axes, grid and tick labels (src/plot/axis.h does the arithmetic), line and
// scatter series, a legend, and hover tooltips on points.
//
//   es::ui::plot p;
//   if (es::ui::plot_begin(p, "##roof", {w, h}, {1e-2, 1e3, true, "MACs/byte"}, {0.1, 100, true, "GMAC/s"})) {
//       es::ui::plot_line(p, xs, ys, n, IM_COL32(200, 200, 80, 255), "roof");
//       if (int i = es::ui::plot_points(p, xs, ys, n, colours, 4.0f, "layers"); i >= 0) ImGui::SetTooltip(...);
//       es::ui::plot_end(p);
//   }
#pragma once

#include "plot/axis.h"

#include <imgui.h>

#include <string>
#include <vector>

namespace es::ui {

struct plot_axis {
    double lo = 0.0, hi = 1.0;
    bool log = false;
    std::string label;
};

struct plot {
    es::plot::scale x, y;
    ImVec2 frame_min, frame_max;  // the data area in screen coordinates
    ImDrawList* dl = nullptr;
    struct legend_entry {
        std::string name;
        ImU32 colour;
        bool points;
    };
    std::vector<legend_entry> legend;
    bool hovered = false;
};

// Reserves `size` (ImGui units) and draws axes, grid and labels. False when nothing can be
// drawn (zero size or an empty log range); then do not call the other functions.
// With x_categories, the x axis is categorical: no numeric ticks, category i labelled at
// x = i + 0.5 (give x.lo = 0 and x.hi = the number of categories).
bool plot_begin(plot& p, const char* id, ImVec2 size, const plot_axis& x, const plot_axis& y,
                const std::vector<std::string>& x_categories = {});
ImVec2 plot_to_screen(const plot& p, double x, double y);
// A polyline through (xs[i], ys[i]); points outside a log axis's domain are skipped.
void plot_line(plot& p, const double* xs, const double* ys, int n, ImU32 colour, const char* legend = nullptr,
               float thickness = 2.0f);
// Dots; returns the index of the dot under the mouse (or -1) so the caller can show a tooltip.
// `colours` may be null (then `colour` for all).
int plot_points(plot& p, const double* xs, const double* ys, int n, ImU32 colour, const ImU32* colours,
                float radius, const char* legend = nullptr);
// A vertical or horizontal marker line with a label at its end.
void plot_vline(plot& p, double x, ImU32 colour, const char* label);
void plot_text(plot& p, double x, double y, ImU32 colour, const char* text);
// Draws the legend (top-left) and closes the plot.
void plot_end(plot& p);

}  // namespace es::ui
