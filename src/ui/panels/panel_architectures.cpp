// Architectures panel: the architecture explorer. One tab per row of the sheet's architecture
// table (MobileNet V1/V2/V3, ShuffleNet V1/V2): a block from the papers' tables (or the
// student's own sizes) drawn as a diagram with shapes and multiply-adds per box, its physical
// meaning, and the "why" of each family: the DSC ratio, the ReLU-manifold experiment, h-swish
// and SE, channel shuffle and channel split step by step, ShuffleNet V2's guidelines in numbers.
// The logic is es::explore (tested natively); this file only draws.
#include "api/dispatcher.h"
#include "calc/step.h"
#include "explore/activations.h"
#include "explore/blocks.h"
#include "explore/channels.h"
#include "explore/guidelines.h"
#include "plot/axis.h"
#include "ui/panels/panels.h"
#include "ui/plot.h"

#include <imgui.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace es::ui {

struct arch_panel {
    explore::family fam = explore::family::mobilenet_v1;
    std::array<explore::block_params, 5> params{};  // per family: the inputs being edited
    std::array<int, 5> preset{};                    // per family: index among its presets, -1 = custom
    bool fold = true;
    bool initialised = false;
    std::array<std::optional<explore::block_diagram>, 5> last_good;  // per family
    std::string error;
    // The block is rebuilt only when its inputs change (building initialises its weights).
    std::optional<explore::block_params> built_params;
    bool built_fold = true;

    // Step-throughs.
    int shuffle_channels = 12, shuffle_groups = 3, shuffle_step = 0;
    bool shuffle_on = true;
    int split_channels = 8, split_step = 0;

    // Guidelines (computed on demand, cached).
    int g_h = 56, g_w = 56, g_c = 128;
    std::vector<explore::g4_row> g4;
    std::vector<explore::g3_row> g3;

    // Cached "why" plots.
    std::vector<explore::manifold> manifolds;
    std::vector<float> act_x;
    std::vector<std::vector<float>> act_y;  // swish, hswish, sigmoid, hsigmoid
    double swish_gap = 0.0;

    // Requested by the page's ui hook (ui.set {"arch": {...}}), applied on the next frame.
    std::optional<int> tab_request;
};

namespace {

constexpr ImU32 col_input = IM_COL32(150, 150, 150, 255);
constexpr ImU32 col_pw = IM_COL32(80, 140, 230, 255);
constexpr ImU32 col_dw = IM_COL32(80, 185, 115, 255);
constexpr ImU32 col_group = IM_COL32(160, 110, 230, 255);
constexpr ImU32 col_se = IM_COL32(225, 100, 170, 255);
constexpr ImU32 col_move = IM_COL32(235, 150, 60, 255);
constexpr ImU32 col_add = IM_COL32(200, 190, 80, 255);
constexpr ImU32 col_pool = IM_COL32(80, 190, 200, 255);
constexpr ImU32 col_other = IM_COL32(130, 130, 130, 255);

int fam_index(explore::family f) { return static_cast<int>(f); }

const char* family_title(explore::family f) {
    switch (f) {
    case explore::family::mobilenet_v1: return "MobileNet V1";
    case explore::family::mobilenet_v2: return "MobileNet V2";
    case explore::family::mobilenet_v3: return "MobileNet V3";
    case explore::family::shufflenet_v1: return "ShuffleNet V1";
    case explore::family::shufflenet_v2: return "ShuffleNet V2";
    }
    return "";
}

const char* arch_title(const std::string& arch) {
    for (explore::family f : explore::all_families)
        if (arch == explore::family_name(f)) return family_title(f);
    return arch.c_str();
}

arch_panel& state(app_state& st) {
    if (!st.arch) st.arch = std::make_shared<arch_panel>();
    arch_panel& a = *st.arch;
    if (!a.initialised) {
        for (explore::family f : explore::all_families) {
            const int i = fam_index(f);
            a.preset[static_cast<std::size_t>(i)] = -1;
            int k = 0;
            for (const auto& p : explore::presets()) {
                if (p.p.fam != f) continue;
                // Start each family on its most typical block: the residual / stride-1 unit.
                const bool typical = std::string(p.id) == "mnv1_dw1" || std::string(p.id) == "mnv2_res" ||
                                     std::string(p.id) == "mnv3_hs_se" || std::string(p.id) == "snv1_stage2" ||
                                     std::string(p.id) == "snv2_stage2";
                if (typical) {
                    a.params[static_cast<std::size_t>(i)] = p.p;
                    a.preset[static_cast<std::size_t>(i)] = k;
                }
                ++k;
            }
        }
        a.initialised = true;
    }
    return a;
}

std::vector<const explore::preset*> presets_of(explore::family f) {
    std::vector<const explore::preset*> out;
    for (const auto& p : explore::presets())
        if (p.p.fam == f) out.push_back(&p);
    return out;
}

ImU32 op_colour(const std::string& op) {
    if (op == "input") return col_input;
    if (op == "pointwise" || op == "conv2d") return col_pw;
    if (op == "depthwise") return col_dw;
    if (op == "group_conv") return col_group;
    if (op == "squeeze_excite") return col_se;
    if (op == "channel_shuffle" || op == "split" || op == "concat") return col_move;
    if (op == "add") return col_add;
    if (op == "avgpool" || op == "maxpool") return col_pool;
    return col_other;
}

std::string fused_suffix(const explore::diagram_node& n) {
    std::string s;
    for (const auto& f : n.fused) {
        std::string name = f == "bn" ? "BN" : f == "relu" ? "ReLU" : f == "relu6" ? "ReLU6" : f == "hswish" ? "h-swish" : f;
        s += " · " + name;
    }
    return s;
}

std::string op_title(const app_state& st, const explore::diagram_node& n) {
    const std::string k = "arch.op." + n.op;
    std::string t;
    if (n.op == "pointwise") t = i18n::format(tr(st, k), {std::to_string(n.cin), std::to_string(n.cout)});
    else if (n.op == "conv2d") t = i18n::format(tr(st, k), {std::to_string(n.k), std::to_string(n.cin), std::to_string(n.cout)});
    else if (n.op == "depthwise") t = i18n::format(tr(st, k), {std::to_string(n.k), std::to_string(n.stride)});
    else if (n.op == "group_conv")
        t = i18n::format(tr(st, k), {std::to_string(n.cin), std::to_string(n.cout), std::to_string(n.groups)});
    else if (n.op == "squeeze_excite")
        t = i18n::format(tr(st, k), {std::to_string(n.squeeze), std::to_string(n.cout)});
    else if (n.op == "channel_shuffle") t = i18n::format(tr(st, k), {std::to_string(n.groups)});
    else if (n.op == "avgpool") t = i18n::format(tr(st, k), {std::to_string(n.k), std::to_string(n.stride)});
    else if (n.op == "act") t = n.act;
    else if (i18n::table(st.lang).count(k)) t = tr(st, k);
    else t = n.op;
    return t + fused_suffix(n);
}

std::string compact(std::uint64_t v) { return es::plot::format_tick(static_cast<double>(v)); }
std::string count(std::uint64_t v) { return calc::format_count(static_cast<std::int64_t>(v)); }

void box_tooltip(const app_state& st, const explore::diagram_node& n) {
    ImGui::BeginTooltip();
    ImGui::PushTextWrapPos(ImGui::GetFontSize() * 30);
    ImGui::TextUnformatted(n.name.c_str());
    if (!n.in_shape.empty()) ImGui::Text("%s → %s", n.in_shape.c_str(), n.out_shape.c_str());
    const bool conv = n.op == "pointwise" || n.op == "depthwise" || n.op == "group_conv" || n.op == "conv2d";
    if (conv) {
        const std::uint64_t conv_macs = static_cast<std::uint64_t>(n.h_out) * n.w_out * n.cout *
                                        static_cast<std::uint64_t>(n.cin / n.groups) * n.k * n.k;
        ImGui::TextUnformatted(i18n::format(tr(st, "arch.ui.tip_conv"),
                                            {std::to_string(n.h_out), std::to_string(n.w_out), std::to_string(n.cout),
                                             std::to_string(n.cin / n.groups), std::to_string(n.k * n.k), count(conv_macs)})
                                   .c_str());
        ImGui::TextUnformatted(i18n::format(tr(st, "arch.ui.tip_params"), {count(n.params)}).c_str());
    } else if (n.op == "squeeze_excite") {
        ImGui::TextUnformatted(i18n::format(tr(st, "arch.ui.tip_se"), {std::to_string(n.cout), std::to_string(n.squeeze),
                                                                      count(n.macs), count(n.params)})
                                   .c_str());
    } else if (n.op != "input" && n.macs == 0) {
        ImGui::TextUnformatted(tr(st, "arch.ui.tip_free"));
    }
    if (n.bn_params) ImGui::TextUnformatted(i18n::format(tr(st, "arch.ui.tip_bn"), {count(n.bn_params)}).c_str());
    if (n.bytes) {
        const double ai = static_cast<double>(n.macs) / static_cast<double>(n.bytes);
        ImGui::TextUnformatted(
            i18n::format(tr(st, "arch.ui.tip_bytes"), {count(n.bytes), calc::format_real(ai, 3)}).c_str());
    }
    ImGui::PopTextWrapPos();
    ImGui::EndTooltip();
}

void arrow_head(ImDrawList* dl, ImVec2 tip, ImU32 c, float s) {
    dl->AddTriangleFilled(tip, ImVec2(tip.x - s * 0.5f, tip.y - s), ImVec2(tip.x + s * 0.5f, tip.y - s), c);
}

// Diagram geometry, in multiples of the font size.
constexpr float box_w_em = 17.0f, box_h_em = 3.6f, row_gap_em = 1.4f, lane_gap_em = 3.5f;

ImVec2 diagram_size(const explore::block_diagram& d) {
    const float fs = ImGui::GetFontSize();
    return ImVec2(fs * (d.lanes * box_w_em + (d.lanes - 1) * lane_gap_em + 5.5f),
                  fs * (d.rows * box_h_em + (d.rows - 1) * row_gap_em + 0.5f));
    // (+ 4 em on the right: room for a shortcut drawn beside the last lane and its label)
}

// The block diagram: boxes on rows and lanes, edges with arrows, shortcuts drawn beside.
void draw_diagram(app_state& st, const explore::block_diagram& d) {
    const float fs = ImGui::GetFontSize();
    const float box_w = fs * box_w_em, box_h = fs * box_h_em, row_gap = fs * row_gap_em, lane_gap = fs * lane_gap_em;
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    ImGui::InvisibleButton("##diagram", diagram_size(d));
    ImDrawList* dl = ImGui::GetWindowDrawList();
    auto box_min = [&](const explore::diagram_node& n) {
        return ImVec2(origin.x + n.lane * (box_w + lane_gap), origin.y + n.row * (box_h + row_gap));
    };
    const ImU32 edge = ImGui::GetColorU32(ImGuiCol_Text, 0.6f);
    const ImU32 dim = ImGui::GetColorU32(ImGuiCol_TextDisabled);
    // Edges first, boxes on top.
    for (const auto& n : d.nodes) {
        const ImVec2 dst = box_min(n);
        for (std::size_t i = 0; i < n.inputs.size(); ++i) {
            const auto& src = d.nodes[static_cast<std::size_t>(n.inputs[i])];
            const ImVec2 s = box_min(src);
            if (n.skips[i]) {
                // Beside the lane: out of the source's right side, down, into the target's right side.
                const float x = s.x + box_w + fs * 1.2f;
                const ImVec2 a(s.x + box_w, s.y + box_h * 0.5f), b(x, a.y), c(x, dst.y + box_h * 0.5f),
                    e(dst.x + box_w + fs * 0.35f, c.y);
                dl->AddLine(a, b, edge, 2.0f);
                dl->AddLine(b, c, edge, 2.0f);
                dl->AddLine(c, e, edge, 2.0f);
                dl->AddTriangleFilled(ImVec2(dst.x + box_w, c.y), ImVec2(e.x, c.y - fs * 0.3f), ImVec2(e.x, c.y + fs * 0.3f),
                                      edge);
                const char* label = tr(st, "arch.ui.identity");
                dl->AddText(ImVec2(x + fs * 0.3f, (b.y + c.y) * 0.5f - fs * 0.5f), dim, label);
                continue;
            }
            const ImVec2 from(s.x + box_w * 0.5f, s.y + box_h);
            const ImVec2 to(dst.x + box_w * 0.5f, dst.y);
            if (std::fabs(from.x - to.x) < 1.0f) {
                dl->AddLine(from, ImVec2(to.x, to.y - fs * 0.4f), edge, 2.0f);
            } else {
                const float mid_y = to.y - row_gap * 0.5f;
                dl->AddLine(from, ImVec2(from.x, mid_y), edge, 2.0f);
                dl->AddLine(ImVec2(from.x, mid_y), ImVec2(to.x, mid_y), edge, 2.0f);
                dl->AddLine(ImVec2(to.x, mid_y), ImVec2(to.x, to.y - fs * 0.4f), edge, 2.0f);
            }
            arrow_head(dl, to, edge, fs * 0.45f);
        }
    }
    const ImVec2 mouse = ImGui::GetIO().MousePos;
    const explore::diagram_node* hovered = nullptr;
    for (const auto& n : d.nodes) {
        const ImVec2 a = box_min(n), b(a.x + box_w, a.y + box_h);
        const ImU32 c = op_colour(n.op);
        dl->AddRectFilled(a, b, (c & 0x00FFFFFF) | 0x40000000, fs * 0.3f);
        dl->AddRect(a, b, c, fs * 0.3f, 0, 2.0f);
        dl->PushClipRect(a, b, true);
        const float pad = fs * 0.35f;
        const std::string title = op_title(st, n);
        dl->AddText(ImVec2(a.x + pad, a.y + pad * 0.6f), ImGui::GetColorU32(ImGuiCol_Text), title.c_str());
        const std::string shapes = n.op == "input" ? n.out_shape : n.in_shape + " → " + n.out_shape;
        dl->AddText(ImVec2(a.x + pad, a.y + pad * 0.6f + fs * 1.05f), dim, shapes.c_str());
        std::string cost;
        if (n.op == "input") cost = "";
        else if (n.macs == 0) cost = tr(st, "arch.ui.box_free");
        else cost = i18n::format(tr(st, "arch.ui.box_macs"), {compact(n.macs), compact(n.params + n.bn_params)});
        dl->AddText(ImVec2(a.x + pad, a.y + pad * 0.6f + fs * 2.1f), ImGui::GetColorU32(ImGuiCol_Text), cost.c_str());
        dl->PopClipRect();
        if (ImGui::IsItemHovered() && mouse.x >= a.x && mouse.x <= b.x && mouse.y >= a.y && mouse.y <= b.y) hovered = &n;
    }
    if (hovered) box_tooltip(st, *hovered);
}

// One stacked bar of where the block's multiply-adds go, by operation kind.
void draw_share(app_state& st, const explore::block_diagram& d) {
    struct part {
        std::string op;
        std::uint64_t macs;
    };
    std::vector<part> parts;
    for (const auto& n : d.nodes) {
        if (n.macs == 0) continue;
        auto it = std::find_if(parts.begin(), parts.end(), [&](const part& p) { return p.op == n.op; });
        if (it == parts.end()) parts.push_back({n.op, n.macs});
        else it->macs += n.macs;
    }
    if (d.macs == 0) return;
    ImGui::TextUnformatted(tr(st, "arch.ui.share"));
    const float fs = ImGui::GetFontSize();
    const float w = std::min(ImGui::GetContentRegionAvail().x, fs * 30.0f), h = fs * 1.2f;
    const ImVec2 o = ImGui::GetCursorScreenPos();
    ImGui::Dummy(ImVec2(w, h));
    ImDrawList* dl = ImGui::GetWindowDrawList();
    float x = o.x;
    for (const auto& p : parts) {
        const float pw = w * static_cast<float>(static_cast<double>(p.macs) / static_cast<double>(d.macs));
        dl->AddRectFilled(ImVec2(x, o.y), ImVec2(x + pw, o.y + h), op_colour(p.op));
        x += pw;
    }
    for (const auto& p : parts) {
        ImGui::ColorButton(("##c" + p.op).c_str(), ImGui::ColorConvertU32ToFloat4(op_colour(p.op)),
                           ImGuiColorEditFlags_NoTooltip, ImVec2(fs * 0.8f, fs * 0.8f));
        ImGui::SameLine();
        ImGui::Text("%s %s%%", tr(st, "arch.kind." + p.op),
                    calc::format_percent(static_cast<double>(p.macs) / static_cast<double>(d.macs)).c_str());
        ImGui::SameLine(0, fs);
    }
    ImGui::NewLine();
}

// Inputs of the block; true when something changed.
bool draw_inputs(app_state& st, arch_panel& a) {
    const auto fi = static_cast<std::size_t>(fam_index(a.fam));
    explore::block_params& p = a.params[fi];
    bool changed = false;
    const auto list = presets_of(a.fam);
    const int cur = a.preset[fi];
    const std::string cur_label =
        cur >= 0 ? tr(st, std::string("arch.preset.") + list[static_cast<std::size_t>(cur)]->id) : tr(st, "arch.ui.custom");
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 30);
    if (ImGui::BeginCombo(tr(st, "arch.ui.preset"), cur_label.c_str())) {
        for (std::size_t i = 0; i < list.size(); ++i) {
            const std::string label = tr(st, std::string("arch.preset.") + list[i]->id);
            if (ImGui::Selectable(label.c_str(), cur == static_cast<int>(i))) {
                a.preset[fi] = static_cast<int>(i);
                p = list[i]->p;
                changed = true;
            }
        }
        ImGui::EndCombo();
    }
    const float w = ImGui::GetFontSize() * 5.5f;
    bool edited = false;
    auto int_field = [&](const char* key, int& v, bool same_line) {
        if (same_line) ImGui::SameLine();
        ImGui::SetNextItemWidth(w);
        std::string label = std::string(tr(st, key)) + "##" + key;
        if (ImGui::InputInt(label.c_str(), &v, 0, 0)) edited = true;
    };
    int_field("arch.ui.h", p.h, false);
    int_field("arch.ui.w", p.w, true);
    int_field("arch.ui.cin", p.cin, true);
    int_field("arch.ui.cout", p.cout, true);
    ImGui::SameLine();
    ImGui::TextUnformatted(tr(st, "arch.ui.stride"));
    for (int s : {1, 2}) {
        ImGui::SameLine();
        if (ImGui::RadioButton((std::to_string(s) + "##stride").c_str(), p.stride == s)) {
            p.stride = s;
            edited = true;
        }
    }
    if (a.fam == explore::family::mobilenet_v2 || a.fam == explore::family::mobilenet_v3)
        int_field("arch.ui.expanded", p.expanded, false);
    if (a.fam == explore::family::mobilenet_v3) {
        ImGui::SameLine();
        ImGui::TextUnformatted(tr(st, "arch.ui.kernel"));
        for (int k : {3, 5}) {
            ImGui::SameLine();
            if (ImGui::RadioButton((std::to_string(k) + "×" + std::to_string(k) + "##kernel").c_str(), p.kernel == k)) {
                p.kernel = k;
                edited = true;
            }
        }
        ImGui::SameLine();
        edited |= ImGui::Checkbox(tr(st, "arch.ui.se"), &p.se);
        ImGui::SameLine();
        edited |= ImGui::Checkbox(tr(st, "arch.ui.hswish"), &p.hswish);
    }
    if (a.fam == explore::family::shufflenet_v1) {
        ImGui::TextUnformatted(tr(st, "arch.ui.groups"));
        for (int g : {1, 2, 3, 4, 8}) {
            ImGui::SameLine();
            if (ImGui::RadioButton((std::to_string(g) + "##groups").c_str(), p.groups == g)) {
                p.groups = g;
                edited = true;
            }
        }
        ImGui::SameLine();
        edited |= ImGui::Checkbox(tr(st, "arch.ui.group_first"), &p.group_first_pw);
    }
    if (edited) a.preset[fi] = -1;
    changed |= ImGui::Checkbox(tr(st, "arch.ui.fold"), &a.fold);
    return changed || edited;
}

void bullet_text(const char* lines) { bullet_lines(lines); }

// --- The "why" sections ---------------------------------------------------------------------

void draw_dsc_compare(app_state& st, const explore::block_diagram& d) {
    const auto& p = d.params;
    const double exact = static_cast<double>(d.macs) / static_cast<double>(d.standard_macs);
    const double formula = 1.0 / p.cout + 1.0 / 9.0;
    text_wrapped(i18n::format(tr(st, "arch.ui.dsc_compare"),
                              {std::to_string(p.cin), std::to_string(p.cout), count(d.standard_macs),
                               calc::format_real(exact, 4), calc::format_real(formula, 4), calc::format_real(1.0 / 9.0, 4)})
                     .c_str());
}

ImU32 hue(double t, int alpha = 255) {
    float r, g, b;
    ImGui::ColorConvertHSVtoRGB(static_cast<float>(t) * 0.8f, 0.75f, 0.95f, r, g, b);
    return IM_COL32(static_cast<int>(r * 255), static_cast<int>(g * 255), static_cast<int>(b * 255), alpha);
}

void draw_manifolds(app_state& st, arch_panel& a) {
    heading(st, tr(st, "arch.relu.title"));
    if (a.manifolds.empty())
        for (int n : {2, 3, 5, 15, 30})
            if (auto m = explore::relu_manifold(n, 600, 3)) a.manifolds.push_back(std::move(*m));
    const float fs = ImGui::GetFontSize();
    const float side = std::clamp((ImGui::GetContentRegionAvail().x - fs * 2) / 6.0f - ImGui::GetStyle().ItemSpacing.x, fs * 8.0f, fs * 14.0f);
    auto one = [&](const char* id, const std::vector<double>& xs, const std::vector<double>& ys, const std::string& title) {
        ImGui::BeginGroup();
        ImGui::TextUnformatted(title.c_str());
        double x0, x1, y0, y1;
        es::plot::fit_range(xs, false, 0.05, &x0, &x1);
        es::plot::fit_range(ys, false, 0.05, &y0, &y1);
        plot p;
        if (plot_begin(p, id, ImVec2(side, side), {x0, x1, false, ""}, {y0, y1, false, ""})) {
            std::vector<ImU32> colours(xs.size());
            for (std::size_t i = 0; i < xs.size(); ++i) colours[i] = hue(static_cast<double>(i) / xs.size());
            plot_points(p, xs.data(), ys.data(), static_cast<int>(xs.size()), 0, colours.data(), 1.8f);
            plot_end(p);
        }
        ImGui::EndGroup();
    };
    if (a.manifolds.empty()) return;
    one("##spiral", a.manifolds[0].x, a.manifolds[0].y, tr(st, "arch.relu.input"));
    for (std::size_t i = 0; i < a.manifolds.size(); ++i) {
        const auto& m = a.manifolds[i];
        ImGui::SameLine();
        const std::string t = i18n::format(tr(st, "arch.relu.n"),
                                           {std::to_string(m.dims), calc::format_percent(m.recoverable) + "%"});
        one(("##relu" + std::to_string(i)).c_str(), m.rx, m.ry, t);
    }
    text_wrapped(tr(st, "arch.relu.note"));
}

void draw_hswish(app_state& st, arch_panel& a, const explore::block_diagram& d) {
    heading(st, tr(st, "arch.hswish.title"));
    if (a.act_x.empty()) {
        for (int i = -600; i <= 600; i += 5) a.act_x.push_back(static_cast<float>(i) / 100.0f);
        for (const char* name : {"swish", "hswish", "sigmoid", "hsigmoid"}) a.act_y.push_back(*explore::activation_curve(name, a.act_x));
        a.swish_gap = explore::max_swish_gap(a.act_x);
    }
    const float fs = ImGui::GetFontSize();
    std::vector<double> xs(a.act_x.begin(), a.act_x.end());
    plot p;
    if (plot_begin(p, "##hswish", ImVec2(std::min(ImGui::GetContentRegionAvail().x, fs * 30), fs * 14),
                   {-6, 6, false, "x"}, {-1, 6, false, ""})) {
        const char* names[] = {"swish", "h-swish", "sigmoid", "h-sigmoid"};
        const ImU32 colours[] = {IM_COL32(120, 170, 250, 255), IM_COL32(250, 150, 60, 255), IM_COL32(120, 200, 120, 255),
                                 IM_COL32(220, 100, 170, 255)};
        for (std::size_t c = 0; c < a.act_y.size(); ++c) {
            std::vector<double> ys(a.act_y[c].begin(), a.act_y[c].end());
            plot_line(p, xs.data(), ys.data(), static_cast<int>(xs.size()), colours[c], names[c], c % 2 ? 2.0f : 3.0f);
        }
        plot_end(p);
    }
    text_wrapped(i18n::format(tr(st, "arch.hswish.gap"), {calc::format_real(a.swish_gap, 3)}).c_str());
    heading(st, tr(st, "arch.se.title"));
    const explore::diagram_node* se = nullptr;
    for (const auto& n : d.nodes)
        if (n.op == "squeeze_excite") se = &n;
    if (!se) {
        text_wrapped(tr(st, "arch.se.none"));
        return;
    }
    text_wrapped(i18n::format(tr(st, "arch.se.share"),
                              {count(se->macs), calc::format_percent(static_cast<double>(se->macs) / d.macs) + "%",
                               count(se->params),
                               calc::format_percent(static_cast<double>(se->params) / d.params_total) + "%"})
                     .c_str());
}

// A row of channel squares: `tags` coloured by `colour_of`, labelled by `label_of`.
template <class Colour, class Label>
void channel_row(const std::vector<int>& tags, Colour colour_of, Label label_of, float cell) {
    const ImVec2 o = ImGui::GetCursorScreenPos();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    for (std::size_t i = 0; i < tags.size(); ++i) {
        const ImVec2 a(o.x + i * (cell + 3), o.y), b(a.x + cell, a.y + cell);
        dl->AddRectFilled(a, b, colour_of(tags[i]), 3.0f);
        const std::string t = label_of(tags[i]);
        const ImVec2 ts = ImGui::CalcTextSize(t.c_str());
        dl->AddText(ImVec2(a.x + (cell - ts.x) * 0.5f, a.y + (cell - ts.y) * 0.5f), IM_COL32(20, 20, 20, 255), t.c_str());
    }
    ImGui::Dummy(ImVec2(tags.size() * (cell + 3), cell + 2));
}

// Brackets under a row: `groups` runs of `per` cells.
void brackets(int groups, int per, float cell) {
    const ImVec2 o = ImGui::GetCursorScreenPos();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const ImU32 c = ImGui::GetColorU32(ImGuiCol_Text, 0.7f);
    for (int g = 0; g < groups; ++g) {
        const float x0 = o.x + g * per * (cell + 3), x1 = x0 + per * (cell + 3) - 3;
        dl->AddLine(ImVec2(x0, o.y), ImVec2(x0, o.y + 5), c, 2);
        dl->AddLine(ImVec2(x0, o.y + 5), ImVec2(x1, o.y + 5), c, 2);
        dl->AddLine(ImVec2(x1, o.y), ImVec2(x1, o.y + 5), c, 2);
    }
    ImGui::Dummy(ImVec2(groups * per * (cell + 3), 8));
}

bool step_buttons(app_state& st, int& step, int last, const char* id) {
    bool moved = false;
    ImGui::PushID(id);
    if (ImGui::Button(tr(st, "arch.ui.prev")) && step > 0) {
        --step;
        moved = true;
    }
    ImGui::SameLine();
    if (ImGui::Button(tr(st, "arch.ui.next")) && step < last) {
        ++step;
        moved = true;
    }
    ImGui::PopID();
    return moved;
}

void draw_shuffle(app_state& st, arch_panel& a) {
    heading(st, tr(st, "arch.shuffle.title"));
    const float fs = ImGui::GetFontSize();
    ImGui::SetNextItemWidth(fs * 6);
    ImGui::SliderInt(tr(st, "arch.shuffle.channels"), &a.shuffle_channels, 2, 24);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(fs * 6);
    ImGui::SliderInt(tr(st, "arch.shuffle.groups"), &a.shuffle_groups, 1, 8);
    ImGui::SameLine();
    ImGui::Checkbox(tr(st, "arch.shuffle.on"), &a.shuffle_on);
    ImGui::SameLine();
    step_buttons(st, a.shuffle_step, 3, "shuffle");
    const int c = a.shuffle_channels, g = a.shuffle_groups;
    std::string err;
    auto order = explore::shuffle_order(c, g, &err);
    if (!order) {
        ImGui::TextColored(ImVec4(0.95f, 0.35f, 0.30f, 1.0f), "%s %s", tr(st, "arch.shuffle.bad"), err.c_str());
        return;
    }
    const int n = c / g;
    const float cell = fs * 1.6f;
    auto colour = [&](int ch) { return hue(static_cast<double>(ch / n) / std::max(1, g)); };
    auto label = [](int ch) { return std::to_string(ch); };
    std::vector<int> identity(static_cast<std::size_t>(c));
    for (int i = 0; i < c; ++i) identity[static_cast<std::size_t>(i)] = i;
    const std::string sn = std::to_string(n), sg = std::to_string(g), sc = std::to_string(c);
    switch (a.shuffle_step) {
    case 0:
        text_wrapped(i18n::format(tr(st, "arch.shuffle.step0"), {sn}).c_str());
        channel_row(identity, colour, label, cell);
        brackets(g, n, cell);
        break;
    case 1:
    case 2: {
        text_wrapped(i18n::format(tr(st, a.shuffle_step == 1 ? "arch.shuffle.step1" : "arch.shuffle.step2"), {sc, sg, sn})
                         .c_str());
        const bool t = a.shuffle_step == 2;
        const int rows = t ? n : g, cols = t ? g : n;
        for (int r = 0; r < rows; ++r) {
            std::vector<int> row;
            for (int k = 0; k < cols; ++k) row.push_back(t ? k * n + r : r * n + k);
            channel_row(row, colour, label, cell);
        }
        break;
    }
    default:
        text_wrapped(tr(st, a.shuffle_on ? "arch.shuffle.step3" : "arch.shuffle.step3_off"));
        channel_row(a.shuffle_on ? *order : identity, colour, label, cell);
        brackets(g, n, cell);
        break;
    }
    std::string list;
    for (int v : *order) list += (list.empty() ? "" : ", ") + std::to_string(v);
    ImGui::TextDisabled("%s", i18n::format(tr(st, "arch.shuffle.engine"), {list}).c_str());
}

void draw_split(app_state& st, arch_panel& a) {
    heading(st, tr(st, "arch.split.title"));
    const float fs = ImGui::GetFontSize();
    ImGui::SetNextItemWidth(fs * 6);
    if (ImGui::SliderInt(tr(st, "arch.shuffle.channels"), &a.split_channels, 2, 16)) a.split_channels &= ~1;
    a.split_channels = std::max(2, a.split_channels);
    ImGui::SameLine();
    step_buttons(st, a.split_step, 4, "split");
    const int c = a.split_channels, half = c / 2;
    std::vector<int> tags(static_cast<std::size_t>(c));
    for (int i = 0; i < c; ++i) tags[static_cast<std::size_t>(i)] = i;
    const int fresh = 1000;
    auto t = explore::split_unit(tags, fresh, nullptr);
    if (!t) return;
    const float cell = fs * 1.6f;
    auto colour = [&](int v) { return v >= fresh ? IM_COL32(200, 200, 200, 255) : hue(static_cast<double>(v) / c); };
    auto label = [&](int v) {
        if (v < fresh) return std::to_string(v);
        std::string b = "b";  // (one append, not "b" + string: GCC 12 warns falsely on that)
        b += std::to_string(v - fresh);
        return b;
    };
    const std::string sc = std::to_string(c), sh = std::to_string(half);
    const char* keys[] = {"arch.split.step0", "arch.split.step1", "arch.split.step2", "arch.split.step3", "arch.split.step4"};
    text_wrapped(i18n::format(tr(st, keys[a.split_step]), {sc, sh}).c_str());
    switch (a.split_step) {
    case 0: channel_row(tags, colour, label, cell); break;
    case 1:
        ImGui::TextDisabled("%s", tr(st, "arch.ui.identity"));
        channel_row(t->identity, colour, label, cell);
        channel_row(t->branch_in, colour, label, cell);
        break;
    case 2: {
        ImGui::TextDisabled("%s", tr(st, "arch.ui.identity"));
        channel_row(t->identity, colour, label, cell);
        std::vector<int> outs(t->concat.begin() + half, t->concat.end());
        channel_row(outs, colour, label, cell);
        break;
    }
    case 3:
        channel_row(t->concat, colour, label, cell);
        brackets(2, half, cell);
        break;
    default:
        channel_row(t->shuffled, colour, label, cell);
        brackets(2, half, cell);
        break;
    }
    std::string shares;
    // On 64 channels: a handful of channels cannot halve four times.
    for (double f : explore::reuse_fractions(64, 4)) shares += (shares.empty() ? "" : ", ") + calc::format_percent(f) + "%";
    text_wrapped(i18n::format(tr(st, "arch.split.reuse"), {shares}).c_str());
}

void draw_guidelines(app_state& st, arch_panel& a) {
    heading(st, tr(st, "arch.g.title"));
    text_wrapped(tr(st, "arch.g.mac_note"));
    const float fs = ImGui::GetFontSize();
    ImGui::SetNextItemWidth(fs * 5);
    ImGui::InputInt("h##g", &a.g_h, 0, 0);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(fs * 5);
    ImGui::InputInt("w##g", &a.g_w, 0, 0);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(fs * 5);
    ImGui::InputInt(tr(st, "arch.g.c"), &a.g_c, 0, 0);
    std::string err;
    auto g1 = explore::g1_table(a.g_h, a.g_w, a.g_c, &err);
    auto g2 = explore::g2_table(a.g_h, a.g_w, a.g_c, &err);
    if (!g1 || !g2) {
        ImGui::TextColored(ImVec4(0.95f, 0.35f, 0.30f, 1.0f), "%s", err.c_str());
    } else {
        text_wrapped(i18n::format(tr(st, "arch.g.g1"), {std::to_string(a.g_h), std::to_string(a.g_w)}).c_str());
        const ImGuiTableFlags tf = ImGuiTableFlags_Borders | ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_NoHostExtendX;
        if (ImGui::BeginTable("##g1", 6, tf)) {
            for (const char* h : {tr(st, "arch.g.ratio"), "c1", "c2", "B", "MAC", tr(st, "arch.g.bound")}) ImGui::TableSetupColumn(h);
            ImGui::TableHeadersRow();
            for (const auto& r : *g1) {
                ImGui::TableNextRow();
                ImGui::TableNextColumn();
                ImGui::Text("1 : %d", r.ratio);
                ImGui::TableNextColumn();
                ImGui::Text("%llu", static_cast<unsigned long long>(r.c1));
                ImGui::TableNextColumn();
                ImGui::Text("%llu", static_cast<unsigned long long>(r.c2));
                ImGui::TableNextColumn();
                ImGui::TextUnformatted(count(r.flops).c_str());
                ImGui::TableNextColumn();
                ImGui::TextUnformatted(count(r.mac).c_str());
                ImGui::TableNextColumn();
                ImGui::TextUnformatted(calc::format_real(r.bound, 7).c_str());
            }
            ImGui::EndTable();
        }
        text_wrapped(tr(st, "arch.g.g2"));
        if (ImGui::BeginTable("##g2", 4, tf)) {
            for (const char* h : {tr(st, "arch.g.groups"), "c", "B", "MAC"}) ImGui::TableSetupColumn(h);
            ImGui::TableHeadersRow();
            for (const auto& r : *g2) {
                ImGui::TableNextRow();
                ImGui::TableNextColumn();
                ImGui::Text("%d", r.groups);
                ImGui::TableNextColumn();
                ImGui::Text("%llu", static_cast<unsigned long long>(r.c));
                ImGui::TableNextColumn();
                ImGui::TextUnformatted(count(r.flops).c_str());
                ImGui::TableNextColumn();
                ImGui::TextUnformatted(count(r.mac).c_str());
            }
            ImGui::EndTable();
        }
    }
    text_wrapped(tr(st, "arch.g.g3"));
    if (a.g3.empty()) a.g3 = explore::g3_blocks();
    const ImGuiTableFlags tf = ImGuiTableFlags_Borders | ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_NoHostExtendX;
    if (ImGui::BeginTable("##g3", 4, tf)) {
        for (const char* h : {tr(st, "arch.g.block"), tr(st, "arch.g.ops"), tr(st, "arch.g.branches"), tr(st, "arch.g.macs")})
            ImGui::TableSetupColumn(h);
        ImGui::TableHeadersRow();
        for (const auto& r : a.g3) {
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(tr(st, "arch.preset." + r.preset));
            ImGui::TableNextColumn();
            ImGui::Text("%d", r.ops);
            ImGui::TableNextColumn();
            ImGui::Text("%d", r.branches);
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(count(r.macs).c_str());
        }
        ImGui::EndTable();
    }
    text_wrapped(tr(st, "arch.g.g4"));
    if (a.g4.empty())
        for (const char* arch : {"mobilenet_v1", "mobilenet_v2", "shufflenet_v1", "shufflenet_v2"})
            if (auto r = explore::g4_network(arch, nullptr)) a.g4.push_back(*r);
    if (ImGui::BeginTable("##g4", 4, tf)) {
        for (const char* h : {tr(st, "arch.g.network"), tr(st, "arch.g.elt_layers"), tr(st, "arch.g.mac_share"),
                              tr(st, "arch.g.byte_share")})
            ImGui::TableSetupColumn(h);
        ImGui::TableHeadersRow();
        for (const auto& r : a.g4) {
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(arch_title(r.arch));
            ImGui::TableNextColumn();
            ImGui::Text("%d / %d", r.eltwise_layers, r.layers);
            ImGui::TableNextColumn();
            ImGui::Text("%s%%", calc::format_percent(r.eltwise_mac_share).c_str());
            ImGui::TableNextColumn();
            ImGui::Text("%s%%", calc::format_percent(r.eltwise_byte_share).c_str());
        }
        ImGui::EndTable();
    }
}


}  // namespace

void panel_architectures(app_state& st, const panel_def&) {
    arch_panel& a = state(st);
    text_wrapped(tr(st, "arch.intro"));
    if (ImGui::BeginTabBar("##arch_family")) {
        for (explore::family f : explore::all_families) {
            const bool requested = a.tab_request && *a.tab_request == fam_index(f);
            if (ImGui::BeginTabItem(family_title(f), nullptr, requested ? ImGuiTabItemFlags_SetSelected : 0)) {
                if (!a.tab_request || requested) a.fam = f;
                if (requested) a.tab_request.reset();
                ImGui::EndTabItem();
            }
        }
        ImGui::EndTabBar();
    }
    const auto fi = static_cast<std::size_t>(fam_index(a.fam));
    const std::string fname = explore::family_name(a.fam);
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_PlotLinesHovered));
    ImGui::TextUnformatted(tr(st, "arch." + fname + ".core"));
    ImGui::PopStyleColor();

    draw_inputs(st, a);
    if (!a.built_params || !(*a.built_params == a.params[fi]) || a.built_fold != a.fold) {
        std::string err;
        auto d = explore::build_block(a.params[fi], a.fold, &err);
        if (d) a.last_good[fi] = std::move(d);
        a.error = err;
        a.built_params = a.params[fi];
        a.built_fold = a.fold;
    }
    if (!a.error.empty()) {
        ImGui::TextColored(ImVec4(0.95f, 0.35f, 0.30f, 1.0f), "%s", a.error.c_str());
        if (a.last_good[fi]) ImGui::TextDisabled("%s", tr(st, "arch.ui.last_valid"));
    }
    const auto& shown = a.last_good[fi];
    if (!shown) return;

    heading(st, tr(st, "arch.ui.diagram"));
    text_wrapped(i18n::format(tr(st, "arch.ui.totals"), {count(shown->macs), count(shown->params_total), shown->out_shape})
                     .c_str());
    draw_share(st, *shown);
    if (a.fam == explore::family::mobilenet_v1) draw_dsc_compare(st, *shown);
    // The diagram on the left, the physical meaning beside it.
    const float fs = ImGui::GetFontSize();
    const float diagram_h = std::min(diagram_size(*shown).y + fs * 1.5f, fs * 34.0f);
    const bool scrolls = diagram_size(*shown).y + fs * 1.5f > diagram_h;
    const float diagram_w = std::min(diagram_size(*shown).x + fs * 1.5f + (scrolls ? ImGui::GetStyle().ScrollbarSize : 0.0f),
                                     ImGui::GetContentRegionAvail().x * 0.6f);
    ImGui::BeginChild("##diagram_area", ImVec2(diagram_w, diagram_h), true, ImGuiWindowFlags_HorizontalScrollbar);
    draw_diagram(st, *shown);
    ImGui::EndChild();
    ImGui::SameLine();
    ImGui::BeginChild("##meaning", ImVec2(0, diagram_h), false);
    heading(st, i18n::format(tr(st, "arch.ui.meaning"), {tr(st, "arch." + fname + ".bullet")}).c_str());
    bullet_text(tr(st, "arch." + fname + ".meaning"));
    ImGui::EndChild();
    switch (a.fam) {
    case explore::family::mobilenet_v1: break;
    case explore::family::mobilenet_v2: draw_manifolds(st, a); break;
    case explore::family::mobilenet_v3: draw_hswish(st, a, *shown); break;
    case explore::family::shufflenet_v1: draw_shuffle(st, a); break;
    case explore::family::shufflenet_v2:
        draw_split(st, a);
        draw_guidelines(st, a);
        break;
    }
}

nlohmann::json architectures_state(const app_state& st) {
    if (!st.arch) return nullptr;
    const arch_panel& a = *st.arch;
    const auto fi = static_cast<std::size_t>(fam_index(a.fam));
    const auto& d = a.last_good[fi];
    return {{"family", explore::family_name(a.fam)},
            {"error", a.error},
            {"macs", d ? d->macs : 0},
            {"nodes", d ? d->nodes.size() : 0},
            {"shuffle_step", a.shuffle_step},
            {"split_step", a.split_step}};
}

nlohmann::json architectures_apply(app_state& st, const nlohmann::json& req) {
    if (!req.is_object()) return api::make_error("\"arch\" must be an object");
    for (auto& [k, v] : req.items())
        if (k != "family" && k != "preset" && k != "shuffle_step" && k != "split_step" && k != "fold")
            return api::make_error("unknown arch field \"" + k + "\" (known: family, preset, shuffle_step, split_step, fold)");
    std::optional<explore::family> fam;
    const explore::preset* preset = nullptr;
    if (auto it = req.find("family"); it != req.end())
        if (!it->is_string() || !(fam = explore::parse_family(it->get<std::string>())))
            return api::make_error("\"arch.family\" must be one of mobilenet_v1, mobilenet_v2, mobilenet_v3, "
                                   "shufflenet_v1, shufflenet_v2");
    if (auto it = req.find("preset"); it != req.end()) {
        if (!it->is_string() || !(preset = explore::find_preset(it->get<std::string>())))
            return api::make_error("\"arch.preset\" is not a known block");
        if (fam && *fam != preset->p.fam) return api::make_error("\"arch.preset\" belongs to another family");
        fam = preset->p.fam;
    }
    auto step = [&](const char* key, int last, std::optional<int>& out) -> std::string {
        auto it = req.find(key);
        if (it == req.end()) return {};
        if (!it->is_number_integer() || it->get<int>() < 0 || it->get<int>() > last)
            return std::string("\"arch.") + key + "\" must be an integer from 0 to " + std::to_string(last);
        out = it->get<int>();
        return {};
    };
    std::optional<int> shuffle_step, split_step;
    if (auto e = step("shuffle_step", 3, shuffle_step); !e.empty()) return api::make_error(e);
    if (auto e = step("split_step", 4, split_step); !e.empty()) return api::make_error(e);
    std::optional<bool> fold;
    if (auto it = req.find("fold"); it != req.end()) {
        if (!it->is_boolean()) return api::make_error("\"arch.fold\" must be true or false");
        fold = it->get<bool>();
    }
    arch_panel& a = state(st);
    if (fam) {
        a.fam = *fam;
        a.tab_request = fam_index(*fam);
    }
    if (preset) {
        const auto fi = static_cast<std::size_t>(fam_index(preset->p.fam));
        a.params[fi] = preset->p;
        const auto list = presets_of(preset->p.fam);
        a.preset[fi] = static_cast<int>(std::find(list.begin(), list.end(), preset) - list.begin());
    }
    if (shuffle_step) a.shuffle_step = *shuffle_step;
    if (split_step) a.split_step = *split_step;
    if (fold) a.fold = *fold;
    return {{"ok", true}};
}

}  // namespace es::ui
