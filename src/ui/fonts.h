// fonts: builds the ImGui font atlas from the embedded font subset (cmake/font_subset.py),
// with glyph ranges for exactly the code points the subset holds, at a given UI scale.
#pragma once

namespace es::ui {

// Rebuilds the atlas at 16 px x scale and re-uploads the GPU texture.
void fonts_build(float scale);

}  // namespace es::ui
