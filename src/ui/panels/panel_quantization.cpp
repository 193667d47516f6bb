// Quantization panel: tabs over linear quantization (study sheet §3.1) and quantization-aware
// training's straight-through estimator (§3, the STE bullet). Each tab is one draw function
// in quant_tabs below; a new tab is one more line there (and its id is accepted by the
// "quant" ui hook at once).
//
//   - Calculator: r_min, r_max, bits, signed/unsigned, asymmetric / symmetric (full or
//     restricted range) and a value; the convention explained; the real number line with the
//     integer grid on it (where the value lands, the clamped region); the worked solution.
//     Every number comes from es::calc::quant, the library behind `calc quant`.
//   - STE: fake quantization's staircase against the identity, and the gradient the
//     straight-through estimator passes back (identity or clipped identity).
//   - Model: post-training quantization of a trained tiny model measured in the page
//     (draw_quant_lab, panel_quant_lab.cpp).
#include "calc/quant.h"
#include "plot/axis.h"
#include "ui/panels/panels.h"
#include "ui/plot.h"

#include <imgui.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

namespace es::ui {

struct quant_panel {
    // The calculator's inputs (the hook's fields).
    double rmin = -1, rmax = 3, value = 0.5;
    int bits = 8;
    bool is_signed = false, symmetric = false, restricted = false;
    // The open tab (an id of quant_tabs) and a programmatic switch to apply.
    std::string tab = "calculator";
    std::optional<std::string> tab_request;
    // The STE tab.
    int ste_bits = 3;
    double ste_rmin = -1, ste_rmax = 2.5;  // 3 bits: S = 0.5, Z = 2, the grid ends on the range
    bool ste_clipped = true;
};

namespace {

constexpr panel_tab quant_tabs[] = {
    {"calculator", "quant.calc.tab", draw_quant_calculator},
    {"ste", "quant.ste.tab", draw_ste_plot},
    {"model", "quant.model.tab", draw_quant_lab},
};

const ImVec4 error_colour(0.95f, 0.35f, 0.30f, 1.0f);
const ImU32 value_colour = IM_COL32(240, 150, 60, 255);
const ImU32 clamp_fill = IM_COL32(230, 80, 70, 48);
const ImU32 clamp_text = IM_COL32(230, 90, 80, 255);

ImVec4 accent() { return ImGui::GetStyleColorVec4(ImGuiCol_CheckMark); }

quant_panel& state(app_state& st) {
    if (!st.quant) st.quant = std::make_shared<quant_panel>();
    return *st.quant;
}

calc::quant_input calculator_input(const quant_panel& q) {
    calc::quant_input in;
    in.rmin = q.rmin;
    in.rmax = q.rmax;
    in.bits = q.bits;
    in.is_signed = q.is_signed;
    in.scheme = q.symmetric ? calc::quant_scheme::symmetric : calc::quant_scheme::asymmetric;
    in.restricted = q.symmetric && q.restricted;  // the checkbox only counts for symmetric
    in.values = {q.value};
    return in;
}

std::string real(double v) { return calc::format_real(v); }
std::string count(std::int64_t v) { return calc::format_count(v); }

void error_text(const std::string& message) {
    ImGui::PushStyleColor(ImGuiCol_Text, error_colour);
    text_wrapped(message.c_str());
    ImGui::PopStyleColor();
}

void disabled_wrapped(const char* s) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
    text_wrapped(s);
    ImGui::PopStyleColor();
}

// A row of an input table: label | field | note; leaves the cursor in the field cell.
void field_row(const app_state& st, const char* label_key) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted(tr(st, label_key));
    ImGui::TableNextColumn();
    ImGui::SetNextItemWidth(-FLT_MIN);
}

// The note cell: the calculator's refusal when it names this field.
void field_note(const calc::calc_error& err, bool refused, const char* field, bool* shown) {
    ImGui::TableNextColumn();
    if (refused && err.field == field) {
        error_text(err.message);
        *shown = true;
    }
}

float max_width(const app_state& st, std::initializer_list<const char*> keys) {
    float w = 0;
    for (const char* k : keys) w = std::max(w, ImGui::CalcTextSize(tr(st, k)).x);
    return w;
}

// ---------------------------------------------------------------------------------------------
// Calculator: inputs
// ---------------------------------------------------------------------------------------------

void example_buttons(app_state& st, quant_panel& q) {
    struct example {
        const char* key;
        double rmin, rmax, value;
        bool is_signed, symmetric, restricted;
    };
    // The hand-checked cases of tests/calc/test_quant.cpp.
    const example examples[] = {{"quant.calc.example.asymmetric", -1, 3, 0.5, false, false, false},
                                {"quant.calc.example.full", -2, 1, 2, true, true, false},
                                {"quant.calc.example.restricted", -2, 1, 2, true, true, true}};
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted(tr(st, "quant.calc.examples"));
    for (const auto& e : examples) {
        ImGui::SameLine();
        if (ImGui::Button(tr(st, e.key))) {
            q.rmin = e.rmin;
            q.rmax = e.rmax;
            q.value = e.value;
            q.bits = 8;
            q.is_signed = e.is_signed;
            q.symmetric = e.symmetric;
            q.restricted = e.restricted;
        }
    }
}

// A line of choices under an input table, its label in the table's label column.
void choice_label(const app_state& st, const char* label_key, float label_w) {
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted(tr(st, label_key));
    ImGui::SameLine(label_w + ImGui::GetStyle().CellPadding.x * 2 + ImGui::GetStyle().WindowPadding.x);
}

// Draws the fields; returns whether a refusal was shown next to one of them.
bool calculator_inputs(app_state& st, quant_panel& q, const calc::calc_error& err, bool refused) {
    bool shown = false;
    const float label_w = max_width(st, {"quant.calc.rmin", "quant.calc.rmax", "quant.calc.bits", "quant.calc.type",
                                         "quant.calc.scheme", "quant.calc.value"});
    if (ImGui::BeginTable("##quant_fields", 3, ImGuiTableFlags_SizingFixedFit)) {
        ImGui::TableSetupColumn("##label", ImGuiTableColumnFlags_WidthFixed, label_w);
        ImGui::TableSetupColumn("##field", ImGuiTableColumnFlags_WidthFixed, ImGui::GetFontSize() * 9.0f);
        ImGui::TableSetupColumn("##note", ImGuiTableColumnFlags_WidthStretch);
        field_row(st, "quant.calc.rmin");
        ImGui::InputDouble("##rmin", &q.rmin, 0.0, 0.0, "%.10g");
        field_note(err, refused, "rmin", &shown);
        field_row(st, "quant.calc.rmax");
        ImGui::InputDouble("##rmax", &q.rmax, 0.0, 0.0, "%.10g");
        field_note(err, refused, "rmax", &shown);
        field_row(st, "quant.calc.bits");
        ImGui::InputInt("##bits", &q.bits, 1, 1);
        field_note(err, refused, "bits", &shown);
        if (!(refused && err.field == "bits")) {
            ImGui::AlignTextToFramePadding();
            ImGui::TextDisabled("%s", tr(st, "quant.calc.bits_note"));
        }
        field_row(st, "quant.calc.value");
        ImGui::InputDouble("##value", &q.value, 0.0, 0.0, "%.10g");
        field_note(err, refused, "value", &shown);
        ImGui::EndTable();
    }

    choice_label(st, "quant.calc.type", label_w);
    if (ImGui::RadioButton(tr(st, "quant.calc.unsigned"), !q.is_signed)) q.is_signed = false;
    ImGui::SameLine();
    if (ImGui::RadioButton(tr(st, "quant.calc.signed"), q.is_signed)) q.is_signed = true;
    if (refused && err.field == "signed") {
        error_text(err.message);
        shown = true;
    }
    choice_label(st, "quant.calc.scheme", label_w);
    if (ImGui::RadioButton(tr(st, "quant.calc.asymmetric"), !q.symmetric)) q.symmetric = false;
    ImGui::SameLine();
    if (ImGui::RadioButton(tr(st, "quant.calc.symmetric"), q.symmetric)) q.symmetric = true;
    ImGui::SameLine();
    ImGui::BeginDisabled(!q.symmetric);
    ImGui::Checkbox(tr(st, "quant.calc.restricted"), &q.restricted);
    ImGui::EndDisabled();
    if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
        ImGui::SetTooltip("%s", tr(st, "quant.calc.restricted_tip"));
    if (refused && err.field == "restricted") {
        error_text(err.message);
        shown = true;
    }
    return shown;
}

// ---------------------------------------------------------------------------------------------
// Calculator: results and explanations
// ---------------------------------------------------------------------------------------------

void result_row(const char* label, const std::string& value, const std::string& note = {}) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    text_wrapped(label);
    ImGui::TableNextColumn();
    ImGui::PushStyleColor(ImGuiCol_Text, accent());
    ImGui::TextUnformatted(value.c_str());
    ImGui::PopStyleColor();
    if (!note.empty()) {
        ImGui::SameLine();
        disabled_wrapped(note.c_str());
    }
}

void calculator_results(const app_state& st, const calc::quant_input& in, const calc::quant_result& r) {
    if (!ImGui::BeginTable("##quant_results", 2, ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp)) return;
    ImGui::TableSetupColumn("##what", ImGuiTableColumnFlags_WidthStretch, 0.8f);
    ImGui::TableSetupColumn("##value", ImGuiTableColumnFlags_WidthStretch, 1.2f);
    result_row(tr(st, "quant.calc.res.convention"), r.steps.front().result);
    result_row(tr(st, "quant.calc.res.range"), "[" + count(r.qmin) + ", " + count(r.qmax) + "]");
    result_row(tr(st, "quant.calc.res.scale"), real(r.scale));
    result_row(tr(st, "quant.calc.res.zero_point"), count(r.zero_point),
               r.zero_point_clamped ? tr(st, "quant.calc.res.z_clamped") : std::string());
    const bool clamped = r.q_unclamped[0] != r.q[0];
    result_row(tr(st, "quant.calc.res.q"), count(r.q[0]),
               clamped ? i18n::format(tr(st, "quant.calc.res.q_clamped"), {count(r.q_unclamped[0])}) : std::string());
    result_row(in.scheme == calc::quant_scheme::symmetric ? tr(st, "quant.calc.res.deq_symmetric")
                                                           : tr(st, "quant.calc.res.deq"),
               real(r.dequantized[0]));
    result_row(tr(st, "quant.calc.res.error"), calc::format_real(r.error[0], 4),
               i18n::format(tr(st, clamped ? "quant.calc.res.error_clamped" : "quant.calc.res.error_bound"),
                            {real(r.scale / 2)}));
    ImGui::EndTable();
}

const char* convention_key(const calc::quant_input& in) {
    if (in.scheme == calc::quant_scheme::asymmetric) return "quant.calc.conv.asymmetric";
    return in.restricted ? "quant.calc.conv.restricted" : "quant.calc.conv.full";
}

// ---------------------------------------------------------------------------------------------
// Calculator: the number line
// ---------------------------------------------------------------------------------------------

// Ticks of the integer grid: every integer for at most 5 bits, else multiples of a power of
// two far enough apart to be seen (q_min and q_max always).
std::int64_t grid_stride(int bits, double px_per_level, double min_px) {
    std::int64_t k = 1;
    if (bits <= 5) return 1;
    while (static_cast<double>(k) * px_per_level < min_px && k < (std::int64_t{1} << bits)) k *= 2;
    return k;
}

void number_line(const app_state& st, const calc::quant_input& in, const calc::quant_result& r, float width) {
    const double S = r.scale;
    const auto Z = r.zero_point;
    const double v = in.values[0];
    const double g0 = S * static_cast<double>(r.qmin - Z), g1 = S * static_cast<double>(r.qmax - Z);  // grid ends
    const double c0 = S * (static_cast<double>(r.qmin - Z) - 0.5), c1 = S * (static_cast<double>(r.qmax - Z) + 0.5);
    // The view: the calibrated range, the grid and real 0, with room for the clamped regions;
    // the value too unless it is far away (then it is drawn at the edge).
    double lo = std::min({in.rmin, g0, 0.0}), hi = std::max({in.rmax, g1, 0.0});
    const double span = hi - lo;
    if (v < lo) lo = std::max(v, lo - span * 0.5);
    if (v > hi) hi = std::min(v, hi + span * 0.5);
    lo -= (hi - lo) * 0.08;
    hi += (hi - lo) * 0.08;

    const float fs = ImGui::GetFontSize(), line = ImGui::GetTextLineHeightWithSpacing();
    const float left = fs * 2.2f, right = fs * 1.0f;
    const float height = line * 5.4f + fs * 4.2f;
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    ImGui::InvisibleButton("##number_line", ImVec2(width, height));
    const bool hovered = ImGui::IsItemHovered();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const float x0 = origin.x + left, x1 = origin.x + width - right;
    if (x1 - x0 < fs * 6) return;
    const es::plot::scale sx{lo, hi, x0, x1, false};
    auto px = [&](double x) { return static_cast<float>(sx.to_px(std::clamp(x, lo, hi))); };

    const float y_value = origin.y;
    const float y_labels = y_value + line;
    const float y_axis = y_labels + line + fs * 0.3f;
    const float y_grid = y_axis + fs * 2.7f;
    const float y_ints = y_grid + fs * 0.55f;
    const float y_land = y_ints + line;
    const float y_legend = y_land + line + fs * 0.2f;

    const ImU32 text = ImGui::GetColorU32(ImGuiCol_Text), dim = ImGui::GetColorU32(ImGuiCol_TextDisabled);
    const ImU32 acc = ImGui::GetColorU32(accent());
    auto centred = [&](float x, float y, ImU32 col, const std::string& s) {
        const float w = ImGui::CalcTextSize(s.c_str()).x;
        const float at = std::clamp(x - w * 0.5f, origin.x, origin.x + width - w);
        dl->AddText(ImVec2(at, y), col, s.c_str());
        return std::make_pair(at, at + w);
    };

    // The clamped regions: reals whose round(r/S + Z) leaves [q_min, q_max].
    const float band0 = y_axis - fs * 0.55f, band1 = y_grid + fs * 0.35f;
    const char* clamped_s = tr(st, "quant.calc.line.clamped");
    const float clamped_w = ImGui::CalcTextSize(clamped_s).x;
    if (c0 > lo) {
        dl->AddRectFilled(ImVec2(x0, band0), ImVec2(px(c0), band1), clamp_fill);
        if (px(c0) - x0 > clamped_w + 6) dl->AddText(ImVec2(x0 + 3, y_grid - fs * 1.45f), clamp_text, clamped_s);
    }
    if (c1 < hi) {
        dl->AddRectFilled(ImVec2(px(c1), band0), ImVec2(x1, band1), clamp_fill);
        if (x1 - px(c1) > clamped_w + 6)
            dl->AddText(ImVec2(x1 - clamped_w - 3, y_grid - fs * 1.45f), clamp_text, clamped_s);
    }

    // The real axis with its ticks, and the calibrated range [r_min, r_max] on it.
    dl->AddText(ImVec2(origin.x, y_axis - fs * 0.5f), text, "r");
    dl->AddLine(ImVec2(x0, y_axis), ImVec2(x1, y_axis), text, 1.5f);
    for (const auto& t : es::plot::ticks(lo, hi, false, static_cast<int>((x1 - x0) / (fs * 5)))) {
        const float x = px(t.value);
        dl->AddLine(ImVec2(x, y_axis - fs * 0.25f), ImVec2(x, y_axis), text, 1.0f);
        if (!t.label.empty()) centred(x, y_labels, dim, t.label);
    }
    const float ra = px(in.rmin), rb = px(in.rmax);
    dl->AddLine(ImVec2(ra, y_axis), ImVec2(rb, y_axis), acc, 4.0f);
    for (float x : {ra, rb}) dl->AddLine(ImVec2(x, y_axis - fs * 0.4f), ImVec2(x, y_axis + fs * 0.4f), acc, 2.0f);
    const char* rmin_s = "r_min";
    const float rmin_w = ImGui::CalcTextSize(rmin_s).x;
    dl->AddText(ImVec2(std::max(origin.x, ra - rmin_w - 3), y_axis + fs * 0.15f), acc, rmin_s);
    dl->AddText(ImVec2(std::min(rb + 3, origin.x + width - rmin_w), y_axis + fs * 0.15f), acc, "r_max");

    // Real 0 and the zero point: S·(Z − Z) = 0, so Z always sits under real 0.
    const float xz = px(0.0);
    for (float y = y_axis; y < y_grid; y += fs * 0.3f)
        dl->AddLine(ImVec2(xz, y), ImVec2(xz, std::min(y + fs * 0.15f, y_grid)), dim, 1.0f);

    // The integer grid: a tick at S·(q − Z) for each integer q.
    dl->AddText(ImVec2(origin.x, y_grid - fs * 0.5f), text, "q");
    dl->AddLine(ImVec2(px(g0), y_grid), ImVec2(px(g1), y_grid), text, 1.5f);
    const double px_per_level = S * (x1 - x0) / (hi - lo);
    const std::int64_t k = grid_stride(in.bits, px_per_level, 4.0);
    for (std::int64_t q = r.qmin; q <= r.qmax; ++q) {
        if (q % k != 0 && q != r.qmin && q != r.qmax) continue;
        const float x = px(S * static_cast<double>(q - Z));
        dl->AddLine(ImVec2(x, y_grid - fs * 0.3f), ImVec2(x, y_grid + fs * 0.3f), text, 1.0f);
    }
    // Labels: q_min, Z and q_max always; others where they fit.
    std::vector<std::pair<float, float>> taken;
    auto label_q = [&](std::int64_t q, ImU32 col) {
        const std::string s = count(q);
        const float x = px(S * static_cast<double>(q - Z));
        const float w = ImGui::CalcTextSize(s.c_str()).x;
        const float a = x - w * 0.5f - fs * 0.3f, b = x + w * 0.5f + fs * 0.3f;
        for (const auto& [ta, tb] : taken)
            if (a < tb && b > ta) return;
        taken.emplace_back(a, b);
        centred(x, y_ints, col, s);
    };
    label_q(Z, acc);
    label_q(r.qmin, text);
    label_q(r.qmax, text);
    const float widest =
        std::max(ImGui::CalcTextSize(count(r.qmin).c_str()).x, ImGui::CalcTextSize(count(r.qmax).c_str()).x) + fs;
    std::int64_t m = k;
    while (static_cast<double>(m) * px_per_level < widest && m < (std::int64_t{1} << in.bits)) m *= 2;
    for (std::int64_t q = r.qmin; q <= r.qmax; ++q)
        if (q % m == 0) label_q(q, dim);
    const float zx = px(0.0);
    dl->AddLine(ImVec2(zx, y_grid - fs * 0.45f), ImVec2(zx, y_grid + fs * 0.45f), acc, 2.5f);

    // The value, where it lands on the grid, and what it comes back as.
    const float xv = px(v), xl = px(r.dequantized[0]);
    dl->AddTriangleFilled(ImVec2(xv - fs * 0.35f, y_axis - fs * 0.6f), ImVec2(xv + fs * 0.35f, y_axis - fs * 0.6f),
                          ImVec2(xv, y_axis - fs * 0.05f), value_colour);
    centred(xv, y_value, value_colour, "r = " + real(v));
    dl->AddLine(ImVec2(xv, y_axis), ImVec2(xl, y_grid), value_colour, 2.0f);
    dl->AddCircleFilled(ImVec2(xl, y_grid), fs * 0.3f, value_colour);
    centred(xl, y_land, value_colour,
            i18n::format(tr(st, in.scheme == calc::quant_scheme::symmetric ? "quant.calc.line.lands_symmetric"
                                                                           : "quant.calc.line.lands"),
                         {count(r.q[0]), real(r.dequantized[0])}));

    // Legend, and the integer under the mouse.
    float lx = origin.x;
    auto legend = [&](ImU32 col, bool box, const char* s) {
        if (box) dl->AddRectFilled(ImVec2(lx, y_legend + fs * 0.2f), ImVec2(lx + fs * 0.8f, y_legend + fs * 0.9f), col);
        else dl->AddLine(ImVec2(lx, y_legend + fs * 0.55f), ImVec2(lx + fs * 0.8f, y_legend + fs * 0.55f), col, 4.0f);
        dl->AddText(ImVec2(lx + fs, y_legend), dim, s);
        lx += fs * 2.0f + ImGui::CalcTextSize(s).x;
    };
    legend(acc, false, tr(st, "quant.calc.line.legend_range"));
    legend(clamp_fill | IM_COL32(0, 0, 0, 255), true, tr(st, "quant.calc.line.legend_clamped"));
    legend(value_colour, false, tr(st, "quant.calc.line.legend_value"));
    if (k > 1) {
        const std::string every = i18n::format(tr(st, "quant.calc.line.subset"), {count(k)});
        dl->AddText(ImVec2(lx, y_legend), dim, every.c_str());
    }
    if (hovered) {
        const double xr = sx.from_px(ImGui::GetIO().MousePos.x);
        const std::int64_t q = calc::quantize_value(xr, S, Z, r.qmin, r.qmax);
        ImGui::SetTooltip("%s", i18n::format(tr(st, "quant.calc.line.tip"),
                                             {real(xr), count(q), real(calc::dequantize_value(q, S, Z))})
                                    .c_str());
    }
}

// ---------------------------------------------------------------------------------------------
// STE
// ---------------------------------------------------------------------------------------------

calc::quant_input ste_input(const quant_panel& q) {
    calc::quant_input in;  // asymmetric, unsigned: what QAT's activation quantizers do
    in.rmin = q.ste_rmin;
    in.rmax = q.ste_rmax;
    in.bits = q.ste_bits;
    return in;
}

// The staircase S·(clamp(round(x/S + Z)) − Z) over [lo, hi]: flat steps joined by risers at
// the rounding boundaries S·(q − Z + ½).
void staircase(const calc::quant_result& r, double lo, double hi, std::vector<double>& xs, std::vector<double>& ys) {
    auto fq = [&](double x) {
        return calc::dequantize_value(calc::quantize_value(x, r.scale, r.zero_point, r.qmin, r.qmax), r.scale,
                                      r.zero_point);
    };
    xs = {lo};
    ys = {fq(lo)};
    for (std::int64_t q = r.qmin; q < r.qmax; ++q) {
        const double b = r.scale * (static_cast<double>(q - r.zero_point) + 0.5);
        if (b <= lo || b >= hi) continue;
        xs.push_back(b);
        ys.push_back(calc::dequantize_value(q, r.scale, r.zero_point));
        xs.push_back(b);
        ys.push_back(calc::dequantize_value(q + 1, r.scale, r.zero_point));
    }
    xs.push_back(hi);
    ys.push_back(fq(hi));
}

// r_min and r_max as vertical lines, labelled at height y (the legend holds the top-left corner).
void range_marks(plot& p, const calc::quant_input& in, ImU32 colour, double y) {
    plot_vline(p, in.rmin, colour, nullptr);
    plot_vline(p, in.rmax, colour, nullptr);
    const float gap = ImGui::GetFontSize() * 0.25f;
    const ImVec2 a = plot_to_screen(p, in.rmin, y), b = plot_to_screen(p, in.rmax, y);
    p.dl->AddText(ImVec2(a.x + gap, a.y - ImGui::GetFontSize()), colour, "r_min");
    p.dl->AddText(ImVec2(b.x + gap, b.y - ImGui::GetFontSize()), colour, "r_max");
}

}  // namespace

void draw_quant_calculator(app_state& st) {
    quant_panel& q = state(st);
    text_wrapped(tr(st, "quant.calc.intro"));
    example_buttons(st, q);

    const calc::quant_input in = calculator_input(q);
    calc::calc_error err;
    const auto r = calc::quant(in, st.lang, &err);
    if (ImGui::BeginTable("##quant_top", 2, ImGuiTableFlags_SizingStretchProp | ImGuiTableFlags_BordersInnerV)) {
        ImGui::TableSetupColumn("##inputs", ImGuiTableColumnFlags_WidthStretch, 1.15f);
        ImGui::TableSetupColumn("##about", ImGuiTableColumnFlags_WidthStretch, 1.0f);
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        const bool shown = calculator_inputs(st, q, err, !r);
        if (!r && !shown) error_text(err.message);
        ImGui::Spacing();
        if (r) calculator_results(st, in, *r);
        else disabled_wrapped(tr(st, "quant.calc.no_result"));
        ImGui::TableNextColumn();
        heading(st, tr(st, in.scheme == calc::quant_scheme::asymmetric ? "quant.calc.conv.asymmetric_title"
                           : in.restricted                            ? "quant.calc.conv.restricted_title"
                                                                      : "quant.calc.conv.full_title"));
        text_wrapped(tr(st, convention_key(in)));
        ImGui::EndTable();
    }
    if (!r) return;

    heading(st, tr(st, "quant.calc.line.heading"));
    number_line(st, in, *r, std::min(ImGui::GetContentRegionAvail().x, ImGui::GetFontSize() * 60.0f));

    heading(st, tr(st, "quant.calc.steps"));
    steps_table(st, "##quant_steps", r->steps);

    ImGui::Spacing();
    if (ImGui::CollapsingHeader(tr(st, "quant.calc.why.heading"), ImGuiTreeNodeFlags_DefaultOpen)) {
        for (const char* k : {"quant.calc.why.zero_point", "quant.calc.why.symmetric", "quant.calc.why.restricted",
                              "quant.calc.why.zero_exact"}) {
            ImGui::PushStyleColor(ImGuiCol_Text, accent());
            ImGui::TextUnformatted(tr(st, std::string(k) + "_title"));
            ImGui::PopStyleColor();
            text_wrapped(tr(st, k));
            ImGui::Spacing();
        }
    }
}

void draw_ste_plot(app_state& st) {
    quant_panel& q = state(st);
    text_wrapped(tr(st, "quant.ste.intro"));

    const calc::quant_input in = ste_input(q);
    calc::calc_error err;
    const auto r = calc::quant(in, st.lang, &err);
    bool shown = false;
    if (ImGui::BeginTable("##ste_fields", 3, ImGuiTableFlags_SizingFixedFit)) {
        ImGui::TableSetupColumn("##label", ImGuiTableColumnFlags_WidthFixed,
                                max_width(st, {"quant.calc.bits", "quant.calc.rmin", "quant.calc.rmax", "quant.ste.backward"}));
        ImGui::TableSetupColumn("##field", ImGuiTableColumnFlags_WidthFixed, ImGui::GetFontSize() * 9.0f);
        ImGui::TableSetupColumn("##note", ImGuiTableColumnFlags_WidthStretch);
        field_row(st, "quant.calc.bits");
        ImGui::SliderInt("##ste_bits", &q.ste_bits, calc::quant_min_bits, calc::quant_max_bits);
        field_note(err, !r, "bits", &shown);
        field_row(st, "quant.calc.rmin");
        ImGui::InputDouble("##ste_rmin", &q.ste_rmin, 0.0, 0.0, "%.10g");
        field_note(err, !r, "rmin", &shown);
        field_row(st, "quant.calc.rmax");
        ImGui::InputDouble("##ste_rmax", &q.ste_rmax, 0.0, 0.0, "%.10g");
        field_note(err, !r, "rmax", &shown);
        ImGui::EndTable();
    }
    choice_label(st, "quant.ste.backward",
                 max_width(st, {"quant.calc.bits", "quant.calc.rmin", "quant.calc.rmax", "quant.ste.backward"}));
    if (ImGui::RadioButton(tr(st, "quant.ste.identity"), !q.ste_clipped)) q.ste_clipped = false;
    ImGui::SameLine();
    if (ImGui::RadioButton(tr(st, "quant.ste.clipped"), q.ste_clipped)) q.ste_clipped = true;
    if (!r) {
        if (!shown) error_text(err.message);
        disabled_wrapped(tr(st, "quant.calc.no_result"));
        return;
    }
    const std::int64_t levels = r->qmax - r->qmin + 1;
    text_wrapped(i18n::format(tr(st, "quant.ste.levels"),
                              {count(levels), real(r->scale), count(r->zero_point), real(r->scale / 2)})
                     .c_str());

    const double span = in.rmax - in.rmin;
    const double lo = in.rmin - span * 0.3, hi = in.rmax + span * 0.3;
    std::vector<double> sx, sy;
    staircase(*r, lo, hi, sx, sy);
    const double ix[] = {lo, hi}, iy[] = {lo, hi};
    const ImU32 stair = ImGui::GetColorU32(accent()), ident = ImGui::GetColorU32(ImGuiCol_TextDisabled);
    const float fs = ImGui::GetFontSize();
    const float avail = ImGui::GetContentRegionAvail().x;
    const bool side_by_side = avail > fs * 44;
    const float w = side_by_side ? (avail - ImGui::GetStyle().ItemSpacing.x) * 0.5f : std::min(avail, fs * 40);
    const float h = fs * 16;
    auto hover_tip = [&](const plot& p) {
        if (!p.hovered) return;
        const double x = p.x.from_px(ImGui::GetIO().MousePos.x);
        const double y = calc::dequantize_value(calc::quantize_value(x, r->scale, r->zero_point, r->qmin, r->qmax),
                                                r->scale, r->zero_point);
        const double g = q.ste_clipped && (x < in.rmin || x > in.rmax) ? 0.0 : 1.0;
        ImGui::SetTooltip("%s", i18n::format(tr(st, "quant.ste.tip"), {real(x), real(y), real(g)}).c_str());
    };

    ImGui::BeginGroup();
    ImGui::TextUnformatted(tr(st, "quant.ste.forward_title"));
    plot f;
    if (plot_begin(f, "##ste_forward", ImVec2(w, h), {lo, hi, false, tr(st, "quant.ste.x")},
                   {lo, hi, false, tr(st, "quant.ste.y_forward")})) {
        plot_line(f, ix, iy, 2, ident, tr(st, "quant.ste.legend_identity"), 1.5f);
        plot_line(f, sx.data(), sy.data(), static_cast<int>(sx.size()), stair, tr(st, "quant.ste.legend_staircase"), 2.0f);
        range_marks(f, in, ident, lo + (hi - lo) * 0.03);
        hover_tip(f);
        plot_end(f);
    }
    ImGui::EndGroup();
    if (side_by_side) ImGui::SameLine();

    ImGui::BeginGroup();
    ImGui::TextUnformatted(tr(st, "quant.ste.backward_title"));
    plot b;
    if (plot_begin(b, "##ste_backward", ImVec2(w, h), {lo, hi, false, tr(st, "quant.ste.x")},
                   {-0.25, 1.25, false, tr(st, "quant.ste.y_backward")})) {
        // The true derivative of the staircase: 0 between the jumps, undefined at each one.
        const double zx[] = {lo, hi}, zy[] = {0.0, 0.0};
        plot_line(b, zx, zy, 2, ident, tr(st, "quant.ste.legend_true"), 2.0f);
        std::vector<double> jx, jy;
        for (std::size_t i = 1; i + 1 < sx.size(); i += 2) {
            jx.push_back(sx[i]);
            jy.push_back(0.0);
        }
        if (jx.size() <= 64) plot_points(b, jx.data(), jy.data(), static_cast<int>(jx.size()), ident, nullptr, fs * 0.18f);
        const ImU32 ste = IM_COL32(240, 150, 60, 255);
        if (q.ste_clipped) {
            const double gx[] = {lo, in.rmin, in.rmin, in.rmax, in.rmax, hi}, gy[] = {0, 0, 1, 1, 0, 0};
            plot_line(b, gx, gy, 6, ste, tr(st, "quant.ste.legend_clipped"), 2.5f);
        } else {
            const double gy[] = {1.0, 1.0};
            plot_line(b, zx, gy, 2, ste, tr(st, "quant.ste.legend_ste"), 2.5f);
        }
        range_marks(b, in, ident, 0.55);
        hover_tip(b);
        plot_end(b);
    }
    ImGui::EndGroup();

    text_wrapped(tr(st, q.ste_clipped ? "quant.ste.why_clipped" : "quant.ste.why_identity"));
    ImGui::Spacing();
    disabled_wrapped(tr(st, "quant.ste.sheet"));
}

void panel_quantization(app_state& st, const panel_def&) {
    quant_panel& q = state(st);
    heading(st, tr(st, "panel.quantization.title"));
    text_wrapped(tr(st, "panel.quantization.summary"));
    draw_tabs(st, "##quant_tabs", quant_tabs, q.tab, q.tab_request);
    ImGui::Spacing();
    heading(st, tr(st, "panel.common.sheet_heading"));
    bullet_lines(tr(st, "panel.quantization.sheet"));
}

nlohmann::json quantization_state(const app_state& st) {
    const quant_panel defaults;
    const quant_panel& q = st.quant ? *st.quant : defaults;
    const calc::quant_input in = calculator_input(q);
    calc::calc_error err;
    const auto r = calc::quant(in, st.lang, &err);
    nlohmann::json j = {{"tab", q.tab},
                        {"rmin", q.rmin},
                        {"rmax", q.rmax},
                        {"bits", q.bits},
                        {"signed", q.is_signed},
                        {"symmetric", q.symmetric},
                        {"restricted", in.restricted},
                        {"value", q.value},
                        {"error", r ? std::string() : err.message},
                        {"field", r ? std::string() : err.field}};
    if (r) {
        j["convention"] = r->steps.front().result;
        j["scale"] = r->scale;
        j["zero_point"] = r->zero_point;
        j["zero_point_clamped"] = r->zero_point_clamped;
        j["qmin"] = r->qmin;
        j["qmax"] = r->qmax;
        j["q"] = r->q[0];
        j["q_unclamped"] = r->q_unclamped[0];
        j["dequantized"] = r->dequantized[0];
        j["rounding_error"] = r->error[0];
        j["steps"] = r->steps.size();
    } else {
        for (const char* k : {"convention", "scale", "zero_point", "zero_point_clamped", "qmin", "qmax", "q",
                              "q_unclamped", "dequantized", "rounding_error", "steps"})
            j[k] = nullptr;
    }
    const auto s = calc::quant(ste_input(q), st.lang);
    j["ste"] = {{"bits", q.ste_bits},
                {"rmin", q.ste_rmin},
                {"rmax", q.ste_rmax},
                {"backward", q.ste_clipped ? "clipped" : "identity"},
                {"levels", s ? nlohmann::json(s->qmax - s->qmin + 1) : nlohmann::json(nullptr)},
                {"scale", s ? nlohmann::json(s->scale) : nlohmann::json(nullptr)}};
    return j;
}

nlohmann::json quantization_apply(app_state& st, const nlohmann::json& req) {
    auto bad = [](const std::string& m) { return nlohmann::json{{"error", m}}; };
    if (!req.is_object()) return bad("\"quant\" must be an object");
    std::string known_tabs;
    for (const auto& t : quant_tabs) known_tabs += (known_tabs.empty() ? "" : ", ") + std::string(t.id);
    for (auto& [k, v] : req.items())
        if (k != "tab" && k != "rmin" && k != "rmax" && k != "bits" && k != "signed" && k != "symmetric" &&
            k != "restricted" && k != "value")
            return bad("unknown quant field \"" + k +
                       "\" (known: tab, rmin, rmax, bits, signed, symmetric, restricted, value)");
    // Check everything first; change nothing when something is refused. The values themselves
    // are the calculator's to judge (a refused one shows its message next to its field).
    std::optional<std::string> tab;
    if (auto it = req.find("tab"); it != req.end()) {
        if (it->is_string())
            for (const auto& t : quant_tabs)
                if (*it == t.id) tab = t.id;
        if (!tab) return bad("\"quant.tab\" must be one of " + known_tabs);
    }
    for (const char* k : {"rmin", "rmax", "value"})
        if (auto it = req.find(k); it != req.end() && !it->is_number())
            return bad(std::string("\"quant.") + k + "\" must be a number");
    if (auto it = req.find("bits"); it != req.end() &&
                                    (!it->is_number_integer() || *it < -1000000 || *it > 1000000))
        return bad("\"quant.bits\" must be a whole number (the calculator accepts 2 to 8)");
    for (const char* k : {"signed", "symmetric", "restricted"})
        if (auto it = req.find(k); it != req.end() && !it->is_boolean())
            return bad(std::string("\"quant.") + k + "\" must be true or false");

    quant_panel& q = state(st);
    if (tab) q.tab_request = *tab;
    if (req.contains("rmin")) q.rmin = req["rmin"].get<double>();
    if (req.contains("rmax")) q.rmax = req["rmax"].get<double>();
    if (req.contains("value")) q.value = req["value"].get<double>();
    if (req.contains("bits")) q.bits = req["bits"].get<int>();
    if (req.contains("signed")) q.is_signed = req["signed"].get<bool>();
    if (req.contains("symmetric")) q.symmetric = req["symmetric"].get<bool>();
    if (req.contains("restricted")) q.restricted = req["restricted"].get<bool>();
    return {{"ok", true}};
}

}  // namespace es::ui
