#include "ui/fonts.h"

#include "assets/assets.h"
#include "assets/font_coverage.h"

#include <imgui.h>
#include <imgui_impl_opengl3.h>

namespace es::ui {

namespace {

// ImGui keeps a pointer to the ranges until the atlas is rebuilt: keep them alive.
const ImVector<ImWchar>& glyph_ranges() {
    static ImVector<ImWchar> ranges = [] {
        ImFontGlyphRangesBuilder builder;
        for (char32_t cp : assets::font_codepoints(assets::bytes("fonts/ui_font.ttf")))
            if (cp <= 0xFFFF) builder.AddChar(static_cast<ImWchar>(cp));
        ImVector<ImWchar> r;
        builder.BuildRanges(&r);
        return r;
    }();
    return ranges;
}

}  // namespace

void fonts_build(float scale) {
    ImGuiIO& io = ImGui::GetIO();
    io.Fonts->Clear();
    auto ttf = assets::bytes("fonts/ui_font.ttf");
    if (ttf.empty()) {
        io.Fonts->AddFontDefault();
    } else {
        ImFontConfig cfg;
        cfg.FontDataOwnedByAtlas = false;  // the bytes live in the binary
        cfg.OversampleH = 1;               // CJK glyphs are many: keep the atlas small
        cfg.OversampleV = 1;
        cfg.PixelSnapH = true;
        io.Fonts->AddFontFromMemoryTTF(const_cast<unsigned char*>(ttf.data()), static_cast<int>(ttf.size()),
                                       16.0f * scale, &cfg, glyph_ranges().Data);
    }
    io.Fonts->Build();
    ImGui_ImplOpenGL3_DestroyFontsTexture();
    ImGui_ImplOpenGL3_CreateFontsTexture();
}

}  // namespace es::ui
