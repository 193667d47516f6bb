// Calculators panel: the exam's hand computations (study sheet §1.1 to §1.3) with their worked
// solutions, all from es::calc (the library behind the CLI's `calc conv` and `calc roofline`):
//
//   - a convolution calculator: standard, depthwise-separable (DSC) or group; output size,
//     MACs, FLOPs, parameters, and for DSC the exact cost ratio beside the sheet's 1/K²;
//   - a roofline calculator: intensity, ridge, attainable throughput and the bound, with a
//     small log-log roofline drawn with ImDrawList.
//
// Inputs are checked as they are typed: a refused input shows the calculator's own message
// in red next to its field, and the last valid result stays on screen, greyed. The panel
// holds no formula of its own; it only draws what the library computes.
#include "calc/conv.h"
#include "calc/roofline.h"
#include "ui/panels/panels.h"
#include "ui/plot.h"

#include <imgui.h>

#include <algorithm>
#include <array>
#include <cfloat>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace es::ui {

// Types held by calculators_panel (a named namespace: the panel's struct has external linkage).
namespace calculators_detail {

bool same_input(const calc::conv_input& a, const calc::conv_input& b) {
    return a.h == b.h && a.w == b.w && a.cin == b.cin && a.cout == b.cout && a.k == b.k && a.stride == b.stride &&
           a.padding == b.padding && a.pad == b.pad && a.groups == b.groups && a.type == b.type && a.bias == b.bias;
}

bool same_input(const calc::roofline_input& a, const calc::roofline_input& b) {
    return a.macs == b.macs && a.bytes == b.bytes && a.peak == b.peak && a.peak_unit == b.peak_unit &&
           a.bandwidth_gbs == b.bandwidth_gbs && a.view == b.view;
}

// A calculation redone only when its input or the language changes. When the input is
// refused, `shown` keeps the last valid result (recomputed in the current language).
template <class In, class Out>
struct live_calc {
    std::optional<In> in;  // the input last computed
    i18n::lang l = i18n::lang::en;
    bool ok = false;         // that input was accepted
    calc::calc_error error;  // why not, when !ok
    std::optional<Out> shown;
    std::optional<In> shown_in;

    template <class F>
    void update(const In& now, i18n::lang lang, F compute) {
        if (in && same_input(*in, now) && l == lang) return;
        in = now;
        l = lang;
        calc::calc_error e;
        if (auto r = compute(now, lang, &e)) {
            ok = true;
            error = {};
            shown = std::move(r);
            shown_in = now;
            return;
        }
        ok = false;
        error = e;
        if (shown_in) shown = compute(*shown_in, lang, nullptr);
    }
};

}  // namespace calculators_detail

namespace {

using calculators_detail::live_calc;

constexpr std::array<calc::conv_type, 3> conv_types = {calc::conv_type::standard, calc::conv_type::dsc,
                                                       calc::conv_type::group};
constexpr std::array<const char*, 3> conv_type_keys = {"calc.ui.type.standard", "calc.ui.type.dsc",
                                                       "calc.ui.type.group"};
constexpr std::array<const char*, 3> conv_example_keys = {"calc.ui.example.standard", "calc.ui.example.dsc",
                                                          "calc.ui.example.group"};

// Textbook examples, one per type (the same numbers as tests/calc).
calc::conv_input conv_example(calc::conv_type t) {
    calc::conv_input in;
    in.type = t;
    in.padding = calc::padding_mode::explicit_pad;
    in.bias = false;
    in.groups = 1;
    switch (t) {
    case calc::conv_type::standard:  // a typical ImageNet first layer
        in.h = in.w = 224;
        in.cin = 3;
        in.cout = 64;
        in.k = 3;
        in.stride = 2;
        in.pad = 1;
        break;
    case calc::conv_type::dsc:  // MobileNet V1's first depthwise-separable layer
        in.h = in.w = 112;
        in.cin = 32;
        in.cout = 64;
        in.k = 3;
        in.stride = 1;
        in.pad = 1;
        break;
    case calc::conv_type::group:  // ResNeXt-50 (32x4d), the grouped 3x3 of the first stage
        in.h = in.w = 56;
        in.cin = 128;
        in.cout = 128;
        in.k = 3;
        in.stride = 1;
        in.pad = 1;
        in.groups = 32;
        break;
    }
    return in;
}

calc::roofline_input roofline_example() {
    calc::roofline_input in;
    in.macs = 21676032;  // the standard example above
    in.bytes = 4000000;
    in.peak = 100;
    in.peak_unit = calc::roofline_view::macs;
    in.bandwidth_gbs = 25;
    in.view = calc::roofline_view::macs;
    return in;
}

}  // namespace

struct calculators_panel {
    int type = 0;  // index into conv_types
    std::array<calc::conv_input, 3> conv_in = {conv_example(conv_types[0]), conv_example(conv_types[1]),
                                               conv_example(conv_types[2])};
    bool show_flops = true;
    std::array<live_calc<calc::conv_input, calc::conv_result>, 3> conv_calc;  // per type: its own last valid result
    live_calc<calc::conv_input, calc::conv_result>& conv() { return conv_calc[static_cast<std::size_t>(type)]; }

    calc::roofline_input roof_in = roofline_example();
    live_calc<calc::roofline_input, calc::roofline_result> roof;
};

namespace {

const ImVec4 error_color(0.95f, 0.35f, 0.30f, 1.0f);
const ImVec4 memory_color(0.96f, 0.58f, 0.18f, 1.0f);
const ImVec4 compute_color(0.30f, 0.78f, 0.42f, 1.0f);

// Results and the roof: the theme's accent (blue), never the red of a refusal.
ImVec4 result_color() { return ImGui::GetStyleColorVec4(ImGuiCol_CheckMark); }

calculators_panel& state(app_state& st) {
    if (!st.calculators) st.calculators = std::make_shared<calculators_panel>();
    return *st.calculators;
}

void error_text(const std::string& message) {
    ImGui::PushStyleColor(ImGuiCol_Text, error_color);
    text_wrapped(message.c_str());
    ImGui::PopStyleColor();
}

void disabled_wrapped(const std::string& s) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
    text_wrapped(s.c_str());
    ImGui::PopStyleColor();
}

// "21.68" for 21,676,032 (millions, for answers written in M); empty below a million.
std::string millions(const app_state& st, std::int64_t v) {
    if (v < 1000000) return {};
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2f", static_cast<double>(v) / 1e6);
    return i18n::format(tr(st, "calc.ui.millions"), {buf});
}

float max_text_width(const app_state& st, std::initializer_list<const char*> keys) {
    float w = 0;
    for (const char* k : keys) w = std::max(w, ImGui::CalcTextSize(tr(st, k)).x);
    return w;
}

// Starts a row of an input table (label | field | note) and moves to the field cell.
void field_label(const app_state& st, const char* label_key) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted(tr(st, label_key));
    ImGui::TableNextColumn();
    ImGui::SetNextItemWidth(-FLT_MIN);
}

bool int_field(const char* id, std::int64_t* v) {
    ImS64 t = *v;
    const ImS64 one = 1, ten = 10;
    if (!ImGui::InputScalar(id, ImGuiDataType_S64, &t, &one, &ten)) return false;
    *v = t;
    return true;
}

bool real_field(const char* id, double* v) { return ImGui::InputDouble(id, v, 0.0, 0.0, "%.10g"); }

// The note cell: the calculator's refusal when it concerns this field.
template <class In, class Out>
void field_error(const live_calc<In, Out>& c, std::initializer_list<const char*> fields, bool* shown) {
    ImGui::TableNextColumn();
    if (c.ok) return;
    for (const char* f : fields)
        if (c.error.field == f) {
            error_text(c.error.message);
            *shown = true;
            return;
        }
}

const calc::step* step_by_id(const std::vector<calc::step>& steps, std::string_view id) {
    for (const auto& s : steps)
        if (s.id == id) return &s;
    return nullptr;
}


void result_row(const app_state& st, const char* label_key, const std::string& value, const std::string& note = {}) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    text_wrapped(tr(st, label_key));
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(value.c_str());
    if (!note.empty()) {
        ImGui::SameLine();
        disabled_wrapped(note);
    }
}

// A button drawn as selected while `on` (the padding presets).
bool toggle_button(const char* label, bool on) {
    if (on) ImGui::PushStyleColor(ImGuiCol_Button, ImGui::GetStyleColorVec4(ImGuiCol_ButtonActive));
    const bool pressed = ImGui::Button(label);
    if (on) ImGui::PopStyleColor();
    return pressed;
}

// ---------------------------------------------------------------------------------------------
// Convolution
// ---------------------------------------------------------------------------------------------

void conv_inputs(app_state& st, calculators_panel& cp) {
    calc::conv_input& in = cp.conv_in[static_cast<std::size_t>(cp.type)];
    const auto& c = cp.conv();
    bool error_shown = false;
    const float label_w = max_text_width(st, {"calc.ui.field.h", "calc.ui.field.w", "calc.ui.field.cin",
                                              "calc.ui.field.cout", "calc.ui.field.k", "calc.ui.field.stride",
                                              "calc.ui.field.pad", "calc.ui.field.groups"});
    const float field_w = ImGui::GetFontSize() * 9.5f;
    if (ImGui::BeginTable("##conv_fields", 3, ImGuiTableFlags_SizingFixedFit)) {
        ImGui::TableSetupColumn("##label", ImGuiTableColumnFlags_WidthFixed, label_w);
        ImGui::TableSetupColumn("##field", ImGuiTableColumnFlags_WidthFixed, field_w);
        ImGui::TableSetupColumn("##note", ImGuiTableColumnFlags_WidthStretch);
        const struct {
            const char* key;
            const char* id;
            const char* field;
            std::int64_t* v;
        } counts[] = {{"calc.ui.field.h", "##h", "h", &in.h},
                      {"calc.ui.field.w", "##w", "w", &in.w},
                      {"calc.ui.field.cin", "##cin", "cin", &in.cin},
                      {"calc.ui.field.cout", "##cout", "cout", &in.cout},
                      {"calc.ui.field.k", "##k", "k", &in.k},
                      {"calc.ui.field.stride", "##stride", "stride", &in.stride}};
        for (const auto& f : counts) {
            field_label(st, f.key);
            int_field(f.id, f.v);
            field_error(c, {f.field}, &error_shown);
        }

        // Padding: an explicit P, or the same / valid presets (resolved by the calculator).
        field_label(st, "calc.ui.field.pad");
        if (in.padding != calc::padding_mode::explicit_pad && c.ok && c.shown) in.pad = c.shown->pad_h;
        if (int_field("##pad", &in.pad)) in.padding = calc::padding_mode::explicit_pad;
        ImGui::TableNextColumn();
        if (toggle_button(tr(st, "calc.ui.pad_same"), in.padding == calc::padding_mode::same))
            in.padding = calc::padding_mode::same;
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tr(st, "calc.ui.pad_same_tip"));
        ImGui::SameLine();
        if (toggle_button(tr(st, "calc.ui.pad_valid"), in.padding == calc::padding_mode::valid))
            in.padding = calc::padding_mode::valid;
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tr(st, "calc.ui.pad_valid_tip"));
        if (in.padding == calc::padding_mode::same && c.ok && c.shown) {
            ImGui::SameLine();
            ImGui::AlignTextToFramePadding();
            ImGui::TextDisabled("%s", i18n::format(tr(st, "calc.ui.pad_from_same"),
                                                   {calc::format_count(c.shown->pad_h), calc::format_count(c.shown->pad_w)})
                                          .c_str());
        } else if (in.padding == calc::padding_mode::valid) {
            ImGui::SameLine();
            ImGui::AlignTextToFramePadding();
            ImGui::TextDisabled("%s", tr(st, "calc.ui.pad_from_valid"));
        }
        if (!c.ok && c.error.field == "pad") {
            error_text(c.error.message);
            error_shown = true;
        }

        // Groups: only the group convolution has G > 1.
        field_label(st, "calc.ui.field.groups");
        if (in.type == calc::conv_type::group) {
            int_field("##groups", &in.groups);
            field_error(c, {"groups"}, &error_shown);
        } else {
            std::int64_t one = 1;
            ImGui::BeginDisabled();
            int_field("##groups_fixed", &one);
            ImGui::EndDisabled();
            ImGui::TableNextColumn();
            ImGui::AlignTextToFramePadding();
            ImGui::TextDisabled("%s", tr(st, "calc.ui.groups_fixed"));
            in.groups = 1;
        }
        ImGui::EndTable();
    }
    ImGui::Checkbox(tr(st, "calc.ui.bias"), &in.bias);
    ImGui::SameLine();
    ImGui::Checkbox(tr(st, "calc.ui.show_flops"), &cp.show_flops);
    // A refusal that names no field shown above (too large for 64 bits).
    if (!c.ok && !error_shown) error_text(c.error.message);
}

void conv_results(app_state& st, calculators_panel& cp) {
    const auto& c = cp.conv();
    ImGui::TextUnformatted(tr(st, "calc.ui.results"));
    if (!c.shown || !c.shown_in) {
        disabled_wrapped(tr(st, "calc.ui.no_result"));
        return;
    }
    if (!c.ok) disabled_wrapped(tr(st, "calc.ui.stale"));
    const calc::conv_result& r = *c.shown;
    const calc::conv_input& in = *c.shown_in;
    const std::string cnt_cout = calc::format_count(in.cout);
    ImGui::BeginDisabled(!c.ok);
    if (ImGui::BeginTable("##conv_results", 2, ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp)) {
        ImGui::TableSetupColumn("##what", ImGuiTableColumnFlags_WidthStretch, 1.2f);
        ImGui::TableSetupColumn("##value", ImGuiTableColumnFlags_WidthStretch, 1.0f);
        result_row(st, "calc.ui.res.padding",
                   i18n::format(tr(st, "calc.ui.res.padding_value"),
                                {calc::format_count(r.pad_h), calc::format_count(r.pad_w)}));
        result_row(st, "calc.ui.res.output",
                   i18n::format(tr(st, "calc.ui.shape3"),
                                {calc::format_count(r.h_out), calc::format_count(r.w_out), cnt_cout}));
        if (r.type == calc::conv_type::dsc) {
            result_row(st, "calc.ui.res.macs_dw", calc::format_count(r.macs_dw), millions(st, r.macs_dw));
            result_row(st, "calc.ui.res.macs_pw", calc::format_count(r.macs_pw), millions(st, r.macs_pw));
        }
        result_row(st, "calc.ui.res.macs", calc::format_count(r.macs), millions(st, r.macs));
        if (cp.show_flops) result_row(st, "calc.ui.res.flops", calc::format_count(r.flops), millions(st, r.flops));
        if (r.type == calc::conv_type::dsc) {
            result_row(st, "calc.ui.res.params_dw", calc::format_count(r.params_dw));
            result_row(st, "calc.ui.res.params_pw", calc::format_count(r.params_pw));
        }
        result_row(st, in.bias ? "calc.ui.res.params_bias" : "calc.ui.res.params", calc::format_count(r.params),
                   millions(st, r.params));
        if (r.type == calc::conv_type::dsc)
            result_row(st, "calc.ui.res.macs_standard", calc::format_count(r.macs_standard),
                       millions(st, r.macs_standard));
        ImGui::EndTable();
    }
    if (r.type == calc::conv_type::dsc) {
        ImGui::Spacing();
        ImGui::TextUnformatted(tr(st, "calc.ui.ratio.heading"));
        const calc::step* exact = step_by_id(r.steps, "ratio");
        const calc::step* sheet = step_by_id(r.steps, "ratio_sheet");
        if (exact && sheet &&
            ImGui::BeginTable("##ratio", 2, ImGuiTableFlags_Borders | ImGuiTableFlags_SizingStretchSame)) {
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextDisabled("%s", tr(st, "calc.ui.ratio.exact"));
            text_wrapped(exact->result.c_str());
            ImGui::TableNextColumn();
            ImGui::TextDisabled("%s", tr(st, "calc.ui.ratio.sheet"));
            text_wrapped(sheet->result.c_str());
            ImGui::EndTable();
        }
        disabled_wrapped(i18n::format(tr(st, "calc.ui.ratio.why"),
                                      {cnt_cout, calc::format_real(1.0 / static_cast<double>(in.cout))}));
    }
    ImGui::EndDisabled();
}

void draw_conv(app_state& st, calculators_panel& cp) {
    // Type: one input set per type, each starting at its textbook example.
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted(tr(st, "calc.ui.type"));
    for (int i = 0; i < 3; ++i) {
        ImGui::SameLine();
        if (ImGui::RadioButton(tr(st, conv_type_keys[static_cast<std::size_t>(i)]), cp.type == i)) cp.type = i;
    }
    const std::size_t t = static_cast<std::size_t>(cp.type);
    if (ImGui::Button(tr(st, "calc.ui.example_button"))) cp.conv_in[t] = conv_example(conv_types[t]);
    ImGui::SameLine();
    ImGui::AlignTextToFramePadding();
    disabled_wrapped(tr(st, conv_example_keys[t]));

    // Compute before drawing so the fields' notes describe the numbers on screen; the fields
    // edited this frame are computed again next frame.
    cp.conv().update(cp.conv_in[t], st.lang, calc::conv);
    if (ImGui::BeginTable("##conv", 2, ImGuiTableFlags_SizingStretchProp | ImGuiTableFlags_BordersInnerV)) {
        ImGui::TableSetupColumn("##inputs", ImGuiTableColumnFlags_WidthStretch, 1.2f);
        ImGui::TableSetupColumn("##results", ImGuiTableColumnFlags_WidthStretch, 1.0f);
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        conv_inputs(st, cp);
        ImGui::TableNextColumn();
        conv_results(st, cp);
        ImGui::EndTable();
    }
    cp.conv().update(cp.conv_in[t], st.lang, calc::conv);

    if (cp.conv().shown) {
        ImGui::Spacing();
        ImGui::TextUnformatted(tr(st, "calc.ui.steps"));
        ImGui::BeginDisabled(!cp.conv().ok);
        steps_table(st, "##conv_steps", cp.conv().shown->steps);
        ImGui::EndDisabled();
    }
}

// ---------------------------------------------------------------------------------------------
// Roofline
// ---------------------------------------------------------------------------------------------

void dashed_line(ImDrawList* dl, ImVec2 a, ImVec2 b, ImU32 col, float dash, float thickness) {
    const float dx = b.x - a.x, dy = b.y - a.y;
    const float len = std::sqrt(dx * dx + dy * dy);
    if (len <= 0) return;
    for (float s = 0; s < len; s += 2 * dash) {
        const float e = std::min(len, s + dash);
        dl->AddLine(ImVec2(a.x + dx * s / len, a.y + dy * s / len), ImVec2(a.x + dx * e / len, a.y + dy * e / len), col,
                    thickness);
    }
}

// A log-log roofline: the bandwidth slope up to the ridge, then the flat peak; the ridge
// marked; the layer as a dot coloured by its bound. Axes in the view's units.
void roofline_plot(const app_state& st, const calc::roofline_result& r, const calc::roofline_input& in, float width) {
    const bool flops = in.view == calc::roofline_view::flops;
    const double I = flops ? r.intensity_flops : r.intensity;
    const double ridge = flops ? r.ridge_flops : r.ridge;
    const double peak = flops ? r.peak_gflops : r.peak_gmacs;
    const double att = flops ? r.attainable_gflops : r.attainable_gmacs;
    const double bw = in.bandwidth_gbs;
    if (!(ridge > 0) || !(peak > 0) || !(bw > 0)) return;

    // Whole decades around the ridge and the layer, one spare decade each side.
    double lo = ridge, hi = ridge;
    if (I > 0) {
        lo = std::min(lo, I);
        hi = std::max(hi, I);
    }
    const int x0e = static_cast<int>(std::floor(std::log10(lo))) - 1;
    const int x1e = std::max(static_cast<int>(std::ceil(std::log10(hi))) + 1, x0e + 2);
    const int y0e = static_cast<int>(std::floor(std::log10(bw) + x0e));
    const int y1e = std::max(static_cast<int>(std::floor(std::log10(peak))) + 1, y0e + 2);

    const float fs = ImGui::GetFontSize();
    const float line = ImGui::GetTextLineHeight();
    const float height = std::clamp(width * 0.62f, fs * 12.0f, fs * 22.0f);
    const char* xlabel = tr(st, flops ? "calc.ui.roof.axis_x_flops" : "calc.ui.roof.axis_x_macs");
    const char* ylabel = tr(st, flops ? "calc.ui.roof.axis_y_flops" : "calc.ui.roof.axis_y_macs");
    // Axes, grid, tick labels and the clip to the plot area come from the plot module.
    plot pl;
    if (!plot_begin(pl, "##calc_roofline", ImVec2(width, height), {std::pow(10.0, x0e), std::pow(10.0, x1e), true, xlabel},
                    {std::pow(10.0, y0e), std::pow(10.0, y1e), true, ylabel}))
        return;
    ImDrawList* dl = pl.dl;
    const ImVec2 p0 = pl.frame_min, p1 = pl.frame_max;
    auto px = [&](double x) { return static_cast<float>(pl.x.to_px(x)); };
    auto py = [&](double y) { return static_cast<float>(pl.y.to_px(y)); };
    const ImU32 text = ImGui::GetColorU32(ImGuiCol_Text);
    const ImU32 faint = ImGui::GetColorU32(ImGuiCol_TextDisabled);

    // The roof.
    const double xmin = std::pow(10.0, x0e), xmax = std::pow(10.0, x1e);
    const ImU32 roof = ImGui::GetColorU32(result_color());
    const double rx[] = {xmin, ridge, xmax}, ry[] = {bw * xmin, peak, peak};
    plot_line(pl, rx, ry, 3, roof, nullptr, 2.5f);
    const ImVec2 a(px(xmin), py(bw * xmin)), b(px(ridge), py(peak));
    dashed_line(dl, ImVec2(b.x, p1.y), b, faint, fs * 0.3f, 1.2f);
    dl->AddCircleFilled(b, fs * 0.22f, roof);

    // Roof labels: the peak above the flat part, the bandwidth along the slope, the ridge.
    const std::string peak_s = i18n::format(tr(st, "calc.ui.roof.peak_label"),
                                            {i18n::format(tr(st, flops ? "calc.unit.gflops" : "calc.unit.gmacs"),
                                                          {calc::format_real(peak)})});
    const float peak_w = ImGui::CalcTextSize(peak_s.c_str()).x;
    dl->AddText(ImVec2(std::clamp(p1.x - peak_w - fs * 0.4f, p0.x, p1.x), b.y - line - 2), text, peak_s.c_str());
    const std::string slope_s = i18n::format(tr(st, "calc.ui.roof.slope_label"), {calc::format_real(bw)});
    // Along the slope, in the half away from the layer's dot.
    const float t = I > 0 && px(I) > (a.x + b.x) / 2 ? 0.3f : 0.6f;
    const ImVec2 mid(a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t);
    dl->AddText(ImVec2(std::max(p0.x + 4, mid.x + fs * 0.4f), std::min(p1.y - line, mid.y + 2)), faint, slope_s.c_str());
    const std::string ridge_s = i18n::format(tr(st, "calc.ui.roof.ridge_label"), {calc::format_real(ridge)});
    const float ridge_w = ImGui::CalcTextSize(ridge_s.c_str()).x;
    // On the side of the ridge line away from the layer, so the two never overlap.
    const float ridge_x = I >= ridge ? b.x - fs * 0.3f - ridge_w : b.x + fs * 0.3f;
    dl->AddText(ImVec2(std::clamp(ridge_x, p0.x, p1.x - ridge_w), p1.y - line - 2), faint, ridge_s.c_str());

    // The layer.
    if (I > 0 && att > 0) {
        const bool memory = r.bound == calc::roofline_bound::memory;
        const ImU32 dot = ImGui::GetColorU32(memory ? memory_color : compute_color);
        const ImVec2 p(px(I), py(att));
        dashed_line(dl, ImVec2(p.x, p1.y), p, dot, fs * 0.2f, 1.0f);
        dl->AddCircleFilled(p, fs * 0.38f, dot);
        dl->AddCircle(p, fs * 0.38f, text, 0, 1.0f);
        const char* name = tr(st, "calc.ui.roof.point_label");
        const float nw = ImGui::CalcTextSize(name).x;
        // Below the roof, right of the dot (left when there is no room).
        const float nx = p.x + fs * 0.6f + nw <= p1.x ? p.x + fs * 0.6f : p.x - fs * 0.6f - nw;
        dl->AddText(ImVec2(nx, p.y + fs * 0.3f), dot, name);
    }
    plot_end(pl);
}

void roofline_inputs(app_state& st, calculators_panel& cp) {
    calc::roofline_input& in = cp.roof_in;
    const auto& c = cp.roof;
    bool error_shown = false;
    const float label_w = max_text_width(st, {"calc.ui.roof.macs", "calc.ui.roof.bytes", "calc.ui.roof.peak",
                                              "calc.ui.roof.bandwidth", "calc.ui.roof.view"});
    if (ImGui::BeginTable("##roof_fields", 3, ImGuiTableFlags_SizingFixedFit)) {
        ImGui::TableSetupColumn("##label", ImGuiTableColumnFlags_WidthFixed, label_w);
        ImGui::TableSetupColumn("##field", ImGuiTableColumnFlags_WidthFixed, ImGui::GetFontSize() * 9.0f);
        ImGui::TableSetupColumn("##note", ImGuiTableColumnFlags_WidthStretch);

        field_label(st, "calc.ui.roof.macs");
        real_field("##macs", &in.macs);
        ImGui::TableNextColumn();
        if (cp.conv().shown) {
            if (ImGui::Button(tr(st, "calc.ui.roof.from_conv"))) in.macs = static_cast<double>(cp.conv().shown->macs);
            if (ImGui::IsItemHovered())
                ImGui::SetTooltip("%s", i18n::format(tr(st, "calc.ui.roof.from_conv_tip"),
                                                     {calc::format_count(cp.conv().shown->macs)})
                                            .c_str());
        }
        if (!c.ok && c.error.field == "macs") {
            error_text(c.error.message);
            error_shown = true;
        }

        field_label(st, "calc.ui.roof.bytes");
        real_field("##bytes", &in.bytes);
        field_error(c, {"bytes"}, &error_shown);

        field_label(st, "calc.ui.roof.peak");
        real_field("##peak", &in.peak);
        ImGui::TableNextColumn();
        ImGui::SetNextItemWidth(ImGui::CalcTextSize("GFLOP/s").x + ImGui::GetFrameHeight() * 1.6f);
        const char* units[] = {tr(st, "calc.ui.roof.unit_gmacs"), tr(st, "calc.ui.roof.unit_gflops")};
        int unit = in.peak_unit == calc::roofline_view::flops ? 1 : 0;
        if (ImGui::Combo("##peak_unit", &unit, units, 2))
            in.peak_unit = unit == 1 ? calc::roofline_view::flops : calc::roofline_view::macs;
        if (!c.ok && (c.error.field == "peak-gmacs" || c.error.field == "peak-gflops")) {
            error_text(c.error.message);
            error_shown = true;
        }

        field_label(st, "calc.ui.roof.bandwidth");
        real_field("##bandwidth", &in.bandwidth_gbs);
        field_error(c, {"bandwidth-gbs"}, &error_shown);
        ImGui::EndTable();
    }
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted(tr(st, "calc.ui.roof.view"));
    ImGui::SameLine();
    if (ImGui::RadioButton(tr(st, "calc.ui.roof.view_macs"), in.view == calc::roofline_view::macs))
        in.view = calc::roofline_view::macs;
    ImGui::SameLine();
    if (ImGui::RadioButton(tr(st, "calc.ui.roof.view_flops"), in.view == calc::roofline_view::flops))
        in.view = calc::roofline_view::flops;
    if (!c.ok && !error_shown) error_text(c.error.message);
}

void roofline_results(app_state& st, calculators_panel& cp) {
    const auto& c = cp.roof;
    if (!c.shown || !c.shown_in) {
        disabled_wrapped(tr(st, "calc.ui.no_result"));
        return;
    }
    if (!c.ok) disabled_wrapped(tr(st, "calc.ui.stale"));
    const calc::roofline_result& r = *c.shown;
    const bool flops = c.shown_in->view == calc::roofline_view::flops;
    auto per_byte = [&](double macs_view, double flops_view) {
        // The view's unit first, the other in brackets.
        const std::string m = i18n::format(tr(st, "calc.unit.macs_per_byte"), {calc::format_real(macs_view)});
        const std::string f = i18n::format(tr(st, "calc.unit.flops_per_byte"), {calc::format_real(flops_view)});
        return flops ? std::make_pair(f, m) : std::make_pair(m, f);
    };
    auto throughput = [&](double gmacs, double gflops) {
        const std::string m = i18n::format(tr(st, "calc.unit.gmacs"), {calc::format_real(gmacs)});
        const std::string f = i18n::format(tr(st, "calc.unit.gflops"), {calc::format_real(gflops)});
        return flops ? std::make_pair(f, m) : std::make_pair(m, f);
    };
    ImGui::BeginDisabled(!c.ok);
    if (ImGui::BeginTable("##roof_results", 2, ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp)) {
        ImGui::TableSetupColumn("##what", ImGuiTableColumnFlags_WidthStretch, 0.8f);
        ImGui::TableSetupColumn("##value", ImGuiTableColumnFlags_WidthStretch, 1.2f);
        auto [i1, i2] = per_byte(r.intensity, r.intensity_flops);
        result_row(st, "calc.ui.roof.intensity", i1, "(" + i2 + ")");
        auto [r1, r2] = per_byte(r.ridge, r.ridge_flops);
        result_row(st, "calc.ui.roof.ridge", r1, "(" + r2 + ")");
        auto [a1, a2] = throughput(r.attainable_gmacs, r.attainable_gflops);
        result_row(st, "calc.ui.roof.attainable", a1, "(" + a2 + ")");
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        text_wrapped(tr(st, "calc.ui.roof.bound"));
        ImGui::TableNextColumn();
        const bool memory = r.bound == calc::roofline_bound::memory;
        ImGui::PushStyleColor(ImGuiCol_Text, memory ? memory_color : compute_color);
        text_wrapped(tr(st, memory ? "calc.roofline.bound.memory" : "calc.roofline.bound.compute"));
        ImGui::PopStyleColor();
        ImGui::EndTable();
    }
    ImGui::EndDisabled();
}

void draw_roofline(app_state& st, calculators_panel& cp) {
    if (ImGui::Button(tr(st, "calc.ui.example_button"))) cp.roof_in = roofline_example();
    ImGui::SameLine();
    ImGui::AlignTextToFramePadding();
    disabled_wrapped(tr(st, "calc.ui.roof.example"));

    cp.roof.update(cp.roof_in, st.lang, calc::roofline);
    if (ImGui::BeginTable("##roof", 2, ImGuiTableFlags_SizingStretchProp | ImGuiTableFlags_BordersInnerV)) {
        ImGui::TableSetupColumn("##inputs", ImGuiTableColumnFlags_WidthStretch, 1.1f);
        ImGui::TableSetupColumn("##plot", ImGuiTableColumnFlags_WidthStretch, 1.0f);
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        roofline_inputs(st, cp);
        ImGui::Spacing();
        roofline_results(st, cp);
        ImGui::TableNextColumn();
        if (cp.roof.shown && cp.roof.shown_in) {
            ImGui::BeginDisabled(!cp.roof.ok);
            roofline_plot(st, *cp.roof.shown, *cp.roof.shown_in, ImGui::GetContentRegionAvail().x);
            const bool zero = cp.roof.shown->intensity <= 0;
            if (zero) disabled_wrapped(tr(st, "calc.ui.roof.zero_intensity"));
            ImGui::EndDisabled();
        }
        ImGui::EndTable();
    }
    cp.roof.update(cp.roof_in, st.lang, calc::roofline);
    disabled_wrapped(tr(st, "calc.ui.roof.plot_hint"));

    if (cp.roof.shown) {
        ImGui::Spacing();
        ImGui::TextUnformatted(tr(st, "calc.ui.steps"));
        ImGui::BeginDisabled(!cp.roof.ok);
        steps_table(st, "##roof_steps", cp.roof.shown->steps);
        ImGui::EndDisabled();
    }
}

}  // namespace

void panel_calculators(app_state& st, const panel_def&) {
    calculators_panel& cp = state(st);
    heading(st, tr(st, "panel.calculators.title"));
    text_wrapped(tr(st, "panel.calculators.summary"));
    ImGui::Spacing();
    if (ImGui::CollapsingHeader(tr(st, "calc.ui.conv.heading"), ImGuiTreeNodeFlags_DefaultOpen)) {
        ImGui::PushID("conv");
        draw_conv(st, cp);
        ImGui::PopID();
    }
    ImGui::Spacing();
    if (ImGui::CollapsingHeader(tr(st, "calc.ui.roof.heading"), ImGuiTreeNodeFlags_DefaultOpen)) {
        ImGui::PushID("roof");
        draw_roofline(st, cp);
        ImGui::PopID();
    }
    ImGui::Spacing();
    if (ImGui::CollapsingHeader(tr(st, "calc.ui.net.heading"), ImGuiTreeNodeFlags_DefaultOpen)) {
        ImGui::PushID("net");
        draw_network_calculator(st);
        ImGui::PopID();
    }
    ImGui::Spacing();
    if (ImGui::CollapsingHeader(tr(st, "calc.ui.kd.heading"), ImGuiTreeNodeFlags_DefaultOpen)) {
        ImGui::PushID("kd");
        draw_kd_calculator(st);
        ImGui::PopID();
    }
    ImGui::Spacing();
    heading(st, tr(st, "panel.common.sheet_heading"));
    bullet_lines(tr(st, "panel.calculators.sheet"));
}

void steps_table(const app_state& st, const char* id, const std::vector<calc::step>& steps) {
    const ImGuiTableFlags flags = ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp;
    if (!ImGui::BeginTable(id, 5, flags)) return;
    ImGui::TableSetupColumn("#", ImGuiTableColumnFlags_WidthFixed, ImGui::CalcTextSize("00").x);
    ImGui::TableSetupColumn(tr(st, "calc.ui.col.step"), ImGuiTableColumnFlags_WidthStretch, 1.25f);
    ImGui::TableSetupColumn(tr(st, "calc.ui.col.formula"), ImGuiTableColumnFlags_WidthStretch, 1.2f);
    ImGui::TableSetupColumn(tr(st, "calc.ui.col.substituted"), ImGuiTableColumnFlags_WidthStretch, 1.45f);
    ImGui::TableSetupColumn(tr(st, "calc.ui.col.result"), ImGuiTableColumnFlags_WidthStretch, 1.0f);
    ImGui::TableHeadersRow();
    int n = 0;
    for (const auto& s : steps) {
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::Text("%d", ++n);
        ImGui::TableNextColumn();
        text_wrapped(s.title.c_str());
        ImGui::TableNextColumn();
        text_wrapped(s.formula.c_str());
        ImGui::TableNextColumn();
        text_wrapped(s.substituted.c_str());
        ImGui::TableNextColumn();
        ImGui::PushStyleColor(ImGuiCol_Text, result_color());
        // "= 112"; a sentence (the bound) without the sign, so it wraps as one paragraph.
        const bool number = !s.result.empty() && (std::isdigit(static_cast<unsigned char>(s.result[0])) || s.result[0] == '-');
        text_wrapped(number ? ("= " + s.result).c_str() : s.result.c_str());
        ImGui::PopStyleColor();
    }
    ImGui::EndTable();
}

}  // namespace es::ui
